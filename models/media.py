"""Uploaded images: the one pipeline that checks and re-encodes them, and where they are stored.

Services hold storage keys; this service alone turns bytes into a key and a key into the URL
a client fetches.
"""
from utils.images import ImagePipeline

# multipart framing (boundaries, part headers, small fields) around the largest image
MULTIPART_OVERHEAD = 64 * 1024


class Media:
    def __init__(self, executor, storage, *, max_image_bytes):
        self.images = ImagePipeline(executor, max_image_bytes)
        self.storage = storage  # utils/storage.py: LocalStorage or S3Storage
        self.upload_body_limit = max_image_bytes + MULTIPART_OVERHEAD

    async def save_image(self, data, *, max_side, param):
        """Check and re-encode an uploaded image, store it, and return its key.

        The file is stored before any row points at it: a failure leaves at most an unused file."""
        image = await self.images.prepare(data, max_side=max_side, param=param)
        return await self.storage.save(image.content, image.extension)

    def url(self, key):
        """The URL of a stored key; None for no key."""
        return self.storage.url(key) if key else None
