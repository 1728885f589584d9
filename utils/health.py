"""Whether this process can serve requests: its stores answer in time (`/readyz`)."""
import asyncio
import logging

from utils.errors import RET, ApiError

log = logging.getLogger("ihome")

READY_TIMEOUT = 1.0  # seconds each store has to answer


class Readiness:
    def __init__(self, db, redis):
        self.db = db
        self.redis = redis

    async def check(self):
        """Ask the MariaDB primary and Redis at once; 503 + 4001 naming those that did not answer
        within READY_TIMEOUT."""
        answered = await asyncio.gather(self._answers("MariaDB", self.db.ping()),
                                        self._answers("Redis", self.redis.ping()))
        silent = [name for name, ok in zip(("MariaDB", "Redis"), answered) if not ok]
        if silent:
            raise ApiError(RET.DBERR, f"未就绪：{'、'.join(silent)} 无响应", status=503)

    async def _answers(self, name, probe):
        try:
            async with asyncio.timeout(READY_TIMEOUT):
                await probe
        except Exception as error:  # whatever the failure, the store is not usable now
            log.warning("not ready: %s did not answer within %gs (%r)", name, READY_TIMEOUT, error)
            return False
        return True
