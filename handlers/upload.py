"""Multipart uploads and the media they produce.

`UploadHandler` streams the request body instead of letting Tornado buffer it up front, so that
an oversized upload is refused from its declared Content-Length before any of it is read, and a
chunked body is cut off as soon as it runs over. Subclasses implement `post` and read the form
with `uploaded_file` and `self.args`.

Tornado checks the XSRF token before `prepare`, that is before a streamed body has arrived, so
an upload must carry the token in the `X-XSRFToken` header: an `_xsrf` form field is not seen.
"""
import tornado.httputil
from tornado.web import StaticFileHandler, stream_request_body

from handlers.base import BaseHandler
from utils.errors import RET, STATUS_MESSAGES, ApiError
from utils.storage import MEDIA_CACHE_CONTROL, MEDIA_CACHE_SECONDS


@stream_request_body
class UploadHandler(BaseHandler):
    @property
    def body_limit(self):
        return self.application.media.upload_body_limit

    async def prepare(self):
        super().prepare()  # refuses a declared Content-Length over body_limit
        # Tornado's own cap stops only a single absurd chunk: its check reads each chunk's
        # declared size before the data arrives, while data_received counts what did arrive
        # and answers a realistic chunked overflow with the JSON 413 itself.
        self.request.connection.set_max_body_size(2 * self.body_limit)
        self._received = 0
        self._form_parsed = False
        # Every upload needs a login; an anonymous body is counted but not kept, and `post`
        # (login_required) answers 4102 once it has arrived.
        self._chunks = [] if await self.load_session() is not None else None

    def data_received(self, chunk):
        if self._finished:
            return
        self._received += len(chunk)
        if self._received > self.body_limit:
            self._chunks = None
            error = ApiError(RET.PARAMERR, STATUS_MESSAGES[413], status=413)
            # Raising here would drop the connection without an answer.
            self.send_error(error.status_code, exc_info=(type(error), error, None))
        elif self._chunks is not None:
            self._chunks.append(chunk)

    def on_connection_close(self):
        # A client leaving mid-body ends the request without finish(), so without on_finish.
        if not self._finished and not self.request._body_future.done():
            self.on_finish()
            self._counted = False
        super().on_connection_close()

    def _parse_arguments(self):
        self._parse_form()
        return super()._parse_arguments()

    def _parse_form(self):
        """Fill request.body_arguments and request.files, as Tornado does for unstreamed bodies."""
        if self._form_parsed:
            return
        self._form_parsed = True
        body = b"".join(self._chunks or ())
        self._chunks = None
        content_type = self.request.headers.get("Content-Type", "")
        if body and not content_type.startswith("multipart/form-data"):
            raise ApiError(RET.PARAMERR, "请以 multipart/form-data 表单上传文件")
        try:
            tornado.httputil.parse_body_arguments(content_type, body, self.request.body_arguments,
                                                  self.request.files, self.request.headers)
        except tornado.httputil.HTTPInputError:
            raise ApiError(RET.PARAMERR, "上传的表单格式错误", status=400) from None

    def uploaded_file(self, field_name):
        """The bytes of the file sent in `field_name` (the first, if several)."""
        self._parse_form()
        files = self.request.files.get(field_name)
        if not files:
            raise ApiError(RET.PARAMERR, f"缺少上传文件 {field_name}", param=field_name)
        return files[0].body


class MediaHandler(StaticFileHandler):
    """Uploaded media of the local backend. A content-addressed file never changes, so clients
    may keep it a year."""

    def get_cache_time(self, path, modified, mime_type):
        return MEDIA_CACHE_SECONDS

    def set_extra_headers(self, path):
        self.set_header("Cache-Control", MEDIA_CACHE_CONTROL)
        self.set_header("X-Content-Type-Options", "nosniff")
