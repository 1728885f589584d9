"""Server-side sessions in Redis: `sess_<id>` holds the user's id, name, mobile,
avatar key and whether their real name is verified.

The key slides to 24 h on every read and never lives past 30 days after login. A read is a
single GETEX, so a logged-in request costs one Redis round trip for its session.

Each user's live session ids are also indexed in a sorted set scored by their absolute expiry,
so that a change to the user (a new name or avatar) reaches every browser they are logged in
with, and the profile can be answered from the session alone.
"""
import secrets
import time

import orjson

from utils.errors import RET, ApiError
from utils.lua import LuaScript

SLIDING_TTL = 24 * 3600
ABSOLUTE_TTL = 30 * 24 * 3600


def _key(session_id):
    return f"sess_{session_id}"


def _index_key(user_id):
    return f"ihome:user_sessions:{user_id}"


# Merges ARGV[1] (a JSON object) into each listed session that still exists, keeping its TTL;
# the ids of sessions that have gone (expired after 24 h idle) leave the index. A corrupt
# session is left for `load` to discard.
_UPDATE_USER = LuaScript("""
local changes = cjson.decode(ARGV[1])
for i = 2, #KEYS do
    local raw = redis.call('GET', KEYS[i])
    if not raw then
        redis.call('ZREM', KEYS[1], ARGV[i])
    else
        local decoded, data = pcall(cjson.decode, raw)
        if decoded and type(data) == 'table' then
            for field, value in pairs(changes) do data[field] = value end
            redis.call('SET', KEYS[i], cjson.encode(data), 'KEEPTTL')
        end
    end
end
""")

# What a session knows of its user: enough to answer /api/profile and check_login without MySQL.
USER_FIELDS = ("user_id", "name", "mobile", "avatar", "verified")


class Sessions:
    """The sessions of every user, built once with the Redis client."""

    def __init__(self, redis):
        self.redis = redis

    async def load(self, session_id):
        """The session's data, or None when it has expired or never existed."""
        raw = await self.redis.getex(_key(session_id), ex=SLIDING_TTL)
        if raw is None:
            return None
        try:
            data = orjson.loads(raw)
            remaining = data["expires_at"] - time.time()
            for field in USER_FIELDS:
                data[field]  # noqa: B018 - a session without one is corrupt
        except (orjson.JSONDecodeError, KeyError, TypeError):
            await self.redis.delete(_key(session_id))
            raise ApiError(RET.SESSIONERR, "会话数据损坏，请重新登录") from None
        if remaining <= 0:
            await self.redis.delete(_key(session_id))
            return None
        if remaining < SLIDING_TTL:
            await self.redis.expire(_key(session_id), int(remaining) + 1)
        return data

    async def create(self, user, replaces=None):
        """Store a new session for `user` and return its id; `replaces` is deleted (no fixation)."""
        if replaces:
            await self.delete(replaces)
        session_id = secrets.token_urlsafe(32)
        now = int(time.time())
        data = {field: user[field] for field in USER_FIELDS}
        data["expires_at"] = now + ABSOLUTE_TTL
        index = _index_key(user["user_id"])
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(_key(session_id), orjson.dumps(data), ex=SLIDING_TTL)
            pipe.zadd(index, {session_id: data["expires_at"]})
            pipe.zremrangebyscore(index, "-inf", now)
            pipe.expire(index, ABSOLUTE_TTL)
            await pipe.execute()
        return session_id

    async def delete(self, session_id):
        raw = await self.redis.getdel(_key(session_id))
        try:
            user_id = orjson.loads(raw)["user_id"] if raw else None
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return  # a corrupt session names no index; its id expires there with time
        if user_id is not None:
            await self.redis.zrem(_index_key(user_id), session_id)

    async def update_user(self, user_id, **changes):
        """Show the user's new `changes` (of USER_FIELDS) in every live session of theirs."""
        index = _index_key(user_id)
        session_ids = [raw.decode() for raw in
                       await self.redis.zrangebyscore(index, int(time.time()), "+inf")]
        if session_ids:
            await _UPDATE_USER(self.redis, keys=[index, *map(_key, session_ids)],
                               args=[orjson.dumps(changes), *session_ids])
