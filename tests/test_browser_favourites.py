"""Favourites and taking a house down in Chromium: a visitor hearts a house from the search (by
way of the login page), from its page by keyboard, finds it under 我的收藏 a page at a time; the
landlord takes a house down from 我的房源 and it leaves the guest's favourites."""
import re

from playwright.sync_api import expect

from tests.browser_support import browser, login_in_browser, open_page, screenshot  # noqa: F401 - fixtures
from tests.helpers import GUEST_MOBILE, LANDLORD_MOBILE, act_ok, book_ok, day, image_bytes, publish_house, upload_photo


def heart_of(page, title):
    return page.get_by_role("button", name=f"收藏 {title}")


def test_hearting_from_the_search_and_the_house_page_then_the_favourites_pages(open_page, server, landlord, guest):
    houses = {}
    for title, colour in (("西湖边的小院", "seagreen"), ("老城区的阁楼", "peru")):
        houses[title] = publish_house(landlord, title=title)
        upload_photo(landlord, houses[title], image_bytes(colour, (800, 600), "JPEG"))

    # Logged out, the heart leads to the login page, which comes back to the search.
    page = open_page()
    page.goto("/#/search")
    heart = heart_of(page, "西湖边的小院")
    expect(heart).to_have_attribute("aria-pressed", "false")
    heart.click()
    expect(page).to_have_url(re.compile(r"#/login\?next=%2Fsearch"))
    login_in_browser(page, GUEST_MOBILE)
    expect(page).to_have_url(re.compile(r"#/search"))
    heart = heart_of(page, "西湖边的小院")
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("status")).to_have_text("已收藏")
    expect(heart_of(page, "老城区的阁楼")).to_have_attribute("aria-pressed", "false")
    screenshot(page, "favourites-search")

    # The house page knows; the keyboard toggles it (Space and Enter, as any button).
    page.goto(f"/#/house/{houses['老城区的阁楼']}")
    heart = heart_of(page, "老城区的阁楼")
    expect(heart).to_have_attribute("aria-pressed", "false")
    heart.focus()
    page.keyboard.press("Space")
    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(heart).to_be_focused()
    screenshot(page, "favourites-house")
    page.keyboard.press("Enter")
    expect(heart).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("Enter")
    expect(heart).to_have_attribute("aria-pressed", "true")

    # 我的收藏, from the 我的 page: newest heart first, each card's heart pressed.
    page.goto("/#/my")
    page.get_by_role("link", name="我的收藏").click()
    expect(page.locator("h1#page-title")).to_have_text("我的收藏")
    cards = page.get_by_test_id("favourites").locator(".house-card")
    expect(cards.locator(".house-title")).to_have_text(["老城区的阁楼", "西湖边的小院"])
    for title in ("老城区的阁楼", "西湖边的小院"):
        expect(heart_of(page, title)).to_have_attribute("aria-pressed", "true")
    screenshot(page, "favourites")

    # A heart taken off here leaves the card where it is; the next visit no longer lists it.
    heart_of(page, "西湖边的小院").click()
    expect(heart_of(page, "西湖边的小院")).to_have_attribute("aria-pressed", "false")
    expect(cards).to_have_count(2)
    page.reload()
    expect(cards.locator(".house-title")).to_have_text(["老城区的阁楼"])

    # More than a page: numbered pages.
    for n in range(10):
        house_id = publish_house(landlord, title=f"第{n}套")
        assert guest.api("POST", "/api/house/favourite", json={"house_id": house_id})["errcode"] == "0"
    page.reload()
    expect(page.get_by_test_id("favourites-page")).to_have_text("第 1 / 2 页")
    expect(cards).to_have_count(10)
    page.get_by_role("link", name="下一页").click()
    expect(page.get_by_test_id("favourites-page")).to_have_text("第 2 / 2 页")
    expect(cards.locator(".house-title")).to_have_text(["老城区的阁楼"])
    expect(page.get_by_role("link", name="下一页")).to_have_count(0)
    screenshot(page, "favourites-page-2")


def test_the_landlord_takes_a_house_down_and_it_leaves_the_guests_favourites(open_page, server, landlord, guest):
    kept = publish_house(landlord, title="还在出租的房子")
    gone = publish_house(landlord, title="要下架的房子")
    busy = publish_house(landlord, title="有订单的房子")
    for house_id in (kept, gone, busy):
        assert guest.api("POST", "/api/house/favourite", json={"house_id": house_id})["errcode"] == "0"
    act_ok(landlord, "accept", book_ok(guest, busy, day(5), day(6)))

    page = open_page()
    page.goto("/#/login?next=%2Fmy%2Fhouses")
    login_in_browser(page, LANDLORD_MOBILE)
    rows = page.get_by_test_id("my-houses")
    expect(rows.locator(".house-row")).to_have_count(3)

    # Refused while an order holds nights: the dialog says why and stays.
    page.get_by_role("button", name="下架 有订单的房子").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("button", name="暂不下架")).to_be_focused()
    dialog.get_by_role("button", name="确认下架").click()
    expect(dialog.get_by_role("alert")).to_contain_text("进行中的订单")
    screenshot(page, "my-houses-takedown-refused")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("button", name="下架 有订单的房子")).to_be_focused()

    opener = page.get_by_role("button", name="下架 要下架的房子")
    opener.click()
    expect(dialog).to_contain_text("下架后")
    screenshot(page, "my-houses-takedown-dialog")
    dialog.get_by_role("button", name="确认下架").click()
    expect(dialog).to_have_count(0)
    down = rows.locator(f"[data-house-id='{gone}']")
    expect(down.locator(".taken-down")).to_have_text(re.compile(r"^已下架 · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"))
    expect(down.locator(".taken-down")).to_be_focused()
    expect(down.get_by_role("link")).to_have_count(0)
    expect(down.get_by_role("button")).to_have_count(0)
    screenshot(page, "my-houses-taken-down")
    page.reload()
    expect(rows.locator(f"[data-house-id='{gone}'] .taken-down")).to_be_visible()

    # The guest's favourites and the house's page.
    visitor = open_page()
    visitor.goto("/#/login?next=%2Fmy%2Ffavourites")
    login_in_browser(visitor, GUEST_MOBILE)
    expect(visitor.get_by_test_id("favourites").locator(".house-title")).to_have_text(["有订单的房子", "还在出租的房子"])
    visitor.goto(f"/#/house/{gone}")
    expect(visitor.get_by_text("房源不存在或已下线")).to_be_visible()
    screenshot(visitor, "house-taken-down")
