"""Houses: publishing, photos, the detail, the home page and the search, and the never-stale
Redis caches in front of them. Money is integer fen here; images leave as full URLs.
"""
import asyncio
import dataclasses
import datetime

import orjson

from models.media import AVATAR_THUMBNAIL, CARD_THUMBNAIL, ROW_THUMBNAIL
from models.order import COMPLETE
from models.user import public_name
from utils.cache import HOUSES, Uncached
from utils.errors import RET, ApiError
from utils.images import ImageUse

# Each order is served by an index of ih_house (see 0001_schema.sql); the id breaks ties.
SORT_ORDERS = {
    "new": "h.created_at DESC, h.id DESC",
    "booking": "h.order_count DESC, h.id DESC",
    "price-inc": "h.price ASC, h.id ASC",
    "price-des": "h.price DESC, h.id DESC",
}
DEFAULT_SORT = "new"
HOME_PAGE_HOUSES = 5
DETAIL_COMMENTS = 30
# Stored at most 1600 px on a side. Decoding up to 4096 x 4096 still takes a screenshot of any
# screen up to 5K; a camera JPEG (up to 40 million pixels) is decoded at 1/2 to 1/8 scale and passes.
PHOTO = ImageUse("house_image", max_side=1600, max_decoded_pixels=4096 * 4096,
                 thumbnails=(ROW_THUMBNAIL, CARD_THUMBNAIL))

# The fields of a house as published: (name, longest) texts and (name, smallest, largest) numbers.
TEXT_FIELDS = [("title", 64), ("address", 512), ("unit", 32), ("beds", 64)]
NUMBER_FIELDS = [("room_count", 1, 100), ("acreage", 1, 100_000), ("capacity", 1, 100),
                 ("min_days", 1, 365), ("max_days", 0, 365), ("area_id", 1, None)]


@dataclasses.dataclass(frozen=True)
class Search:
    """A validated search: the area, the nights first..last (both or neither), order, page."""
    area_id: int | None
    first_night: datetime.date | None
    last_night: datetime.date | None
    sort: str
    page: int

    def cache_name(self, page_size):
        nights = f"{self.first_night}..{self.last_night}" if self.first_night else ""
        return f"search:{self.area_id or ''}:{nights}:{self.sort}:{self.page}:{page_size}"


def search_filter(query):
    """The WHERE clause of a search and its arguments: one builder for the count and the page."""
    conditions, args = [], []
    if query.area_id is not None:
        conditions.append("h.area_id = %s")
        args.append(query.area_id)
    if query.first_night is not None:
        days = (query.last_night - query.first_night).days + 1
        conditions.append("h.min_days <= %s AND (h.max_days = 0 OR h.max_days >= %s)")
        # ih_booked_night holds exactly the nights of active orders; with a district, only that
        # district's booked nights are looked at (migration 0004).
        args += [days, days]
        same_area = ""
        if query.area_id is not None:
            same_area = " AND n.area_id = %s"
            args.append(query.area_id)
        conditions.append("NOT EXISTS (SELECT 1 FROM ih_booked_night n"
                          f" WHERE n.house_id = h.id{same_area} AND n.night BETWEEN %s AND %s)")
        args += [query.first_night, query.last_night]
    return (" WHERE " + " AND ".join(conditions) if conditions else ""), args


async def _encoded(**fields):
    """The JSON bytes of an answer's payload object, each field awaited first."""
    return orjson.dumps({name: await value for name, value in fields.items()})


class Houses:
    def __init__(self, db, cache, media, clock, *, page_size):
        self.db = db
        self.cache = cache
        self.media = media
        self.clock = clock
        self.page_size = page_size

    # ---- reading ------------------------------------------------------------------------------
    # The public pages read through `db`, reads that may go to the replica (Database.reading).

    async def areas(self, db):
        return await db.fetchall("SELECT id AS area_id, name FROM ih_area ORDER BY id")

    async def cached_areas(self):
        """The payload of /api/house/area as a JSON object's bytes."""
        return await self.cache.get_or_build(HOUSES, "areas", lambda db: _encoded(data=self.areas(db)))

    async def home_page_houses(self, db):
        """The most-booked houses that have a photo."""
        houses = await db.fetchall(
            "SELECT id AS house_id, title, index_image FROM ih_house WHERE index_image IS NOT NULL"
            " ORDER BY order_count DESC, id DESC LIMIT %s", (HOME_PAGE_HOUSES,))
        for house in houses:
            house["img_thumb"] = self.media.url(house["index_image"], CARD_THUMBNAIL)
            house["img_url"] = self.media.url(house.pop("index_image"))
        return houses

    async def cached_home_page(self):
        """The payload of /api/house/index as a JSON object's bytes."""
        return await self.cache.get_or_build(
            HOUSES, "home", lambda db: _encoded(houses=self.home_page_houses(db), areas=self.areas(db)))

    async def detail(self, house_id, db):
        house = await db.fetchone(
            "SELECT h.id AS hid, h.user_id, h.title, h.price, h.deposit, h.address, h.area_id,"
            " a.name AS area_name, h.room_count, h.acreage, h.unit, h.capacity, h.beds, h.min_days,"
            " h.max_days, h.order_count, u.name AS user_name, u.mobile, u.avatar AS user_avatar"
            " FROM ih_house h JOIN ih_area a ON a.id = h.area_id JOIN ih_user u ON u.id = h.user_id"
            " WHERE h.id = %s", (house_id,))
        if house is None:
            raise ApiError(RET.NODATA, "房屋不存在")
        images, facilities, comments = await asyncio.gather(
            db.fetchall("SELECT image FROM ih_house_image WHERE house_id = %s ORDER BY id", (house_id,)),
            db.fetchall("SELECT facility_id FROM ih_house_facility WHERE house_id = %s"
                        " ORDER BY facility_id", (house_id,)),
            db.fetchall("SELECT u.name, u.mobile, o.comment, o.updated_at FROM ih_order o"
                        " JOIN ih_user u ON u.id = o.user_id WHERE o.house_id = %s AND o.status = %s"
                        " ORDER BY o.updated_at DESC, o.id DESC LIMIT %s",
                        (house_id, COMPLETE, DETAIL_COMMENTS)))
        # A house page is public: a landlord is shown masked, a reviewer anonymous, never by mobile.
        house["user_name"] = public_name(house["user_name"], house.pop("mobile"), masked=True)
        house["user_avatar_thumb"] = self.media.url(house["user_avatar"], AVATAR_THUMBNAIL)
        house["user_avatar"] = self.media.url(house["user_avatar"])
        house["images"] = [self.media.url(row["image"]) for row in images]
        house["image_thumbs"] = [self.media.url(row["image"], ROW_THUMBNAIL) for row in images]
        house["facilities"] = [row["facility_id"] for row in facilities]
        house["comments"] = [{"user_name": public_name(row["name"], row["mobile"]),
                              "content": row["comment"],
                              "ctime": self.clock.show_timestamp(row["updated_at"])} for row in comments]
        return house

    async def cached_detail(self, house_id):
        """The payload of GET /api/house/info as a JSON object's bytes, but the visitor's `user_id`."""
        return await self.cache.get_or_build(HOUSES, f"detail:{house_id}",
                                             lambda db: _encoded(data=self.detail(house_id, db)))

    async def landlord_houses(self, user_id):
        """The landlord's houses, newest first."""
        houses = await self.db.fetchall(
            "SELECT h.id AS house_id, h.title, h.price, a.name AS area_name, h.index_image,"
            " h.created_at, h.order_count FROM ih_house h JOIN ih_area a ON a.id = h.area_id"
            " WHERE h.user_id = %s ORDER BY h.created_at DESC, h.id DESC", (user_id,))
        for house in houses:
            house["img_thumb"] = self.media.url(house["index_image"], ROW_THUMBNAIL)
            house["img_url"] = self.media.url(house.pop("index_image"))
            house["ctime"] = self.clock.show_timestamp(house.pop("created_at"))
        return houses

    async def search(self, query):
        """The payload of /api/house/list: one page of houses and the number of pages."""
        return await self.search_in(query, await self.cache.reading())

    async def search_in(self, query, db):
        """`search` read through `db`."""
        where, args = search_filter(query)
        count = (await db.fetchone(f"SELECT COUNT(*) AS houses FROM ih_house h{where}", args))["houses"]
        offset = (query.page - 1) * self.page_size
        houses = []
        if offset < count:
            # The page's ids come from the sort's index alone, and only that page's rows are read:
            # the plan stays on that index whatever the optimizer thinks of the join to ih_user.
            order = SORT_ORDERS[query.sort]
            houses = await db.fetchall(
                "SELECT h.id AS house_id, h.title, h.price, h.room_count, h.address, h.order_count,"
                f" u.avatar, h.index_image FROM (SELECT h.id FROM ih_house h{where} ORDER BY {order}"
                " LIMIT %s OFFSET %s) page JOIN ih_house h ON h.id = page.id"
                f" JOIN ih_user u ON u.id = h.user_id ORDER BY {order}", [*args, self.page_size, offset])
        for house in houses:
            house["avatar_thumb"] = self.media.url(house["avatar"], AVATAR_THUMBNAIL)
            house["avatar"] = self.media.url(house["avatar"])
            house["image_thumb"] = self.media.url(house["index_image"], CARD_THUMBNAIL)
            house["image_url"] = self.media.url(house.pop("index_image"))
        return {"data": houses, "total_page": (count + self.page_size - 1) // self.page_size}

    async def cached_search(self, query):
        """The payload of /api/house/list2 as a JSON object's bytes. Only a page that exists is
        kept: a page past the end is empty whatever its number, and keeping one entry per number
        asked for would let anyone fill Redis."""
        async def build(db):
            found = await self.search_in(query, db)
            encoded = orjson.dumps(found)
            return encoded if query.page <= max(found["total_page"], 1) else Uncached(encoded)
        return await self.cache.get_or_build(HOUSES, query.cache_name(self.page_size), build)

    # ---- writing ------------------------------------------------------------------------------

    async def publish(self, landlord_id, house, facility_ids):
        """Insert `house` (the ih_house columns of TEXT_FIELDS, NUMBER_FIELDS, price and deposit)
        and its facilities; returns its id. Only a verified landlord may publish."""
        if 0 < house["max_days"] < house["min_days"]:
            raise ApiError(RET.PARAMERR, "参数 max_days 无效：应为 0（不限）或不小于 min_days",
                           param="max_days")
        async with self.cache.retiring(HOUSES), self.db.transaction() as cur:
            await cur.execute("SELECT real_name FROM ih_user WHERE id = %s", (landlord_id,))
            landlord = await cur.fetchone()
            if landlord is None or landlord["real_name"] is None:
                raise ApiError(RET.ROLEERR, "请先完成实名认证再发布房源")
            await cur.execute("SELECT 1 FROM ih_area WHERE id = %s", (house["area_id"],))
            if await cur.fetchone() is None:
                raise ApiError(RET.PARAMERR, "参数 area_id 无效：区域不存在", param="area_id")
            if facility_ids:
                await cur.execute("SELECT COUNT(*) AS known FROM ih_facility WHERE id IN"
                                  f" ({', '.join(['%s'] * len(facility_ids))})", facility_ids)
                if (await cur.fetchone())["known"] != len(facility_ids):
                    raise ApiError(RET.PARAMERR, "参数 facility 无效：包含不存在的设施", param="facility")
            await cur.execute(
                "INSERT INTO ih_house (user_id, area_id, title, price, address, room_count, acreage, unit,"
                " capacity, beds, deposit, min_days, max_days) VALUES (%(user_id)s, %(area_id)s,"
                " %(title)s, %(price)s, %(address)s, %(room_count)s, %(acreage)s, %(unit)s,"
                " %(capacity)s, %(beds)s, %(deposit)s, %(min_days)s, %(max_days)s)",
                {**house, "user_id": landlord_id})
            house_id = cur.lastrowid
            if facility_ids:
                await cur.executemany("INSERT INTO ih_house_facility (house_id, facility_id) VALUES (%s, %s)",
                                      [(house_id, facility_id) for facility_id in facility_ids])
        return house_id

    async def check_owner(self, user_id, house_id):
        """Only the landlord may change a house: 4002 for an unknown house, 4105 for anyone else."""
        house = await self.db.fetchone("SELECT user_id FROM ih_house WHERE id = %s", (house_id,))
        if house is None:
            raise ApiError(RET.NODATA, "房屋不存在", param="house_id")
        if house["user_id"] != user_id:
            raise ApiError(RET.ROLEERR, "只有房东本人可以上传房屋图片")

    async def add_photo(self, user_id, house_id, data):
        """Check, store and append an uploaded photo to the landlord's house; returns its URL.
        The first photo becomes the house's index image."""
        await self.check_owner(user_id, house_id)
        key = await self.media.save_image(user_id, data, PHOTO)
        async with self.cache.retiring(HOUSES), self.db.transaction() as cur:
            # Uploads to one house take turns, so "first" is the first one committed.
            await cur.execute("SELECT index_image FROM ih_house WHERE id = %s FOR UPDATE", (house_id,))
            index_image = (await cur.fetchone())["index_image"]
            await cur.execute("INSERT INTO ih_house_image (house_id, image) VALUES (%s, %s)",
                              (house_id, key))
            if index_image is None:
                await cur.execute("UPDATE ih_house SET index_image = %s WHERE id = %s", (key, house_id))
        return self.media.url(key)
