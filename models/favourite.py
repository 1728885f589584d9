"""Favourites: the houses a user hearted, newest first (service: `Favourites`).

Only listed houses are favourited: a house taken down leaves every favourites list in the
transaction that takes it down (Houses.take_down). Every read goes to the primary, so that a
heart shows at once on the next page the user opens.
"""
from models.house import CARD_COLUMNS, dress_card
from utils.errors import HOUSE_GONE, RET, ApiError

MAX_FAVOURITES = 1000  # per user: the list stays a few pages of cheap reads
MAX_ASKED = 100  # house ids one question about hearts may name


class Favourites:
    def __init__(self, db, media, clock, *, page_size):
        self.db = db
        self.media = media
        self.clock = clock
        self.page_size = page_size

    async def add(self, user_id, house_id):
        """Heart a listed house; hearting it again changes nothing."""
        async with self.db.transaction(isolation="READ COMMITTED") as cur:
            # The user's hearts take turns, so two at once cannot both slip under the limit.
            await cur.execute("SELECT id FROM ih_user WHERE id = %s FOR UPDATE", (user_id,))
            # Shared: a takedown of the house waits for this heart, then removes it, or goes first.
            await cur.execute("SELECT listed FROM ih_house WHERE id = %s LOCK IN SHARE MODE", (house_id,))
            house = await cur.fetchone()
            if house is None or not house["listed"]:
                raise ApiError(RET.NODATA, HOUSE_GONE, param="house_id")
            await cur.execute("SELECT COUNT(*) AS hearted, COALESCE(SUM(house_id = %s), 0) AS this_one"
                              " FROM ih_favourite WHERE user_id = %s", (house_id, user_id))
            found = await cur.fetchone()
            if found["this_one"]:
                return
            if found["hearted"] >= MAX_FAVOURITES:
                raise ApiError(RET.DATAERR, f"最多收藏{MAX_FAVOURITES}套房屋，请先取消一些收藏")
            await cur.execute("INSERT INTO ih_favourite (user_id, house_id) VALUES (%s, %s)", (user_id, house_id))

    async def remove(self, user_id, house_id):
        """Take the heart off a listed house; one without a heart stays so."""
        removed, _ = await self.db.execute("DELETE FROM ih_favourite WHERE user_id = %s AND house_id = %s",
                                           (user_id, house_id))
        if not removed:
            house = await self.db.fetchone("SELECT listed FROM ih_house WHERE id = %s", (house_id,))
            if house is None or not house["listed"]:
                raise ApiError(RET.NODATA, HOUSE_GONE, param="house_id")

    async def page(self, user_id, page):
        """The payload of GET /api/user/favourites: the 1-based `page` of the user's hearted
        houses, newest heart first, as the search's cards with `favourited_at`; the pages."""
        count = await self.db.fetchone(
            "SELECT COUNT(*) AS hearted FROM ih_favourite f JOIN ih_house h ON h.id = f.house_id"
            " WHERE f.user_id = %s AND h.listed = 1", (user_id,))
        houses = await self.db.fetchall(
            f"SELECT {CARD_COLUMNS}, f.created_at AS favourited_at FROM ih_favourite f"
            " JOIN ih_house h ON h.id = f.house_id JOIN ih_user u ON u.id = h.user_id"
            " WHERE f.user_id = %s AND h.listed = 1 ORDER BY f.created_at DESC, f.house_id DESC"
            " LIMIT %s OFFSET %s", (user_id, self.page_size, (page - 1) * self.page_size))
        for house in houses:
            dress_card(self.media, house)
            house["favourited_at"] = self.clock.show_timestamp(house["favourited_at"])
        return {"houses": houses, "total_page": -(-count["hearted"] // self.page_size)}

    async def hearted(self, user_id, house_ids):
        """Which of `house_ids` (ascending) the user hearted, in that order."""
        if not house_ids:
            return []
        rows = await self.db.fetchall(
            f"SELECT house_id FROM ih_favourite WHERE user_id = %s AND house_id IN"
            f" ({', '.join(['%s'] * len(house_ids))})", (user_id, *house_ids))
        found = {row["house_id"] for row in rows}
        return [house_id for house_id in house_ids if house_id in found]
