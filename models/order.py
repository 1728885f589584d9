"""Orders: booking, the status machine, the expiry of unanswered bookings, and the lists of
both roles.

A booking is one transaction that locks the house row, so competing bookings of one house
queue up and each re-checks the nights after the previous one committed. The primary key of
ih_booked_night (house_id, night) backs that up: two orders holding nights can never hold one
night, whatever statuses they are in, nor an order a night its landlord blocked (a row without
an order: models/calendar.py). Each night costs its own price or the house's, and the order keeps
what it charged for each (ih_order_night).

Every change of a house's held nights (booking, a status that frees them, expiry) runs at READ
COMMITTED under that house's row lock, taken before the change: the search's counts
(migration 0007) are kept by triggers that read the house's neighbouring nights, and must see
every change committed before theirs.

A waiting order holds its nights until the landlord answers, so a guest may hold only a few
waiting orders and nights at once, and a booking the landlord leaves unanswered expires.

Every change of status, whoever makes it (a guest, a landlord, the payment gateway, a sweep), goes
through `move`, which also tells the other side (models/notification.py) in the same transaction.
"""
import collections
import dataclasses
import datetime

import pymysql

from models import notification
from models.media import ROW_THUMBNAIL
from utils.cache import HOUSES
from utils.errors import HOUSE_GONE, RET, ApiError

WAIT_ACCEPT = 0
WAIT_PAYMENT = 1  # accepted, the guest has yet to pay (--payment=alipay only)
PAID = 2  # paid, the stay not over yet (--payment=alipay only)
WAIT_COMMENT = 3
COMPLETE = 4
CANCELED = 5
REJECTED = 6
EXPIRED = 7  # waited longer than the landlord's time to answer, or the guest's time to pay

ACTIVE = (WAIT_ACCEPT, WAIT_PAYMENT, PAID, WAIT_COMMENT)  # statuses that hold their nights
# Counted in the house's order_count: a stay the landlord accepted (and, with payment, was paid).
CONFIRMED = (PAID, WAIT_COMMENT, COMPLETE)

GUEST = "guest"
LANDLORD = "landlord"

# How far ahead and how long one booking may be: each night is a row, so both are bounded.
MAX_DAYS_AHEAD = 365
MAX_NIGHTS = 365

DEADLOCK_RETRIES = 3
EXPIRY_BATCH = 500  # orders expired per transaction
ORDER_PAGE_SIZE = 10  # orders per page of a list, when the client asks for pages


@dataclasses.dataclass(frozen=True)
class Transition:
    actor: str
    source: int
    target: int
    after_stay: bool = False  # only once the last night is over
    before_stay: bool = False  # only while the first night is still ahead

    def applies(self, order, today):
        """Whether the dates allow it on `today` (`order`: its start_date and end_date)."""
        return not ((self.after_stay and order["end_date"] >= today)
                    or (self.before_stay and order["start_date"] <= today))


# action: its transitions, one per status it applies to.
TRANSITIONS = {
    "accept": (Transition(LANDLORD, WAIT_ACCEPT, WAIT_COMMENT),),
    "reject": (Transition(LANDLORD, WAIT_ACCEPT, REJECTED),),
    # A review completes the order and frees its nights, so it must wait for the stay to end:
    # otherwise the nights of a stay still ahead could be booked a second time.
    "comment": (Transition(GUEST, WAIT_COMMENT, COMPLETE, after_stay=True),),
    "cancel": (Transition(GUEST, WAIT_ACCEPT, CANCELED),),
}

# With --payment=alipay: an accepted order waits for the guest's payment. "pay" is the guest's
# button, but only the gateway's word applies it (models/payment.py, never change_status), and a
# sweep moves a paid order to WAIT_COMMENT once the stay is over. A paid order may be cancelled
# by its guest only, before the stay, refunded under the rule in models/payment.py; a landlord
# has no action on it.
PAYMENT_TRANSITIONS = {
    "pay": (Transition(GUEST, WAIT_PAYMENT, PAID),),
    "accept": (Transition(LANDLORD, WAIT_ACCEPT, WAIT_PAYMENT),),
    "reject": TRANSITIONS["reject"],
    "comment": TRANSITIONS["comment"],
    "cancel": (Transition(GUEST, WAIT_ACCEPT, CANCELED), Transition(GUEST, WAIT_PAYMENT, CANCELED),
               Transition(GUEST, PAID, CANCELED, before_stay=True)),
}
DATES_TAKEN = "所选日期刚刚被他人预订，请重新选择日期"
# When an order's review was written (models/review.py). Reviews loaded in bulk (demo data) have
# no time of their own: the order's last change stands for it.
REVIEW_TIME = "COALESCE(o.commented_at, o.updated_at)"

# The status an order moves to: who is told, as what kind of notification (WAIT_COMMENT: notice_of).
NOTICES = {
    WAIT_PAYMENT: (GUEST, "accepted"),
    PAID: (LANDLORD, "paid"),
    REJECTED: (GUEST, "rejected"),
    EXPIRED: (GUEST, "expired"),
    CANCELED: (LANDLORD, "cancelled"),
    COMPLETE: (LANDLORD, "reviewed"),
}


def nights(start, end):
    return [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]


def check_nights(start, end, today, max_nights, words=("入住日期", "离开日期", "预订")):
    """The rules of a range of nights start..end (inclusive) that someone books or blocks: from
    today, at most MAX_DAYS_AHEAD ahead, `max_nights` at most. `words`: what the messages call
    the first night, the last one, and the act."""
    first, last, what = words
    if start < today:
        raise ApiError(RET.PARAMERR, f"{first}不能早于今天", param="start_date")
    if end < start:
        raise ApiError(RET.PARAMERR, f"{last}不能早于{first}", param="end_date")
    if (start - today).days > MAX_DAYS_AHEAD:
        raise ApiError(RET.PARAMERR, f"最多只能{what}{MAX_DAYS_AHEAD}天内的日期", param="start_date")
    if (end - start).days + 1 > max_nights:
        raise ApiError(RET.PARAMERR, f"单次{what}最多{max_nights}晚", param="end_date")


async def retrying_deadlocks(attempt):
    """`await attempt()` (a transaction of its own), run again when the database chose it as a
    deadlock's victim, up to DEADLOCK_RETRIES times in all."""
    for tries in range(1, DEADLOCK_RETRIES + 1):
        try:
            return await attempt()
        except pymysql.err.OperationalError as error:
            if error.args[0] != 1213 or tries == DEADLOCK_RETRIES:  # ER_LOCK_DEADLOCK
                raise


async def night_prices(cur, house_id, start, end, house_price):
    """The price of each night start..end of a house, in order: its own (ih_night_price) or
    the house's `house_price`."""
    await cur.execute("SELECT night, price FROM ih_night_price WHERE house_id = %s AND night BETWEEN %s AND %s",
                      (house_id, start, end))
    own = {row["night"]: row["price"] for row in await cur.fetchall()}
    return [own.get(night, house_price) for night in nights(start, end)]


async def add_charged_nights(db, orders):
    """Give each order (its order_id, start_date and house_price, which this removes) `nights`:
    each night's date and what the order charged for it. An order placed before nights had
    prices of their own charged its house_price for each."""
    if not orders:
        return
    ids = [order["order_id"] for order in orders]
    rows = await db.fetchall("SELECT order_id, stay_night, price FROM ih_order_night"
                             f" WHERE order_id IN ({', '.join(['%s'] * len(ids))})", ids)
    charged = {(row["order_id"], row["stay_night"]): row["price"] for row in rows}
    for order in orders:
        house_price = order.pop("house_price")
        order["nights"] = [{"date": (order["start_date"] + datetime.timedelta(days=i)).isoformat(),
                            "price": charged.get((order["order_id"], i), house_price)}
                           for i in range(order["days"])]


def transition_of(machine, action, status):
    """The transition of `action` from `status` in `machine`, or None."""
    return next((t for t in machine[action] if t.source == status), None)


def available_actions(order, viewer, today, machine=TRANSITIONS):
    """The actions of `machine` that `viewer` (GUEST or LANDLORD) may apply to `order` (its
    status and dates) on the day `today`: what the client may offer as buttons."""
    return [action for action, transitions in machine.items()
            if any(t.actor == viewer and t.source == order["status"] and t.applies(order, today)
                   for t in transitions)]


def notice_of(source, target):
    """(who is told, kind) of an order's move from status `source` to `target`."""
    if target == WAIT_COMMENT:  # accepted, or (with payments) a paid stay that is over
        return GUEST, "stay_over" if source == PAID else "accepted"
    return NOTICES[target]


async def move(cur, orders, target, comment=None):
    """Move `orders` to status `target`: the one place where an order's status changes. Inside
    the caller's transaction, on rows it has locked with their houses' (`lock_order`,
    `lock_unheld`), each with its id, status and house_id.
    Nights are freed unless `target` holds them; each house's order_count follows its
    CONFIRMED orders; the other side is told (`notice_of`). `comment`: the review or the reason
    for refusing, when there is one."""
    listed = ", ".join(["%s"] * len(orders))
    ids = [order["id"] for order in orders]
    await cur.execute(f"UPDATE ih_order SET status = %s, comment = COALESCE(%s, comment) WHERE id IN ({listed})",
                      (target, comment, *ids))
    if target not in ACTIVE:
        await cur.execute(f"DELETE FROM ih_booked_night WHERE order_id IN ({listed})", ids)
    counted = collections.Counter()
    for order in orders:
        counted[order["house_id"]] += (target in CONFIRMED) - (order["status"] in CONFIRMED)
    for house_id, change in sorted(counted.items()):
        if change:
            await cur.execute("UPDATE ih_house SET order_count = order_count + %s WHERE id = %s",
                              (change, house_id))
    await cur.execute("SELECT o.id, o.user_id AS guest, h.user_id AS landlord, o.house_id, h.title FROM ih_order o"
                      f" JOIN ih_house h ON h.id = o.house_id WHERE o.id IN ({listed})", ids)
    parties = {row["id"]: row for row in await cur.fetchall()}
    told = []
    for order in orders:
        role, kind = notice_of(order["status"], target)
        told.append((parties[order["id"]][role], order["id"], kind))
    for user_id, order_id, kind in sorted(told):  # users in order: notification.add locks each
        await notification.add(cur, user_id, kind, order_id, parties[order_id]["house_id"],
                                summary=parties[order_id]["title"])


async def lock_order(cur, order_id):
    """The order's row with its house's landlord, or None if there is no such order. Both rows
    are locked until the transaction ends, the house's first, as every change of a house's held
    nights takes it (the callers run at READ COMMITTED)."""
    await cur.execute("SELECT house_id FROM ih_order WHERE id = %s", (order_id,))
    found = await cur.fetchone()
    if found is None:
        return None
    await cur.execute("SELECT user_id FROM ih_house WHERE id = %s FOR UPDATE", (found["house_id"],))
    landlord = await cur.fetchone()
    await cur.execute("SELECT id, status, house_id, user_id AS guest_id, begin_date AS start_date, end_date,"
                      " amount FROM ih_order WHERE id = %s FOR UPDATE", (order_id,))
    order = await cur.fetchone()
    order["landlord_id"] = landlord["user_id"]  # a house's landlord never changes
    return order


async def lock_unheld(cur, due, status):
    """Of the orders `due` (rows with id and house_id, read without locks), those still in
    `status` whose house and order nobody else holds now, locked, houses first: what a sweep
    moves, each row with its id, status and house_id. The rest (SKIP LOCKED) are left to the
    next sweep, so a sweep never waits for a booking, a person's action or another sweep."""
    if not due:
        return []
    house_ids = sorted({row["house_id"] for row in due})
    await cur.execute(f"SELECT id FROM ih_house WHERE id IN ({', '.join(['%s'] * len(house_ids))})"
                      " ORDER BY id FOR UPDATE SKIP LOCKED", house_ids)
    held = {row["id"] for row in await cur.fetchall()}
    candidates = [row["id"] for row in due if row["house_id"] in held]
    if not candidates:
        return []
    await cur.execute(f"SELECT id, status, house_id FROM ih_order WHERE id IN ({', '.join(['%s'] * len(candidates))})"
                      " AND status = %s FOR UPDATE SKIP LOCKED", (*candidates, status))
    return await cur.fetchall()


class Orders:
    def __init__(self, db, cache, media, clock, *, guest_pending_orders, guest_pending_nights,
                 pending_order_hours, payments=None):
        self.db = db
        self.cache = cache
        self.media = media
        self.clock = clock
        self.guest_pending_orders = guest_pending_orders  # 0: no limit
        self.guest_pending_nights = guest_pending_nights  # 0: no limit
        # A stay longer than a guest may hold waiting could never be accepted.
        self.max_nights = min(MAX_NIGHTS, guest_pending_nights or MAX_NIGHTS)
        self.pending_seconds = max(1, round(pending_order_hours * 3600))
        # With --payment=alipay, models.payment.Payments: it takes part in the status changes
        # that concern money (accepting, cancelling), and the machine is PAYMENT_TRANSITIONS.
        self.payments = payments
        self.machine = PAYMENT_TRANSITIONS if payments else TRANSITIONS

    def check_stay(self, start, end):
        """The rules of a stay that do not depend on the house."""
        check_nights(start, end, self.clock.today(), self.max_nights)

    async def place(self, guest_id, house_id, start, end):
        """Book nights start..end (inclusive) of a house; returns the new order id."""
        self.check_stay(start, end)
        async with self.cache.retiring(HOUSES):
            return await retrying_deadlocks(lambda: self._place_once(guest_id, house_id, start, end))

    async def _place_once(self, guest_id, house_id, start, end):
        days = (end - start).days + 1
        try:
            async with self.db.transaction(isolation="READ COMMITTED") as cur:
                await self._check_guest_pending(cur, guest_id, days)
                await cur.execute("SELECT user_id, title, area_id, price, min_days, max_days, listed FROM ih_house "
                                  "WHERE id = %s FOR UPDATE", (house_id,))
                house = await cur.fetchone()
                if house is None or not house["listed"]:
                    raise ApiError(RET.NODATA, HOUSE_GONE, param="house_id")
                if house["user_id"] == guest_id:
                    raise ApiError(RET.ROLEERR, "不能预订自己的房屋")
                if days < house["min_days"] or (house["max_days"] and days > house["max_days"]):
                    limit = (f"{house['min_days']}-{house['max_days']}" if house["max_days"]
                             else f"至少{house['min_days']}")
                    raise ApiError(RET.PARAMERR, f"该房屋每次可预订{limit}晚", param="end_date")
                # A plain read: the house lock above already orders this booking after every
                # other one of the house, and at READ COMMITTED it reads what they committed. A
                # locking read would take gap locks that deadlock with bookings of other houses.
                await cur.execute("SELECT 1 FROM ih_booked_night WHERE house_id = %s "
                                  "AND night BETWEEN %s AND %s LIMIT 1", (house_id, start, end))
                if await cur.fetchone():
                    raise ApiError(RET.DATAERR, DATES_TAKEN)
                # Each night at its price as the house lock lets it be read: a price set meanwhile
                # (models/calendar.py) waits for this booking, and never changes what it charged.
                prices = await night_prices(cur, house_id, start, end, house["price"])
                await cur.execute(
                    "INSERT INTO ih_order (user_id, house_id, begin_date, end_date, days, house_price, amount)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    (guest_id, house_id, start, end, days, house["price"], sum(prices)))
                order_id = cur.lastrowid
                await cur.executemany("INSERT INTO ih_order_night (order_id, stay_night, price) VALUES (%s, %s, %s)",
                                      [(order_id, i, price) for i, price in enumerate(prices)])
                await cur.executemany(
                    "INSERT INTO ih_booked_night (house_id, night, area_id, order_id) VALUES (%s, %s, %s, %s)",
                    [(house_id, night, house["area_id"], order_id) for night in nights(start, end)])
                await notification.add(cur, house["user_id"], "booked", order_id, house_id, summary=house["title"])
        except pymysql.err.IntegrityError as error:
            if error.args[0] == 1062:  # a night already held: only if the house lock was bypassed
                raise ApiError(RET.DATAERR, DATES_TAKEN) from None
            raise
        return order_id

    async def _check_guest_pending(self, cur, guest_id, days):
        """Refuse a booking of `days` nights that would take the guest over their waiting orders
        or nights. The guest's own row is locked first, so the guest's bookings take turns and
        each counts the orders the previous one committed: two at once cannot both slip under."""
        await cur.execute("SELECT id FROM ih_user WHERE id = %s FOR UPDATE", (guest_id,))
        await cur.execute("SELECT COUNT(*) AS orders, COALESCE(SUM(days), 0) AS nights,"
                          " TIMESTAMPDIFF(SECOND, MIN(created_at), UTC_TIMESTAMP()) AS oldest_age"
                          " FROM ih_order WHERE user_id = %s AND status = %s", (guest_id, WAIT_ACCEPT))
        pending = await cur.fetchone()
        if self.guest_pending_orders and pending["orders"] >= self.guest_pending_orders:
            problem = f"最多只能有{self.guest_pending_orders}个待接单的订单"
        elif self.guest_pending_nights and pending["nights"] + days > self.guest_pending_nights:
            problem = f"待接单的订单合计最多{self.guest_pending_nights}晚"
        else:
            return
        # The earliest a place frees by itself: the oldest waiting order expires.
        raise ApiError(RET.REQERR, f"{problem}，请等待房东处理或取消订单后再预订",
                       retry_after=max(1, self.pending_seconds - pending["oldest_age"]))

    async def expire_pending(self):
        """Expire one batch of the waiting orders older than the landlord's time to answer,
        oldest first, freeing their nights; returns how many (EXPIRY_BATCH: more are due).

        Safe with several processes and hosts: a sweep takes the houses, then the orders, that
        nobody else holds (SKIP LOCKED), so it never waits for a booking, a landlord's answer or
        another sweep, and leaves their orders to the next round. READ COMMITTED locks those rows
        only, not the index gaps around them."""
        async with self.db.transaction(isolation="READ COMMITTED") as cur:
            await cur.execute("SELECT id, house_id FROM ih_order WHERE status = %s"
                              " AND created_at <= UTC_TIMESTAMP() - INTERVAL %s SECOND"
                              " ORDER BY created_at LIMIT %s", (WAIT_ACCEPT, self.pending_seconds, EXPIRY_BATCH))
            orders = await lock_unheld(cur, await cur.fetchall(), WAIT_ACCEPT)
            if orders:
                await move(cur, orders, EXPIRED)
        if orders:
            await self.cache.invalidate(HOUSES)
        return len(orders)

    async def change_status(self, action, order_id, actor_id, comment=None, refund_amount=None, during=None):
        """Apply `action` (a person's: never "pay", which only the gateway does) to an order as
        `actor_id`. `during(cur, order)`: what the change brings along in its transaction (a
        review's stars, models/review.py).

        The order's row (and its house's) is locked first, so of two requests racing for the same
        order the second sees what the first did. With payments, what they add to the change (a refund when a paid
        order is cancelled; `refund_amount`: what the guest was told it would be) is returned.
        """
        today = self.clock.today()
        async with self.cache.retiring(HOUSES), self.db.transaction(isolation="READ COMMITTED") as cur:
            order = await lock_order(cur, order_id)
            transition = self._permitted(action, order, actor_id, today)
            follow_up = (await self.payments.changing(cur, order, transition.target, refund_amount)
                         if self.payments else None)
            await move(cur, [order], transition.target, comment)
            if during:
                await during(cur, order)
        return await follow_up() if follow_up else None

    def _permitted(self, action, order, actor_id, today):
        """The transition `action` makes from the order's status, or the refusal to explain."""
        transitions = self.machine[action]
        if order is None:
            raise ApiError(RET.NODATA, "订单不存在", param="order_id")
        actor = transitions[0].actor  # one actor per action
        if order["guest_id" if actor == GUEST else "landlord_id"] != actor_id:
            raise ApiError(RET.ROLEERR, "无权操作该订单")
        transition = transition_of(self.machine, action, order["status"])
        if transition is None:
            raise ApiError(RET.DATAERR, "订单状态已改变，无法执行该操作")
        if not transition.applies(order, today):
            raise ApiError(RET.DATAERR, "入住结束后才能评价" if transition.after_stay else "入住已开始，无法取消")
        return transition

    async def list_for(self, role, user_id, page=None):
        """A user's orders as GUEST or on their houses as LANDLORD, newest first, each with the
        `actions` that user may take on it now: all of them, or the 1-based `page` of
        ORDER_PAGE_SIZE orders. Reviews.describe completes the review's fields and actions."""
        owner_column = "o.user_id" if role == GUEST else "h.user_id"
        db = await self.cache.reading()  # every order change retires HOUSES, recording its position
        limit, args = ("", (user_id,)) if page is None else (
            " LIMIT %s OFFSET %s", (user_id, ORDER_PAGE_SIZE, (page - 1) * ORDER_PAGE_SIZE))
        orders = await db.fetchall(
            "SELECT o.id AS order_id, o.house_id, h.title, h.index_image, o.begin_date AS start_date,"
            " o.end_date, o.created_at AS ctime, o.days, o.house_price, o.amount, o.status, o.comment, o.stars,"
            f" o.reply, {REVIEW_TIME} AS commented_at, o.replied_at"
            " FROM ih_order o JOIN ih_house h ON h.id = o.house_id"
            f" WHERE {owner_column} = %s ORDER BY o.id DESC{limit}", args)
        today = self.clock.today()
        for order in orders:
            order["actions"] = available_actions(order, role, today, self.machine)
        if self.payments:
            await self.payments.describe(db, orders)
        await add_charged_nights(db, orders)
        for order in orders:
            order["img_thumb"] = self.media.url(order["index_image"], ROW_THUMBNAIL)
            order["img_url"] = self.media.url(order.pop("index_image"))
            order["start_date"] = order["start_date"].isoformat()
            order["end_date"] = order["end_date"].isoformat()
            order["ctime"] = self.clock.show_timestamp(order["ctime"])
        return orders

    async def page_count(self, role, user_id):
        """How many pages of ORDER_PAGE_SIZE `list_for` has."""
        owner_column = "o.user_id" if role == GUEST else "h.user_id"
        db = await self.cache.reading()
        row = await db.fetchone("SELECT COUNT(*) AS orders FROM ih_order o JOIN ih_house h ON h.id = o.house_id"
                                f" WHERE {owner_column} = %s", (user_id,))
        return -(-row["orders"] // ORDER_PAGE_SIZE)

