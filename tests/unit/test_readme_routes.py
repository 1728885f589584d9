"""The README's "From a URL to its code" table names every API route and its handler."""
import pathlib
import re

from handlers import routes

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def readme_table():
    section = README.read_text(encoding="utf-8").split("### From a URL to its code", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`/api"):
            for url in re.findall(r"`(/api[^`]*)`", cells[0]):
                rows[url] = cells[1]
    return rows


def test_every_api_route_is_in_the_readme_with_its_handler():
    table = readme_table()
    api_routes = {re.sub(r"\\(.)", r"\1", pattern.removesuffix("$")): handler
                  for pattern, handler, *_ in routes.routes("static", "media")
                  if pattern.startswith("/api/") and "(" not in pattern}
    assert set(table) == set(api_routes)
    for url, handler in api_routes.items():
        module = handler.__module__.replace(".", "/") + ".py"
        assert table[url] == f"`{module}` `{handler.__name__}`", url
