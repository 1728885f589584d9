"""The iHome service: `python server.py --port=8000 [--processes=N] [--debug]`."""
import asyncio
import concurrent.futures
import logging
import os
import signal

import redis.asyncio
import redis.exceptions
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
import uvloop
import tornado.httpserver
import tornado.netutil
import tornado.process
import tornado.web
from tornado.options import options, parse_command_line

import config
from handlers.routes import routes
from models.db import Database
from models.house import Houses
from models.media import Media
from models.migrate import migrate
from models.order import Orders
from models.passport import Passport
from models.user import Users
from utils.cache import Cache
from utils.passwords import PasswordHasher
from utils.session import Sessions
from utils.sms import load_backend
from utils.timefmt import SiteClock

log = logging.getLogger("ihome")

REDIS_POOL_WAIT = 5  # seconds a request may wait for a free Redis connection
REDIS_CONNECT_TIMEOUT = 2  # an unreachable Redis answers 503 this fast, not after the OS's minutes
REDIS_TIMEOUT = 5


class Application(tornado.web.Application):
    """The services, each built once here with the stores and the settings it needs.

    Handlers reach them as `self.application.<service>`; nothing below reads `options`.
    """

    def __init__(self, db, redis_client):
        self.db = db
        self.redis = redis_client
        self.hasher = PasswordHasher(options.hash_workers)
        self.cpu_executor = concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2,
                                                                  thread_name_prefix="cpu")
        clock = SiteClock(options.timezone)
        cache = Cache(redis_client)
        self.sessions = Sessions(redis_client, db)
        self.media_storage = config.media_storage()  # its S3 client is made in serve(), closed in close()
        self.media = Media(self.cpu_executor, self.media_storage, max_image_bytes=options.max_image_bytes)
        self.users = Users(db, self.sessions, cache, self.media, clock)
        self.passport = Passport(redis_client, self.users, self.hasher, load_backend(options.sms_backend),
                                 self.cpu_executor, clock, sms_ip_daily_limit=options.sms_ip_daily_limit)
        self.houses = Houses(db, cache, self.media, clock, page_size=options.page_size)
        self.orders = Orders(db, cache, self.media, clock)
        self.in_flight = 0
        super().__init__(
            routes(os.path.abspath(options.web_root),
                   os.path.abspath(options.media_root) if options.media_backend == "local" else None),
            cookie_secret=config.cookie_secret(),
            xsrf_cookies=True,
            xsrf_cookie_kwargs={"samesite": "Lax"},
            debug=options.debug,
        )

    async def close(self):
        self.hasher.close()
        self.cpu_executor.shutdown(wait=False, cancel_futures=True)
        await self.media_storage.close()
        await self.db.close()
        await self.redis.aclose()


async def serve(sockets):
    db = await Database.connect(options.mysql_url, options.mysql_pool_size)
    # A blocking pool makes a burst of requests wait for a Redis connection instead of failing
    # with "Too many connections" (redis-py's default pool raises at 100). After Redis restarts,
    # every pooled connection is dead: a command that fails on one is sent once more on a fresh
    # connection, so the restart costs no request an error.
    redis_pool = redis.asyncio.BlockingConnectionPool.from_url(
        options.redis_url, max_connections=options.redis_pool_size, timeout=REDIS_POOL_WAIT,
        socket_connect_timeout=REDIS_CONNECT_TIMEOUT, socket_timeout=REDIS_TIMEOUT,
        retry=Retry(NoBackoff(), 1), retry_on_error=[redis.exceptions.ConnectionError])
    app = Application(db, redis.asyncio.Redis.from_pool(redis_pool))
    await app.media_storage.start()
    server = tornado.httpserver.HTTPServer(app, xheaders=options.xheaders,
                                           max_body_size=app.media.upload_body_limit)
    server.add_sockets(sockets)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    log.info("iHome listening on port %s (pid %s)", options.port, os.getpid())
    await stopping.wait()

    log.info("shutting down: finishing %d in-flight requests", app.in_flight)
    server.stop()
    deadline = loop.time() + options.shutdown_timeout
    while app.in_flight and loop.time() < deadline:
        await asyncio.sleep(0.05)
    await server.close_all_connections()
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
