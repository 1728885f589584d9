"""The home page and the search on a desktop and on a phone, in Chromium: sections of real houses
under the home page's search, a footer on every page, the search's filters in a side panel on a
desktop and in a dialog on a phone, and every filter kept in the address (a reload shows the same
search). Screenshots of both screens go to test-output/screenshots/layout-*.png."""
import re
import urllib.parse

import pytest
from playwright.sync_api import expect

from tests.browser_support import SCREENSHOTS, browser, open_page, screenshot  # noqa: F401 - fixtures
from tests.helpers import (GUEST_MOBILE, act_ok, book_ok, day, end_stay, image_bytes, publish_house, register,
                           upload_photo, verify_identity)

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
FILTERED = "三里屯 阳光两居"
# title, price (yuan), district (2 西城 3 朝阳 4 海淀), guests, facilities, photo colour; newest last.
HOUSES = [
    ("后海 四合院小院", "288.50", 2, 4, [1, 2, 3], "darkkhaki"),
    ("国贸 CBD 一居", "520", 3, 2, [1, 3], "steelblue"),
    ("五道口 学区一居", "199", 4, 2, [1], "olive"),
    (FILTERED, "398", 3, 4, [1, 2, 3, 13, 14, 15], "indianred"),
    ("望京 三居大平层", "680", 3, 6, [1, 2, 3, 4, 16, 17], "slategray"),
]
NEWEST_FIRST = [house[0] for house in reversed(HOUSES)]


@pytest.fixture
def landlord(new_client, redis_client):
    client = new_client()
    register(client, redis_client, "13800000001")
    verify_identity(client)
    for title, price, area_id, capacity, facility, colour in HOUSES:
        house_id = publish_house(client, title=title, price=price, area_id=area_id, capacity=capacity,
                                 facility=facility, address=f"{title}路1号")
        assert upload_photo(client, house_id, image_bytes(colour, (800, 600), "JPEG"))["errcode"] == "0"
    return client


def one_row(locator):
    """The elements' boxes share a top and go left to right: they sit side by side in one row."""
    boxes = [locator.nth(index).bounding_box() for index in range(locator.count())]
    assert len({round(box["y"]) for box in boxes}) == 1, boxes
    assert [box["x"] for box in boxes] == sorted(box["x"] for box in boxes), boxes
    return boxes


def home_sections_ready(page):
    page.goto("/")
    expect(page.locator(".slide").first).to_be_visible()
    expect(page.locator(".home-sections")).not_to_have_attribute("aria-busy", "true")


def rate(landlord, guest, db_conn, title, stars):
    """A stay at the house of `title`, over and reviewed with `stars`."""
    house_id = next(house["house_id"] for house in landlord.api("GET", "/api/house/my")["houses"]
                    if house["title"] == title)
    order_id = book_ok(guest, house_id, day(1), day(1))
    act_ok(landlord, "accept", order_id)
    end_stay(db_conn, order_id)
    act_ok(guest, "comment", order_id, comment="住得很好", stars=stars)


def test_the_desktop_home_shows_sections_of_real_houses_and_a_footer(open_page, landlord, new_client, redis_client,
                                                                     db_conn):
    guest = new_client()
    register(guest, redis_client, GUEST_MOBILE)
    # Two houses outside 朝阳 (the first popular district, whose order counts it would change)
    rate(landlord, guest, db_conn, "后海 四合院小院", 4)
    rate(landlord, guest, db_conn, "五道口 学区一居", 5)
    page = open_page(DESKTOP)
    home_sections_ready(page)
    newest = page.get_by_role("region", name="最新上架")
    expect(newest.locator(".house-title")).to_have_text(NEWEST_FIRST[:4])  # one row of four
    one_row(newest.locator(".house-card"))
    expect(newest.get_by_role("link", name="查看更多 最新上架")).to_have_attribute("href", "#/search?sk=new")
    # The popular districts that have houses: 朝阳 (three, most booked first) and 海淀; not 西城,
    # two rows being enough.
    chaoyang = page.get_by_role("region", name="热门区域 · 朝阳区")
    expect(chaoyang.locator(".house-card")).to_have_count(3)
    expect(chaoyang.get_by_role("link", name=re.compile("^查看更多"))).to_have_attribute(
        "href", "#/search?aid=3&sk=booking")
    expect(page.get_by_role("region", name="热门区域 · 海淀区").locator(".house-title")).to_have_text(["五道口 学区一居"])
    expect(page.get_by_role("region", name="热门区域 · 西城区")).to_have_count(0)
    # Only rated houses are "评分最高", best first.
    best = page.get_by_role("region", name="评分最高")
    expect(best.locator(".house-title")).to_have_text(["五道口 学区一居", "后海 四合院小院"])
    expect(best.locator(".rating").first).to_contain_text("5.0")

    footer = page.get_by_role("contentinfo")
    expect(footer).to_be_visible()
    expect(footer.get_by_role("navigation").get_by_role("link")).to_have_text(
        ["首页", "找房子", "发布房源", "我的订单", "我的爱家"])
    expect(footer).to_contain_text("©")
    # The search card sits beside the carousel, and the sections span the whole width below them.
    carousel, form = page.locator(".carousel").bounding_box(), page.locator(".search-card").bounding_box()
    assert form["x"] > carousel["x"] + carousel["width"] and form["y"] < carousel["y"] + carousel["height"]
    assert page.locator(".home-sections").bounding_box()["width"] > 1100
    screenshot(page, "layout-desktop-home")

    newest.locator(".house-card").first.click()
    expect(page.get_by_test_id("house-title")).to_have_text(NEWEST_FIRST[0])
    expect(page.get_by_role("contentinfo")).to_be_visible()  # on every page
    page.goto("/#/search?sk=new")
    expect(page.locator(".search-results .house-card")).to_have_count(5)


def test_the_desktop_search_has_a_side_panel_a_grid_and_filters_that_survive_a_reload(open_page, landlord):
    page = open_page(DESKTOP)
    page.goto("/#/search")
    results = page.locator(".search-results .house-card")
    expect(results).to_have_count(5)
    panel = page.get_by_role("form", name="筛选")
    expect(panel).to_be_visible()
    expect(page.get_by_test_id("filter-open")).to_be_hidden()
    side, grid = page.locator(".search-side").bounding_box(), page.locator(".search-results").bounding_box()
    assert side["x"] + side["width"] <= grid["x"] and side["y"] == grid["y"]  # a panel beside the results
    tops = [results.nth(index).bounding_box()["y"] for index in range(5)]
    assert tops[0] == tops[1] == tops[2] < tops[3], tops  # three columns
    screenshot(page, "layout-desktop-search")

    # An amount that is no amount is refused beside its field, before any search.
    page.get_by_label("最低价（元/晚）").fill("两百")
    panel.get_by_role("button", name="显示结果").click()
    expect(page.locator("[data-error-for=price_min]")).to_have_text("请输入金额，最多两位小数")
    expect(page.get_by_label("最低价（元/晚）")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("最低价（元/晚）").fill("200")
    page.get_by_label("最高价（元/晚）").fill("600.5")
    page.get_by_label("入住人数").select_option("4")
    panel.locator("label.choice", has_text="空调").click()
    page.get_by_label("关键词").fill("三里屯")
    panel.get_by_role("button", name="显示结果").click()
    expect(page).to_have_url(re.compile(r"price_min=20000&price_max=60050&capacity=4&facility=3&keyword="))
    assert urllib.parse.parse_qs(page.url.split("?", 1)[1])["keyword"] == ["三里屯"]
    expect(page.locator("[data-error-for=price_min]")).to_be_empty()
    expect(results).to_have_count(1)
    expect(results.locator(".house-title")).to_have_text(FILTERED)
    screenshot(page, "layout-desktop-search-filtered")

    page.reload()
    expect(results.locator(".house-title")).to_have_text([FILTERED])
    expect(page.get_by_label("最低价（元/晚）")).to_have_value("200")
    expect(page.get_by_label("最高价（元/晚）")).to_have_value("600.50")
    expect(page.get_by_label("入住人数")).to_have_value("4")
    expect(page.get_by_label("关键词")).to_have_value("三里屯")
    checked = panel.locator("input[name=facility]:checked")
    expect(checked).to_have_count(1)
    expect(checked).to_have_attribute("value", "3")

    # The sort offers the best rated.
    page.get_by_label("排序").select_option(label="评分最高")
    expect(page).to_have_url(re.compile(r"sk=rating-des"))
    expect(page.locator("[data-error-for=sk]")).to_be_empty()
    page.get_by_label("排序").select_option(label="最新上线")

    panel.get_by_role("button", name="清除筛选").click()
    expect(page).to_have_url(re.compile(r"#/search\?sk=new$"))
    expect(results).to_have_count(5)
    expect(page.get_by_label("最低价（元/晚）")).to_have_value("")
    expect(panel.locator("input[name=facility]:checked")).to_have_count(0)


def test_the_phone_keeps_its_layout_and_opens_the_filters_as_a_dialog(open_page, landlord):
    page = open_page(PHONE)
    home_sections_ready(page)
    carousel, form = page.locator(".carousel").bounding_box(), page.locator(".search-card").bounding_box()
    assert form["y"] >= carousel["y"] + carousel["height"] and abs(form["width"] - carousel["width"]) < 1
    newest = page.get_by_role("region", name="最新上架")
    expect(newest.locator(".house-card")).to_have_count(4)  # a row to swipe along
    one_row(newest.locator(".house-card"))
    assert newest.locator(".house-card").first.bounding_box()["y"] > form["y"]
    expect(page.get_by_role("contentinfo")).to_be_visible()
    screenshot(page, "layout-phone-home")

    page.goto("/#/search")
    results = page.locator(".search-results .house-card")
    expect(results).to_have_count(5)
    assert len({round(results.nth(index).bounding_box()["x"]) for index in range(5)}) == 1  # one column
    expect(page.locator(".filter-panel")).to_be_hidden()
    opener = page.get_by_test_id("filter-open")
    expect(opener).to_have_accessible_name("筛选")
    screenshot(page, "layout-phone-search")

    # By keyboard: the dialog takes focus, keeps it, and gives it back on Esc.
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="筛选")
    expect(dialog).to_be_visible()
    expect(page.get_by_label("最低价（元/晚）")).to_be_focused()
    for _ in range(45):  # more stops than the dialog has: Tab goes round inside it
        page.keyboard.press("Tab")
        assert page.evaluate("Boolean(document.activeElement.closest('dialog'))")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("Boolean(document.activeElement.closest('dialog'))")
    # The screen as it is: the sheet rises from the bottom of the viewport.
    page.screenshot(path=str(SCREENSHOTS / "layout-phone-filter-sheet.png"), animations="disabled")
    page.get_by_label("关键词").fill("typed, then dropped")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()
    expect(page).to_have_url(re.compile(r"#/search\?sk=new$"))

    opener.click()
    expect(page.get_by_label("关键词")).to_have_value("")  # what was not applied is gone
    page.get_by_label("入住人数").select_option("4")
    dialog.locator("label.choice", has_text="空调").click()
    dialog.get_by_role("button", name="显示结果").click()
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()
    expect(opener).to_have_accessible_name(re.compile(r"^筛选\s*（已选2项）$"))
    expect(page).to_have_url(re.compile(r"capacity=4&facility=3$"))
    expected = ["望京 三居大平层", FILTERED, "后海 四合院小院"]
    expect(page.locator(".search-results .house-title")).to_have_text(expected)

    page.reload()
    expect(opener).to_have_accessible_name(re.compile(r"^筛选\s*（已选2项）$"))
    expect(page.locator(".search-results .house-title")).to_have_text(expected)
    opener.click()
    expect(page.get_by_label("入住人数")).to_have_value("4")
    expect(dialog.locator("input[name=facility]:checked")).to_have_attribute("value", "3")
    dialog.get_by_role("button", name="关闭").click()
    expect(opener).to_be_focused()
