"""Uploaded images: the one pipeline that checks and re-encodes them, how often a user may
upload, and where they are stored.

Services hold storage keys; this service alone turns bytes into a key and a key into the URL
a client fetches.
"""
import asyncio

from utils.images import ImagePipeline, thumbnail_name
from utils.ratelimit import WindowLimit
from utils.storage import content_key, thumbnail_key

# The boxes the pages show images in, at twice their CSS pixels for high-density screens; each
# is made at upload (ImageUse.thumbnails) and reached with `Media.url(key, box)`.
ROW_THUMBNAIL = (240, 180)  # a photo in a list row: orders, my houses, booking (96x72, 110x82)
CARD_THUMBNAIL = (800, 500)  # a photo on a search card or in the home carousel (up to 400x250)
AVATAR_THUMBNAIL = (160, 160)  # an avatar (40 to 76 px)

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
        key = content_key(image.content, image.extension)
        # The thumbnails first: once the image is stored, so are they.
        await self._store_thumbnails(key, image.thumbnails)
        await self.storage.put(key, image.content)
        return key

    async def add_thumbnails(self, key, use):
        """Make and store the thumbnails of `use` for the image stored at `key`, one stored
        before its use had them (scripts/make_thumbnails.py)."""
        thumbnails = await self.images.thumbnails(await self.storage.load(key), use)
        await self._store_thumbnails(key, thumbnails)

    async def _store_thumbnails(self, key, thumbnails):
        await asyncio.gather(*[self.storage.put(thumbnail_key(key, name), content)
                               for name, content in thumbnails.items()])

    def url(self, key, thumbnail=None):
        """The URL of a stored key, or of its thumbnail of that box (`(width, height)` of the
        key's ImageUse); None for no key."""
        if not key:
            return None
        return self.storage.url(thumbnail_key(key, thumbnail_name(thumbnail)) if thumbnail else key)
