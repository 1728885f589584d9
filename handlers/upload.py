"""Multipart uploads and the media they produce.

`UploadHandler` is a `BaseHandler` with the image limit as its `body_limit` (the body streams
and is counted as for every API handler). Subclasses implement `post` and read the form with
`uploaded_file` and `self.args`; like every write, an upload carries the XSRF token in the
`X-XSRFToken` header.
"""
from tornado.web import StaticFileHandler

from handlers.base import BaseHandler
from handlers.security import SecureHeaders
from handlers.tracing import Traced
from utils.errors import RET, ApiError
from utils.storage import MEDIA_CACHE_CONTROL, MEDIA_CACHE_SECONDS


class UploadHandler(BaseHandler):
    @property
    def body_limit(self):
        return self.application.media.upload_body_limit

    async def prepare(self):
        super().prepare()  # refuses a declared Content-Length over body_limit
        # Every upload needs a login; an anonymous body is counted but not kept, and `post`
        # (login_required) answers 4102 once it has arrived.
        if await self.load_session() is None:
            self._chunks = None

    def uploaded_file(self, field_name):
        """The bytes of the file sent in `field_name` (the first, if several)."""
        if not self.request.headers.get("Content-Type", "").startswith("multipart/form-data"):
            raise ApiError(RET.PARAMERR, "请以 multipart/form-data 表单上传文件")
        self.args  # noqa: B018 - reading the arguments parses the form, files included
        files = self.request.files.get(field_name)
        if not files:
            raise ApiError(RET.PARAMERR, f"缺少上传文件 {field_name}", param=field_name)
        return files[0].body


class MediaHandler(Traced, SecureHeaders, StaticFileHandler):
    """Uploaded media of the local backend. A content-addressed file never changes, so clients
    may keep it a year."""

    def get_cache_time(self, path, modified, mime_type):
        return MEDIA_CACHE_SECONDS

    def set_extra_headers(self, path):
        self.set_header("Cache-Control", MEDIA_CACHE_CONTROL)
