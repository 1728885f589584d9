"""Reviews: the guest's stars and words once the stay is over, their edit for EDIT_DAYS, the
landlord's one reply, and the ratings they add up to (service: `Reviews`).

A review is the order's "comment" transition (3 → 4, models/order.py), so a stay has one review
whatever races: both requests lock the order and the second finds it complete. A house's
rating_count and rating_sum (and so `rating`, the sort key of `rating-des`, migration 0014) change
in the transaction of the review or edit that changes them, under the house's row lock that
`lock_order` takes first.

Each write is one method (`review`, `edit`, `reply`): what follows one (a notification) goes there.
"""
import datetime

from models import notification
from models.order import COMPLETE, GUEST, LANDLORD, REVIEW_TIME, lock_order
from utils.cache import HOUSES
from utils.errors import RET, ApiError

EDIT_DAYS = 7
UTC = datetime.timezone.utc


def rating_of(rating_sum, rating_count):
    """The average stars as shown, to one decimal rounded half up; None with no rated review."""
    if not rating_count:
        return None
    return (rating_sum * 20 + rating_count) // (2 * rating_count) / 10


class Reviews:
    def __init__(self, db, cache, clock, orders):
        self.db = db
        self.cache = cache
        self.clock = clock
        self.orders = orders

    def editable(self, commented_at):
        """Whether a review made at `commented_at` (naive UTC) may still be edited by its author."""
        return self.clock.now() < commented_at.replace(tzinfo=UTC) + datetime.timedelta(days=EDIT_DAYS)

    async def review(self, order_id, guest_id, comment, stars):
        """The guest reviews their stay once it is over, with `stars` (1-5), or None from the
        original clients: such a review is shown and counted in no average."""
        async def rate(cur, order):
            await cur.execute("UPDATE ih_order SET stars = %s, commented_at = UTC_TIMESTAMP() WHERE id = %s",
                              (stars, order["id"]))
            await self._rerate(cur, order["house_id"], None, stars)
        await self.orders.change_status("comment", order_id, guest_id, comment=comment, during=rate)

    async def edit(self, order_id, guest_id, comment, stars):
        """The author rewrites their review and its stars, for EDIT_DAYS after writing it."""
        async with self.cache.retiring(HOUSES), self.db.transaction(isolation="READ COMMITTED") as cur:
            order = await self._locked_review(cur, order_id, guest_id, GUEST)
            if not self.editable(order["commented_at"]):
                raise ApiError(RET.DATAERR, f"评价发表超过{EDIT_DAYS}天，不能再修改")
            await cur.execute("UPDATE ih_order SET comment = %s, stars = %s WHERE id = %s", (comment, stars, order_id))
            await self._rerate(cur, order["house_id"], order["stars"], stars)

    async def reply(self, order_id, landlord_id, reply):
        """The house's landlord answers a review, once."""
        async with self.cache.retiring(HOUSES), self.db.transaction(isolation="READ COMMITTED") as cur:
            order = await self._locked_review(cur, order_id, landlord_id, LANDLORD)
            if order["reply"] is not None:
                raise ApiError(RET.DATAEXIST, "已经回复过这条评价")
            await cur.execute("UPDATE ih_order SET reply = %s, replied_at = UTC_TIMESTAMP() WHERE id = %s",
                              (reply, order_id))
            await notification.add(cur, order["guest_id"], "replied", order_id, order["house_id"], summary=reply[:notification.TEXT_SUMMARY])

    async def _locked_review(self, cur, order_id, user_id, role):
        """The order (locked, with its house) and its review, which `user_id` may change as `role`."""
        order = await lock_order(cur, order_id)
        if order is None:
            raise ApiError(RET.NODATA, "订单不存在", param="order_id")
        if order["guest_id" if role == GUEST else "landlord_id"] != user_id:
            raise ApiError(RET.ROLEERR, "无权操作该订单")
        if order["status"] != COMPLETE:
            raise ApiError(RET.DATAERR, "该订单还没有评价")
        await cur.execute(f"SELECT o.stars, {REVIEW_TIME} AS commented_at, o.reply FROM ih_order o WHERE o.id = %s",
                          (order_id,))
        return order | await cur.fetchone()

    async def _rerate(self, cur, house_id, old_stars, new_stars):
        """Move the house's rating from a review's `old_stars` to its `new_stars` (either None)."""
        if old_stars == new_stars:
            return
        # ih_house.rating, the sort key, follows from these two (migration 0014).
        await cur.execute("UPDATE ih_house SET rating_count = rating_count + %s, rating_sum = rating_sum + %s"
                          " WHERE id = %s", ((new_stars is not None) - (old_stars is not None),
                                             (new_stars or 0) - (old_stars or 0), house_id))

    def describe(self, orders, role):
        """Add to each order of a list (Orders.list_for) its review's `stars`, `comment_ctime`,
        `reply` and `reply_ctime`, and the review's actions its viewer (`role`) may take now:
        "edit_comment" for the author within EDIT_DAYS, "reply" for the landlord until they have."""
        for order in orders:
            commented_at, replied_at = order.pop("commented_at"), order.pop("replied_at")
            reviewed = order["status"] == COMPLETE and commented_at is not None
            order["comment_ctime"] = self.clock.show_timestamp(commented_at) if reviewed else None
            order["reply_ctime"] = self.clock.show_timestamp(replied_at) if replied_at else None
            if reviewed and role == GUEST and self.editable(commented_at):
                order["actions"].append("edit_comment")
            if reviewed and role == LANDLORD and order["reply"] is None:
                order["actions"].append("reply")
