"""The iHome service: `python server.py --port=8000 [--processes=N] [--debug]`."""
import asyncio
import concurrent.futures
import contextlib
import logging
import os
import signal

import tornado.autoreload
import tornado.netutil
import tornado.process
import tornado.web
import uvloop
from tornado.log import access_log
from tornado.options import options, parse_command_line

import config
from handlers.base import JSON_BODY_LIMIT, request_summary
from handlers.protocol import EnvelopeHTTPServer
from handlers.routes import routes
from handlers.security import page_policy
from models.db import Database
from models.house import Houses
from models.media import Media
from models.migrate import migrate
from models.order import EXPIRY_BATCH, Orders
from models.passport import Passport
from models.user import Users
from utils.assets import Assets
from utils.cache import Cache
from utils.passwords import PasswordHasher
from utils.session import Sessions
from utils.sms import load_backend
from utils.timefmt import SiteClock

log = logging.getLogger("ihome")


class Application(tornado.web.Application):
    """The services, each built once here with the stores and the settings it needs.

    Handlers reach them as `self.application.<service>`; nothing below reads `options`.
    """

    def __init__(self, db, redis_client):
        self.db = db
        self.redis = redis_client
        self.hasher = PasswordHasher(options.hash_workers)
        cpus = os.cpu_count() or 2
        self.cpu_executor = concurrent.futures.ThreadPoolExecutor(max_workers=cpus,
                                                                  thread_name_prefix="cpu")
        clock = SiteClock(options.timezone)
        cache = Cache(redis_client, db)
        self.sessions = Sessions(redis_client, db)
        self.media_storage = config.media_storage()  # its S3 client is made in serve(), closed in close()
        self.media = Media(self.cpu_executor, self.media_storage, redis_client,
                           max_image_bytes=options.max_image_bytes, image_decoders=options.image_decoders or cpus,
                           uploads_per_hour=options.uploads_per_hour)
        self.users = Users(db, self.sessions, cache, self.media, clock)
        self.passport = Passport(redis_client, self.users, self.hasher, load_backend(options.sms_backend),
                                 self.cpu_executor, clock, sms_ip_daily_limit=options.sms_ip_daily_limit,
                                 login_ip_failures=options.login_ip_failures,
                                 captcha_ip_per_minute=options.captcha_ip_per_minute)
        self.houses = Houses(db, cache, self.media, clock, page_size=options.page_size)
        self.orders = Orders(db, cache, self.media, clock, guest_pending_orders=options.guest_pending_orders,
                             guest_pending_nights=options.guest_pending_nights,
                             pending_order_hours=options.pending_order_hours)
        self.page_policy = page_policy(options.media_base_url)
        self.assets = Assets.load(options.web_root)
        if options.debug:  # a changed frontend file restarts the server, which versions it anew
            for path in self.assets.files(options.web_root):
                tornado.autoreload.watch(path)
        self.in_flight = 0
        super().__init__(
            routes(os.path.abspath(options.web_root),
                   os.path.abspath(options.media_root) if options.media_backend == "local" else None),
            cookie_secret=config.cookie_secret(),
            xsrf_cookies=True,
            xsrf_cookie_kwargs={"samesite": "Lax"},
            debug=options.debug,
        )

    def log_request(self, handler):
        """Tornado's access log line, for every handler, with the query's secrets blanked."""
        status = handler.get_status()
        level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
        if access_log.isEnabledFor(level):  # production runs with --logging=warning
            access_log.log(level, "%d %s %.2fms", status, request_summary(handler.request),
                           1000.0 * handler.request.request_time())

    async def close(self):
        self.hasher.close()
        self.cpu_executor.shutdown(wait=False, cancel_futures=True)
        await self.media_storage.close()
        await self.db.close()
        await self.redis.aclose()


async def expire_pending_orders(orders, interval, stopping):
    """Every `interval` seconds until `stopping` is set, expire the bookings landlords left
    unanswered. Every process of every host runs this; the sweeps share the work (SKIP LOCKED)."""
    while not stopping.is_set():
        try:
            backlog = await orders.expire_pending() == EXPIRY_BATCH  # the next batch at once
        except Exception:
            log.exception("expiring unanswered orders failed; trying again in %gs", interval)
            backlog = False
        if not backlog:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), interval)


async def serve(sockets):
    db = await Database.connect(options.mysql_url, options.mysql_pool_size, options.mysql_replica_url)
    app = Application(db, config.redis_client())
    await app.media_storage.start()
    # API handlers stream their bodies and bound them themselves (handlers/base.py); this cap is
    # for the static files, which do not stream and take no body.
    server = EnvelopeHTTPServer(app, xheaders=options.xheaders, max_body_size=JSON_BODY_LIMIT)
    server.add_sockets(sockets)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    sweeper = asyncio.create_task(expire_pending_orders(app.orders, options.pending_sweep_seconds, stopping))
    log.info("iHome listening on port %s (pid %s)", options.port, os.getpid())
    await stopping.wait()

    log.info("shutting down: finishing %d in-flight requests", app.in_flight)
    server.stop()
    deadline = loop.time() + options.shutdown_timeout
    while app.in_flight and loop.time() < deadline:
        await asyncio.sleep(0.05)
    await server.close_all_connections()
    await sweeper  # a sweep under way finishes its batch
    await app.close()


def main():
    parse_command_line()
    asyncio.run(migrate(options.mysql_url))
    sockets = tornado.netutil.bind_sockets(options.port, options.address or None)
    if options.processes != 1:
        if options.debug:
            raise SystemExit("--debug reloads code and cannot be combined with --processes")
        tornado.process.fork_processes(options.processes)
    # uvloop runs the same asyncio code with a faster event loop (measured in docs/performance.md).
    (uvloop.run if options.uvloop else asyncio.run)(serve(sockets))


if __name__ == "__main__":
    main()
