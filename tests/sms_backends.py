"""SMS backends that tests plug in with IHOME_SMS_BACKEND."""
import asyncio

from utils.sms import SmsError


class FailingSmsBackend:
    async def send_code(self, mobile, code):
        raise SmsError("provider refused the message")


class SlowSmsBackend:
    """A provider that takes a second to answer, as real ones sometimes do."""

    async def send_code(self, mobile, code):
        await asyncio.sleep(1)
