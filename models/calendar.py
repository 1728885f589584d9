"""The availability calendar: each night of a house free, booked or blocked, and its price; the
landlord's blocks and night prices.

A blocked night is a row of ih_booked_night without an order (migration 0013), so the primary key
that keeps a night from being sold twice also keeps it from being both blocked and booked, and
the search counts it as taken. Blocking and unblocking change a house's held nights like a
booking does (models/order.py): at READ COMMITTED, under the house's row lock, by insert and
delete only. A night's own price (ih_night_price) is what a booking charges for it; the order
keeps what it charged (ih_order_night).
"""
import datetime

from models.order import MAX_DAYS_AHEAD, MAX_NIGHTS, check_nights, nights, retrying_deadlocks
from utils.cache import HOUSES
from utils.errors import HOUSE_GONE, RET, ApiError

FREE, BOOKED, BLOCKED = "free", "booked", "blocked"
MAX_MONTHS = 12
# The last night any booking may hold: its first night MAX_DAYS_AHEAD ahead, MAX_NIGHTS long.
HORIZON_DAYS = MAX_DAYS_AHEAD + MAX_NIGHTS - 1
NAMED_NIGHTS = 5  # the booked nights a refused block lists
UNCHANGED = object()  # `price` not given: the nights keep theirs


def end_of_months(first, months):
    """The last day of the `months`-th calendar month counting from `first`'s."""
    month_index = first.year * 12 + first.month - 1 + months  # the month after the last one
    return datetime.date(month_index // 12, month_index % 12 + 1, 1) - datetime.timedelta(days=1)


class Calendar:
    def __init__(self, db, cache, clock):
        self.db = db
        self.cache = cache
        self.clock = clock

    async def nights(self, house_id, first, months):
        """The house's price and each night from `first` (None: today) to the end of the
        `months`-th calendar month: its status and price. Nights before today or past the last
        night a booking may hold are left out: nobody can book them."""
        today = self.clock.today()
        first = first or today
        start = max(first, today)
        end = min(end_of_months(first, months), today + datetime.timedelta(days=HORIZON_DAYS))
        db = await self.cache.reading()  # every change of nights or prices retires HOUSES
        house = await db.fetchone("SELECT price FROM ih_house WHERE id = %s AND listed = 1", (house_id,))
        if house is None:
            raise ApiError(RET.NODATA, HOUSE_GONE, param="house_id")
        held = await db.fetchall("SELECT night, order_id IS NULL AS blocked FROM ih_booked_night"
                                 " WHERE house_id = %s AND night BETWEEN %s AND %s", (house_id, start, end))
        status = {row["night"]: BLOCKED if row["blocked"] else BOOKED for row in held}
        priced = await db.fetchall("SELECT night, price FROM ih_night_price WHERE house_id = %s"
                                   " AND night BETWEEN %s AND %s", (house_id, start, end))
        prices = {row["night"]: row["price"] for row in priced}
        return {"house_id": house_id, "price": house["price"],
                "nights": [{"date": night.isoformat(), "status": status.get(night, FREE),
                            "price": prices.get(night, house["price"])}
                           for night in (nights(start, end) if start <= end else [])]}

    async def change(self, user_id, house_id, start, end, blocked=None, price=UNCHANGED):
        """The landlord blocks (`blocked` True) or opens again (False) the nights start..end of
        their house, and/or sets their price (fen; None: back to the house's price). Nights
        that an order holds cannot be blocked (4004, naming them); opening removes blocks only."""
        check_nights(start, end, self.clock.today(), MAX_NIGHTS, words=("开始日期", "结束日期", "设置"))
        async with self.cache.retiring(HOUSES):
            await retrying_deadlocks(lambda: self._change_once(user_id, house_id, start, end, blocked, price))

    async def _change_once(self, user_id, house_id, start, end, blocked, price):
        async with self.db.transaction(isolation="READ COMMITTED") as cur:
            await cur.execute("SELECT user_id, area_id, listed FROM ih_house WHERE id = %s FOR UPDATE", (house_id,))
            house = await cur.fetchone()
            if house is None or not house["listed"]:  # a house taken down holds no nights (0016)
                raise ApiError(RET.NODATA, HOUSE_GONE, param="house_id")
            if house["user_id"] != user_id:
                raise ApiError(RET.ROLEERR, "只有房东本人可以修改房屋日历")
            if blocked is True:
                await self._block(cur, house_id, house["area_id"], start, end)
            elif blocked is False:
                await cur.execute("DELETE FROM ih_booked_night WHERE house_id = %s AND night BETWEEN %s AND %s"
                                  " AND order_id IS NULL", (house_id, start, end))
            if price is not UNCHANGED:
                await cur.execute("DELETE FROM ih_night_price WHERE house_id = %s AND night BETWEEN %s AND %s",
                                  (house_id, start, end))
                if price is not None:
                    await cur.executemany("INSERT INTO ih_night_price (house_id, night, price) VALUES (%s, %s, %s)",
                                          [(house_id, night, price) for night in nights(start, end)])

    @staticmethod
    async def _block(cur, house_id, area_id, start, end):
        # A plain read, as a booking's: the house lock orders this after every booking of the house.
        await cur.execute("SELECT night, order_id FROM ih_booked_night WHERE house_id = %s"
                          " AND night BETWEEN %s AND %s ORDER BY night", (house_id, start, end))
        held = await cur.fetchall()
        booked = [row["night"].isoformat() for row in held if row["order_id"] is not None]
        if booked:
            more = f"等{len(booked)}晚" if len(booked) > NAMED_NIGHTS else ""
            raise ApiError(RET.DATAERR, f"{'、'.join(booked[:NAMED_NIGHTS])}{more}已有订单，不能关闭")
        already = {row["night"] for row in held}
        await cur.executemany("INSERT INTO ih_booked_night (house_id, night, area_id, order_id) VALUES (%s, %s, %s, NULL)",
                              [(house_id, night, area_id) for night in nights(start, end) if night not in already])
