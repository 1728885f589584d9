"""The iHome service: `python server.py --port=8000 [--processes=N] [--debug]`."""
import asyncio
import concurrent.futures
import contextlib
import logging
import os
import shutil
import signal
import tempfile

import tornado.autoreload
import tornado.netutil
import tornado.process
import tornado.web
import uvloop
from tornado.log import access_log
from tornado.options import options, parse_command_line

import config
from handlers import tracing
from handlers.base import JSON_BODY_LIMIT, request_summary
from handlers.live import MAX_MESSAGE_BYTES
from handlers.protocol import EnvelopeHTTPServer
from handlers.routes import routes
from handlers.security import page_policy
from models.calendar import Calendar
from models.db import Database
from models.favourite import Favourites
from models.house import Houses
from models.media import Media
from models.message import Messages
from models.migrate import migrate
from models.notification import Notifications
from models.order import EXPIRY_BATCH, Orders
from models.passport import Passport
from models.payment import Payments
from models.review import Reviews
from models.user import Users
from utils import logs, metrics
from utils.api_reference import ApiReference
from utils.assets import Assets
from utils.cache import Cache
from utils.health import Readiness
from utils.live import Live
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
        self.houses = Houses(db, cache, self.media, clock, page_size=options.page_size,
                             keyword_houses=options.keyword_houses)
        self.calendar = Calendar(db, cache, clock)
        self.favourites = Favourites(db, self.media, clock, page_size=options.page_size)
        provider = config.payment_provider(self.cpu_executor)
        # None with --payment=off: its routes then answer as unknown paths (handlers/pay.py).
        self.payments = Payments(db, cache, redis_client, clock, provider,
                                 unpaid_order_minutes=options.unpaid_order_minutes,
                                 full_refund_hours=options.full_refund_hours) if provider else None
        self.orders = Orders(db, cache, self.media, clock, guest_pending_orders=options.guest_pending_orders,
                             guest_pending_nights=options.guest_pending_nights,
                             pending_order_hours=options.pending_order_hours, payments=self.payments)
        self.reviews = Reviews(db, cache, clock, self.orders)
        self.notifications = Notifications(db, clock)
        self.messages = Messages(db, redis_client, self.notifications, clock,
                                 messages_per_minute=options.messages_per_minute)
        self.live = Live(redis_client, self.notifications, per_user=options.live_sockets_per_user)
        db.committed = self.live.committed  # notifications go out once their transaction committed
        self.page_policy = page_policy(options.media_base_url)
        self.assets = Assets.load(options.web_root)
        if options.debug:  # a changed frontend file restarts the server, which versions it anew
            for path in self.assets.files(options.web_root):
                tornado.autoreload.watch(path)
        self.readiness = Readiness(db, redis_client)
        self.api_reference = ApiReference()
        self.metrics_token = options.metrics_token
        self.trust_proxy = options.xheaders
        self.in_flight = 0
        super().__init__(
            routes(os.path.abspath(options.web_root),
                   os.path.abspath(options.media_root) if options.media_backend == "local" else None),
            cookie_secret=config.cookie_secret(),
            xsrf_cookies=True,
            xsrf_cookie_kwargs={"samesite": "Lax"},
            debug=options.debug,
            websocket_ping_interval=options.live_ping_seconds,
            websocket_max_message_size=MAX_MESSAGE_BYTES,
        )
        # Each handler class's routes, as (matcher, label): metrics count requests by the route
        # they took, never by their raw URL.
        self.route_labels = {}
        for rule in self.wildcard_router.rules:
            label = rule.matcher.regex.pattern.removesuffix("$")
            self.route_labels.setdefault(rule.target, []).append((rule.matcher, label))

    def find_handler(self, request, **kwargs):
        # Every request passes here before its handler exists: from now on it has its id.
        tracing.begin(request, trust_proxy=self.trust_proxy)
        return super().find_handler(request, **kwargs)

    def route_label(self, handler):
        """The pattern of the route that led to `handler`."""
        routes_of_handler = self.route_labels.get(type(handler), ())
        if len(routes_of_handler) == 1:
            return routes_of_handler[0][1]
        return next((label for matcher, label in routes_of_handler if matcher.match(handler.request) is not None), "")

    def log_request(self, handler):
        """Every finished request: counted in the metrics, and Tornado's access log line with
        the query's secrets blanked."""
        status = handler.get_status()
        seconds = handler.request.request_time()
        route, method = self.route_label(handler), handler.request.method
        metrics.REQUESTS.labels(route, method, str(status), handler.errcode).inc()
        metrics.REQUEST_SECONDS.labels(route, method).observe(seconds)
        level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
        if access_log.isEnabledFor(level):  # production runs with --logging=warning
            access_log.log(level, "%d %s %.2fms", status, request_summary(handler.request), 1000.0 * seconds,
                           extra={"http": {"status": status, "method": method, "route": route,
                                           "ip": handler.request.remote_ip, "ms": round(1000.0 * seconds, 2)}})

    def pools(self):
        """The connection pools, by the name the metrics give them."""
        pools = {"mysql": self.db, "redis": self.redis.connection_pool}
        if self.db.replica:
            pools["mysql_replica"] = self.db.replica.database
        return pools

    def sample_pools(self):
        metrics.sample_pools(self.pools())

    async def close(self):
        self.hasher.close()
        self.cpu_executor.shutdown(wait=False, cancel_futures=True)
        await self.media_storage.close()
        await self.db.close()
        await self.redis.aclose()


def sweeps(app):
    """What every process does every --pending_sweep_seconds: each a coroutine function that
    returns whether more is due at once."""
    async def expire_pending():
        return await app.orders.expire_pending() == EXPIRY_BATCH
    jobs = [expire_pending]
    if app.payments:
        jobs += [app.payments.expire_unpaid, app.payments.end_paid_stays, app.payments.retry_refunds]
    return jobs


async def sweep(jobs, interval, stopping):
    """Every `interval` seconds until `stopping` is set, run `jobs`: expire the bookings landlords
    left unanswered, and with payments the orders left unpaid, end paid stays and send pending
    refunds again. Every process of every host runs this; the sweeps share the work (SKIP LOCKED)."""
    while not stopping.is_set():
        backlog = False
        for job in jobs:
            try:
                backlog = await job() or backlog  # the next batch at once
            except Exception:
                log.exception("sweep %s failed; trying again in %gs", job.__name__, interval)
        if not backlog:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), interval)


async def sample_pools(app, stopping, interval=1.0):
    """Record this process's pool usage every `interval` seconds, for /metrics, which another
    process may be the one to answer."""
    while not stopping.is_set():
        app.sample_pools()
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
    app.live.start()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    sweeper = asyncio.create_task(sweep(sweeps(app), options.pending_sweep_seconds, stopping))
    sampler = asyncio.create_task(sample_pools(app, stopping))
    log.info("iHome listening on port %s (pid %s)", options.port, os.getpid())
    await stopping.wait()

    log.info("shutting down: finishing %d in-flight requests", app.in_flight)
    server.stop()
    await app.live.stop()  # the clients reconnect to a process still running
    deadline = loop.time() + options.shutdown_timeout
    while app.in_flight and loop.time() < deadline:
        await asyncio.sleep(0.05)
    await server.close_all_connections()
    await sweeper  # a sweep under way finishes its batch
    await sampler
    await app.close()
    metrics.forget_process(os.getpid())


def metrics_folder():
    """The folder every worker counts its metrics in (utils/metrics.py): --metrics_dir emptied,
    or a new temporary one; and whether it is ours to remove at exit."""
    if not options.metrics_dir:
        return tempfile.mkdtemp(prefix="ihome-metrics-"), True
    os.makedirs(options.metrics_dir, exist_ok=True)
    for name in os.listdir(options.metrics_dir):
        if name.endswith(".db"):  # what a previous run left: its counts are not this run's
            os.remove(os.path.join(options.metrics_dir, name))
    return options.metrics_dir, False


def main():
    parse_command_line()
    logs.configure(options.log_format)
    if options.processes != 1 and options.debug:
        raise SystemExit("--debug reloads code and cannot be combined with --processes")
    asyncio.run(migrate(options.mysql_url))
    sockets = tornado.netutil.bind_sockets(options.port, options.address or None)
    folder, temporary = metrics_folder()
    metrics.share_between_processes(folder)
    if options.processes != 1:
        # The workers' folder stays: the process that made it is killed by the group's SIGTERM
        # before they finish (README, "Observability").
        tornado.process.fork_processes(options.processes)
    try:
        # uvloop runs the same asyncio code with a faster event loop (measured in docs/performance.md).
        (uvloop.run if options.uvloop else asyncio.run)(serve(sockets))
    finally:
        if temporary and options.processes == 1:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
