"""Messages: what the guest and the landlord of an order write to each other. Nobody else may
read or write them. Each message is also a notification to its recipient (kind "message"),
written in the same transaction, which is how it reaches their open pages live."""
from models import notification
from utils.errors import RET, ApiError
from utils.ratelimit import WindowLimit

BODY_MAX = 1000
PAGE_SIZE = 50
SEND_WINDOW_SECONDS = 60

COLUMNS = "id, order_id, sender_id, body, created_at, read_at"


class Messages:
    def __init__(self, db, redis, notifications, clock, *, messages_per_minute):
        self.db = db
        self.notifications = notifications
        self.clock = clock
        # Each message is stored and pushed to a person: one user may not flood the other side.
        self.send_limit = WindowLimit(redis, "messages", messages_per_minute, SEND_WINDOW_SECONDS,
                                      f"每分钟最多发送 {messages_per_minute} 条消息，请稍后再试")

    async def _parties(self, order_id, user_id):
        """The order's guest and landlord (and its house), if `user_id` is one of them. Neither
        ever changes, so a plain read outside any transaction is enough."""
        order = await self.db.fetchone("SELECT o.user_id AS guest_id, h.user_id AS landlord_id, o.house_id"
                                       " FROM ih_order o JOIN ih_house h ON h.id = o.house_id WHERE o.id = %s",
                                       (order_id,))
        if order is None:
            raise ApiError(RET.NODATA, "订单不存在", param="order_id")
        if user_id not in (order["guest_id"], order["landlord_id"]):
            raise ApiError(RET.ROLEERR, "只有该订单的房客和房东可以查看和发送消息")
        return order

    def shape(self, row, user_id):
        return {"id": row["id"], "order_id": row["order_id"], "mine": row["sender_id"] == user_id,
                "body": row["body"], "ctime": self.clock.show_timestamp(row["created_at"]),
                "read": row["read_at"] is not None}

    async def list(self, order_id, user_id, *, before=None, after=None):
        """The order's messages, oldest first: the PAGE_SIZE latest, or those before id `before`,
        or those after id `after`; and whether there are more in that direction."""
        await self._parties(order_id, user_id)
        if after is not None:
            rows = await self.db.fetchall(f"SELECT {COLUMNS} FROM ih_message WHERE order_id = %s AND id > %s"
                                          " ORDER BY id LIMIT %s", (order_id, after, PAGE_SIZE + 1))
            more = len(rows) > PAGE_SIZE
            rows = rows[:PAGE_SIZE]
        else:
            rows = await self.db.fetchall(f"SELECT {COLUMNS} FROM ih_message WHERE order_id = %s AND id < %s"
                                          " ORDER BY id DESC LIMIT %s", (order_id, before or 2 ** 32, PAGE_SIZE + 1))
            more = len(rows) > PAGE_SIZE
            rows = rows[:PAGE_SIZE][::-1]
        return [self.shape(row, user_id) for row in rows], more

    async def send(self, order_id, sender_id, body):
        """Store a message from `sender_id` to the other side of the order; it as `list` shows it."""
        order = await self._parties(order_id, sender_id)
        await self.send_limit.take(sender_id)
        recipient_id = order["landlord_id"] if sender_id == order["guest_id"] else order["guest_id"]
        async with self.db.transaction(isolation="READ COMMITTED") as cur:
            row = {"order_id": order_id, "sender_id": sender_id, "recipient_id": recipient_id, "body": body,
                   "created_at": notification.utc_now(), "read_at": None}
            await cur.execute("INSERT INTO ih_message (order_id, sender_id, recipient_id, body, created_at) VALUES"
                              " (%(order_id)s, %(sender_id)s, %(recipient_id)s, %(body)s, %(created_at)s)", row)
            row["id"] = cur.lastrowid
            await notification.add(cur, recipient_id, "message", order_id, order["house_id"],
                                   summary=body[:notification.TEXT_SUMMARY], message_id=row["id"])
        return self.shape(row, sender_id)

    async def mark_read(self, order_id, user_id):
        """Mark the messages the user received on an order read, and their notifications; the
        user's unread notifications after."""
        await self._parties(order_id, user_id)
        await self.db.execute("UPDATE ih_message SET read_at = UTC_TIMESTAMP() WHERE order_id = %s"
                              " AND recipient_id = %s AND read_at IS NULL", (order_id, user_id))
        return await self.notifications.mark_order_read(user_id, order_id, "message")
