"""The MySQL pool and the few query helpers every model uses. All SQL is parameterised."""
import contextlib
import re
import urllib.parse

import aiomysql

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
        async with self.pool.acquire() as conn, conn.cursor(aiomysql.DictCursor) as cur:
            await cur.execute(sql, args)
            return await cur.fetchone()

    async def fetchall(self, sql, args=None):
        async with self.pool.acquire() as conn, conn.cursor(aiomysql.DictCursor) as cur:
            await cur.execute(sql, args)
            return await cur.fetchall()

    async def execute(self, sql, args=None):
        """Run one statement; returns (affected rows, last insert id)."""
        async with self.pool.acquire() as conn, conn.cursor() as cur:
            rows = await cur.execute(sql, args)
            return rows, cur.lastrowid

    @contextlib.asynccontextmanager
    async def transaction(self, isolation=None):
        """A DictCursor inside BEGIN … COMMIT; any exception rolls the whole unit back.
        `isolation` ("READ COMMITTED", say) replaces REPEATABLE READ for this transaction."""
        async with self.pool.acquire() as conn:
            if isolation:
                async with conn.cursor() as cur:
                    await cur.execute(f"SET TRANSACTION ISOLATION LEVEL {isolation}")  # the next one only
            await conn.begin()
            try:
                async with conn.cursor(aiomysql.DictCursor) as cur:
                    yield cur
                await conn.commit()
            except BaseException:
                await conn.rollback()
                raise


def is_duplicate_key(error, key_name=None):
    """Whether `error` is MySQL's ER_DUP_ENTRY (1062), optionally on the unique key `key_name`."""
    if not (isinstance(error, aiomysql.IntegrityError) and error.args and error.args[0] == 1062):
        return False
    return key_name is None or f"'{key_name}'" in str(error.args[1]) or f".{key_name}'" in str(error.args[1])
