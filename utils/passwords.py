"""argon2id password hashing on a small dedicated thread pool.

Hashing costs tens of milliseconds of CPU by design; it never runs on the event loop, and the
pool is bounded so that a burst of logins cannot take every core away from serving requests.
"""
import asyncio
import concurrent.futures
import os
import threading

from passlib.context import CryptContext

# OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
CONTEXT = CryptContext(schemes=["argon2"], argon2__type="ID", argon2__memory_cost=19456,
                       argon2__rounds=2, argon2__parallelism=1)


# Hashing threads run at a lower priority than the event loop (Linux nices a thread on its own),
# so a burst of logins waits for spare CPU instead of slowing every other request.
HASHING_NICENESS = 10


def _lower_thread_priority():
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)
    except (AttributeError, OSError):
        pass  # not Linux: the bounded pool still keeps hashing from taking every core


class PasswordHasher:
    def __init__(self, workers):
        self.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="argon2", initializer=_lower_thread_priority)
        # Verifying against this when the mobile is unknown makes both failures take equally long.
        self._decoy = CONTEXT.hash("not a password of anyone")

    async def _run(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def hash(self, password):
        return await self._run(CONTEXT.hash, password)

    async def verify(self, password, stored_hash):
        """(matches, replacement hash when the stored one uses outdated parameters or None)."""
        return await self._run(CONTEXT.verify_and_update, password, stored_hash or self._decoy)

    def close(self):
        self.executor.shutdown(wait=False, cancel_futures=True)
