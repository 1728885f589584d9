"""Uploaded images: the one pipeline that checks and re-encodes them, how often a user may
upload, and where they are stored.

Services hold storage keys; this service alone turns bytes into a key and a key into the URL
a client fetches.
"""
from utils.errors import RET, ApiError
from utils.images import ImagePipeline
from utils.lua import LuaScript

# multipart framing (boundaries, part headers, small fields) around the largest image
MULTIPART_OVERHEAD = 64 * 1024
UPLOAD_WINDOW_SECONDS = 3600

# One upload of the user's quota, unless it is used up: then the seconds until the window ends.
# A refused upload takes nothing, and the window starts with the first upload in it.
_TAKE_UPLOAD = LuaScript("""
if tonumber(redis.call('GET', KEYS[1]) or '0') >= tonumber(ARGV[1]) then
    return math.max(redis.call('TTL', KEYS[1]), 1)
end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 0
""")


class Media:
    def __init__(self, executor, storage, redis, *, max_image_bytes, image_decoders, uploads_per_hour):
        self.images = ImagePipeline(executor, max_image_bytes, image_decoders)
        self.storage = storage  # utils/storage.py: LocalStorage or S3Storage
        self.redis = redis
        self.uploads_per_hour = uploads_per_hour  # 0: no limit
        self.upload_body_limit = max_image_bytes + MULTIPART_OVERHEAD

    async def save_image(self, user_id, data, use):
        """Check and re-encode an image `user_id` uploaded for `use` (utils.images.ImageUse),
        store it, and return its key.

        Every upload counts toward the user's hourly quota, a refused image too: decoding it
        cost the same. The file is stored before any row points at it: a failure leaves at most
        an unused file."""
        await self._take_upload(user_id)
        image = await self.images.prepare(data, use)
        return await self.storage.save(image.content, image.extension)

    async def _take_upload(self, user_id):
        if not self.uploads_per_hour:
            return
        wait = await _TAKE_UPLOAD(self.redis, keys=[f"ihome:uploads:{user_id}"],
                                  args=[self.uploads_per_hour, UPLOAD_WINDOW_SECONDS])
        if wait:
            raise ApiError(RET.REQERR, f"每小时最多上传 {self.uploads_per_hour} 张图片，请稍后再试",
                           retry_after=int(wait))

    def url(self, key):
        """The URL of a stored key; None for no key."""
        return self.storage.url(key) if key else None
