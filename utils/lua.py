"""Lua scripts run by their SHA1, so a call costs one EVALSHA and nothing on this side.

redis-py's `register_script` builds a new Script object (and hashes the source) on every call;
scripts here are module constants, hashed once at import.
"""
import hashlib

from redis.exceptions import NoScriptError


class LuaScript:
    def __init__(self, source):
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    async def __call__(self, redis, keys=(), args=()):
        try:
            return await redis.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:  # a new or flushed Redis: load it once, then run it by hash
            await redis.script_load(self.source)
            return await redis.evalsha(self.sha, len(keys), *keys, *args)
