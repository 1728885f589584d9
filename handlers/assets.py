"""The page and its versioned scripts and stylesheet (utils/assets.py), from memory.

The page is revalidated on every load (its ETag answers 304 when nothing changed); a versioned
file is kept a year without asking. Both are sent gzipped to clients that accept it.
"""
from tornado.web import HTTPError, RequestHandler

from handlers.security import SecureHeaders
from utils.assets import IMMUTABLE, REVALIDATE


class AssetHandler(SecureHeaders, RequestHandler):
    cache_control = IMMUTABLE

    def set_default_headers(self):
        super().set_default_headers()
        self.set_header("Content-Security-Policy", self.application.page_policy)

    def asset(self, path):
        asset = self.application.assets.versioned.get(path)
        if asset is None:
            raise HTTPError(404)
        return asset

    def get(self, path):
        asset = self.asset(path)
        self.set_header("Content-Type", asset.content_type)
        self.set_header("Cache-Control", self.cache_control)
        self.set_header("Vary", "Accept-Encoding")
        body = asset.body
        if asset.gzipped is not None and accepts_gzip(self.request.headers.get("Accept-Encoding", "")):
            self.set_header("Content-Encoding", "gzip")
            body = asset.gzipped
        # finish() adds the ETag of this body (so one per encoding) and answers 304 when
        # If-None-Match names it; a HEAD is answered the headers alone.
        self.finish(body)

    def head(self, path):
        self.get(path)


class PageHandler(AssetHandler):
    """`/` and `/index.html`: the single page, naming the current versions. Serving it sets the
    `_xsrf` cookie the API needs."""
    cache_control = REVALIDATE

    def asset(self, path):
        if self.application.assets.page is None:
            raise HTTPError(404)
        self.xsrf_token  # noqa: B018 - reading it sets the cookie
        return self.application.assets.page


def accepts_gzip(accept_encoding):
    """Whether an Accept-Encoding header admits gzip (`gzip;q=0` refuses it)."""
    for item in accept_encoding.split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip"):
            quality = params.strip().lower().removeprefix("q=")
            try:
                return not params.strip() or float(quality) > 0
            except ValueError:
                return False
    return False
