"""Notifications: what happened to a user's orders, kept in MariaDB so that nothing is lost
while they are offline, and sent live to their open pages (utils/live.py).

A notification is written by `add`, inside the transaction that makes what it announces happen
(a booking, a change of status, a message), and published only once that transaction has
committed (`Database.committed`). Each user's notifications are numbered 1, 2, 3... (`seq`)
in the order their transactions commit: `add` takes the user's row of ih_notification_seq,
held to the commit, so a client that has seen `seq` n has seen every one before it, and catches
up exactly by asking for those after n (a publish lost on the way is found again that way).
Because it holds that row to the commit, `add` is the last thing a transaction locks; one that
tells several users does so in the order of their ids.
"""
import datetime


# kind: how it reads (who is told: README, "Live notifications").
KINDS = {
    "booked": "新的预订申请",  # the landlord
    "accepted": "预订已被接受",  # the guest, and the next three
    "rejected": "预订已被拒绝",
    "expired": "预订已过期",
    "stay_over": "入住已结束，欢迎评价",
    "cancelled": "房客取消了预订",  # the landlord, and the next two
    "reviewed": "房客发表了评价",
    "paid": "房客已付款",
    "replied": "房东回复了您的评价",  # the guest
    "message": "新消息",  # the other side of the order
}
PAGE_SIZE = 20
CATCH_UP_BATCH = 100  # notifications per query when a client catches up
SUMMARY_MAX = 200
TEXT_SUMMARY = 60  # characters of a message or a reply that its notification carries


def utc_now():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)


async def add(cur, user_id, kind, order_id, house_id=None, summary="", message_id=None):
    """Tell `user_id` of `kind` (KINDS) about an order, inside the caller's transaction (`cur`,
    from `Database.transaction`): stored with the next number of that user's, and published
    once the transaction commits. The last lock the transaction takes (module docstring)."""
    await cur.execute("INSERT INTO ih_notification_seq (user_id, seq) VALUES (%s, LAST_INSERT_ID(1))"
                      " ON DUPLICATE KEY UPDATE seq = LAST_INSERT_ID(seq + 1)", (user_id,))
    seq = cur.lastrowid
    row = {"user_id": user_id, "seq": seq, "kind": kind, "order_id": order_id, "house_id": house_id,
           "message_id": message_id, "summary": summary[:SUMMARY_MAX], "created_at": utc_now(), "read_at": None}
    await cur.execute("INSERT INTO ih_notification (user_id, seq, kind, order_id, house_id, message_id, summary,"
                      " created_at) VALUES (%(user_id)s, %(seq)s, %(kind)s, %(order_id)s, %(house_id)s,"
                      " %(message_id)s, %(summary)s, %(created_at)s)", row)
    row["id"] = cur.lastrowid
    cur.events.append(row)


COLUMNS = "id, seq, kind, order_id, house_id, message_id, summary, created_at, read_at"


class Notifications:
    def __init__(self, db, clock):
        self.db = db
        self.clock = clock

    def shape(self, row):
        """A notification as the API and the socket send it."""
        return {"id": row["id"], "seq": row["seq"], "kind": row["kind"], "order_id": row["order_id"],
                "house_id": row["house_id"], "message_id": row["message_id"], "summary": row["summary"],
                "text": f"{KINDS[row['kind']]}：{row['summary']}" if row["summary"] else KINDS[row["kind"]],
                "ctime": self.clock.show_timestamp(row["created_at"]), "read": row["read_at"] is not None}

    async def page(self, user_id, page):
        """The 1-based `page` of the user's notifications, newest first, and the number of pages."""
        rows = await self.db.fetchall(f"SELECT {COLUMNS} FROM ih_notification WHERE user_id = %s"
                                      " ORDER BY seq DESC LIMIT %s OFFSET %s",
                                      (user_id, PAGE_SIZE, (page - 1) * PAGE_SIZE))
        total = await self.db.fetchone("SELECT COUNT(*) AS n FROM ih_notification WHERE user_id = %s", (user_id,))
        return [self.shape(row) for row in rows], -(-total["n"] // PAGE_SIZE)

    async def since(self, user_id, seq, limit=CATCH_UP_BATCH):
        """The user's notifications after number `seq`, oldest first, at most `limit`."""
        rows = await self.db.fetchall(f"SELECT {COLUMNS} FROM ih_notification WHERE user_id = %s AND seq > %s"
                                      " ORDER BY seq LIMIT %s", (user_id, seq, limit))
        return [self.shape(row) for row in rows]

    async def unread(self, user_id):
        row = await self.db.fetchone("SELECT COUNT(*) AS n FROM ih_notification WHERE user_id = %s"
                                     " AND read_at IS NULL", (user_id,))
        return row["n"]

    async def mark_read(self, user_id, ids=(), up_to=None):
        """Mark the user's notifications `ids`, and every one numbered up to `up_to`, read; the
        unread count after. Other users' ids are ignored (they are not the caller's to mark)."""
        if ids:
            await self.db.execute(f"UPDATE ih_notification SET read_at = UTC_TIMESTAMP() WHERE user_id = %s"
                                  f" AND read_at IS NULL AND id IN ({', '.join(['%s'] * len(ids))})",
                                  (user_id, *ids))
        if up_to is not None:
            await self.db.execute("UPDATE ih_notification SET read_at = UTC_TIMESTAMP() WHERE user_id = %s"
                                  " AND read_at IS NULL AND seq <= %s", (user_id, up_to))
        return await self.unread(user_id)

    async def mark_order_read(self, user_id, order_id, kind):
        """The user's notifications of `kind` about an order, read; the unread count after."""
        await self.db.execute("UPDATE ih_notification SET read_at = UTC_TIMESTAMP() WHERE user_id = %s"
                              " AND order_id = %s AND kind = %s AND read_at IS NULL", (user_id, order_id, kind))
        return await self.unread(user_id)
