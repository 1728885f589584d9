"""The live socket, `/api/ws`: a user's notifications as they happen (utils/live.py carries them
between processes and hosts). The protocol and its close codes: README, "Live notifications".

A socket is opened with the session cookie, from a page of the site itself (its `Origin`): a
request without a live session is refused before the upgrade (401 + 4102, the envelope, as
every API failure: handlers/base.py `EnvelopeErrors`), one from another origin too (403 + 4101),
and a plain request that asks for no upgrade (400 + 4103). The client then says `{"since": n}`,
the number of the last notification it has (0: none), and gets every later one in order, once each: first what it
missed, from MariaDB, then `{"type": "ready", "seq": ...}`, then each new one as it comes.
Each user's notifications are numbered without gaps (models/notification.py), so a socket that
sees a number skip ahead fetches the ones in between instead of losing them.
"""
import asyncio
import logging
import urllib.parse

import orjson
import tornado.httputil
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from handlers.base import STORE_ERRORS, EnvelopeErrors, session_id_of
from handlers.security import SecureHeaders
from handlers.tracing import Traced
from models.notification import CATCH_UP_BATCH
from utils import live
from utils.errors import RET, ApiError
from utils.session import session_digest

log = logging.getLogger("ihome.live")

MAX_MESSAGE_BYTES = 1024  # a client only ever sends {"since": n}; more is closed with 1009
WINDOW_SECONDS = 10.0
MESSAGES_PER_WINDOW = 20


class LiveHandler(Traced, SecureHeaders, EnvelopeErrors, WebSocketHandler):
    session = None

    async def get(self, *args, **kwargs):
        # Tornado's own refusals of these two are plain text: the envelope instead.
        if self.request.headers.get("Upgrade", "").lower() != "websocket":
            raise ApiError(RET.PARAMERR, "只接受 WebSocket 连接", status=400)
        origin = self.request.headers.get("Origin")
        if origin is not None and not self.check_origin(origin):
            raise ApiError(RET.SESSIONERR, "不接受来自其他网站的连接", status=403)
        session_id = session_id_of(self)
        try:
            self.session = await self.application.sessions.load(session_id) if session_id else None
        except ApiError as error:  # a corrupt session, ended by reading it
            raise ApiError(error.errcode, error.errmsg, status=401) from None
        if self.session is None:
            raise ApiError(RET.LOGINERR, status=401)
        self.session_hash = session_digest(session_id)
        await super().get(*args, **kwargs)

    def check_origin(self, origin):
        """Only pages of the site itself: the Origin's host and port are those the request was
        sent to. Behind a proxy that --xheaders trusts, the X-Forwarded-Host it names, if any,
        else the host name alone: nginx's `Host $host` drops the port."""
        origin = urllib.parse.urlsplit(origin)
        if not self.application.trust_proxy:
            return origin.netloc.lower() == self.request.host.lower()
        forwarded = self.request.headers.get("X-Forwarded-Host", "").split(",")[0].strip()
        if forwarded:
            return origin.netloc.lower() == forwarded.lower()
        return (origin.hostname or "") == tornado.httputil.split_host_and_port(self.request.host.lower())[0]

    def open(self):
        self.user_id = self.session["user_id"]
        self.last_seq = None  # until the client says where it is
        self.pending = None  # while catching up: the live notifications that arrived meanwhile
        self.again = False
        self.ready_due = False
        self.tasks = set()
        self.window = (0.0, 0)
        if not self.application.live.join(self):
            self.close(live.CLOSE_TOO_MANY, "too many connections")

    def on_close(self):
        self.application.live.leave(self)

    async def on_message(self, message):
        now = asyncio.get_running_loop().time()
        started, count = self.window
        self.window = (started, count + 1) if now - started < WINDOW_SECONDS else (now, 1)
        if self.window[1] > MESSAGES_PER_WINDOW:
            self.close(live.CLOSE_TOO_FAST, "too many messages")
            return
        try:
            since = orjson.loads(message)["since"]
            if isinstance(since, bool) or not isinstance(since, int) or since < 0:
                raise TypeError
        except (orjson.JSONDecodeError, KeyError, TypeError):
            self.close(live.CLOSE_BAD_MESSAGE, 'expected {"since": n}')
            return
        self.last_seq = since
        self.ready_due = True
        await self.catch_up()

    def deliver(self, event):
        """An event for this socket's user, from the channel."""
        if "close" in event:
            if event["close"] == self.session_hash:
                self.close(live.CLOSE_SESSION_ENDED, "session ended")
        elif self.last_seq is not None and "notification" in event:
            if self.pending is not None:
                self.pending.append(event["notification"])
            else:
                self._take(event["notification"])

    def _take(self, notification):
        if notification["seq"] == self.last_seq + 1:
            self._send({"type": "notification", "notification": notification})
            self.last_seq += 1
        elif notification["seq"] > self.last_seq:  # one published earlier is still on its way
            self.catch_up_soon()

    def catch_up_soon(self):
        if self.last_seq is not None and self.ws_connection is not None:
            task = asyncio.create_task(self.catch_up())
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def catch_up(self):
        """Send what MariaDB has after `last_seq`, then what arrived live meanwhile."""
        if self.pending is not None:
            self.again = True
            return
        self.pending = []
        try:
            while self.ws_connection is not None:  # None once closed: nobody to send to
                batch = await self.application.notifications.since(self.user_id, self.last_seq, CATCH_UP_BATCH)
                for notification in batch:
                    self._send({"type": "notification", "notification": notification})
                    self.last_seq = notification["seq"]
                if len(batch) < CATCH_UP_BATCH and not self.again:
                    break
                self.again = False
        except STORE_ERRORS as error:
            log.warning("live: user %s could not catch up: %s", self.user_id, error)
            self.close(1011, "try again")  # the client reconnects and asks again
            return
        finally:
            arrived, self.pending = self.pending, None
        if self.ready_due:
            self.ready_due = False
            self._send({"type": "ready", "seq": self.last_seq})
        for notification in sorted(arrived, key=lambda n: n["seq"]):
            self._take(notification)

    def _send(self, payload):
        try:
            self.write_message(orjson.dumps(payload))
        except WebSocketClosedError:
            pass  # on_close takes it out of the hub


ROUTES = [
    (r"/api/ws$", LiveHandler),
]
