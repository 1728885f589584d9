"""Driving the frontend in Debian's Chromium through Playwright: the browser, pages, screenshots,
and the steps several browser tests share (registering and logging in through the forms)."""
import io
import pathlib
import re
import time

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect, sync_playwright

from tests.conftest import OUTPUT
from tests.helpers import DEFAULT_PASSWORD, captcha_key, sms_code_key

CHROMIUM = pathlib.Path("/usr/bin/chromium")
# Headless, as root, with no network: no sandbox, and none of the background calls home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = OUTPUT / "screenshots"
MOBILE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


# Per module: each test module imports this fixture, which makes it a fixture of its own there,
# and two Playwright sync drivers cannot run at once; a module's browser stops with the module.
@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make setup-test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# Runs in every page before its own scripts: each Content-Security-Policy violation (something
# the policy blocked: the SPA must work within it) is kept in window.cspViolations and logged.
WATCH_CSP = """window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const violation = `${event.effectiveDirective} ${event.blockedURI}`;
  window.cspViolations.push(violation);
  console.error(`CSP violation: ${violation}`);
});"""


def watched_page(browser, base_url, problems, viewport=MOBILE):
    """A page in a fresh browser profile (its own cookies: another person) on the server at
    `base_url`. Script errors, alert()s and CSP violations are added to `problems`."""
    context = browser.new_context(base_url=base_url, viewport=viewport, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))

    def on_console(message):
        if message.text.startswith("CSP violation"):
            problems.append(message.text)
    page.on("console", on_console)
    return page


@pytest.fixture
def open_page(browser, server):
    """Opens a page in a fresh browser profile on the server, or on another one at `base_url`
    (`watched_page`). A script error, an alert() or a CSP violation on any page fails the test."""
    contexts, problems = [], []

    def open_(viewport=MOBILE, base_url=server.url):
        page = watched_page(browser, base_url, problems, viewport)
        contexts.append(page.context)
        return page
    yield open_
    for context in contexts:
        context.close()
    assert not problems, problems


def wait_in_page(page, expression, timeout=10.0):
    """Waits until the JavaScript `expression` is truthy in the page. Not `page.wait_for_function`:
    that evaluates its predicate with eval() inside the page, which the page's own policy
    (script-src 'self') refuses, and the refusal counts as a CSP violation."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout}s in the page: {expression}")
        page.wait_for_timeout(50)


def screenshot(page, name):
    """test-output/screenshots/<name>.png: the whole page, once its photos have loaded."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # A hash route change is no page load: wait for the photos themselves, lazy ones included.
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach((img) => { img.loading = 'eager'; })")
    wait_in_page(page, "Array.from(document.images).every((img) => img.complete && img.naturalWidth > 0)")
    # A viewport as tall as the page, rather than full_page, which would draw sticky bars mid-page.
    viewport = page.viewport_size
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), animations="disabled")
    page.set_viewport_size(viewport)


def redis_value(redis_client, key, timeout=10):
    """The value the server has just stored under `key` (the browser's request may still be on its way)."""
    deadline = time.monotonic() + timeout
    while (value := redis_client.get(key)) is None:
        assert time.monotonic() < deadline, f"{key} never appeared in Redis"
        time.sleep(0.05)
    return value


def captcha_id(page):
    return re.search(r"cur=([\w-]+)", page.get_by_test_id("captcha").get_attribute("src")).group(1)


def solve_captcha(page, redis_client):
    page.get_by_label("图片验证码", exact=True).fill(redis_value(redis_client, captcha_key(redis_client, captcha_id(page))))


def register_in_browser(page, redis_client, mobile, password=DEFAULT_PASSWORD, *, shot=None):
    """Fills the register form the way a person does; the page is on #/register when called."""
    page.get_by_label("手机号").fill(mobile)
    solve_captcha(page, redis_client)
    page.get_by_test_id("sms-button").click()
    expect(page.get_by_test_id("sms-button")).to_have_text(re.compile(r"\d+秒后重发"))
    page.get_by_label("短信验证码").fill(redis_value(redis_client, sms_code_key(redis_client, mobile)))
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_label("确认密码").fill(password)
    if shot:
        screenshot(page, shot)
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_test_id("header-user")).to_be_visible()


def login_in_browser(page, mobile, password=DEFAULT_PASSWORD):
    page.get_by_label("手机号").fill(mobile)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def photo_file(directory, name, colour):
    """A small JPEG 'photo' (a sky, a house, a door) to upload."""
    image = Image.new("RGB", (800, 600), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((250, 260, 550, 520), fill=(245, 240, 230))
    draw.polygon([(220, 270), (400, 140), (580, 270)], fill=(170, 60, 50))
    draw.rectangle((370, 400, 430, 520), fill=(110, 70, 40))
    draw.rectangle((0, 520, 800, 600), fill=(90, 150, 80))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    path = pathlib.Path(directory) / name
    path.write_bytes(buffer.getvalue())
    return path


def calendar_night(scope, date, months=14):
    """The button of night `date` in the month calendar inside `scope` (static/js/calendar.js),
    once it is drawn, turning its months forward (at most `months`) until it shows that night."""
    scope.locator(".calendar-night").first.wait_for()
    button = scope.locator(f'[data-date="{date.isoformat()}"]')
    for _ in range(months):
        if button.count():
            return button
        scope.get_by_role("button", name="下个月").click()
        scope.page.wait_for_timeout(50)
    raise AssertionError(f"the calendar never showed {date}")
