"""The MySQL pools and the few query helpers every model uses. All SQL is parameterised.

Writes, and every read inside a write, go to the primary. The reads that may go to a read
replica (`Database.reading`) do so only once the replica has applied the position the primary
had after the latest write that returned (utils/cache.py records it in Redis): a read never
misses a write that has answered, whichever process or host made it.
"""
import asyncio
import contextlib
import logging
import re
import time
import urllib.parse

import aiomysql
import pymysql

log = logging.getLogger("ihome.db")

DB_NAME_RE = re.compile(r"^[A-Za-z0-9_]{1,64}$")


def parse_mysql_url(url):
    """`mysql://user:password@host:port/database` as aiomysql keyword arguments."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("mysql", "mariadb"):
        raise SystemExit(f"unsupported database URL scheme: {parts.scheme!r}")
    database = parts.path.lstrip("/")
    if not DB_NAME_RE.match(database):
        raise SystemExit(f"database name {database!r} must be 1-64 letters, digits or _")
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": urllib.parse.unquote(parts.username or "root"),
        "password": urllib.parse.unquote(parts.password or ""),
        "db": database,
    }


# CR_SERVER_GONE_ERROR, CR_SERVER_LOST: the client's errors for a connection the server dropped.
LOST_CONNECTION = (2006, 2013)

# Timestamps are stored in UTC and shown in the site's zone (utils/timefmt.py).
CONNECT_OPTIONS = {"charset": "utf8mb4", "autocommit": True, "init_command": "SET time_zone = '+00:00'"}

# How long a read waits for the replica to apply the latest write before asking the primary, and
# how long a replica that was that far behind, or failed, is left alone before it is tried again.
CATCH_UP_WAIT = 0.1
REPLICA_REST = 5.0
# A replica that does not answer (a frozen server, a host cut off, which no error reports) costs
# a read this long, then the read goes to the primary and the replica rests.
REPLICA_ANSWER_TIMEOUT = 2.0


def gtid_position(text):
    """A MariaDB GTID position ("0-1-42,1-2-7": domain-server-sequence, one per replication
    domain, as in @@gtid_binlog_pos) as {domain: sequence number}."""
    position = {}
    for gtid in filter(None, (part.strip() for part in text.split(","))):
        domain, _server, sequence = gtid.split("-")
        position[int(domain)] = int(sequence)
    return position


def includes(applied, position):
    """Whether a server that has applied `applied` has applied all of `position` (both as
    returned by gtid_position): in each domain, sequence numbers only grow."""
    return all(applied.get(domain, -1) >= sequence for domain, sequence in position.items())


class Database:
    def __init__(self, pool, replica=None, answer_timeout=None):
        self.pool = pool
        # aiomysql's pool wakes a waiter when a connection comes back, but a request arriving just
        # then takes it first: with more requests than connections some waited over a second
        # (the search's p99, docs/performance-analysis.md). asyncio's Semaphore queues newcomers
        # behind the waiters, so connections go first come, first served.
        self.turns = asyncio.Semaphore(pool.maxsize)
        self.replica = replica  # a Replica, or None: every read goes to this pool
        self.answer_timeout = answer_timeout  # seconds a read may take, connecting included; None: no limit
        self.waiting = 0  # requests waiting for one of the pool's connections (utils/metrics.py)
        # A coroutine function given the `cur.events` of each transaction that committed some
        # (utils/live.py publishes them); None: nobody listens.
        self.committed = None

    @property
    def in_use(self):
        """The pool's connections lent out now."""
        return self.pool.size - self.pool.freesize

    @classmethod
    async def connect(cls, url, size, replica_url=""):
        pool = await aiomysql.create_pool(minsize=1, maxsize=size, pool_recycle=3600,
                                          **parse_mysql_url(url), **CONNECT_OPTIONS)
        if not replica_url:
            return cls(pool)
        # minsize=0: the service starts, and reads from the primary, while the replica is down.
        replica_pool = await aiomysql.create_pool(minsize=0, maxsize=size, pool_recycle=3600,
                                                  **parse_mysql_url(replica_url), **CONNECT_OPTIONS)
        database = cls(pool, Replica(cls(replica_pool, answer_timeout=REPLICA_ANSWER_TIMEOUT)))
        await database._check_binary_log()
        return database

    async def _check_binary_log(self):
        """A replica read waits for the GTID position of the primary's binary log: without one,
        nothing could tell it what the latest write was."""
        try:
            row = await self.fetchone("SELECT @@log_bin AS log_bin, @@gtid_binlog_pos AS position")
        except pymysql.err.Error as error:
            raise SystemExit(f"--mysql_replica_url needs a MariaDB primary with GTIDs: {error}") from None
        if not row["log_bin"]:
            raise SystemExit("--mysql_replica_url needs the primary's binary log: start it with log_bin")

    async def close(self):
        if self.replica:
            await self.replica.database.close()
        self.pool.close()
        await self.pool.wait_closed()

    def reading(self, position):
        """Reads (fetchone, fetchall) that see every write the primary had committed at the GTID
        `position` (None: unknown, so at the primary's position now): from the replica once it
        has applied it, else from the primary."""
        return self if self.replica is None else ReplicaReads(self, self.replica, position)

    async def primary_position(self):
        """The GTID position of every transaction committed on this (primary) server so far."""
        return (await self.fetchone("SELECT @@gtid_binlog_pos AS position"))["position"]

    async def written_position(self):
        """What to record after a write, for the replica reads that follow it: the primary's
        position, or None when no read goes to a replica, or when the primary cannot say (a
        reader that finds no position recorded asks the primary itself)."""
        if self.replica is None:
            return None
        try:
            return await self.primary_position()
        except pymysql.err.Error as error:
            log.error("could not read the primary's GTID position after a write: %s", error)
            return None

    async def ping(self):
        """A round trip to the server (readiness)."""
        await self.fetchone("SELECT 1 AS alive")

    async def fetchone(self, sql, args=None):
        return await self._read(sql, args, aiomysql.DictCursor.fetchone)

    async def fetchall(self, sql, args=None):
        return await self._read(sql, args, aiomysql.DictCursor.fetchall)

    async def _read(self, sql, args, fetch):
        """A read is idempotent: one that met a connection the server had dropped (a MariaDB
        restart leaves every pooled connection dead) runs once more on a fresh one. One that
        gets no answer within `answer_timeout` fails as a lost connection, without a retry."""
        for attempt in range(2):
            try:
                async with asyncio.timeout(self.answer_timeout):
                    return await self._read_once(sql, args, fetch)
            except TimeoutError:
                raise pymysql.err.OperationalError(
                    LOST_CONNECTION[1], f"no answer within {self.answer_timeout}s") from None
            except pymysql.err.Error as error:
                if attempt or not await self._dropped_connection(error):
                    raise

    async def _read_once(self, sql, args, fetch):
        async with self._connection() as conn:
            try:
                async with conn.cursor(aiomysql.DictCursor) as cur:
                    await cur.execute(sql, args)
                    return await fetch(cur)
            except asyncio.CancelledError:
                conn.close()  # the reply was cut off midway: the pool must not hand it out again
                raise

    async def execute(self, sql, args=None):
        """Run one statement; returns (affected rows, last insert id)."""
        async with self._connection() as conn, conn.cursor() as cur:
            rows = await cur.execute(sql, args)
            return rows, cur.lastrowid

    async def _acquire(self):
        """A connection of the pool, counted in `waiting` until it is had."""
        self.waiting += 1
        try:
            await self.turns.acquire()
            try:
                return await self.pool.acquire()
            except BaseException:
                self.turns.release()
                raise
        finally:
            self.waiting -= 1

    def _release(self, conn):
        self.pool.release(conn)
        self.turns.release()

    @contextlib.asynccontextmanager
    async def _connection(self):
        conn = await self._acquire()
        try:
            yield conn
        finally:
            self._release(conn)

    async def _dropped_connection(self, error):
        """Whether `error` says the server had dropped the connection; if so the pool's idle
        connections, as old as this one, are closed too."""
        if not (isinstance(error, pymysql.err.InterfaceError)
                or (isinstance(error, pymysql.err.OperationalError) and error.args
                    and error.args[0] in LOST_CONNECTION)):
            return False
        log.warning("MySQL connection lost (%s); retrying on a fresh one", error)
        await self.pool.clear()
        return True

    @contextlib.asynccontextmanager
    async def transaction(self, isolation=None):
        """A DictCursor inside BEGIN … COMMIT; any exception rolls the whole unit back. What the
        transaction adds to `cur.events` is handed to `committed` after the commit, never before.
        `isolation` ("READ COMMITTED", say) replaces REPEATABLE READ for this transaction.
        A BEGIN refused by a dead connection is sent once more on a fresh one: nothing ran yet."""
        conn = await self._begin(isolation)
        events = []
        try:
            async with conn.cursor(aiomysql.DictCursor) as cur:
                cur.events = events  # what the transaction announces, once it has committed
                yield cur
            await conn.commit()
        except BaseException:
            await conn.rollback()
            raise
        finally:
            self._release(conn)
        if events and self.committed:
            await self.committed(events)

    async def _begin(self, isolation):
        """A pooled connection inside a new transaction."""
        for attempt in range(2):
            conn = await self._acquire()
            try:
                if isolation:
                    async with conn.cursor() as cur:
                        await cur.execute(f"SET TRANSACTION ISOLATION LEVEL {isolation}")  # the next one only
                await conn.begin()
                return conn
            except BaseException as error:
                conn.close()  # released closed, the pool forgets it
                self._release(conn)
                if attempt or not await self._dropped_connection(error):
                    raise


class Replica:
    """A read replica's pool, and what this process has learnt of it: the position it is known
    to have applied, and until when it is left alone after it lagged or failed."""

    def __init__(self, database):
        self.database = database
        self.applied = {}
        self.resting_until = 0.0

    async def has_applied(self, position):
        """Whether the replica has applied `position` (a GTID position), waiting CATCH_UP_WAIT at
        most; at once False while it rests. Once it is known to have applied a position, reads
        up to that position cost no wait: a replica's applied position only grows."""
        if time.monotonic() < self.resting_until:
            return False
        wanted = gtid_position(position)
        if includes(self.applied, wanted):
            return True
        try:
            row = await self.database.fetchone("SELECT MASTER_GTID_WAIT(%s, %s) AS waited",
                                               (position, CATCH_UP_WAIT))
        except pymysql.err.Error as error:
            self.rest(f"failed ({error})")
            return False
        if row["waited"] != 0:  # -1: still behind after the wait
            self.rest(f"has not applied {position} within {CATCH_UP_WAIT}s")
            return False
        for domain, sequence in wanted.items():
            self.applied[domain] = max(sequence, self.applied.get(domain, -1))
        return True

    def rest(self, reason):
        """Read from the primary for REPLICA_REST seconds, rather than wait on the replica or
        fail on it at every request; forget what it had applied (it may come back another)."""
        log.warning("read replica %s: reading from the primary for %gs", reason, REPLICA_REST)
        self.resting_until = time.monotonic() + REPLICA_REST
        self.applied = {}


class ReplicaReads:
    """The reads of one request or one cache build: from the replica if it has applied
    `position` (decided at the first read), else from the primary. A replica read that fails is
    read again from the primary, so a replica going down costs no request an error."""

    def __init__(self, primary, replica, position):
        self.primary = primary
        self.replica = replica
        self.position = position
        self.source = None  # the Database read from, once decided

    async def fetchone(self, sql, args=None):
        return await self._read(Database.fetchone, sql, args)

    async def fetchall(self, sql, args=None):
        return await self._read(Database.fetchall, sql, args)

    async def _read(self, fetch, sql, args):
        if self.source is None:
            self.source = self.primary
            if self.position is None:
                self.position = await self.primary.primary_position()
            if await self.replica.has_applied(self.position):
                self.source = self.replica.database
        if self.source is self.replica.database:
            try:
                return await fetch(self.source, sql, args)
            except pymysql.err.Error as error:
                self.replica.rest(f"failed a read ({error})")
                self.source = self.primary
        return await fetch(self.primary, sql, args)


def is_duplicate_key(error, key_name=None):
    """Whether `error` is MySQL's ER_DUP_ENTRY (1062), optionally on the unique key `key_name`."""
    if not (isinstance(error, aiomysql.IntegrityError) and error.args and error.args[0] == 1062):
        return False
    return key_name is None or f"'{key_name}'" in str(error.args[1]) or f".{key_name}'" in str(error.args[1])
