"""Server-side sessions in Redis (contract §2): `sess_<id>` holds the user's id, name and mobile.

The key slides to 24 h on every read and never lives past 30 days after login. A read is a
single GETEX, so a logged-in request costs one Redis round trip for its session.
"""
import secrets
import time

import orjson

from utils.errors import RET, ApiError

SLIDING_TTL = 24 * 3600
ABSOLUTE_TTL = 30 * 24 * 3600


def _key(session_id):
    return f"sess_{session_id}"


class SessionStore:
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
            data["user_id"], data["name"], data["mobile"]
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
        session_id = secrets.token_urlsafe(32)
        data = {"user_id": user["user_id"], "name": user["name"], "mobile": user["mobile"],
                "expires_at": int(time.time()) + ABSOLUTE_TTL}
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(_key(session_id), orjson.dumps(data), ex=SLIDING_TTL)
            if replaces:
                pipe.delete(_key(replaces))
            await pipe.execute()
        return session_id

    async def delete(self, session_id):
        await self.redis.delete(_key(session_id))
