"""Payments (`--payment=alipay`): the guest pays an accepted order at the gateway, the gateway's
word settles it, unpaid orders expire, and a paid order cancelled in time is refunded.

Only the gateway's word is trusted: a notification whose signature, app id and seller the
provider verified, for a trade of ours (`out_trade_no`) and for exactly its amount, or the
gateway's signed answer to our own query. It is stored before the notification is answered
`success`. Settling locks the order (its house first), then the payment, and does nothing for a
payment already stored, so a notification repeated, sent twice at once, or arriving before or
after the browser's return, or after a query settled the trade, changes the order once. A payment that
arrives for an order no longer waiting for it (it expired, or the guest cancelled) is stored and
refunded in full.

Refunds are written in the transaction that cancels the order, each with its own
`out_request_no`, then sent to the gateway until it confirms them: the gateway refunds once per
number, so a refund sent again after a lost answer is not paid twice.
"""
import asyncio
import datetime
import logging
import secrets

from models.order import (CANCELED, EXPIRED, PAID, PAYMENT_TRANSITIONS, WAIT_COMMENT, WAIT_PAYMENT,
                          lock_order, lock_unheld, move, transition_of)
from utils.cache import HOUSES
from utils.errors import RET, ApiError
from utils.payment_provider import GatewayError, UntrustedMessage

log = logging.getLogger("ihome.payment")

# ih_payment.status
OPEN, SETTLED, CLOSED = 0, 1, 2
# ih_refund.status
PENDING, DONE = 0, 1

METHODS = ("page", "qr")
BATCH = 500  # orders expired or moved per sweep transaction
QUERY_BATCH = 50  # trades asked about per sweep, QUERIES_AT_ONCE at a time
QUERIES_AT_ONCE = 4
REFUND_BATCH = 20  # pending refunds sent again per sweep
REFUND_FIRST_RETRY = 60  # seconds; each retry waits twice as long, at most REFUND_MAX_WAIT
REFUND_MAX_WAIT = 3600
REFUND_ALARM_ATTEMPTS = 5  # from then on every failed attempt is logged as an error
STATUS_QUERY_EVERY = 3  # seconds: the result page asks the gateway about one order at most this often
LATE_PAYMENT_REASON = "订单已失效，全额退款"
CANCEL_REASON = "房客取消订单"
UTC = datetime.timezone.utc


def refund_due(amount, first_night, now, full_refund_hours, zone):
    """What cancelling a paid stay at `now` (aware) refunds: everything until `full_refund_hours`
    before the first night (00:00 of its date in the site's `zone`), nothing after."""
    return amount if now <= refund_deadline(first_night, full_refund_hours, zone) else 0


def refund_deadline(first_night, full_refund_hours, zone):
    start = datetime.datetime.combine(first_night, datetime.time(), zone)
    return start - datetime.timedelta(hours=full_refund_hours)


def utc_naive(moment):
    """An aware time as the naive UTC DATETIME the database stores."""
    return moment.astimezone(UTC).replace(tzinfo=None)


class Payments:
    def __init__(self, db, cache, redis, clock, provider, *, unpaid_order_minutes, full_refund_hours):
        self.db = db
        self.cache = cache
        self.redis = redis
        self.clock = clock
        self.provider = provider
        self.unpaid_seconds = max(1, round(unpaid_order_minutes * 60))
        self.full_refund_hours = full_refund_hours

    def refund_due(self, order):
        """What cancelling the (paid) order now would refund."""
        return refund_due(order["amount"], order["start_date"], self.clock.now(), self.full_refund_hours,
                          self.clock.zone)

    # ---- the guest pays --------------------------------------------------------------------

    async def checkout(self, order_id, guest_id, method):
        """Where the guest pays for their accepted order: `pay_url`, the gateway's page, or with
        method "qr" the `qr_code` to scan. One trade per order, opened at the first call."""
        order = await self.db.fetchone(
            "SELECT o.id, o.user_id, o.status, o.amount, o.pay_by, h.title FROM ih_order o"
            " JOIN ih_house h ON h.id = o.house_id WHERE o.id = %s", (order_id,))
        if order is None:
            raise ApiError(RET.NODATA, "订单不存在", param="order_id")
        if order["user_id"] != guest_id:
            raise ApiError(RET.ROLEERR, "无权操作该订单")
        if order["status"] != WAIT_PAYMENT:
            raise ApiError(RET.DATAERR, "订单不是待支付状态")
        pay_by = order["pay_by"].replace(tzinfo=UTC)
        if pay_by <= datetime.datetime.now(UTC):
            raise ApiError(RET.DATAERR, "支付时间已过，订单即将失效")
        out_trade_no = await self._open_trade(order_id)
        answer = {"amount": order["amount"], "pay_by": self.clock.show_timestamp(order["pay_by"])}
        if method == "page":
            answer["pay_url"] = await self.provider.page_url(order_id, out_trade_no, order["amount"],
                                                             order["title"], pay_by)
            return answer
        try:
            answer["qr_code"] = await self.provider.qr_code(out_trade_no, order["amount"], order["title"], pay_by)
        except GatewayError as error:
            log.error("order %s: no QR code from the gateway: %s", order_id, error)
            raise ApiError(RET.THIRDERR, "支付服务暂时不可用，请稍后再试") from None
        return answer

    async def _open_trade(self, order_id):
        """The out_trade_no of the order's trade, made at the first call: 64 random bits make it
        unguessable, and keep a new database on the same merchant account from repeating an old
        one. The order is locked meanwhile, so a cancel or an expiry either comes first (no
        trade) or finds the trade open and closes it."""
        async with self.db.transaction(isolation="READ COMMITTED") as cur:
            order = await lock_order(cur, order_id)
            await cur.execute("SELECT out_trade_no, status FROM ih_payment WHERE order_id = %s FOR UPDATE",
                              (order_id,))
            payment = await cur.fetchone()
            if order["status"] != WAIT_PAYMENT or (payment and payment["status"] != OPEN):
                raise ApiError(RET.DATAERR, "订单不是待支付状态")
            if payment:
                return payment["out_trade_no"]
            out_trade_no = f"ih{order_id}x{secrets.token_hex(8)}"
            await cur.execute("INSERT INTO ih_payment (order_id, provider, out_trade_no, amount)"
                              " VALUES (%s, %s, %s, %s)", (order_id, self.provider.name, out_trade_no, order["amount"]))
            return out_trade_no

    # ---- the gateway's word ----------------------------------------------------------------

    async def notified(self, fields):
        """An asynchronous notification's fields. Returns once what it proves is stored; raises
        UntrustedMessage (logged, nothing stored) when it fails a check."""
        try:
            trade = self.provider.verified_notification(fields)
            await self.settle(trade, "notify")
        except UntrustedMessage as error:
            log.warning("untrusted payment notification (%s): out_trade_no=%r trade_no=%r total_amount=%r",
                        error, fields.get("out_trade_no"), fields.get("trade_no"), fields.get("total_amount"))
            raise

    async def settle(self, trade, source):
        """Store what a verified trade says: a paid trade of ours pays its order, once. Raises
        UntrustedMessage for a trade that is not ours or not of the amount we asked for."""
        payment = await self.db.fetchone("SELECT id, order_id, amount, status FROM ih_payment WHERE out_trade_no = %s",
                                         (trade.out_trade_no,))
        if payment is None:
            raise UntrustedMessage("not one of our trades")
        if trade.amount != payment["amount"]:
            raise UntrustedMessage(f"amount {trade.amount} fen, the order's is {payment['amount']}")
        # A payment already stored (a replay) is answered without retiring the cached pages: a
        # notification sent again and again must not keep them cold.
        if not trade.paid or payment["status"] == SETTLED:
            return
        refund = None
        async with self.cache.retiring(HOUSES), self.db.transaction(isolation="READ COMMITTED") as cur:
            order = await lock_order(cur, payment["order_id"])
            await cur.execute("SELECT status, trade_no FROM ih_payment WHERE id = %s FOR UPDATE", (payment["id"],))
            stored = await cur.fetchone()
            if stored["status"] == SETTLED:
                if stored["trade_no"] != trade.trade_no:
                    log.error("order %s: a second trade %s for payment %s", order["id"], trade.trade_no,
                              trade.out_trade_no)
                return
            await cur.execute("UPDATE ih_payment SET status = %s, trade_no = %s, settled_by = %s,"
                              " paid_at = UTC_TIMESTAMP() WHERE id = %s",
                              (SETTLED, trade.trade_no, source, payment["id"]))
            if transition_of(PAYMENT_TRANSITIONS, "pay", order["status"]):
                await move(cur, [order], PAID)
                log.info("order %s paid (%s, trade %s)", order["id"], source, trade.trade_no)
            else:
                log.warning("order %s was in status %s when its payment arrived (%s): refunding it in full",
                            order["id"], order["status"], source)
                refund = await self._add_refund(cur, order["id"], payment["id"], payment["amount"],
                                                LATE_PAYMENT_REASON)
        if refund:
            await self._send_refund(refund)

    async def _query_and_settle(self, out_trade_no, attempts):
        """Ask the gateway about a trade and store what it says; the trade, or None when the
        gateway never saw it. Raises GatewayError."""
        trade = await self.provider.query(out_trade_no, attempts=attempts)
        if trade is not None:
            try:
                await self.settle(trade, "query")
            except UntrustedMessage as error:  # signed by the gateway, yet not what we asked for
                raise GatewayError(f"query of {out_trade_no}: {error}") from None
        return trade

    async def status(self, order_id, user_id):
        """The order's payment as its guest or landlord sees it on the result page. While it
        waits for payment with a trade open, the gateway is asked first (at most every
        STATUS_QUERY_EVERY seconds per order): a notification may be late, or lost."""
        order = await self._status_row(order_id)
        if order is None:
            raise ApiError(RET.NODATA, "订单不存在", param="order_id")
        if user_id not in (order["user_id"], order["landlord_id"]):
            raise ApiError(RET.ROLEERR, "无权查看该订单")
        if (order["status"] == WAIT_PAYMENT and order["payment_status"] == OPEN
                and await self.redis.set(f"ihome:pay_query:{order_id}", 1, nx=True, ex=STATUS_QUERY_EVERY)):
            try:
                await self._query_and_settle(order["out_trade_no"], attempts=1)
            except GatewayError as error:
                log.warning("order %s: asking the gateway failed: %s", order_id, error)
            order = await self._status_row(order_id)
        return {"order_id": order_id, "status": order["status"], "amount": order["amount"],
                "paid": order["payment_status"] == SETTLED,
                "pay_by": self.clock.show_timestamp(order["pay_by"]) if order["status"] == WAIT_PAYMENT else None}

    async def _status_row(self, order_id):
        return await self.db.fetchone(
            "SELECT o.status, o.amount, o.pay_by, o.user_id, h.user_id AS landlord_id,"
            " p.status AS payment_status, p.out_trade_no FROM ih_order o JOIN ih_house h ON h.id = o.house_id"
            " LEFT JOIN ih_payment p ON p.order_id = o.id WHERE o.id = %s", (order_id,))

    # ---- what payments add to the order's own changes --------------------------------------

    async def changing(self, cur, order, target, refund_amount):
        """Called by Orders.change_status inside its transaction, with the order locked, before
        it moves to `target`. Returns what to do once that has committed (a coroutine function
        whose result joins the answer), or None. `refund_amount`: the refund the guest was shown
        when cancelling; another one refuses the change."""
        if target == WAIT_PAYMENT:
            await cur.execute("UPDATE ih_order SET pay_by = UTC_TIMESTAMP() + INTERVAL %s SECOND WHERE id = %s",
                              (self.unpaid_seconds, order["id"]))
            return None
        if target != CANCELED:
            return None
        due = self.refund_due(order) if order["status"] == PAID else 0
        if refund_amount is not None and refund_amount != due:
            raise ApiError(RET.DATAERR, "可退款金额已变化，请刷新订单后再操作")
        await cur.execute("SELECT id, out_trade_no, status FROM ih_payment WHERE order_id = %s FOR UPDATE",
                          (order["id"],))
        payment = await cur.fetchone()
        if order["status"] == WAIT_PAYMENT:
            if payment is None or payment["status"] != OPEN:
                return None
            await cur.execute("UPDATE ih_payment SET status = %s WHERE id = %s", (CLOSED, payment["id"]))
            return lambda: self._close(payment["out_trade_no"])
        if order["status"] != PAID:
            return None
        if not due:
            async def nothing_refunded():
                return {"refund": {"amount": 0, "status": "none"}}
            return nothing_refunded
        refund = await self._add_refund(cur, order["id"], payment["id"], due, CANCEL_REASON)
        return lambda: self._send_refund(refund)

    async def _close(self, out_trade_no, **call):
        """Close the trade of an order that will not be paid any more (`call`: the provider's
        options). Should a payment have got through meanwhile, its notification finds the order
        no longer waiting and refunds it."""
        await self.provider.close(out_trade_no, **call)

    # ---- refunds ---------------------------------------------------------------------------

    async def _add_refund(self, cur, order_id, payment_id, amount, reason):
        """Record a refund in the caller's transaction; the row to send once it has committed.
        The first attempt is made at once; the sweep sends it again from REFUND_FIRST_RETRY on."""
        out_request_no = f"rf{order_id}x{secrets.token_hex(8)}"
        await cur.execute(
            "INSERT INTO ih_refund (order_id, payment_id, out_request_no, amount, reason, attempts, next_attempt_at)"
            " VALUES (%s, %s, %s, %s, %s, 1, UTC_TIMESTAMP() + INTERVAL %s SECOND)",
            (order_id, payment_id, out_request_no, amount, reason, REFUND_FIRST_RETRY))
        await cur.execute("SELECT r.id, r.order_id, r.out_request_no, r.amount, r.reason, r.attempts,"
                          " p.out_trade_no FROM ih_refund r JOIN ih_payment p ON p.id = r.payment_id"
                          " WHERE r.id = %s", (cur.lastrowid,))
        return await cur.fetchone()

    async def _send_refund(self, refund, **call):
        """Ask the gateway to refund (`call`: the provider's options, e.g. `attempts`); marks the
        refund done once it confirms. The answer's part about the refund: its amount and whether
        it is "done" or still "pending"."""
        try:
            await self.provider.refund(refund["out_trade_no"], refund["amount"], refund["out_request_no"],
                                       refund["reason"], **call)
        except GatewayError as error:
            level = logging.ERROR if refund["attempts"] >= REFUND_ALARM_ATTEMPTS else logging.WARNING
            log.log(level, "refund %s of order %s (%s fen) not done after %s attempts: %s",
                    refund["out_request_no"], refund["order_id"], refund["amount"], refund["attempts"], error)
            return {"refund": {"amount": refund["amount"], "status": "pending"}}
        await self.db.execute("UPDATE ih_refund SET status = %s, done_at = UTC_TIMESTAMP() WHERE id = %s",
                              (DONE, refund["id"]))
        log.info("refund %s of order %s: %s fen refunded", refund["out_request_no"], refund["order_id"],
                 refund["amount"])
        return {"refund": {"amount": refund["amount"], "status": "done"}}

    async def retry_refunds(self):
        """Send again the pending refunds whose time has come; whether more are due. A process
        claims each refund by moving its next attempt further off first, so that processes do
        not send the same refund together (were they to, the gateway still refunds it once)."""
        refunds = await self.db.fetchall(
            "SELECT r.id, r.order_id, r.out_request_no, r.amount, r.reason, r.attempts, p.out_trade_no"
            " FROM ih_refund r JOIN ih_payment p ON p.id = r.payment_id"
            " WHERE r.status = %s AND r.next_attempt_at <= UTC_TIMESTAMP() ORDER BY r.next_attempt_at LIMIT %s",
            (PENDING, REFUND_BATCH))
        for refund in refunds:
            wait = min(REFUND_MAX_WAIT, REFUND_FIRST_RETRY * 2 ** refund["attempts"])
            claimed, _ = await self.db.execute(
                "UPDATE ih_refund SET attempts = attempts + 1, next_attempt_at = UTC_TIMESTAMP() + INTERVAL %s SECOND"
                " WHERE id = %s AND status = %s AND attempts = %s", (wait, refund["id"], PENDING, refund["attempts"]))
            if claimed:
                await self._send_refund({**refund, "attempts": refund["attempts"] + 1}, attempts=1)
        return len(refunds) == REFUND_BATCH

    # ---- sweeps ----------------------------------------------------------------------------

    async def expire_unpaid(self):
        """Expire the orders whose time to pay is over, freeing their nights; whether more are
        due. An order with a trade open is first asked about at the gateway: one paid while its
        notification was lost is settled, not expired; one the gateway cannot tell about now
        waits for the next sweep. Its trade is closed once the order has expired."""
        candidates = await self.db.fetchall(
            "SELECT o.id, o.house_id, p.out_trade_no FROM ih_order o"
            " LEFT JOIN ih_payment p ON p.order_id = o.id AND p.status = %s"
            " WHERE o.status = %s AND o.pay_by <= UTC_TIMESTAMP() ORDER BY o.pay_by LIMIT %s",
            (OPEN, WAIT_PAYMENT, BATCH))
        with_trade = [row["id"] for row in candidates if row["out_trade_no"]][:QUERY_BATCH]
        # Each asked: its Trade, None (the gateway never saw it) or False (no answer to trust now).
        asked = dict(zip(with_trade, await self._ask_about(
            [row["out_trade_no"] for row in candidates if row["id"] in with_trade])))
        due = [row for row in candidates if row["out_trade_no"] is None or asked.get(row["id"], False) is not False]
        expired = []
        if due:
            async with self.db.transaction(isolation="READ COMMITTED") as cur:
                # Still waiting for payment, once locked: one may have been settled meanwhile.
                expired = await lock_unheld(cur, due, WAIT_PAYMENT)
                if expired:
                    await move(cur, expired, EXPIRED)
                    expired_ids = [order["id"] for order in expired]
                    await cur.execute("UPDATE ih_payment SET status = %s WHERE status = %s AND order_id IN"
                                      f" ({', '.join(['%s'] * len(expired_ids))})", (CLOSED, OPEN, *expired_ids))
            if expired:
                await self.cache.invalidate(HOUSES)
                log.info("%d unpaid orders expired", len(expired))
        trades = {row["id"]: row["out_trade_no"] for row in due if row["out_trade_no"]}
        for order in expired:
            if order["id"] in trades:
                await self._close(trades[order["id"]], attempts=1)
        return len(expired) == BATCH

    async def _ask_about(self, out_trade_nos):
        """Query these trades (QUERIES_AT_ONCE at a time) and settle the paid ones: for each, the
        Trade, None (the gateway never saw it) or False (no answer to trust now)."""
        gate = asyncio.Semaphore(QUERIES_AT_ONCE)

        async def ask(out_trade_no):
            async with gate:
                try:
                    return await self._query_and_settle(out_trade_no, attempts=1)
                except GatewayError as error:
                    log.warning("trade %s: asking the gateway before expiring failed: %s", out_trade_no, error)
                    return False
        return await asyncio.gather(*[ask(number) for number in out_trade_nos])

    async def end_paid_stays(self):
        """Move the paid orders whose last night is over to WAIT_COMMENT (the guest may review);
        whether more are due. Their nights stay held, as every WAIT_COMMENT order's do."""
        async with self.db.transaction(isolation="READ COMMITTED") as cur:
            await cur.execute("SELECT id, house_id FROM ih_order WHERE status = %s AND end_date < %s"
                              " ORDER BY id LIMIT %s", (PAID, self.clock.today(), BATCH))
            orders = await lock_unheld(cur, await cur.fetchall(), PAID)
            if orders:
                await move(cur, orders, WAIT_COMMENT)
        if orders:
            await self.cache.invalidate(HOUSES)
        return len(orders) == BATCH

    # ---- the order lists -------------------------------------------------------------------

    async def describe(self, db, orders):
        """Add to each order of a list (from Orders.list_for, dates not yet written out) its
        `payment`: `pay_by` while it waits for payment, whether it was `paid`, the refund a
        cancel now would make (`refund_if_cancelled`, and until when it is whole:
        `full_refund_until`) and the `refund` made. A cancel that refunds is offered as the
        action "cancel_refund" instead of "cancel"."""
        if not orders:
            return
        listed = ", ".join(["%s"] * len(orders))
        rows = await db.fetchall(
            "SELECT o.id, o.pay_by, p.status AS payment_status, r.amount AS refund_amount,"
            " r.status AS refund_status FROM ih_order o LEFT JOIN ih_payment p ON p.order_id = o.id"
            f" LEFT JOIN ih_refund r ON r.order_id = o.id WHERE o.id IN ({listed})",
            [order["order_id"] for order in orders])
        found = {row["id"]: row for row in rows}
        for order in orders:
            row = found[order["order_id"]]
            cancellable_paid = order["status"] == PAID and "cancel" in order["actions"]
            due = self.refund_due(order) if cancellable_paid else None
            if due:
                order["actions"] = ["cancel_refund" if action == "cancel" else action for action in order["actions"]]
            deadline = refund_deadline(order["start_date"], self.full_refund_hours, self.clock.zone)
            order["payment"] = {
                "pay_by": self.clock.show_timestamp(row["pay_by"]) if order["status"] == WAIT_PAYMENT else None,
                "paid": row["payment_status"] == SETTLED,
                "refund_if_cancelled": due,
                "full_refund_until": (self.clock.show_timestamp(utc_naive(deadline)) if cancellable_paid else None),
                "refund": None if row["refund_amount"] is None else {
                    "amount": row["refund_amount"], "status": "done" if row["refund_status"] == DONE else "pending"},
            }

