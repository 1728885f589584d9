"""Response caches in Redis that are never stale (contract §6).

Each cached value's key embeds the current generation of its namespace. A write that changes
what a namespace shows increments the generation before it answers, so every older entry
becomes unreachable at once, whatever the number of cached pages; they expire on their own.
"""
PREFIX = "ihome:cache"
HOUSES = "houses"  # everything that shows houses: detail, index, search pages, areas


def _generation_key(namespace):
    return f"{PREFIX}:gen:{namespace}"


async def invalidate(redis, *namespaces):
    """Make every cached entry of `namespaces` unreachable. Call it before answering the write."""
    async with redis.pipeline(transaction=False) as pipe:
        for namespace in namespaces:
            pipe.incr(_generation_key(namespace))
        await pipe.execute()
