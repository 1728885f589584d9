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


# The Redis server's run id, which every start of a server process draws anew (a promoted
# replica has its own). State that must never come back after a restart from an older
# snapshot, or after a failover to a lagging replica, is filed under it: whatever such a
# rollback restores sits under a run id no longer current.
INCARNATION = "local incarnation = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')\n"

# Files every key a script is given under that run id: KEYS[i] becomes `KEYS[i]:<run id>`. For
# single-use state (a captcha, an SMS code and its wrong attempts), which a rollback would give
# back unused: after a restart or a failover, every one in flight is gone and is asked for anew.
KEYS_OF_THIS_INCARNATION = INCARNATION + "for i = 1, #KEYS do KEYS[i] = KEYS[i] .. ':' .. incarnation end\n"
