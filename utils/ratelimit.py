"""Per-client limits over fixed windows, counted in Redis: the per-IP limits on captchas and on
failed logins (a client counted by `client_key` of its address), and each user's uploads."""
import ipaddress

from utils.errors import RET, ApiError
from utils.lua import LuaScript

# The key is created with its expiry (SET NX), so every window ends; a refused request takes nothing.
_TAKE = LuaScript("""
redis.call('SET', KEYS[1], 0, 'EX', ARGV[2], 'NX')
if tonumber(redis.call('GET', KEYS[1])) >= tonumber(ARGV[1]) then
    return math.max(redis.call('TTL', KEYS[1]), 1)
end
redis.call('INCR', KEYS[1])
return 0
""")

# Never below zero, and never into a window that has already ended (DECR would recreate the key
# without an expiry).
_GIVE_BACK = LuaScript("""
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
""")


def client_key(address):
    """What a client is counted by: its IPv4 address (also one mapped into IPv6), or its IPv6
    /64 network, the block one subscriber is given and could otherwise walk through."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


class WindowLimit:
    """At most `allowance` requests of one client per `window` seconds (0: no limit); beyond it
    `take` raises 4201 with `message` and the seconds left in the window as Retry-After."""

    def __init__(self, redis, name, allowance, window, message):
        self.redis = redis
        self.name = name
        self.allowance = allowance
        self.window = window
        self.message = message

    def _key(self, client):
        return f"ihome:{self.name}:{client}"

    async def take(self, client):
        """Count one request of `client` (a `client_key`), or refuse it."""
        if not self.allowance:
            return
        wait = await _TAKE(self.redis, keys=[self._key(client)], args=[self.allowance, self.window])
        if wait:
            raise ApiError(RET.REQERR, self.message, retry_after=wait)

    async def give_back(self, client):
        """Uncount a request `take` counted that turned out not to count (a login that succeeded)."""
        if self.allowance:
            await _GIVE_BACK(self.redis, keys=[self._key(client)])
