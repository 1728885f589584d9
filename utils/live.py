"""Live events: one Redis pub/sub channel carries every user's events to every process of every
host; each process holds one subscription and hands each event to its own sockets of that user
(handlers/live.py). Events are notifications (models/notification.py), published after the
transaction that wrote them committed, and the end of a session, which closes its sockets.

Pub/sub delivers to whoever listens at that moment and keeps nothing: an event published while
a process's subscription is down is lost to it. So whenever the subscription is (re)confirmed,
every socket of the process catches up from MariaDB by number; a client that was away does the
same when it reconnects (README, "Live notifications").
"""
import asyncio
import collections
import logging
import random

import orjson
import redis.exceptions

log = logging.getLogger("ihome.live")

RESUBSCRIBE_FIRST = 0.5  # seconds before subscribing again after Redis dropped; doubled each time
RESUBSCRIBE_MAX = 30.0
# WebSocket close codes (4000-4999 are the application's own).
CLOSE_GOING_AWAY = 1001  # the process is stopping: reconnect, another one answers
CLOSE_SESSION_ENDED = 4401  # the session logged out or was replaced: do not reconnect with it
CLOSE_TOO_MANY = 4029  # the user has --live_sockets_per_user sockets on this process already
CLOSE_TOO_FAST = 4008  # more than MESSAGES_PER_WINDOW in WINDOW_SECONDS
CLOSE_BAD_MESSAGE = 4400  # not {"since": n}


def channel_of(redis_client):
    """The channel of the Redis database the service uses: services (and test runs) on other
    databases of one Redis never hear each other's events."""
    return f"ihome:live:{redis_client.connection_pool.connection_kwargs.get('db', 0)}"


async def publish(redis_client, events):
    """Send `events` (each names its `user_id`) to their users' sockets in every process, in one
    round trip. A failure is only logged: what a notification carries is in MariaDB, where
    clients catch up (the end of a session then closes no socket, but the session is ended all
    the same)."""
    try:
        async with redis_client.pipeline(transaction=False) as pipe:
            for event in events:
                pipe.publish(channel_of(redis_client), orjson.dumps(event))
            await pipe.execute()
    except redis.exceptions.RedisError as error:
        log.warning("live: %d events not published: %s", len(events), error)


class Live:
    """This process's sockets by user, and its subscription to the channel."""

    def __init__(self, redis_client, notifications, *, per_user):
        self.redis = redis_client
        self.notifications = notifications
        self.per_user = per_user
        self.sockets = collections.defaultdict(set)
        self.listener = None

    def start(self):
        self.listener = asyncio.create_task(self._listen())

    async def stop(self):
        """Close every socket (the clients reconnect to another process) and the subscription."""
        for sockets in list(self.sockets.values()):
            for socket in list(sockets):
                socket.close(CLOSE_GOING_AWAY, "server restarting")
        if self.listener:
            self.listener.cancel()
            await asyncio.gather(self.listener, return_exceptions=True)

    def join(self, socket):
        """Count `socket` among its user's; False when the user has too many here already."""
        sockets = self.sockets[socket.user_id]
        if len(sockets) >= self.per_user:
            if not sockets:
                del self.sockets[socket.user_id]
            return False
        sockets.add(socket)
        return True

    def leave(self, socket):
        sockets = self.sockets.get(socket.user_id)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self.sockets[socket.user_id]

    @property
    def socket_count(self):
        return sum(map(len, self.sockets.values()))

    async def committed(self, rows):
        """Publish the notifications a transaction wrote (Database.committed)."""
        await publish(self.redis, [{"user_id": row["user_id"], "notification": self.notifications.shape(row)}
                                   for row in rows])

    async def _listen(self):
        wait = RESUBSCRIBE_FIRST
        channel = channel_of(self.redis)
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.subscribe(channel)
                # redis-py subscribes again by itself on a new connection: each confirmation,
                # the first included, may follow a gap, so every socket catches up then.
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        self._dispatch(message["data"])
                    elif message["type"] == "subscribe":
                        wait = RESUBSCRIBE_FIRST
                        for sockets in list(self.sockets.values()):
                            for socket in list(sockets):
                                socket.catch_up_soon()
            except (redis.exceptions.RedisError, OSError) as error:
                log.warning("live: the subscription to Redis dropped (%s); subscribing again in %.1fs", error, wait)
            finally:
                await pubsub.aclose()
            await asyncio.sleep(wait * random.uniform(0.5, 1.5))
            wait = min(wait * 2, RESUBSCRIBE_MAX)

    def _dispatch(self, data):
        try:
            event = orjson.loads(data)
            user_id = event["user_id"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            log.warning("live: an event that is not ours on the channel: %r", data[:200])
            return
        for socket in list(self.sockets.get(user_id, ())):
            socket.deliver(event)
