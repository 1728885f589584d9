"""The API reference (docs/openapi.yaml) as JSON, and the page that renders it (utils/api_reference.py)."""
from handlers.base import BaseHandler


class OpenApiHandler(BaseHandler):
    def get(self):
        self.finish(self.application.api_reference.spec_json)


class DocsPageHandler(BaseHandler):
    def get(self):
        self.xsrf_token  # noqa: B018 - reading it sets the cookie that "Try it out" sends with writes
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Content-Security-Policy", self.application.page_policy)
        self.finish(self.application.api_reference.page)


class DocsFileHandler(BaseHandler):
    """Swagger UI's files and the page's script; revalidated by ETag."""

    def get(self, name):
        self.served = self.application.api_reference.file(name)
        self.set_header("Content-Type", self.served.content_type)
        self.set_header("Cache-Control", "no-cache")
        self.finish(self.served.content)

    def compute_etag(self):
        return self.served.etag


ROUTES = [
    (r"/api/openapi\.json$", OpenApiHandler),
    (r"/api/docs$", DocsPageHandler),
    (r"/api/docs/(.*)$", DocsFileHandler),
]
