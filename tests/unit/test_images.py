"""The image pipeline without a server: how many images it decodes at once."""
import asyncio
import concurrent.futures
import threading

from models.user import AVATAR
from tests.helpers import image_bytes
from utils.images import ImagePipeline

DECODERS = 2


class PairedExecutor(concurrent.futures.ThreadPoolExecutor):
    """Runs each job only once DECODERS jobs are running together, and records the most that ran
    at once: a pipeline admitting fewer would stall (the barrier breaks), more would show."""

    def __init__(self):
        super().__init__(max_workers=4 * DECODERS)
        self.together = threading.Barrier(DECODERS, timeout=10)
        self.lock = threading.Lock()
        self.running = self.most_at_once = 0

    def submit(self, fn, /, *args, **kwargs):
        def counted():
            with self.lock:
                self.running += 1
                self.most_at_once = max(self.most_at_once, self.running)
            try:
                self.together.wait()
                return fn(*args, **kwargs)
            finally:
                with self.lock:
                    self.running -= 1
        return super().submit(counted)


def test_at_most_the_configured_number_of_images_decode_at_once():
    async def prepare_many(pipeline):
        return await asyncio.gather(*[pipeline.prepare(image_bytes(), AVATAR) for _ in range(3 * DECODERS)])

    with PairedExecutor() as executor, concurrent.futures.ThreadPoolExecutor(1) as loop_thread:
        # a thread of its own: in a whole run, Playwright's sync API keeps a loop running here
        prepared = loop_thread.submit(
            asyncio.run, prepare_many(ImagePipeline(executor, 1024 * 1024, DECODERS))).result()
    assert len(prepared) == 3 * DECODERS
    assert executor.most_at_once == DECODERS
