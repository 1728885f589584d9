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


# This Redis master's incarnation: the server's run id, which every start of a server process
# draws anew, and its replication id, which every promotion of a replica draws anew (a master
# failed over while it kept running, then promoted back, keeps its run id but not this). State
# that must never come back after a restart from an older snapshot, or after a failover to a
# lagging replica or back to a former master, is filed under it: whatever such a rollback
# restores sits under an incarnation no longer current. (The replication id also changes when a
# master gains its first replica, or its first after an hour without any: the cache then starts
# cold and sessions are checked again, once.)
INCARNATION = ("local incarnation = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)') .. '-' ..\n"
               "    string.match(redis.call('INFO', 'replication'), 'master_replid:(%w+)')\n")

# Files every key a script is given under the incarnation: KEYS[i] becomes `KEYS[i]:<incarnation>`.
# For single-use state (a captcha, an SMS code and its wrong attempts), which a rollback would
# give back unused: after a restart or a failover, every one in flight is gone and asked for anew.
KEYS_OF_THIS_INCARNATION = INCARNATION + "for i = 1, #KEYS do KEYS[i] = KEYS[i] .. ':' .. incarnation end\n"
