"""The availability calendar in Chromium: the landlord prices and blocks nights of their house on
its page, then a guest books around the blocked night on the booking page's calendar and sees
each night's price and the total before confirming. Screenshots in test-output/screenshots/."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser_support import (DESKTOP, MOBILE, browser, calendar_night,  # noqa: F401 - fixtures
                                   open_page, screenshot)
from tests.helpers import book_ok, day, my_orders, publish_house, register, verify_identity

LANDLORD, GUEST = "13800000001", "13900000002"


@pytest.fixture
def people(new_client, redis_client):
    landlord, guest = new_client(), new_client()
    register(landlord, redis_client, LANDLORD)
    verify_identity(landlord)
    register(guest, redis_client, GUEST)
    house_id = publish_house(landlord, title="日历小院", price="200", min_days=1, max_days=30)
    return landlord, guest, house_id


def as_user(open_page, server, client, viewport=MOBILE):
    page = open_page(viewport)
    page.context.add_cookies([{"name": name, "value": value, "url": server.url} for name, value in client.cookies.items()])
    return page


def test_landlord_prices_and_blocks_then_a_guest_books_around_them(open_page, server, people):
    landlord, guest, house_id = people
    booked = book_ok(guest, house_id, day(20), day(21))

    page = as_user(open_page, server, landlord, DESKTOP)
    page.goto(f"/#/house/{house_id}")
    editor = page.get_by_test_id("calendar-editor")
    expect(editor.locator(".calendar-night").first).to_be_visible()
    result, error = editor.get_by_test_id("calendar-result"), editor.get_by_test_id("calendar-error")

    # The weekend costs more: two taps pick the nights, then a price.
    calendar_night(editor, day(10)).click()
    calendar_night(editor, day(11)).click()
    expect(editor.get_by_test_id("calendar-range")).to_contain_text("至")
    editor.get_by_label("这些日期的每晚价格（元）").fill("399")
    editor.get_by_role("button", name="设置价格").click()
    expect(result).to_contain_text("价格已设置")
    expect(calendar_night(editor, day(10))).to_have_accessible_name(re.compile(r"¥399"))

    # One night closed: the same night tapped twice.
    calendar_night(editor, day(13)).click()
    calendar_night(editor, day(13)).click()
    editor.get_by_role("button", name="关闭日期").click()
    expect(result).to_contain_text("已关闭")
    expect(calendar_night(editor, day(13))).to_have_accessible_name(re.compile("不开放"))

    # A booked night cannot be closed: the refusal names it.
    calendar_night(editor, day(19)).click()
    calendar_night(editor, day(20)).click()
    editor.get_by_role("button", name="关闭日期").click()
    expect(error).to_contain_text(day(20).isoformat())
    expect(calendar_night(editor, day(20))).to_have_accessible_name(re.compile("已订出"))
    screenshot(page, "calendar-landlord")

    # The guest: the blocked and booked nights are greyed and cannot be picked.
    page = as_user(open_page, server, guest)
    page.goto(f"/#/booking/{house_id}")
    calendar = page.get_by_test_id("calendar")
    expect(calendar.locator(".calendar-night").first).to_be_visible()
    widget = page.locator(".calendar")
    blocked = calendar_night(widget, day(13))
    expect(blocked).to_have_attribute("aria-disabled", "true")
    expect(blocked).to_have_class(re.compile("calendar-blocked"))

    # A range across the blocked night is refused with a message, and nothing is charged.
    calendar_night(widget, day(9)).click()
    calendar_night(widget, day(14)).click()
    expect(page.get_by_test_id("calendar-note")).to_contain_text("不可订")
    expect(page.get_by_test_id("total")).to_have_text("-")

    # The arrow keys move between nights.
    calendar_night(widget, day(9)).focus()
    page.keyboard.press("ArrowRight")
    expect(calendar_night(widget, day(10))).to_be_focused()

    # Nine to twelve: two nights at the house's price, two at the weekend's.
    calendar_night(widget, day(12)).click()
    expect(page.get_by_test_id("nights")).to_have_text("4晚")
    prices = page.get_by_test_id("night-prices").locator("li")
    expect(prices).to_have_count(4)
    expect(prices.nth(1)).to_contain_text("¥399")
    expect(page.get_by_test_id("total")).to_have_text("¥1198")
    expect(page.locator("#date-start")).to_have_value(day(9).isoformat())
    expect(page.locator("#date-end")).to_have_value(day(12).isoformat())
    screenshot(page, "calendar-booking")
    page.get_by_role("button", name="提交订单").click()
    expect(page).to_have_url(re.compile(r"#/orders$"))

    orders = {order["order_id"]: order for order in my_orders(guest)}
    (placed,) = [order for order_id, order in orders.items() if order_id != booked]
    assert [n["price"] for n in placed["nights"]] == [20000, 39900, 39900, 20000]
    assert placed["amount"] == 119800
