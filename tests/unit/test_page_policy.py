"""The page's Content-Security-Policy lets images come from where --media_base_url points."""
import pytest

from handlers.security import page_policy


def img_sources(policy):
    return next(part.split()[1:] for part in policy.split("; ") if part.startswith("img-src "))


@pytest.mark.parametrize("media_base_url, extra", [
    ("/media/", []),                                                       # this server
    ("https://cdn.example.com/ihome/media/", ["https://cdn.example.com"]),
    ("http://127.0.0.1:8000/media/", ["http://127.0.0.1:8000"]),
    ("//cdn.example.com/media/", ["cdn.example.com"]),                     # the page's own scheme
])
def test_images_come_from_the_site_and_the_media_origin(media_base_url, extra):
    assert img_sources(page_policy(media_base_url)) == ["'self'", "data:", "blob:", *extra]


def test_nothing_inline_and_no_framing():
    policy = page_policy("/media/")
    assert "unsafe" not in policy
    assert policy.startswith("default-src 'none'; script-src 'self'; style-src 'self'; ")
    assert policy.endswith("; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
