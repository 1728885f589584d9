"""What every handler shares: arguments, the JSON envelope, errors, and the session (the envelope
and the error codes as clients see them: docs/openapi.yaml, "The envelope")."""
import functools
import logging
import sys
import urllib.parse

import orjson
import pymysql
import redis.exceptions
import tornado.httputil
from tornado.log import app_log
from tornado.web import HTTPError, RequestHandler, StaticFileHandler, stream_request_body

from handlers.security import SecureHeaders
from handlers.tracing import Traced
from utils import params
from utils.assets import REVALIDATE
from utils.errors import DEFAULT_MESSAGES, RET, STATUS_ERRCODES, STATUS_MESSAGES, ApiError
from utils.ratelimit import client_key

log = logging.getLogger("ihome")

SESSION_COOKIE = "session_id"
SESSION_COOKIE_DAYS = 30
JSON_BODY_LIMIT = 64 * 1024
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# Failures of the stores themselves: the client can only retry later (503 + 4001).
UNREACHABLE = (pymysql.err.OperationalError, pymysql.err.InterfaceError,
               redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
               ConnectionError, TimeoutError)
STORE_ERRORS = (pymysql.err.MySQLError, redis.exceptions.RedisError)


# Query fields whose values never reach a log line, should a client put them in a URL.
SECRET_QUERY_FIELDS = frozenset({"password", "phonecode", "mobile", "id_card", "real_name", "_xsrf"})
REDACTED = "***"


def request_summary(request):
    """`METHOD URI (IP)` as Tornado logs a request, with the values of SECRET_QUERY_FIELDS (in
    any letter case) replaced by ***; the rest of the URI is kept as sent."""
    path, mark, query = request.uri.partition("?")
    fields = []
    for field in query.split("&"):
        name, _, _ = field.partition("=")
        if urllib.parse.unquote_plus(name).lower().removesuffix("[]") in SECRET_QUERY_FIELDS:
            field = f"{name}={REDACTED}"
        fields.append(field)
    return f"{request.method} {path}{mark}{'&'.join(fields)} ({request.remote_ip})"


def _is_json(content_type, body):
    return content_type.startswith("application/json") or (not content_type and body.lstrip()[:1] in (b"{", b"["))


def session_id_of(handler):
    """The session id the request's signed cookie carries, or None."""
    session_id = handler.get_signed_cookie(SESSION_COOKIE, max_age_days=SESSION_COOKIE_DAYS + 1)
    return session_id.decode() if session_id else None


def login_required(method):
    """Answer 4102 unless the request carries a live session; `self.session` is set otherwise."""
    @functools.wraps(method)
    async def wrapper(self, *args, **kwargs):
        if await self.load_session() is None:
            raise ApiError(RET.LOGINERR)
        return await method(self, *args, **kwargs)
    return wrapper


class EnvelopeErrors:
    """Mixed into every handler whose failures are answered as the JSON envelope (the API's and
    the live socket's, before its upgrade): how each failure is answered, and logged."""

    def write_error(self, status_code, **kwargs):
        """The one place where a failure becomes the JSON envelope."""
        # What send_error() restored (clear()) may be another handler's defaults: a live socket's.
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        error = kwargs.get("exc_info", (None, None, None))[1]
        param = None
        if isinstance(error, ApiError):
            errcode, errmsg, param = error.errcode, error.errmsg, error.param
            if error.retry_after is not None:
                self.set_header("Retry-After", str(error.retry_after))
        elif isinstance(error, UNREACHABLE):
            self.set_status(503)
            errcode, errmsg = RET.DBERR, "数据服务暂时不可用，请稍后再试"
        elif isinstance(error, STORE_ERRORS):
            errcode, errmsg = RET.DBERR, DEFAULT_MESSAGES[RET.DBERR]
        elif isinstance(error, HTTPError) and status_code == 403 and "xsrf" in (error.log_message or "").lower():
            errcode, errmsg = RET.SESSIONERR, "缺少有效的 XSRF 令牌，请刷新页面后重试"
        else:
            errcode = STATUS_ERRCODES.get(status_code, RET.SERVERERR)
            errmsg = STATUS_MESSAGES.get(status_code, DEFAULT_MESSAGES[errcode])
        if self.body_unread():
            # Refused before the request was read in full (an unknown path, a missing XSRF
            # token, a body too large): Tornado closes the connection once this answer is out,
            # so the client must not send its next request on it.
            self.set_header("Connection", "close")
        self.errcode = errcode
        envelope = {"errcode": errcode, "errmsg": errmsg}
        if param is not None:
            envelope["param"] = param
        self.finish(orjson.dumps(envelope))

    def body_unread(self):
        """Whether the request's body is still unread as a failure is answered: never, but for
        a handler that streams it."""
        return False

    def _request_summary(self):
        """How Tornado names the request in its warnings and errors: without secrets."""
        return request_summary(self.request)

    def log_exception(self, typ, value, tb):
        if isinstance(value, UNREACHABLE):
            log.error("%s: data store unreachable: %s", self.request.path, value)
        elif isinstance(value, HTTPError):
            super().log_exception(typ, value, tb)
        else:
            # Tornado's own line adds repr(self.request), whose URI keeps the query's secrets.
            app_log.error("Uncaught exception %s", self._request_summary(), exc_info=(typ, value, tb))


@stream_request_body
class BaseHandler(Traced, SecureHeaders, EnvelopeErrors, RequestHandler):
    """Every API handler. It streams its request body: Tornado calls `prepare` as soon as the
    headers are in and hands the body to `data_received` as it arrives, so that the handler's
    `body_limit` alone bounds it. A declared Content-Length over the limit is refused (413)
    before any of the body is read, a chunked body as soon as it runs over, and no more than
    the limit is ever kept. The body is parsed when the handler first reads `self.args`.

    Writes carry the XSRF token in the `X-XSRFToken` header, or a form in its `_xsrf` field
    (`check_xsrf_cookie`).
    """
    body_limit = JSON_BODY_LIMIT

    def initialize(self):
        self.session = None
        self._arguments = None
        self._body_arguments = None
        self._chunks = []
        self._received = 0

    def body_unread(self):
        return not self.request._body_future.done()

    def set_default_headers(self):
        # Also what send_error() restores (through clear()) before write_error runs.
        super().set_default_headers()
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")

    def compute_etag(self):
        """API answers are never revalidated (they are no-store), so skip hashing each body."""
        return None

    def prepare(self):
        self.application.in_flight += 1
        self._counted = True
        # The server's own cap checks the declared Content-Length and each declared chunk size
        # before the data arrives, and answers a bare 400; here the handler counts instead.
        self.request.connection.set_max_body_size(sys.maxsize)
        declared = self.request.headers.get("Content-Length")
        # A streamed body gets here before Tornado has parsed the header ("²" is a digit to
        # str.isdigit, not to int()).
        if declared is not None and not (declared.isascii() and declared.isdigit()):
            raise ApiError(RET.PARAMERR, STATUS_MESSAGES[400], status=400)
        if declared is not None and int(declared) > self.body_limit:
            raise ApiError(RET.PARAMERR, STATUS_MESSAGES[413], status=413)

    def check_xsrf_cookie(self):
        """Tornado checks the token before `prepare`, when a streamed body has not arrived. A form
        may carry it as its `_xsrf` field: a form write that brings no token in a header or the
        query string has it checked once the body is in, before its method runs."""
        headers = self.request.headers
        in_head = headers.get("X-Xsrftoken") or headers.get("X-Csrftoken") or "_xsrf" in self.request.query_arguments
        if not in_head and headers.get("Content-Type", "").startswith(FORM_TYPES):
            name = self.request.method.lower()
            setattr(self, name, self._checking_xsrf_in_body(getattr(self, name)))
        else:
            super().check_xsrf_cookie()

    def _checking_xsrf_in_body(self, method):
        @functools.wraps(method)
        async def checked(*args, **kwargs):
            self._read_body()
            super(BaseHandler, self).check_xsrf_cookie()
            return await method(*args, **kwargs)
        return checked

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

    def on_finish(self):
        if getattr(self, "_counted", False):
            self.application.in_flight -= 1

    def on_connection_close(self):
        # A client leaving mid-body ends the request without finish(), so without on_finish.
        if not self._finished and not self.request._body_future.done():
            self.on_finish()
            self._counted = False
        super().on_connection_close()

    # ---- arguments -------------------------------------------------------------------------

    @property
    def args(self):
        """The request's arguments as one dict: the JSON object body, or the form body and
        query string (a repeated form field becomes a list)."""
        if self._arguments is None:
            self._arguments = self._parse_arguments(self.request.query_arguments, self.request.body_arguments)
        return self._arguments

    @property
    def body_args(self):
        """`args` without the query string: where passwords, SMS codes, mobiles and ID numbers
        are read, so that they never travel in a URL, which logs, proxies and browser history keep."""
        if self._body_arguments is None:
            self._body_arguments = self._parse_arguments(self.request.body_arguments)
        return self._body_arguments

    def _read_body(self):
        """The streamed body, joined once into `request.body`; a form's fields and files are
        parsed into the request, as Tornado does with a body it buffers itself."""
        if self._chunks is not None:
            self.request.body = b"".join(self._chunks)
            self._chunks = None
            content_type = self.request.headers.get("Content-Type", "")
            if self.request.body and not _is_json(content_type, self.request.body):
                try:
                    tornado.httputil.parse_body_arguments(content_type, self.request.body,
                                                          self.request.body_arguments, self.request.files,
                                                          self.request.headers)
                except tornado.httputil.HTTPInputError:
                    raise ApiError(RET.PARAMERR, "表单格式错误", status=400) from None
                for name, values in self.request.body_arguments.items():
                    self.request.arguments.setdefault(name, []).extend(values)
        return self.request.body

    def _parse_arguments(self, *form_sources):
        """The JSON object body if there is one, else the `form_sources` merged in order."""
        body = self._read_body()
        if body and _is_json(self.request.headers.get("Content-Type", ""), body):
            try:
                parsed = orjson.loads(body)
            except orjson.JSONDecodeError:
                raise ApiError(RET.PARAMERR, "请求体不是合法的JSON", status=400) from None
            if not isinstance(parsed, dict):
                raise ApiError(RET.PARAMERR, "请求体应为JSON对象", status=400)
            return parsed
        merged = {}
        for source in form_sources:
            for name, values in source.items():
                decoded = [self.decode_argument(v, name=name) for v in values]
                merged[name.removesuffix("[]")] = decoded[0] if len(decoded) == 1 and not name.endswith("[]") else decoded
        return merged

    def query(self, name):
        """A required query argument; its absence is a malformed request (400 + 4103)."""
        value = self.get_query_argument(name, None)
        if value is None:
            raise params.missing(name, status=400)
        return value

    # ---- responses -------------------------------------------------------------------------

    def ok(self, errmsg="OK", **payload):
        self.errcode = RET.OK
        self.finish(orjson.dumps({"errcode": RET.OK, "errmsg": errmsg, **payload}))

    def ok_encoded(self, payload_json, **extra):
        """`ok(**payload, **extra)` for a payload already encoded as a JSON object (a cached one):
        its bytes are spliced into the envelope, never decoded."""
        self.errcode = RET.OK
        head = orjson.dumps({"errcode": RET.OK, "errmsg": "OK", **extra})
        self.finish(head[:-1] + b"," + payload_json[1:])

    # ---- session ---------------------------------------------------------------------------

    async def load_session(self):
        """The caller's session, read once per request; None when anonymous."""
        if self.session is None:
            session_id = session_id_of(self)
            if session_id:
                self.session = await self.application.sessions.load(session_id)
        return self.session

    async def start_session(self, user):
        """Log `user` in under a new session id, ending the caller's previous session if any."""
        session_id = await self.application.sessions.create(user, replaces=session_id_of(self))
        self.set_signed_cookie(SESSION_COOKIE, session_id, expires_days=SESSION_COOKIE_DAYS,
                               httponly=True, samesite="Lax")

    async def end_session(self):
        session_id = session_id_of(self)
        if session_id:
            await self.application.sessions.delete(session_id)
        self.clear_cookie(SESSION_COOKIE, httponly=True, samesite="Lax")

    @property
    def client_ip(self):
        """The client's address as the per-IP limits count it (`utils.ratelimit.client_key`).
        Behind a proxy, `--xheaders` makes it the X-Real-IP / X-Forwarded-For address."""
        return client_key(self.request.remote_ip or "unknown")


def unknown_path(request):
    """What an unknown /api/ path answers."""
    return ApiError(RET.NODATA, f"接口不存在：{urllib.parse.unquote(request.path)}", status=404)


class ApiNotFoundHandler(BaseHandler):
    """Unknown /api/ paths answer 404 with the envelope instead of an HTML page."""

    def prepare(self):
        super().prepare()
        raise unknown_path(self.request)

    def check_xsrf_cookie(self):
        """An unknown path is reported as such, whatever its method."""


class WebRootHandler(Traced, SecureHeaders, StaticFileHandler):
    """The files of the frontend under their own names (the page and its versioned files are
    `handlers/assets.py`'s). Serving a page sets the `_xsrf` cookie the API needs. A name
    without a version may change content at any time, so browsers ask again before each use."""

    def set_default_headers(self):
        super().set_default_headers()
        self.set_header("Content-Security-Policy", self.application.page_policy)

    def set_extra_headers(self, path):
        self.set_header("Cache-Control", REVALIDATE)

    def get(self, path, include_body=True):
        if not path or path.endswith(".html"):
            self.xsrf_token  # noqa: B018 - reading it sets the cookie
        return super().get(path, include_body)
