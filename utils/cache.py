"""Response caches in Redis that are never stale after the write that changes them returned.

Each cached value's key embeds the current generation of its namespace. A write that changes
what a namespace shows increments the generation before it answers, so every older entry
becomes unreachable at once, whatever the number of cached pages; they expire on their own.

Generations and entries are filed under the Redis master's incarnation (its run id and
replication id, utils/lua.INCARNATION): a Redis restored from an older snapshot, or a server
promoted after a failover, would bring back an older generation along with the entries it
names, and a booked house would show as free again. Under a new incarnation all of that is unreachable, and the cache starts cold.

Next to the generations, the same step records the GTID position the primary had after the
write (when reads may go to a MariaDB replica, models/db.py): a reader, in any process, waits
for the replica to apply it, so that what it builds or answers is never older than a write that
returned. No position recorded (a new Redis, or a write that could not tell its position) sends
the readers to the primary for its current one.
"""
import contextlib
import dataclasses
import logging

from redis.exceptions import RedisError

from utils import metrics
from utils.lua import INCARNATION, LuaScript

log = logging.getLogger("ihome.cache")

PREFIX = "ihome:cache"
HOUSES = "houses"  # everything that shows houses: detail, index, search pages, areas
TTL = 3600

# The written position, a hash of each replication domain's latest GTID, joined as MariaDB
# writes a GTID position ('' when none is recorded). ARGV[1]: PREFIX.
_POSITION = """
local written = ARGV[1] .. ':gtid:' .. incarnation
local function written_position()
    return table.concat(redis.call('HVALS', written), ',')
end
"""

# The current generation and the entry it names in one round trip: a cache hit costs a single
# EVALSHA; a miss also brings the written position its build reads at. Keys depend on the
# incarnation and the generation, so they cannot be declared in KEYS (fine on one Redis, not on a
# Redis Cluster). ARGV: PREFIX, the namespace, the entry's name.
_READ_CURRENT = LuaScript(INCARNATION + _POSITION + """
local generation = redis.call('GET', ARGV[1] .. ':gen:' .. ARGV[2] .. ':' .. incarnation) or '0'
generation = incarnation .. ':' .. generation
local entry = redis.call('GET', ARGV[1] .. ':' .. ARGV[2] .. ':' .. generation .. ':' .. ARGV[3])
if entry then
    return {generation, entry}
end
return {generation, false, written_position()}
""")

_READ_POSITION = LuaScript(INCARNATION + _POSITION + "return written_position()")

# ARGV: PREFIX, a GTID position (below), then the namespaces to retire.
_RETIRE = """
for i = 3, #ARGV do
    redis.call('INCR', ARGV[1] .. ':gen:' .. ARGV[i] .. ':' .. incarnation)
end
"""
_INVALIDATE = LuaScript(INCARNATION + _RETIRE)
# Once the write has committed: ARGV[2] is the primary's position then, kept per domain if newer
# than the one recorded (writes record theirs in any order), or '' to forget the recorded one.
_INVALIDATE_WRITTEN = LuaScript(INCARNATION + _POSITION + _RETIRE + """
if ARGV[2] == '' then
    redis.call('DEL', written)
end
for domain, server, sequence in string.gmatch(ARGV[2], '(%d+)-(%d+)-(%d+)') do
    local known = redis.call('HGET', written, domain)
    if not known or tonumber(string.match(known, '(%d+)$')) < tonumber(sequence) then
        redis.call('HSET', written, domain, domain .. '-' .. server .. '-' .. sequence)
    end
end
""")


@dataclasses.dataclass(frozen=True)
class Uncached:
    """What a build returns for an answer to give but not to store (one that only odd requests
    ask for, which would otherwise each leave an entry behind)."""
    value: bytes


class Cache:
    """The response caches in one Redis, built once with its client and the Database whose
    writes change what they show (None: a script that only retires them)."""

    def __init__(self, redis, db=None):
        self.redis = redis
        self.db = db

    async def invalidate(self, *namespaces):
        """Make every cached entry of `namespaces` unreachable, and record where the primary
        stands for the replica reads that follow. Call it once the write has committed, before
        answering it."""
        position = await self.db.written_position() if self.db else None
        await _INVALIDATE_WRITTEN(self.redis, args=[PREFIX, position or "", *namespaces])

    async def reading(self):
        """Database reads that see every write that has returned (`Database.reading` at the
        recorded position). If Redis fails, they ask the primary for its position."""
        if self.db.replica is None:
            return self.db
        try:
            position = await _READ_POSITION(self.redis, args=[PREFIX])
        except RedisError as error:
            log.warning("could not read the written GTID position: %s", error)
            position = b""
        return self.db.reading(position.decode() or None)

    @contextlib.asynccontextmanager
    async def retiring(self, *namespaces):
        """Around a write that changes what `namespaces` show (enter it before the transaction).

        Retiring first means a Redis that cannot be reached fails the write before anything is
        stored, so a client told "failed" never finds it done. Retiring again once the write has
        committed drops what readers cached from the old data in between. Should that second
        step fail (Redis lost within those milliseconds), the write stands and answers success:
        the stored data is the truth, and a Redis that restarted comes back with a cold cache.
        """
        await _INVALIDATE(self.redis, args=[PREFIX, "", *namespaces])
        yield
        try:
            await self.invalidate(*namespaces)
        except RedisError as error:
            log.error("could not retire %s after a write: %s", namespaces, error)

    async def get_or_build(self, namespace, name, build, ttl=TTL):
        """The cached bytes of `name`, or `await build(db)` (bytes, `db` the reads to build
        from), stored for the next reader unless the build wraps them in `Uncached`.

        The generation is read before building, so an entry built while a write commits is filed
        under the generation that write retires. Redis failing only costs the cache: the answer
        is then built from the database.
        """
        lookups = metrics.CACHE_LOOKUPS.labels  # by the kind of page: areas, home, detail, search
        page = name.partition(":")[0]
        try:
            generation, cached, *position = await _READ_CURRENT(self.redis, args=[PREFIX, namespace, name])
        except RedisError as error:
            lookups(page, "error").inc()
            log.warning("cache read of %s:%s failed, building it: %s", namespace, name, error)
            built = await build(self.db.reading(None))
            return built.value if isinstance(built, Uncached) else built
        if cached is not None:
            lookups(page, "hit").inc()
            return cached
        lookups(page, "miss").inc()
        built = await build(self.db.reading(position[0].decode() or None))
        if isinstance(built, Uncached):
            return built.value
        try:
            await self.redis.set(f"{PREFIX}:{namespace}:{generation.decode()}:{name}", built, ex=ttl)
        except RedisError as error:
            log.warning("cache write of %s:%s failed: %s", namespace, name, error)
        return built
