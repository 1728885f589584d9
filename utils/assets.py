"""The frontend's scripts and stylesheet under versioned URLs, read once at start-up.

Every `.js` and `.css` file of the web root gets a second URL that names its content:
`/js/dom.js` is also `/js/dom.1a2b3c4d5e6f.js`, where the 12 hex digits start the SHA-256 of what
that URL serves. The relative imports of a module (`from "./dom.js"`, `import("./pages/home.js")`)
are rewritten to the versioned URLs, so a module's version covers the versions of everything it
imports: a change to dom.js gives dom.js, and every module that imports it directly or through
others, new URLs, and leaves every other URL as it was. `index.html` names the versioned
stylesheet and entry module, and preloads the modules the entry imports statically.

So a versioned URL never changes content: browsers may keep it a year without asking again
(`IMMUTABLE`), and a page served after a change names new URLs (the page itself is always
revalidated). Text is also kept gzipped, compressed once here rather than per request.

No build step: the web root is read when the server starts (in --debug, a change restarts it).
The unversioned URLs keep serving the files as they are on disk.
"""
import dataclasses
import gzip
import hashlib
import mimetypes
import os
import posixpath
import re

VERSION_DIGITS = 12
VERSIONED_SUFFIXES = (".js", ".css")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"  # kept, but asked again (ETag) before each use
# A versioned name as the URL carries it: `js/pages/home.<12 hex digits>.js`
VERSIONED_PATH = r"(?:[\w.-]+/)*[\w.-]+\.[0-9a-f]{12}\.(?:js|css)"

# A relative module specifier after `from`, `import` or `import(`; anything else (a bare name,
# an absolute URL) is left alone.
IMPORT_RE = re.compile(r"""(\bfrom\s*|\bimport\s*\(?\s*)(["'])(\.\.?/[^"'\s]+?\.js)\2""")
# A root-relative src or href in the page.
PAGE_URL_RE = re.compile(r"""\b(src|href)="/([^"?#]+)\"""")
MODULE_SCRIPT_RE = re.compile(r"""<script type="module" src="/([^"?#]+)"></script>""")


@dataclasses.dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None  # None when gzip would not make it smaller
    content_type: str


class Assets:
    """What `load` read: the versioned files by URL path (without the leading slash) and the
    page, `index.html`, that names them."""

    def __init__(self, versioned, page):
        self.versioned = versioned
        self.page = page

    @classmethod
    def load(cls, web_root):
        """Read and version every script and stylesheet under `web_root`.

        Raises ValueError when modules import each other in a cycle: a version must cover the
        versions of its imports, which a cycle makes impossible."""
        sources = {}
        for folder, _, names in os.walk(web_root):
            for name in names:
                if name.endswith(VERSIONED_SUFFIXES):
                    path = os.path.join(folder, name)
                    with open(path, "rb") as file:
                        sources[os.path.relpath(path, web_root).replace(os.sep, "/")] = file.read()
        names = {}  # source path -> versioned path
        finals = {}
        for path in sources:
            _version(path, sources, names, finals, ())
        versioned = {names[path]: _asset(finals[path], path) for path in sources}
        index_path = os.path.join(web_root, "index.html")
        page = None
        if os.path.isfile(index_path):
            with open(index_path, encoding="utf-8") as file:
                page = _asset(_page(file.read(), sources, names).encode(), "index.html")
        return cls(versioned, page)

    def files(self, web_root):
        """The files `load` read, for --debug to watch."""
        return [os.path.join(web_root, "index.html")] + [
            os.path.join(web_root, *_unversioned(path).split("/")) for path in self.versioned]


def _version(path, sources, names, finals, importing):
    """The versioned path of `path`, after those of the modules it imports (depth first)."""
    if path in names:
        return names[path]
    if path in importing:
        raise ValueError(f"frontend modules import each other in a cycle: {' -> '.join(importing + (path,))}")
    text = sources[path].decode("utf-8")
    if path.endswith(".js"):
        def versioned_import(match):
            target = _resolve(path, match.group(3))
            if target not in sources:
                return match.group(0)
            target_name = _version(target, sources, names, finals, importing + (path,))
            return f"{match.group(1)}{match.group(2)}{_relative(path, target_name)}{match.group(2)}"
        text = IMPORT_RE.sub(versioned_import, text)
    final = text.encode("utf-8")
    stem, suffix = posixpath.splitext(path)
    names[path] = f"{stem}.{hashlib.sha256(final).hexdigest()[:VERSION_DIGITS]}{suffix}"
    finals[path] = final
    return names[path]


def _page(html, sources, names):
    """index.html with versioned URLs, and each module script's static imports preloaded, so the
    browser fetches them at once instead of one level of imports at a time."""
    def preloaded(match):
        entry = match.group(1)
        if entry not in sources:
            return match.group(0)
        links = "".join(f'<link rel="modulepreload" href="/{names[path]}">\n  '
                        for path in _closure(entry, sources))
        return links + match.group(0)

    html = MODULE_SCRIPT_RE.sub(preloaded, html)
    return PAGE_URL_RE.sub(lambda match: f'{match.group(1)}="/{names.get(match.group(2), match.group(2))}"', html)


def _closure(entry, sources):
    """Every module `entry` imports statically, directly or through others, in a stable order."""
    found, pending = [], [entry]
    while pending:
        module = pending.pop(0)
        for match in IMPORT_RE.finditer(sources[module].decode("utf-8")):
            if "(" in match.group(1):  # import(): loaded when needed, not preloaded
                continue
            target = _resolve(module, match.group(3))
            if target in sources and target != entry and target not in found:
                found.append(target)
                pending.append(target)
    return found


def _resolve(importer, specifier):
    return posixpath.normpath(posixpath.join(posixpath.dirname(importer), specifier))


def _relative(importer, target):
    relative = posixpath.relpath(target, posixpath.dirname(importer) or ".")
    return relative if relative.startswith("../") else "./" + relative


def _unversioned(path):
    stem, suffix = posixpath.splitext(path)
    return stem[:-(VERSION_DIGITS + 1)] + suffix


def _asset(body, path):
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type.endswith("javascript"):
        content_type += "; charset=UTF-8"
    gzipped = gzip.compress(body, 9, mtime=0)
    return Asset(body, gzipped if len(gzipped) < len(body) else None, content_type)
