"""argon2id password hashing on a small dedicated thread pool.

Hashing costs tens of milliseconds of CPU by design; it never runs on the event loop, and the
pool is bounded so that a burst of logins cannot take every core away from serving requests.
"""
import asyncio
import concurrent.futures

from passlib.context import CryptContext

# OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
CONTEXT = CryptContext(schemes=["argon2"], argon2__type="ID", argon2__memory_cost=19456,
                       argon2__rounds=2, argon2__parallelism=1)


class PasswordHasher:
    def __init__(self, workers):
        self.executor = concurrent.futures.ThreadPoolExecutor(max_workers=workers,
                                                              thread_name_prefix="argon2")
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
