"""Response caches in Redis that are never stale after the write that changes them returned.

Each cached value's key embeds the current generation of its namespace. A write that changes
what a namespace shows increments the generation before it answers, so every older entry
becomes unreachable at once, whatever the number of cached pages; they expire on their own.
"""
import dataclasses
import logging

from redis.exceptions import RedisError

from utils.lua import LuaScript

log = logging.getLogger("ihome.cache")

PREFIX = "ihome:cache"
HOUSES = "houses"  # everything that shows houses: detail, index, search pages, areas
TTL = 3600

# The generation and the entry it names in one round trip: a cache hit costs a single EVALSHA.
# The entry's key depends on the generation, so it cannot be declared in KEYS (fine on one Redis,
# not on a Redis Cluster).
_READ_CURRENT = LuaScript("""
local generation = redis.call('GET', KEYS[1]) or '0'
return {generation, redis.call('GET', ARGV[1] .. generation .. ARGV[2])}
""")


@dataclasses.dataclass(frozen=True)
class Uncached:
    """What a build returns for an answer to give but not to store (one that only odd requests
    ask for, which would otherwise each leave an entry behind)."""
    value: bytes


def _generation_key(namespace):
    return f"{PREFIX}:gen:{namespace}"


class Cache:
    """The response caches in one Redis, built once with its client."""

    def __init__(self, redis):
        self.redis = redis

    async def invalidate(self, *namespaces):
        """Make every cached entry of `namespaces` unreachable. Call it before answering the write."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for namespace in namespaces:
                pipe.incr(_generation_key(namespace))
            await pipe.execute()

    async def get_or_build(self, namespace, name, build, ttl=TTL):
        """The cached bytes of `name`, or `await build()` (bytes), stored for the next reader
        unless the build wraps them in `Uncached`.

        The generation is read before building, so an entry built while a write commits is filed
        under the generation that write retires. Redis failing only costs the cache: the answer
        is then built from the database.
        """
        try:
            generation, cached = await _READ_CURRENT(
                self.redis, keys=[_generation_key(namespace)], args=[f"{PREFIX}:{namespace}:", f":{name}"])
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
