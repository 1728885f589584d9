"""The page and its files as a browser gets them: versioned URLs kept a year, the page always
revalidated, text gzipped for clients that take it."""
import gzip
import re

import httpx

from tests.conftest import ROOT

IDENTITY = {"Accept-Encoding": "identity"}


def versioned_urls(page_html):
    return re.findall(r'(?:src|href)="(/[\w/.-]+\.[0-9a-f]{12}\.(?:js|css))"', page_html)


def test_the_page_names_versioned_files_that_are_kept_a_year_and_sent_gzipped(server):
    page = httpx.get(server.url + "/")
    assert page.headers["Cache-Control"] == "no-cache"
    assert page.headers["Content-Encoding"] == "gzip"  # httpx asks for it and decodes it
    urls = versioned_urls(page.text)
    assert any(url.startswith("/js/app.") for url in urls) and any(url.startswith("/css/app.") for url in urls)
    for url in urls:
        plain = httpx.get(server.url + url, headers=IDENTITY)
        assert plain.status_code == 200
        assert plain.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert plain.headers["Vary"] == "Accept-Encoding"
        assert "Content-Encoding" not in plain.headers
        assert plain.headers["Content-Security-Policy"].startswith("default-src 'none'")
        with httpx.stream("GET", server.url + url, headers={"Accept-Encoding": "gzip"}) as packed:
            sent = b"".join(packed.iter_raw())  # the bytes as they travelled
        assert packed.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(sent) == plain.content and len(sent) < len(plain.content)


def test_a_module_imports_the_versioned_urls_of_its_modules(server):
    page = httpx.get(server.url + "/").text
    [app] = [url for url in versioned_urls(page) if url.startswith("/js/app.")]
    script = httpx.get(server.url + app).text
    imported = re.findall(r'(?:from |import\()"\./([\w/.-]+)"', script)
    assert imported and all(re.search(r"\.[0-9a-f]{12}\.js$", name) for name in imported)
    for name in imported:
        assert httpx.get(f"{server.url}/js/{name}").status_code == 200


def test_the_page_is_revalidated_and_answers_304_when_unchanged(server):
    with httpx.Client(base_url=server.url) as browser:
        first = browser.get("/")
        again = browser.get("/", headers={"If-None-Match": first.headers["Etag"]})
        assert again.status_code == 304 and again.content == b""
        assert browser.get("/index.html").text == first.text


def test_an_unknown_version_is_404_and_unversioned_names_are_revalidated(server):
    assert httpx.get(server.url + "/js/app.000000000000.js").status_code == 404
    original = httpx.get(server.url + "/js/app.js")
    assert original.status_code == 200 and original.headers["Cache-Control"] == "no-cache"
    assert original.content == (ROOT / "static" / "js" / "app.js").read_bytes()  # as on disk


def test_head_answers_the_headers_alone(server):
    [css] = [url for url in versioned_urls(httpx.get(server.url + "/").text) if url.endswith(".css")]
    head = httpx.head(server.url + css, headers=IDENTITY)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["Content-Length"]) == len(httpx.get(server.url + css, headers=IDENTITY).content)
