"""Every page of the SPA for keyboard and screen-reader users (WCAG 2.2 AA): axe-core finds no
serious or critical violation on any page, on a phone and on a desktop, logged out, as a landlord
and as a guest; the main journey (search, book, cancel) works with Tab, Enter and Esc alone; focus
moves to the new page's heading after a route change; dialogs keep and return focus.

axe-core is the version pinned in tests/axe/package-lock.json, which `make setup-test` installs
(scripts/ensure_axe.sh). It is run in the page through Playwright's evaluate, which the page's
Content-Security-Policy does not govern (an inline <script> would be refused)."""
import datetime
import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser_support import (MOBILE, browser, calendar_night, open_page,  # noqa: F401 - fixtures
                                   screenshot, wait_in_page)
from tests.conftest import OUTPUT, ROOT
from tests.helpers import (act_ok, book_ok, day, end_stay, image_bytes, publish_house, register, upload_avatar,
                           upload_photo, verify_identity)

AXE = OUTPUT / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WIDE = {"width": 1366, "height": 900}
LANDLORD, GUEST = "13800000001", "13900000002"
# What axe checks: WCAG 2.0 to 2.2, A and AA, and its best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
  return result.violations.map((violation) => ({
    id: violation.id, impact: violation.impact, help: violation.help,
    nodes: violation.nodes.slice(0, 5).map((node) => node.target.join(" ")),
  }));
}"""


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make setup-test` installs it (scripts/ensure_axe.sh)")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page, axe_source):
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    return page.evaluate(RUN_AXE, AXE_TAGS)


@pytest.fixture
def site(new_client, redis_client, db_conn):
    """A landlord (verified, with an avatar and a house with two photos) and a guest (not verified)
    with an order of each kind the pages show: waiting, accepted ahead, over and not yet reviewed,
    reviewed with stars and replied, and reviewed not yet replied."""
    landlord, guest = new_client(), new_client()
    register(landlord, redis_client, LANDLORD)
    verify_identity(landlord)
    assert upload_avatar(landlord, image_bytes(size=(300, 300), image_format="JPEG"))["errcode"] == "0"
    house_id = publish_house(landlord, title="三里屯 阳光两居 近地铁")
    for colour in ("steelblue", "darkkhaki"):
        assert upload_photo(landlord, house_id, image_bytes(colour, (800, 600), "JPEG"))["errcode"] == "0"
    register(guest, redis_client, GUEST)
    reviewed = book_ok(guest, house_id, day(2), day(3))
    act_ok(landlord, "accept", reviewed)
    end_stay(db_conn, reviewed)
    act_ok(guest, "comment", reviewed, comment="干净明亮，房东热情", stars=5)
    act_ok(landlord, "reply", reviewed, reply="谢谢，欢迎再来")
    unreplied, to_review = book_ok(guest, house_id, day(4), day(4)), book_ok(guest, house_id, day(6), day(6))
    for order_id in (unreplied, to_review):
        act_ok(landlord, "accept", order_id)
        end_stay(db_conn, order_id)
    act_ok(guest, "comment", unreplied, comment="还不错", stars=4)
    act_ok(landlord, "accept", book_ok(guest, house_id, day(10), day(11)))
    waiting = book_ok(guest, house_id, day(20), day(21))
    assert guest.api("POST", "/api/house/favourite", json={"house_id": house_id})["errcode"] == "0"
    taken_down = publish_house(landlord, title="已经下架的旧房子")
    assert landlord.api("POST", "/api/house/takedown", json={"house_id": taken_down})["errcode"] == "0"
    assert guest.api("POST", "/api/order/messages", json={"order_id": waiting, "body": "请问可以提前入住吗？"})["errcode"] == "0"
    return {"house_id": house_id, "landlord": landlord, "guest": guest, "waiting": waiting,
            "unreplied": unreplied, "to_review": to_review}


def person_page(open_page, server, client=None, viewport=MOBILE):
    """A browser page logged in as `client`'s user (its cookies), or logged out."""
    page = open_page(viewport)
    if client is not None:
        page.context.add_cookies([{"name": name, "value": value, "url": server.url}
                                  for name, value in client.cookies.items()])
    return page


# A route and what shows once the page is drawn.
def routes(house_id, order_id):
    return {
        "/": ".home-sections:not([aria-busy]) .house-card",
        "/search": ".house-card",
        f"/house/{house_id}": ".comment",
        f"/booking/{house_id}": ".booking-form .calendar-night, .booking .alert",
        "/login": ".auth-form",
        "/register": "[data-testid=captcha][src]",
        "/my": "[data-testid=my-name]",
        "/profile": ".profile",
        "/auth": "[data-testid=auth-done], #field-real_name",
        "/my/houses": "[data-testid=my-houses], [data-testid=needs-auth]",
        "/my/houses/new": ".publish-form, [data-testid=needs-auth]",
        "/my/favourites": "[data-testid=favourites], .state-empty",
        "/orders": "[data-testid=orders], .state-empty",
        "/lorders": "[data-testid=orders], .state-empty",
        f"/conversation/{order_id}": "[data-testid=messages] .message",
    }


PUBLIC = re.compile(r"/(search|house/\d+|booking/\d+|login|register)?")


def show(page, route, ready):
    page.goto("/#" + route)
    page.locator(ready).first.wait_for()
    expect(page.locator(".loading, .carousel-loading")).to_have_count(0)


# Each order's dialog: (the order, the button that opens it).
ORDER_DIALOGS = {"cancel dialog": ("waiting", "取消订单"), "review dialog": ("to_review", "发表评价"),
                 "edit review dialog": ("unreplied", "修改评价"), "reply dialog": ("unreplied", "回复评价")}
DIALOG_STATES = {*ORDER_DIALOGS, "takedown dialog", "filter sheet"}  # closed by Escape after the check


def enter_state(page, state, site):
    """Bring the page shown into `state` (see test_no_page_has_a_serious_or_critical_violation)."""
    if state in ORDER_DIALOGS:
        order, opener = ORDER_DIALOGS[state]
        page.locator(f"[data-order-id='{site[order]}']").get_by_role("button", name=opener).click()
        expect(page.get_by_role("dialog")).to_be_visible()
    elif state == "takedown dialog":
        row = page.locator(f"[data-house-id='{site['house_id']}']")
        row.get_by_role("button", name=re.compile("^下架")).click()
        expect(page.get_by_role("dialog")).to_be_visible()
    elif state == "notifications open":
        page.get_by_test_id("bell").click()
        expect(page.get_by_test_id("bell-list")).to_be_visible()
    elif state == "filter sheet":
        page.get_by_test_id("filter-open").click()
        expect(page.get_by_role("dialog")).to_be_visible()
    elif state == "calendar range refused":  # a stay across the booked nights 10 and 11
        calendar = page.locator(".booking-form .calendar")
        calendar_night(calendar, day(9)).click()
        calendar_night(calendar, day(12)).click()
        expect(page.get_by_test_id("calendar-note")).to_contain_text("不可订")
    elif state == "calendar editor":  # the nights 5 to 6 priced, with the result announced
        editor = page.get_by_test_id("calendar-editor")
        calendar_night(editor, day(5)).click()
        calendar_night(editor, day(6)).click()
        editor.get_by_label("这些日期的每晚价格（元）").fill("300")
        editor.get_by_role("button", name="设置价格").click()
        expect(editor.get_by_test_id("calendar-result")).to_contain_text("价格已设置")


def test_no_page_has_a_serious_or_critical_violation(open_page, server, site, axe_source):
    people = {"logged out": None, "landlord": site["landlord"], "guest": site["guest"]}
    found, report = [], []
    for who, client in people.items():
        page = person_page(open_page, server, client)
        for viewport in (MOBILE, WIDE):
            page.set_viewport_size(viewport)
            for route, ready in routes(site["house_id"], site["waiting"]).items():
                if client is None and not PUBLIC.fullmatch(route):
                    continue  # the pages that need a login send a visitor to the login page
                show(page, route, ready)
                states = [""]
                if who == "guest" and route == "/orders":
                    states += ["cancel dialog", "review dialog", "edit review dialog"]
                if who == "landlord" and route == "/lorders":
                    states.append("reply dialog")
                if who == "landlord" and route == "/my/houses":
                    states.append("takedown dialog")
                if route == "/search" and viewport is MOBILE:
                    states.append("filter sheet")  # on a wide screen, a panel always in view
                if who != "landlord" and route.startswith("/booking/"):
                    states.append("calendar range refused")
                if who == "landlord" and route.startswith("/house/"):
                    states.append("calendar editor")
                if client is not None and route == "/":
                    states.append("notifications open")
                for state in states:
                    if state:
                        enter_state(page, state, site)
                    for violation in axe_violations(page, axe_source):
                        where = f"{who}, {viewport['width']}px, #{route}{' ' + state if state else ''}"
                        report.append({"where": where, **violation})
                        if violation["impact"] in BLOCKING:
                            found.append(f"{where}: {violation['id']} ({violation['impact']}) {violation['nodes']}")
                    if state in DIALOG_STATES:
                        page.keyboard.press("Escape")
                        expect(page.get_by_role("dialog")).to_have_count(0)
                    elif state == "notifications open":
                        page.keyboard.press("Escape")
                        expect(page.get_by_test_id("bell-panel")).to_be_hidden()
    (OUTPUT / "axe-report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    assert not found, "\n".join(found)


# ---- keyboard only -------------------------------------------------------------------------

FOCUSED = "(() => { const el = document.activeElement; return el && (el.id || el.textContent.trim()); })()"


def tab_to(page, matches, presses=60):
    """Press Tab until the focused element's id or text matches `matches`."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if re.fullmatch(matches, page.evaluate(FOCUSED) or ""):
            return
    raise AssertionError(f"{matches!r} never took focus by keyboard; last: {page.evaluate(FOCUSED)!r}")


def typed_date(date):
    """A date as typed into Chromium's date field, month/day/year (its format in the tests' locale)."""
    return date.strftime("%m%d%Y")


def test_search_book_and_cancel_with_the_keyboard_alone(open_page, server, site):
    page = person_page(open_page, server, site["guest"])
    first, last = day(40), day(42)  # the house takes stays of 1 to 30 nights
    page.goto("/")
    page.locator(".slide").first.wait_for()

    # Home: the dates, typed digit by digit, then Enter on the search button.
    tab_to(page, "date-start")
    page.keyboard.type(typed_date(first))
    tab_to(page, "date-end")
    page.keyboard.type(typed_date(last))
    tab_to(page, "搜索房源")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"#/search\?sd={first}&ed={last}"))  # the page adds its order
    expect(page.locator("#page-title")).to_be_focused()

    # The result, then its booking: the dates came along.
    tab_to(page, ".*三里屯 阳光两居 近地铁.*")  # the result card's link
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("house-title")).to_have_text("三里屯 阳光两居 近地铁")
    tab_to(page, "即刻预订")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("nights")).to_have_text("3晚")

    # Typing a new first night keeps the last night the guest gave (it used to be overwritten).
    tab_to(page, "date-start")
    page.keyboard.type(typed_date(first + datetime.timedelta(days=1)))
    expect(page.locator("#date-end")).to_have_value(last.isoformat())
    expect(page.get_by_test_id("nights")).to_have_text("2晚")
    tab_to(page, "提交订单")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#/orders$"))
    newest = page.locator(".order").first
    expect(newest.get_by_test_id("order-status")).to_have_text("待接单")

    # Cancel it: the dialog opens on the safe choice; Esc keeps the order and returns focus.
    tab_to(page, "取消订单")
    opener = page.evaluate("document.activeElement.closest('.order').dataset.orderId")
    assert opener == newest.get_attribute("data-order-id")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("button", name="保留订单")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(newest.get_by_role("button", name="取消订单")).to_be_focused()
    expect(newest.get_by_test_id("order-status")).to_have_text("待接单")

    page.keyboard.press("Enter")
    expect(dialog.get_by_role("button", name="保留订单")).to_be_focused()
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="取消订单")).to_be_focused()
    page.keyboard.press("Enter")
    expect(newest.get_by_test_id("order-status")).to_have_text("已取消")
    expect(newest.locator(".house-title")).to_be_focused()  # the card drawn anew, its title


def test_typing_the_first_night_digit_by_digit_suggests_the_last_night_from_the_whole_date(open_page, server, site):
    """Each digit of the year makes a date (0002-, 0020-, 0202-): the last night follows the
    first until the guest types one, and is never set from a date half typed."""
    house_id = publish_house(site["landlord"], title="至少三晚", min_days=3, max_days=0)
    page = person_page(open_page, server, site["guest"])
    page.goto(f"/#/booking/{house_id}")
    first = day(30)
    tab_to(page, "date-start")
    page.keyboard.type(typed_date(first))
    expect(page.locator("#date-end")).to_have_value((first + datetime.timedelta(days=2)).isoformat())
    expect(page.get_by_test_id("nights")).to_have_text("3晚")
    expect(page.get_by_test_id("booking-error")).to_be_empty()
    tab_to(page, "date-end")
    page.keyboard.type(typed_date(first + datetime.timedelta(days=4)))
    page.locator("#date-start").focus()  # its month (Shift+Tab would land on its year)
    page.keyboard.type(typed_date(first + datetime.timedelta(days=1)))  # a new first night keeps the last
    expect(page.locator("#date-end")).to_have_value((first + datetime.timedelta(days=4)).isoformat())
    expect(page.get_by_test_id("nights")).to_have_text("4晚")


STOP = """(() => { const el = document.activeElement;
  return el.type === "radio" ? `radio ${el.value}` : el.tagName === "TEXTAREA" ? "textarea" : el.textContent.trim(); })()"""


def test_the_stars_are_one_tab_stop_chosen_with_the_arrow_keys(open_page, server, site):
    page = person_page(open_page, server, site["guest"])
    page.goto("/#/orders")
    opener = page.locator(f"[data-order-id='{site['to_review']}']").get_by_role("button", name="发表评价")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="评价这次入住")
    expect(dialog.get_by_role("radio", name="1星（很差）")).to_be_focused()  # the dialog starts on the stars
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(dialog.get_by_role("radio", name="3星（一般）")).to_be_checked()
    stops = []
    for _ in range(8):
        page.keyboard.press("Tab")
        assert page.evaluate("Boolean(document.activeElement.closest('dialog'))")
        stops.append(page.evaluate(STOP))
    assert stops == ["textarea", "返回", "提交评价", "radio 3"] * 2  # the chosen star is the group's one stop
    page.keyboard.press("Shift+Tab")  # from the first stop back to the last
    expect(dialog.get_by_role("button", name="提交评价")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()


def test_focus_stays_inside_a_dialog_and_returns_to_its_opener(open_page, server, site):
    page = person_page(open_page, server, site["landlord"])
    page.goto("/#/lorders")
    waiting = page.locator(f"[data-order-id='{site['waiting']}']")
    reject = waiting.get_by_role("button", name="拒单")
    reject.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="拒绝这个订单")
    expect(dialog.locator("textarea")).to_be_focused()  # a dialog that asks for text starts there
    stops = []
    for _ in range(6):  # more presses than the dialog has stops: Tab goes round inside it
        page.keyboard.press("Tab")
        assert page.evaluate("Boolean(document.activeElement.closest('dialog'))")
        stops.append(page.evaluate(FOCUSED))
    assert stops == ["返回", "确定拒单", "", "返回", "确定拒单", ""]  # "" is the textarea
    page.keyboard.press("Shift+Tab")  # from the first stop back to the last
    expect(dialog.get_by_role("button", name="确定拒单")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(reject).to_be_focused()

    waiting.get_by_role("button", name="接单", exact=True).click()
    accept = page.get_by_role("dialog", name="接下这个订单吗？")
    expect(accept.get_by_role("button", name="暂不接单")).to_be_focused()
    accept.get_by_role("button", name="暂不接单").click()
    expect(accept).to_have_count(0)
    expect(waiting.get_by_test_id("order-status")).to_have_text("待接单")


def test_a_route_change_moves_focus_to_the_new_pages_heading(open_page, server, site):
    page = person_page(open_page, server, site["guest"])
    page.goto("/#/my")
    expect(page.get_by_test_id("my-name")).to_be_visible()
    assert page.evaluate("document.activeElement === document.body")  # a first load leaves focus alone
    for link, title in (("我的订单", "我的订单"), ("客户订单", "客户订单")):
        page.get_by_role("link", name=link).first.click()
        heading = page.locator("h1#page-title")
        expect(heading).to_have_text(title)
        expect(heading).to_be_focused()
        expect(page).to_have_title(f"{title} - 爱家租房")
    page.go_back()
    expect(page.locator("h1#page-title")).to_have_text("我的订单")
    expect(page.locator("h1#page-title")).to_be_focused()
    page.goto("/#/")
    page.locator(".slide").first.wait_for()
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1#page-title")).to_have_text("爱家租房")
    expect(page.locator("h1#page-title")).to_be_focused()


def test_the_publish_page_asks_an_unverified_user_to_verify_first(open_page, server, site):
    page = person_page(open_page, server, site["guest"])
    page.goto("/#/my/houses/new")
    expect(page.get_by_test_id("needs-auth")).to_be_visible()
    expect(page.locator(".publish-form")).to_have_count(0)
    expect(page.get_by_role("link", name="去实名认证")).to_have_attribute("href", "#/auth?next=%2Fmy%2Fhouses%2Fnew")


def test_the_carousel_stops_on_focus_and_on_its_pause_button_and_never_moves_under_reduced_motion(
        open_page, server, site, new_client, redis_client):
    publish_second = site["landlord"]
    second = publish_house(publish_second, title="第二套")
    assert upload_photo(publish_second, second, image_bytes("olive", (800, 600), "JPEG"))["errcode"] == "0"
    page = person_page(open_page, server)
    page.goto("/")
    expect(page.locator(".slide")).to_have_count(2)
    pause = page.locator(".carousel-pause")
    expect(pause).to_have_accessible_name("暂停自动播放")
    page.locator(".slide").first.focus()
    expect(pause).to_have_accessible_name("自动播放热门房源")  # focus inside stopped it
    pause.click()
    expect(pause).to_have_accessible_name("暂停自动播放")
    pause.click()
    expect(pause).to_have_accessible_name("自动播放热门房源")
    dots = page.locator(".dot")
    expect(dots).to_have_count(2)
    assert all(box["width"] >= 24 and box["height"] >= 24 for box in (dots.nth(0).bounding_box(),
                                                                      dots.nth(1).bounding_box()))

    still = person_page(open_page, server)
    still.emulate_media(reduced_motion="reduce")
    still.goto("/")
    expect(still.locator(".slide")).to_have_count(2)
    expect(still.locator(".carousel-pause")).to_be_hidden()  # nothing moves, nothing to pause
    screenshot(still, "home-reduced-motion")


def test_the_captcha_is_a_button_the_keyboard_reaches(open_page, server):
    page = person_page(open_page, server)
    page.goto("/#/register")
    captcha = page.get_by_test_id("captcha")
    before = captcha.get_attribute("src")
    tab_to(page, "field-piccode")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="换一张图片验证码")).to_be_focused()
    page.keyboard.press("Enter")
    expect(captcha).not_to_have_attribute("src", before)
    # an error names its field for screen readers
    page.get_by_test_id("sms-button").click()
    expect(page.locator("#field-mobile")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#field-mobile")).to_have_accessible_description("请输入手机号")


def test_axe_is_the_pinned_version(axe_source):
    pinned = json.loads((ROOT / "tests" / "axe" / "package.json").read_text())["dependencies"]["axe-core"]
    assert f"axe v{pinned}" in axe_source[:200]
