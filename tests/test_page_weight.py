"""What a browser downloads for the frontend, counted by Chromium itself (Resource Timing): a cold
load of the home page transfers at most half of what it did before the frontend was versioned,
gzipped and split by page, and a repeat load fetches none of the unchanged files again."""
from playwright.sync_api import expect

from tests.browser_support import browser, open_page  # noqa: F401 - fixtures
from tests.conftest import OUTPUT

# A cold load of the home page before (measured in Chromium): the page, 902 bytes, and all 18
# scripts and the stylesheet, 89,370 bytes with their headers (83.7 KB of files, none gzipped).
BEFORE_BYTES = 902 + 89_370

TRANSFERS = """() => {
  const page = performance.getEntriesByType("navigation")[0];
  const files = performance.getEntriesByType("resource").filter((entry) => /\\.(js|css)$/.test(entry.name));
  return {
    page: { transferred: page.transferSize },
    files: files.map((entry) => ({ url: entry.name, transferred: entry.transferSize, size: entry.decodedBodySize })),
  };
}"""


def load_home(page, reload=False):
    if reload:
        page.reload()
    else:
        page.goto("/")
    expect(page.locator(".carousel-empty, .slide").first).to_be_visible()
    return page.evaluate(TRANSFERS)


def test_a_cold_load_transfers_half_of_before_and_a_repeat_load_fetches_no_unchanged_file(open_page):
    page = open_page()
    cold = load_home(page)
    cold_bytes = cold["page"]["transferred"] + sum(file["transferred"] for file in cold["files"])
    names = sorted(file["url"].rsplit("/", 1)[1] for file in cold["files"])
    (OUTPUT / "page-weight.txt").write_text(
        f"cold load of the home page: {cold_bytes} bytes transferred (before: {BEFORE_BYTES})\n"
        + "".join(f"{file['transferred']:>7} {file['size']:>7} {file['url']}\n" for file in cold["files"]))
    assert cold_bytes <= BEFORE_BYTES / 2, (cold_bytes, names)
    assert all(file["transferred"] > 0 for file in cold["files"])
    assert not any(name.startswith(("orders.", "publish.", "register.")) for name in names)  # loaded when shown

    for repeat in (load_home(page), load_home(page, reload=True)):
        assert [file["transferred"] for file in repeat["files"]] == [0] * len(repeat["files"]), repeat
        assert len(repeat["files"]) == len(cold["files"])
        # The page itself is asked again (no-cache) and comes back as 304, without its body.
        assert 0 < repeat["page"]["transferred"] < cold["page"]["transferred"]

    another_page = open_page()  # another person: nothing cached
    assert load_home(another_page)["files"][0]["transferred"] > 0
