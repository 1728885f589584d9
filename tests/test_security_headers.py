"""The headers that keep browsers safe, on every kind of answer: API, pages, media, errors; and the
https ones (Secure cookies, HSTS) behind a proxy that says the client came over https."""
import httpx
import pytest

from tests.conftest import ServerProcess
from tests.helpers import DEFAULT_PASSWORD, image_bytes, raw_exchange, register, upload_avatar

MOBILE = "13800138000"
EVERY_ANSWER = {"x-content-type-options": "nosniff", "x-frame-options": "DENY",
                "referrer-policy": "strict-origin-when-cross-origin"}


def assert_safe(response):
    headers = {name.lower(): value for name, value in response.headers.items()}
    assert {name: headers.get(name) for name in EVERY_ANSWER} == EVERY_ANSWER, (response.url, headers)
    assert "strict-transport-security" not in headers  # plain http


def csp(response):
    """The Content-Security-Policy as {directive: [sources]}."""
    policy = response.headers["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in policy.split(";") if part.strip())}


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/check_login"), ("GET", "/api/house/area"), ("GET", "/api/nope"),
    ("GET", "/api/register"), ("POST", "/api/login"), ("GET", "/api/piccode?cur=abc"),
])
def test_api_answers_and_api_errors_carry_the_headers(client, method, path):
    assert_safe(client.request(method, path, json={}))


def test_an_answer_to_a_malformed_request_carries_them_too(server):
    _, headers, _ = raw_exchange(server.port, b"GET /api/house/area HTTP/1.1\r\n\r\n")
    assert {name: headers.get(name) for name in EVERY_ANSWER} == EVERY_ANSWER


@pytest.mark.parametrize("path", ["/", "/index.html", "/js/app.js", "/css/app.css", "/nope.html"])
def test_pages_and_their_files_carry_the_headers(server, path):
    assert_safe(httpx.get(server.url + path))


def test_the_page_has_a_strict_content_security_policy(server):
    policy = csp(httpx.get(server.url + "/"))
    assert policy["default-src"] == ["'none'"]  # object-src, frame-src, font-src... included
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval
    assert policy["style-src"] == ["'self'"]  # no inline style
    assert policy["connect-src"] == ["'self'"]
    # the empty favicon (data:), the avatar preview (blob:); the tests' media base URL is this server
    assert policy["img-src"] == ["'self'", "data:", "blob:", server.url]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


def test_media_files_carry_the_headers(client, redis_client):
    register(client, redis_client, MOBILE)
    url = upload_avatar(client, image_bytes(image_format="JPEG"))["data"]
    response = client.get(url)
    assert response.status_code == 200
    assert_safe(response)
    assert_safe(client.get("/media/nope.jpg"))


def test_without_xheaders_a_forwarded_https_is_not_believed(server):
    response = httpx.get(server.url + "/", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in response.headers
    assert "secure" not in set_cookies(response)["_xsrf"]


@pytest.fixture(scope="module")
def behind_proxy():
    proc = ServerProcess("xheaders", IHOME_XHEADERS="true").start()
    try:
        yield proc.wait_ready()
    finally:
        assert proc.stop() == 0


def set_cookies(response):
    """{cookie name: its Set-Cookie attributes, lower-cased}"""
    return {line.split("=", 1)[0]: line.lower() for line in response.headers.get_list("Set-Cookie")}


@pytest.mark.parametrize("proxy_header", ["X-Forwarded-Proto", "X-Scheme"])
def test_over_https_cookies_are_secure_and_hsts_is_sent(behind_proxy, new_client, redis_client, proxy_header):
    https = {proxy_header: "https"}
    with httpx.Client(base_url=behind_proxy.url) as browser:
        page = browser.get("/", headers=https)
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
        assert "; secure" in set_cookies(page)["_xsrf"]
        api = browser.get("/api/check_login", headers=https)
        assert api.headers["Strict-Transport-Security"] == "max-age=31536000"
        assert browser.get("/api/nope", headers=https).headers["Strict-Transport-Security"] == "max-age=31536000"
    register(new_client(behind_proxy.url), redis_client, MOBILE)
    login = new_client(behind_proxy.url).post("/api/login", json={"mobile": MOBILE, "password": DEFAULT_PASSWORD},
                                              headers=https)
    assert login.json()["errcode"] == "0"
    assert "; secure" in set_cookies(login)["session_id"]
    assert "; httponly" in set_cookies(login)["session_id"]


def test_over_plain_http_behind_the_proxy_nothing_changes(behind_proxy):
    response = httpx.get(behind_proxy.url + "/", headers={"X-Forwarded-Proto": "http"})
    assert "strict-transport-security" not in response.headers
    assert "secure" not in set_cookies(response)["_xsrf"]
