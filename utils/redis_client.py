"""The one place a process makes its Redis client: the server that `--redis_url` names, or the
master that Redis Sentinel names (README, "Redis with Sentinel"). Both have the same pool, the
same timeouts and the same retry, so a failover looks to the service like a Redis restart.
"""
import redis.asyncio
import redis.exceptions
from redis.asyncio.connection import BlockingConnectionPool, parse_url
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.backoff import NoBackoff

POOL_WAIT = 5  # seconds a request may wait for a free Redis connection
CONNECT_TIMEOUT = 2  # an unreachable Redis answers 503 this fast, not after the OS's minutes
TIMEOUT = 5


def _connection_options():
    """After Redis restarts or fails over, every pooled connection is dead: a command that fails
    on one is sent once more on a fresh connection (to the master the sentinels name by then),
    so the restart costs no request an error. Each connection gets its own Retry."""
    return {"socket_connect_timeout": CONNECT_TIMEOUT, "socket_timeout": TIMEOUT,
            "retry": Retry(NoBackoff(), 1), "retry_on_error": [redis.exceptions.ConnectionError]}


class _CountedPool:
    """Mixed into a blocking pool: counts the connections it has lent out and the commands
    waiting for one (utils/metrics.py)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lent = set()
        self.waiting = 0

    @property
    def in_use(self):
        return len(self.lent)

    async def get_connection(self, *args, **kwargs):
        self.waiting += 1
        try:
            connection = await super().get_connection(*args, **kwargs)
        finally:
            self.waiting -= 1
        self.lent.add(connection)
        return connection

    async def release(self, connection):
        # Also called by get_connection itself for a connection it could not open: never lent.
        self.lent.discard(connection)
        await super().release(connection)


class _BlockingPool(_CountedPool, BlockingConnectionPool):
    """A burst of commands waits for a free connection (POOL_WAIT at most)."""


class _SentinelBlockingPool(_CountedPool, SentinelConnectionPool, BlockingConnectionPool):
    """Connections to whichever server the sentinels call the master, asked anew for every new
    connection; a burst waits for a free one, as in BlockingConnectionPool (redis-py's sentinel
    pool would raise "Too many connections" instead). Its client closes the sentinels' too.

    While no master can be named (the old one is down, the new one not yet promoted) or the one
    named refuses, a command raises a ConnectionError (MasterNotFoundError is one): 503 + 4001."""

    async def aclose(self):
        await super().aclose()
        await self.sentinel_manager.aclose()


def parse_sentinels(text):
    """`host:port,host:port` as [(host, port)]; an empty text is no sentinel."""
    sentinels = []
    for address in filter(None, (part.strip() for part in text.split(","))):
        host, _, port = address.rpartition(":")
        if not host or not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{address!r} is not host:port")
        sentinels.append((host.strip("[]"), int(port)))
    return sentinels


def connect_redis(url, pool_size, sentinels=(), master_name="", sentinel_password=""):
    """A client of the Redis at `url`, or, when `sentinels` are given, of the master they know as
    `master_name`; then `url` gives only the database and the credentials (`redis://:pw@/0`)."""
    if not sentinels:
        # A blocking pool makes a burst of requests wait for a Redis connection instead of
        # failing with "Too many connections" (redis-py's default pool raises at 100).
        pool = _BlockingPool.from_url(url, max_connections=pool_size, timeout=POOL_WAIT,
                                               **_connection_options())
        return redis.asyncio.Redis.from_pool(pool)
    if not url.startswith("redis://"):
        raise ValueError("with sentinels, the Redis URL is redis:// and gives the database and password only")
    if not master_name:
        raise ValueError("with sentinels, the master's name is needed")
    target = parse_url(url)
    sentinel_options = {**_connection_options(), "password": sentinel_password or None}
    manager = Sentinel(sentinels, sentinel_kwargs=sentinel_options)
    return manager.master_for(
        master_name, connection_pool_class=_SentinelBlockingPool, max_connections=pool_size,
        timeout=POOL_WAIT, db=target.get("db", 0), username=target.get("username"),
        password=target.get("password"), **_connection_options())
