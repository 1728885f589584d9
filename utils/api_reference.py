"""The API reference: docs/openapi.yaml as the JSON served at /api/openapi.json, and the files of
its page at /api/docs (Swagger UI's, from the swagger-ui-py package, and the page's own in docs/).
Everything is read once, at start."""
import dataclasses
import hashlib
import importlib.util
import pathlib

import orjson
import yaml

from utils.errors import RET, ApiError

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"
SPEC = DOCS / "openapi.yaml"
# The dist files of Swagger UI that swagger-ui-py ships; found without importing the package,
# whose Python side (templates with inline scripts) is not used.
SWAGGER_UI = pathlib.Path(importlib.util.find_spec("swagger_ui").origin).parent / "static"
# What /api/docs/<name> serves: Swagger UI's stylesheet and script, and the script that starts it.
PAGE_FILES = {
    "swagger-ui.css": (SWAGGER_UI / "swagger-ui.css", "text/css; charset=UTF-8"),
    "swagger-ui-bundle.js": (SWAGGER_UI / "swagger-ui-bundle.js", "application/javascript; charset=UTF-8"),
    "api-docs.js": (DOCS / "api-docs.js", "application/javascript; charset=UTF-8"),
}


@dataclasses.dataclass(frozen=True)
class PageFile:
    content: bytes
    content_type: str
    etag: str


def load_spec():
    """docs/openapi.yaml as a Python object."""
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))


class ApiReference:
    def __init__(self):
        self.spec_json = orjson.dumps(load_spec())
        self.page = (DOCS / "api-docs.html").read_bytes()
        self.files = {}
        for name, (path, content_type) in PAGE_FILES.items():
            content = path.read_bytes()
            self.files[name] = PageFile(content, content_type, f'"{hashlib.sha256(content).hexdigest()[:32]}"')

    def file(self, name):
        """The page's file `name`; 404 + 4002 for any other."""
        try:
            return self.files[name]
        except KeyError:
            raise ApiError(RET.NODATA, "文件不存在", status=404) from None
