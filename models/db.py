"""The MySQL pool and the few query helpers every model uses. All SQL is parameterised."""
import contextlib
import logging
import re
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


class Database:
    def __init__(self, pool):
        self.pool = pool

    @classmethod
    async def connect(cls, url, size):
        pool = await aiomysql.create_pool(minsize=1, maxsize=size, pool_recycle=3600,
                                          **parse_mysql_url(url), **CONNECT_OPTIONS)
        return cls(pool)

    async def close(self):
        self.pool.close()
        await self.pool.wait_closed()

    async def fetchone(self, sql, args=None):
        return await self._read(sql, args, aiomysql.DictCursor.fetchone)

    async def fetchall(self, sql, args=None):
        return await self._read(sql, args, aiomysql.DictCursor.fetchall)

    async def _read(self, sql, args, fetch):
        """A read is idempotent: one that met a connection the server had dropped (a MariaDB
        restart leaves every pooled connection dead) runs once more on a fresh one."""
        for attempt in range(2):
            try:
                async with self.pool.acquire() as conn, conn.cursor(aiomysql.DictCursor) as cur:
                    await cur.execute(sql, args)
                    return await fetch(cur)
            except pymysql.err.Error as error:
                if attempt or not await self._dropped_connection(error):
                    raise

    async def execute(self, sql, args=None):
        """Run one statement; returns (affected rows, last insert id)."""
        async with self.pool.acquire() as conn, conn.cursor() as cur:
            rows = await cur.execute(sql, args)
            return rows, cur.lastrowid

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
        """A DictCursor inside BEGIN … COMMIT; any exception rolls the whole unit back.
        `isolation` ("READ COMMITTED", say) replaces REPEATABLE READ for this transaction.
        A BEGIN refused by a dead connection is sent once more on a fresh one: nothing ran yet."""
        conn = await self._begin(isolation)
        try:
            async with conn.cursor(aiomysql.DictCursor) as cur:
                yield cur
            await conn.commit()
        except BaseException:
            await conn.rollback()
            raise
        finally:
            self.pool.release(conn)

    async def _begin(self, isolation):
        """A pooled connection inside a new transaction."""
        for attempt in range(2):
            conn = await self.pool.acquire()
            try:
                if isolation:
                    async with conn.cursor() as cur:
                        await cur.execute(f"SET TRANSACTION ISOLATION LEVEL {isolation}")  # the next one only
                await conn.begin()
                return conn
            except BaseException as error:
                conn.close()  # released closed, the pool forgets it
                self.pool.release(conn)
                if attempt or not await self._dropped_connection(error):
                    raise


def is_duplicate_key(error, key_name=None):
    """Whether `error` is MySQL's ER_DUP_ENTRY (1062), optionally on the unique key `key_name`."""
    if not (isinstance(error, aiomysql.IntegrityError) and error.args and error.args[0] == 1062):
        return False
    return key_name is None or f"'{key_name}'" in str(error.args[1]) or f".{key_name}'" in str(error.args[1])
