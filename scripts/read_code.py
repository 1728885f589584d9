"""`python -m scripts.read_code captcha <captcha id>` or `... sms <mobile>`: the text of a
captcha, or the SMS code last sent to a mobile, as the server holds it in Redis.

For development and the README's walkthrough, where a script plays the person who reads the
captcha image and the text message (the console SMS backend also logs the code). It reads the
server's options (IHOME_REDIS_URL or --redis_url, --redis_sentinels, ...) and prints nothing
and exits 1 when there is no such captcha or code (expired, used, or never asked for).
"""
import asyncio

from tornado.options import options, parse_command_line

import config
from models.passport import captcha_key, sms_code_key
from utils.lua import KEYS_OF_THIS_INCARNATION, LuaScript

# Captchas and codes are filed under the Redis master's incarnation (utils/lua.py).
_READ = LuaScript(KEYS_OF_THIS_INCARNATION + "return redis.call('GET', KEYS[1])")
KEYS = {"captcha": captcha_key, "sms": sms_code_key}


async def read(kind, name):
    redis = config.redis_client()
    try:
        return await _READ(redis, keys=[KEYS[kind](name)])
    finally:
        await redis.aclose()


def main():
    arguments = parse_command_line()
    if len(arguments) != 2 or arguments[0] not in KEYS:
        raise SystemExit("usage: python -m scripts.read_code captcha <captcha id> | sms <mobile>")
    value = asyncio.run(read(*arguments))
    if value is None:
        raise SystemExit(1)
    print(value.decode())


if __name__ == "__main__":
    main()
