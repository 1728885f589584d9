"""The headers that tell browsers how to treat every answer, and the page's Content-Security-Policy."""
import urllib.parse

# On every answer: API, pages, media, errors, and the server's own answers (handlers/protocol.py).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",  # a body is only ever what its Content-Type says
    "X-Frame-Options": "DENY",  # for browsers older than CSP's frame-ancestors
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
HSTS = "max-age=31536000"


class SecureHeaders:
    """Mixed into every handler. Over https (directly or, with --xheaders, per the proxy's
    X-Forwarded-Proto or X-Scheme, which Tornado maps to `request.protocol`) it also sends HSTS
    and makes every cookie Secure: the session and the `_xsrf` token."""

    def set_default_headers(self):
        # Also what send_error() restores (through clear()), so error answers carry them too.
        super().set_default_headers()
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)
        if self.request.protocol == "https":
            self.set_header("Strict-Transport-Security", HSTS)

    def set_cookie(self, name, value, *args, **kwargs):
        if self.request.protocol == "https":
            kwargs["secure"] = True
        super().set_cookie(name, value, *args, **kwargs)


def page_policy(media_base_url):
    """The Content-Security-Policy of the single-page frontend (static/): its own module scripts,
    stylesheet and API only, nothing inline; images from itself, from the media origin when
    media is served from elsewhere (a CDN), and as data: (the empty favicon) and blob: URLs (the
    avatar preview); it may not be framed, nor move its base URL or forms elsewhere."""
    media = urllib.parse.urlsplit(media_base_url)
    media_origin = [f"{media.scheme}://{media.netloc}" if media.scheme else media.netloc] if media.netloc else []
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src " + " ".join(["'self'", "data:", "blob:", *media_origin]),
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])
