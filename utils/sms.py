"""Pluggable SMS delivery. A backend is any class with `async send_code(mobile, code)` that
raises SmsError when the provider refuses or fails; `--sms_backend` names it."""
import asyncio
import importlib
import logging

log = logging.getLogger("ihome.sms")


class SmsError(Exception):
    """The provider did not accept the message."""


class ConsoleSmsBackend:
    """Development backend: the code goes to the server log instead of a phone."""

    async def send_code(self, mobile, code):
        log.info("SMS code for %s: %s", mobile, code)


BUILTIN = {"console": ConsoleSmsBackend}


def load_backend(name):
    """`console`, or `package.module:ClassName` for a provider of your own."""
    if name in BUILTIN:
        return BUILTIN[name]()
    module_name, _, class_name = name.partition(":")
    if not class_name:
        raise SystemExit(f"unknown SMS backend {name!r}: use 'console' or 'package.module:Class'")
    return getattr(importlib.import_module(module_name), class_name)()


async def send_with_timeout(backend, mobile, code, timeout=10):
    try:
        await asyncio.wait_for(backend.send_code(mobile, code), timeout)
    except asyncio.TimeoutError:
        raise SmsError(f"provider did not answer in {timeout}s") from None
