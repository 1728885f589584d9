"""The passport: image captcha, SMS codes and their quotas, registration, and login with its
lockout. Short-lived state lives in Redis; users live in MySQL, behind `Users`."""
import asyncio
import secrets

from utils import captcha_image, metrics
from utils.errors import RET, ApiError
from utils.lua import KEYS_OF_THIS_INCARNATION, LuaScript
from utils.ratelimit import WindowLimit
from utils.sms import SmsError, send_with_timeout

CAPTCHA_TTL = 180
SMS_CODE_TTL = 300
SMS_RESEND_INTERVAL = 60
SMS_MOBILE_DAILY_LIMIT = 10
SMS_MAX_WRONG_ATTEMPTS = 5
LOGIN_MAX_FAILURES = 5
LOGIN_LOCK_SECONDS = 600
LOGIN_IP_WINDOW = 600
CAPTCHA_IP_WINDOW = 60

# Clients compare these two messages literally.
SMS_CODE_EXPIRED = "验证码过期"
SMS_CODE_WRONG = "验证码错误"


# Captchas, SMS codes and the wrong attempts at a code are single use, so their keys are filed
# under the Redis master's incarnation by the scripts that use them (utils/lua.py): a Redis
# rolled back (an older snapshot, a lagging replica promoted) would otherwise give back a
# captcha already used, a code already voided or spent, or attempts already made. Their users
# ask for new ones.
def captcha_key(captcha_id):
    return f"pic_code_{captcha_id}"


def sms_code_key(mobile):
    return f"sms_code_{mobile}"


def _sms_attempts_key(mobile):
    return f"ihome:sms_attempts:{mobile}"


def _login_failures_key(mobile):
    return f"ihome:login_failures:{mobile}"


# Checks every quota and, only if all pass, takes one from each: a refused request costs nothing.
_TAKE_SMS_QUOTA = LuaScript("""
local wait = redis.call('TTL', KEYS[1])
if wait > 0 then return {1, wait} end
for i = 2, 3 do
    if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[i]) then
        return {i, redis.call('TTL', KEYS[i])}
    end
end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
for i = 2, 3 do
    redis.call('INCR', KEYS[i])
    redis.call('EXPIRE', KEYS[i], ARGV[4])
end
return {0, 0}
""")

# Deletes KEYS[2..], then stores ARGV[1] for ARGV[2] seconds under KEYS[1].
_STORE_SINGLE_USE = LuaScript(KEYS_OF_THIS_INCARNATION + """
for i = 2, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
""")
_TAKE_SINGLE_USE = LuaScript(KEYS_OF_THIS_INCARNATION + "return redis.call('GETDEL', KEYS[1])")
_DELETE_SINGLE_USE = LuaScript(KEYS_OF_THIS_INCARNATION + "return redis.call('DEL', unpack(KEYS))")

# A wrong code counts an attempt; the fifth wrong one voids the code.
_CHECK_SMS_CODE = LuaScript(KEYS_OF_THIS_INCARNATION + """
local code = redis.call('GET', KEYS[1])
if not code then return 'expired' end
if code == ARGV[1] then return 'ok' end
local wrong = redis.call('INCR', KEYS[2])
if wrong == 1 then redis.call('EXPIRE', KEYS[2], math.max(redis.call('TTL', KEYS[1]), 1)) end
if wrong >= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1], KEYS[2]) end
return 'wrong'
""")

_QUOTA_MESSAGES = {1: "发送过于频繁，请60秒后再试", 2: "该手机号今日获取验证码次数已达上限",
                   3: "当前网络今日获取验证码次数已达上限"}


class Passport:
    def __init__(self, redis, users, hasher, sms_backend, executor, clock, *, sms_ip_daily_limit,
                 login_ip_failures, captcha_ip_per_minute):
        self.redis = redis
        self.users = users
        self.hasher = hasher
        self.sms_backend = sms_backend
        self.executor = executor  # draws captchas
        self.clock = clock
        self.sms_ip_daily_limit = sms_ip_daily_limit
        self.login_ip_limit = WindowLimit(redis, "login_ip_attempts", login_ip_failures, LOGIN_IP_WINDOW,
                                          "当前网络登录失败次数过多，请稍后再试")
        self.captcha_ip_limit = WindowLimit(redis, "captcha_ip", captcha_ip_per_minute, CAPTCHA_IP_WINDOW,
                                            "获取图片验证码过于频繁，请稍后再试")

    async def new_captcha(self, captcha_id, previous_id, client_ip):
        """Draw a captcha for `captcha_id` and remember its text; the previous one is forgotten.
        Each costs CPU and a Redis key, so one client address gets a few a minute."""
        await self.captcha_ip_limit.take(client_ip)
        text = captcha_image.random_text()
        png = await asyncio.get_running_loop().run_in_executor(self.executor, captcha_image.render_png, text)
        forgotten = [captcha_key(previous_id)] if previous_id else []
        await _STORE_SINGLE_USE(self.redis, keys=[captcha_key(captcha_id), *forgotten], args=[text, CAPTCHA_TTL])
        return png

    async def check_captcha(self, captcha_id, answer):
        """Single use: the first check deletes the captcha whatever the answer."""
        expected = await _TAKE_SINGLE_USE(self.redis, keys=[captcha_key(captcha_id)])
        if expected is None:
            raise ApiError(RET.NODATA, "图片验证码已过期，请刷新", param="piccode")
        if expected.decode().upper() != answer.upper():
            raise ApiError(RET.DATAERR, "图片验证码错误", param="piccode")

    async def send_sms_code(self, mobile, client_ip):
        if await self.users.mobile_registered(mobile):
            raise ApiError(RET.DATAEXIST, "该手机号已注册", param="mobile")
        day = self.clock.today().strftime("%Y%m%d")
        interval_key = f"ihome:sms_interval:{mobile}"
        refused, wait = await _TAKE_SMS_QUOTA(
            self.redis,
            keys=[interval_key, f"ihome:sms_daily:{day}:{mobile}", f"ihome:sms_daily_ip:{day}:{client_ip}"],
            args=[SMS_RESEND_INTERVAL, SMS_MOBILE_DAILY_LIMIT, self.sms_ip_daily_limit,
                  self.clock.seconds_until_midnight() + 60])
        if refused:
            metrics.SMS_SENDS.labels("refused").inc()
            raise ApiError(RET.REQERR, _QUOTA_MESSAGES[refused], retry_after=max(int(wait), 1))
        code = f"{secrets.randbelow(10**6):06d}"
        await _STORE_SINGLE_USE(self.redis, keys=[sms_code_key(mobile), _sms_attempts_key(mobile)],
                                args=[code, SMS_CODE_TTL])
        try:
            await send_with_timeout(self.sms_backend, mobile, code)
        except SmsError as error:
            # Nothing reached the phone: let the user ask again at once.
            await _DELETE_SINGLE_USE(self.redis, keys=[sms_code_key(mobile)])
            await self.redis.delete(interval_key)
            metrics.SMS_SENDS.labels("failed").inc()
            raise ApiError(RET.THIRDERR, "短信发送失败，请稍后重试") from error
        metrics.SMS_SENDS.labels("sent").inc()

    async def register(self, mobile, sms_code, password):
        """Create the user if `sms_code` is the one sent to `mobile`; returns their session fields."""
        outcome = await _CHECK_SMS_CODE(
            self.redis, keys=[sms_code_key(mobile), _sms_attempts_key(mobile)],
            args=[sms_code, SMS_MAX_WRONG_ATTEMPTS])
        if outcome == b"expired":
            raise ApiError(RET.NODATA, SMS_CODE_EXPIRED, param="phonecode")
        if outcome != b"ok":
            raise ApiError(RET.DATAERR, SMS_CODE_WRONG, param="phonecode")
        if await self.users.mobile_registered(mobile):
            raise ApiError(RET.DATAEXIST, "该手机号已注册", param="mobile")
        user = await self.users.create(mobile, await self.hasher.hash(password))
        await _DELETE_SINGLE_USE(self.redis, keys=[sms_code_key(mobile), _sms_attempts_key(mobile)])
        return user

    async def login(self, mobile, password, client_ip):
        """The user's session fields if `password` is theirs; a mobile locks after repeated
        failures, and one client address may fail only so often (`login_ip_limit`)."""
        failures_key = _login_failures_key(mobile)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(failures_key)
            pipe.ttl(failures_key)
            failures, locked_for = await pipe.execute()
        if failures is not None and int(failures) >= LOGIN_MAX_FAILURES:
            metrics.LOGINS.labels("locked").inc()
            raise ApiError(RET.REQERR, "密码错误次数过多，请10分钟后再试", retry_after=max(locked_for, 1))
        # Counted before the hash is checked, so that a burst of attempts cannot run ahead of
        # the count and keep the hashing threads busy; a success gives its count back.
        try:
            await self.login_ip_limit.take(client_ip)
        except ApiError:
            metrics.LOGINS.labels("limited").inc()
            raise
        user = await self.users.find_by_mobile(mobile)
        matches, new_hash = await self.hasher.verify(password, user["password_hash"] if user else None)
        if not (user and matches):
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(failures_key)
                pipe.expire(failures_key, LOGIN_LOCK_SECONDS)
                await pipe.execute()
            metrics.LOGINS.labels("failure").inc()
            raise ApiError(RET.LOGINERR, "手机号或密码错误")
        metrics.LOGINS.labels("success").inc()
        await self.redis.delete(failures_key)
        await self.login_ip_limit.give_back(client_ip)
        if new_hash:
            await self.users.set_password_hash(user["user_id"], new_hash)
        del user["password_hash"]
        user["verified"] = bool(user["verified"])
        return user
