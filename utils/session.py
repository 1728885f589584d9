"""Server-side sessions in Redis: `sess_<id>` holds the user's id, name, mobile,
avatar key and whether their real name is verified.

The key slides to 24 h on every read and never lives past 30 days after login. A read is a
single script (GETEX plus the Redis master's incarnation), so a logged-in request costs one Redis round trip
for its session.

Each user's live session ids are also indexed in a sorted set scored by their absolute expiry,
so that a change to the user (a new name or avatar) reaches every browser they are logged in
with, and the profile can be answered from the session alone.

Redis may roll back (a restart from an older snapshot, a failover to a lagging replica) and
bring back a session that was logged out, or one that shows an old name. So every ended session
is also recorded in MariaDB (`ih_revoked_session`, by the SHA-256 of its id), and a session
carries the incarnation (utils/lua.py) of the Redis that last vouched for it: read under
another, it is checked against MariaDB once (revoked? the user's fields now?) before it is
trusted again.
"""
import datetime
import hashlib
import secrets
import time

import orjson

from utils import live
from utils.errors import RET, ApiError
from utils.lua import INCARNATION, LuaScript

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

# The session and the incarnation of the Redis holding it, in one round trip; the read slides its TTL.
_READ = LuaScript(INCARNATION + """
return {incarnation, redis.call('GETEX', KEYS[1], 'EX', ARGV[1])}
""")

# Marks a session as vouched for by this Redis (ARGV[2], the fresh data), keeping its TTL.
_REVOUCH = LuaScript(INCARNATION + """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local data = cjson.decode(ARGV[1])
data['incarnation'] = incarnation
redis.call('SET', KEYS[1], cjson.encode(data), 'KEEPTTL')
return 1
""")

# Stores a new session, vouched for by this Redis. KEYS: the session, the user's index;
# ARGV: the data, the session id, now, its absolute expiry.
_CREATE = LuaScript(INCARNATION + f"""
local data = cjson.decode(ARGV[1])
data['incarnation'] = incarnation
redis.call('SET', KEYS[1], cjson.encode(data), 'EX', {SLIDING_TTL})
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
redis.call('EXPIRE', KEYS[2], {ABSOLUTE_TTL})
""")

# What a session knows of its user: enough to answer /api/profile and check_login without MySQL.
USER_FIELDS = ("user_id", "name", "mobile", "avatar", "verified")
# The same fields as columns of ih_user, for every query that builds a session.
USER_COLUMNS = "id AS user_id, name, mobile, avatar, real_name IS NOT NULL AS verified"


def session_digest(session_id):
    return hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    """The sessions of every user, built once with the Redis client and the MySQL pool that
    remembers which sessions ended."""

    def __init__(self, redis, db):
        self.redis = redis
        self.db = db

    async def load(self, session_id):
        """The session's data, or None when it has expired, ended or never existed."""
        incarnation, raw = await _READ(self.redis, keys=[_key(session_id)], args=[SLIDING_TTL])
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
        if data.get("incarnation") != incarnation.decode():
            return await self._revouch(session_id, data)
        return data

    async def _revouch(self, session_id, data):
        """A session from another Redis run: trust it again only if MariaDB has not seen it end,
        and with its user's fields as they are now."""
        user = await self.db.fetchone(
            f"SELECT {USER_COLUMNS} FROM ih_user u WHERE id = %s AND NOT EXISTS"
            " (SELECT 1 FROM ih_revoked_session r WHERE r.session_hash = UNHEX(%s))",
            (data["user_id"], session_digest(session_id)))
        if user is None:
            await self.redis.delete(_key(session_id))
            return None
        data |= {field: user[field] for field in USER_FIELDS}
        data["verified"] = bool(data["verified"])
        await _REVOUCH(self.redis, keys=[_key(session_id)], args=[orjson.dumps(data)])
        return data

    async def create(self, user, replaces=None):
        """Store a new session for `user` and return its id; `replaces` is ended (no fixation)."""
        if replaces:
            await self.delete(replaces)
        session_id = secrets.token_urlsafe(32)
        now = int(time.time())
        data = {field: user[field] for field in USER_FIELDS}
        data["expires_at"] = now + ABSOLUTE_TTL
        await _CREATE(self.redis, keys=[_key(session_id), _index_key(user["user_id"])],
                      args=[orjson.dumps(data), session_id, now, data["expires_at"]])
        return session_id

    async def delete(self, session_id):
        """End a session for good: recorded in MariaDB first, so no Redis rollback revives it;
        its live sockets are closed."""
        expires_at = datetime.datetime.fromtimestamp(time.time() + ABSOLUTE_TTL, datetime.timezone.utc)
        await self.db.execute(
            "INSERT IGNORE INTO ih_revoked_session (session_hash, expires_at) VALUES (UNHEX(%s), %s)",
            (session_digest(session_id), expires_at.replace(tzinfo=None)))
        # Records of sessions that have expired anyway go a few at a time, with each new one.
        await self.db.execute("DELETE FROM ih_revoked_session WHERE expires_at < UTC_TIMESTAMP() LIMIT 10")
        raw = await self.redis.getdel(_key(session_id))
        try:
            user_id = orjson.loads(raw)["user_id"] if raw else None
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return  # a corrupt session names no index; its id expires there with time
        if user_id is not None:
            await self.redis.zrem(_index_key(user_id), session_id)
            await live.publish(self.redis, [{"user_id": user_id, "close": session_digest(session_id)}])  # its sockets

    async def update_user(self, user_id, **changes):
        """Show the user's new `changes` (of USER_FIELDS) in every live session of theirs."""
        index = _index_key(user_id)
        session_ids = [raw.decode() for raw in
                       await self.redis.zrangebyscore(index, int(time.time()), "+inf")]
        if session_ids:
            await _UPDATE_USER(self.redis, keys=[index, *map(_key, session_ids)],
                               args=[orjson.dumps(changes), *session_ids])
