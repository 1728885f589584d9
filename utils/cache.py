"""Response caches in Redis that are never stale after the write that changes them returned.

Each cached value's key embeds the current generation of its namespace. A write that changes
what a namespace shows increments the generation before it answers, so every older entry
becomes unreachable at once, whatever the number of cached pages; they expire on their own.

Generations and entries are filed under the Redis master's incarnation (its run id and
replication id, utils/lua.INCARNATION): a Redis restored from an older snapshot, or a server
promoted after a failover, would bring back an older generation along with the entries it
names, and a booked house would show as free again. Under a new incarnation all of that is unreachable, and the cache starts cold.
"""
import contextlib
import dataclasses
import logging

from redis.exceptions import RedisError

from utils.lua import INCARNATION, LuaScript

log = logging.getLogger("ihome.cache")

PREFIX = "ihome:cache"
HOUSES = "houses"  # everything that shows houses: detail, index, search pages, areas
TTL = 3600

# The current generation and the entry it names in one round trip: a cache hit costs a single
# EVALSHA. Keys depend on the incarnation and the generation, so they cannot be declared in KEYS
# (fine on one Redis, not on a Redis Cluster). ARGV: PREFIX, the namespace, the entry's name.
_READ_CURRENT = LuaScript(INCARNATION + """
local generation = redis.call('GET', ARGV[1] .. ':gen:' .. ARGV[2] .. ':' .. incarnation) or '0'
generation = incarnation .. ':' .. generation
return {generation, redis.call('GET', ARGV[1] .. ':' .. ARGV[2] .. ':' .. generation .. ':' .. ARGV[3])}
""")

# ARGV: PREFIX, then the namespaces to retire.
_INVALIDATE = LuaScript(INCARNATION + """
for i = 2, #ARGV do
    redis.call('INCR', ARGV[1] .. ':gen:' .. ARGV[i] .. ':' .. incarnation)
end
""")


@dataclasses.dataclass(frozen=True)
class Uncached:
    """What a build returns for an answer to give but not to store (one that only odd requests
    ask for, which would otherwise each leave an entry behind)."""
    value: bytes


class Cache:
    """The response caches in one Redis, built once with its client."""

    def __init__(self, redis):
        self.redis = redis

    async def invalidate(self, *namespaces):
        """Make every cached entry of `namespaces` unreachable. Call it before answering the write."""
        await _INVALIDATE(self.redis, args=[PREFIX, *namespaces])

    @contextlib.asynccontextmanager
    async def retiring(self, *namespaces):
        """Around a write that changes what `namespaces` show (enter it before the transaction).

        Retiring first means a Redis that cannot be reached fails the write before anything is
        stored, so a client told "failed" never finds it done. Retiring again once the write has
        committed drops what readers cached from the old data in between. Should that second
        step fail (Redis lost within those milliseconds), the write stands and answers success:
        the stored data is the truth, and a Redis that restarted comes back with a cold cache.
        """
        await self.invalidate(*namespaces)
        yield
        try:
            await self.invalidate(*namespaces)
        except RedisError as error:
            log.error("could not retire %s after a write: %s", namespaces, error)

    async def get_or_build(self, namespace, name, build, ttl=TTL):
        """The cached bytes of `name`, or `await build()` (bytes), stored for the next reader
        unless the build wraps them in `Uncached`.

        The generation is read before building, so an entry built while a write commits is filed
        under the generation that write retires. Redis failing only costs the cache: the answer
        is then built from the database.
        """
        try:
            generation, cached = await _READ_CURRENT(self.redis, args=[PREFIX, namespace, name])
        except RedisError as error:
            log.warning("cache read of %s:%s failed, building it: %s", namespace, name, error)
            built = await build()
            return built.value if isinstance(built, Uncached) else built
        if cached is not None:
            return cached
        built = await build()
        if isinstance(built, Uncached):
            return built.value
        try:
            await self.redis.set(f"{PREFIX}:{namespace}:{generation.decode()}:{name}", built, ex=ttl)
        except RedisError as error:
            log.warning("cache write of %s:%s failed: %s", namespace, name, error)
        return built
