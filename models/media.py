"""Uploaded images: the one pipeline that checks and re-encodes them, how often a user may
upload, and where they are stored.

Services hold storage keys; this service alone turns bytes into a key and a key into the URL
a client fetches.
"""
from utils.images import ImagePipeline
from utils.ratelimit import WindowLimit

# multipart framing (boundaries, part headers, small fields) around the largest image
MULTIPART_OVERHEAD = 64 * 1024
UPLOAD_WINDOW_SECONDS = 3600


class Media:
    def __init__(self, executor, storage, redis, *, max_image_bytes, image_decoders, uploads_per_hour):
        self.images = ImagePipeline(executor, max_image_bytes, image_decoders)
        self.storage = storage  # utils/storage.py: LocalStorage or S3Storage
        self.upload_limit = WindowLimit(redis, "uploads", uploads_per_hour, UPLOAD_WINDOW_SECONDS,
                                        f"每小时最多上传 {uploads_per_hour} 张图片，请稍后再试")
        self.upload_body_limit = max_image_bytes + MULTIPART_OVERHEAD

    async def save_image(self, user_id, data, use):
        """Check and re-encode an image `user_id` uploaded for `use` (utils.images.ImageUse),
        store it, and return its key.

        Every upload counts toward the user's hourly quota, a refused image too: decoding it
        cost the same. The file is stored before any row points at it: a failure leaves at most
        an unused file."""
        await self.upload_limit.take(user_id)
        image = await self.images.prepare(data, use)
        return await self.storage.save(image.content, image.extension)

    def url(self, key):
        """The URL of a stored key; None for no key."""
        return self.storage.url(key) if key else None
