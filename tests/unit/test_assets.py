"""Versioned frontend files (utils/assets.py): a URL names its content, a change gives new URLs to
the changed file and to what imports it, and to nothing else."""
import gzip
import pathlib
import re

import pytest

from utils.assets import Assets

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGE = """<!doctype html><html><head>
<link rel="stylesheet" href="/css/app.css">
<script type="module" src="/js/app.js"></script>
</head><body></body></html>"""


def web_root(tmp_path, **files):
    for name, text in {"index.html": PAGE, "css/app.css": "body { color: #222; }",
                       "js/app.js": 'import { h } from "./dom.js";\nconst page = () => import("./pages/home.js");\n',
                       "js/dom.js": "export const h = 1;\n",
                       "js/pages/home.js": 'import { h } from "../dom.js";\nexport const home = h;\n',
                       "js/lonely.js": "export const alone = true;\n", **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Assets.load(str(tmp_path))


def by_name(assets):
    """{unversioned path: versioned path}"""
    return {re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", path): path for path in assets.versioned}


def test_imports_and_the_page_name_versioned_urls(tmp_path):
    assets = web_root(tmp_path)
    names = by_name(assets)
    assert set(names) == {"css/app.css", "js/app.js", "js/dom.js", "js/pages/home.js", "js/lonely.js"}
    app = assets.versioned[names["js/app.js"]].body.decode()
    dom = names["js/dom.js"].removeprefix("js/")
    assert f'from "./{dom}"' in app
    assert f'import("./{names["js/pages/home.js"].removeprefix("js/")}")' in app
    assert f'from "../{dom}"' in assets.versioned[names["js/pages/home.js"]].body.decode()
    page = assets.page.body.decode()
    assert f'href="/{names["css/app.css"]}"' in page and f'src="/{names["js/app.js"]}"' in page
    # the entry's static imports are preloaded; a module loaded on demand (import()) is not
    assert f'<link rel="modulepreload" href="/{names["js/dom.js"]}">' in page
    assert page.count("modulepreload") == 1


def test_a_change_versions_the_file_and_its_importers_anew_and_nothing_else(tmp_path):
    before = by_name(web_root(tmp_path / "before"))
    after = by_name(web_root(tmp_path / "after", **{"js/dom.js": "export const h = 2;\n"}))
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"js/dom.js", "js/app.js", "js/pages/home.js"}


def test_text_is_kept_gzipped_once(tmp_path):
    assets = web_root(tmp_path, **{"js/dom.js": "export const h = 1;\n" * 200})
    dom = assets.versioned[by_name(assets)["js/dom.js"]]
    assert gzip.decompress(dom.gzipped) == dom.body and len(dom.gzipped) < len(dom.body) / 10
    assert dom.content_type == "text/javascript; charset=UTF-8"
    tiny = assets.versioned[by_name(assets)["js/lonely.js"]]
    assert tiny.gzipped is None  # gzip would make it larger


def test_modules_importing_each_other_in_a_cycle_are_refused(tmp_path):
    with pytest.raises(ValueError, match="cycle"):
        web_root(tmp_path, **{"js/dom.js": 'import "./app.js";\n'})


def test_the_shipped_frontend_versions_every_script_and_stylesheet():
    assets = Assets.load(str(ROOT / "static"))
    shipped = {str(path.relative_to(ROOT / "static")) for suffix in ("js", "css")
               for path in (ROOT / "static").rglob(f"*.{suffix}")}
    assert set(by_name(assets)) == shipped
    assert "/js/app.js" not in assets.page.body.decode()
