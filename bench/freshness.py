"""The replica reads' freshness check (models/db.py, utils/cache.py), timed call by call, and the
writes that give it something to wait for.

    python -m bench.freshness micro  --primary_url URL --replica_url URL --redis_url URL [--calls 2000]
    python -m bench.freshness writes --primary_url URL --replica_url URL --redis_url URL --rate 50 --duration 6

`micro` times, in one process on the service's own classes, each step a replica read adds to a
read: the recorded position from Redis, MASTER_GTID_WAIT on the replica, the primary's position
(asked when none is recorded, and after every write), and a whole checked read steady and right
after a write. `writes` commits writes through the service's write path (the cache retired, the
primary's position recorded) at a fixed pace, so that the reads after each one wait for the
replica. Both print a JSON summary to stdout.
"""
import argparse
import asyncio
import json
import statistics
import time

import pymysql
import uvloop
from redis.exceptions import RedisError

from bench.stress import paced
from models.db import Database
from utils.cache import Cache
from utils.redis_client import connect_redis

# A namespace no page is cached under: a bench write retires nothing the service shows.
NAMESPACE = "bench-freshness"
TABLE_DDL = ("CREATE TABLE IF NOT EXISTS bench_freshness"
             " (id TINYINT UNSIGNED PRIMARY KEY, writes BIGINT UNSIGNED NOT NULL)")
POOL_SIZE = 4
MAX_WRITES_IN_FLIGHT = 4
CATCH_UP_TIMEOUT = 60


class Stores:
    """The primary with its replica, and the cache that records where the primary stood after a
    write, as the service builds them (server.py)."""

    def __init__(self, args):
        self.args = args

    async def __aenter__(self):
        self.db = await Database.connect(self.args.primary_url, POOL_SIZE, self.args.replica_url)
        self.redis = connect_redis(self.args.redis_url, POOL_SIZE)
        self.cache = Cache(self.redis, self.db)
        await self.db.execute(TABLE_DDL)
        await self.db.execute("INSERT IGNORE INTO bench_freshness VALUES (1, 0)")
        return self

    async def __aexit__(self, *exc):
        await self.redis.aclose()
        await self.db.close()

    async def write(self):
        """One write as the service makes them: retire, commit, record the primary's position."""
        async with self.cache.retiring(NAMESPACE), self.db.transaction() as cur:
            await cur.execute("UPDATE bench_freshness SET writes = writes + 1 WHERE id = 1")

    async def checked_read(self):
        """A read as a request on the replica makes it; whether the replica answered it."""
        reads = await self.cache.reading()
        await reads.fetchone("SELECT 1")
        return reads.source is self.db.replica.database


def _summary(seconds):
    seconds = sorted(seconds)
    return {"calls": len(seconds), "median_us": round(statistics.median(seconds) * 1e6, 1),
            "p99_us": round(seconds[int(0.99 * (len(seconds) - 1))] * 1e6, 1)}


async def timed(call, count, before=None):
    """`count` calls of `call()`, each after an untimed `before()`; the summary, and how many
    calls returned False (a read that fell back to the primary)."""
    seconds, false = [], 0
    for _ in range(count):
        if before:
            await before()
        started = time.perf_counter()
        outcome = await call()
        seconds.append(time.perf_counter() - started)
        false += outcome is False
    return {**_summary(seconds), "fell_back": false}


async def micro(args):
    async with Stores(args) as stores:
        db, replica = stores.db, stores.db.replica
        await stores.write()  # a position recorded, as after any write
        position = (await stores.cache.reading()).position
        # given all the time it needs here, not the 0.1 s a read gives it (a replica that misses
        # that rests, and the steps below would time the primary)
        caught_up = await replica.database.fetchone("SELECT MASTER_GTID_WAIT(%s, %s) AS waited",
                                                    (position, CATCH_UP_TIMEOUT))
        if caught_up["waited"] != 0:
            raise SystemExit(f"the replica has not applied {position} in {CATCH_UP_TIMEOUT}s: is it replicating?")

        async def forget():  # as a process that has not yet seen the replica reach `position`
            replica.applied.clear()

        async def replica_read():
            await replica.database.fetchone("SELECT 1")

        steps = {}
        for name, call, count, before in [
                ("replica_read", replica_read, args.calls, None),
                ("recorded_position", stores.cache.reading, args.calls, None),
                ("has_applied_known", lambda: replica.has_applied(position), args.calls, None),
                ("has_applied_wait", lambda: replica.has_applied(position), args.calls, forget),
                ("primary_position", db.primary_position, args.calls, None),
                ("checked_read", stores.checked_read, args.calls, None),
                ("checked_read_after_write", stores.checked_read, args.writes, stores.write),
                ("write", stores.write, args.writes, None)]:
            await call()  # connections opened, scripts loaded
            steps[name] = await timed(call, count, before)
    return {"calls": args.calls, "writes": args.writes, "steps": steps}


async def writes(args):
    async with Stores(args) as stores:
        async def write(_):
            try:
                await stores.write()
            except (pymysql.err.Error, RedisError) as error:
                return type(error).__name__
            return "0"
        return await paced(write, args.rate, args.duration, MAX_WRITES_IN_FLIGHT)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["micro", "writes"])
    parser.add_argument("--primary_url", required=True, help="the primary's database, mysql://…/name")
    parser.add_argument("--replica_url", required=True, help="the same database on its replica")
    parser.add_argument("--redis_url", required=True, help="the service's Redis db, where positions are recorded")
    parser.add_argument("--calls", type=int, default=2000, help="micro: timed calls per step")
    parser.add_argument("--writes", type=int, default=200, help="micro: timed writes, and reads right after one")
    parser.add_argument("--rate", type=float, default=50, help="writes: writes started per second")
    parser.add_argument("--duration", type=float, default=6, help="writes: seconds")
    parser.add_argument("--uvloop", action=argparse.BooleanOptionalAction, default=True,
                        help="run on uvloop's event loop, as the service does by default")
    return parser.parse_args(argv)


def main():
    args = parse_args()
    summary = (uvloop.run if args.uvloop else asyncio.run)({"micro": micro, "writes": writes}[args.mode](args))
    print(json.dumps({"mode": args.mode, **summary}))


if __name__ == "__main__":
    main()
