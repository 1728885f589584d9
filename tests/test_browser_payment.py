"""Paying for a stay in a real Chromium, through the test gateway's page and back, by keyboard:
the guest sees it paid and cancels it with a refund; the landlord sees paid and unpaid apart; axe
finds no serious or critical violation on the pages payment adds to."""
import re

from playwright.sync_api import expect

from tests.browser_support import browser, login_in_browser, open_page, screenshot  # noqa: F401 - fixtures
from tests.helpers import GUEST_MOBILE, LANDLORD_MOBILE, day, publish_house, register, verify_identity
from tests.payment_support import (accepted_order, alipay_gateway, gateway, pay_server,  # noqa: F401 - fixtures
                                   status_of)
from tests.test_accessibility import BLOCKING, axe_source, axe_violations  # noqa: F401 - a fixture


def assert_accessible(page, axe_source):
    blocking = [violation for violation in axe_violations(page, axe_source) if violation["impact"] in BLOCKING]
    assert not blocking, blocking


def test_a_guest_pays_through_the_gateway_sees_it_paid_and_cancels_with_a_refund(
        open_page, pay_server, gateway, new_client, redis_client, axe_source):
    landlord, guest = new_client(pay_server.url), new_client(pay_server.url)
    register(landlord, redis_client, LANDLORD_MOBILE)
    verify_identity(landlord)
    register(guest, redis_client, GUEST_MOBILE)
    house_id = publish_house(landlord, title="鼓楼小院 近地铁", price="398")
    paid = accepted_order(landlord, guest, house_id, day(7), day(8))
    unpaid = accepted_order(landlord, guest, house_id, day(20), day(20))
    gateway.notify_mode = "after_return"  # the browser is back before the gateway's word

    page = open_page(base_url=pay_server.url)
    page.goto("/#/login?next=%2Forders")
    login_in_browser(page, GUEST_MOBILE)
    card = page.locator(f"[data-order-id='{paid}']")
    expect(card.get_by_test_id("order-status")).to_have_text("待支付")
    expect(card.get_by_test_id("order-payment")).to_contain_text("前支付，逾期订单自动失效")
    assert_accessible(page, axe_source)
    screenshot(page, "orders-pay")
    card.get_by_role("button", name="去支付").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("gateway-amount")).to_have_text("¥796.00")
    assert page.url.startswith(gateway.url)
    screenshot(page, "gateway-pay")
    page.get_by_role("button", name="确认付款").focus()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"/#/payment/{paid}$"))
    expect(page.get_by_test_id("payment-result")).to_have_text("支付成功：¥796，订单已确认")
    expect(page.get_by_role("heading", name="支付结果", level=1)).to_be_focused()
    assert_accessible(page, axe_source)
    screenshot(page, "payment-result")
    page.get_by_role("link", name="查看我的订单").click()
    expect(card.get_by_test_id("order-status")).to_have_text("已支付")
    expect(card.get_by_test_id("order-payment")).to_have_text(f"{day(5)} 00:00:00 前取消可全额退款")
    assert status_of(guest, paid) == 2

    owner = open_page(base_url=pay_server.url)
    owner.goto("/#/login?next=%2Florders")
    login_in_browser(owner, LANDLORD_MOBILE)
    expect(owner.get_by_test_id("order-status")).to_have_text(["待支付", "已支付"])
    expect(owner.locator(f"[data-order-id='{unpaid}']").get_by_test_id("order-payment")).to_contain_text("等待房客支付")
    expect(owner.locator(f"[data-order-id='{paid}']").get_by_test_id("order-payment")).to_have_text("房客已支付 ¥796")
    expect(owner.get_by_test_id("orders").get_by_role("button")).to_have_count(0)  # nothing a landlord may do to either
    assert_accessible(owner, axe_source)
    screenshot(owner, "landlord-orders-payment")

    card.get_by_role("button", name="取消并退款").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("将全额退还 ¥796 至您的支付宝账户")
    assert_accessible(page, axe_source)
    dialog.get_by_role("button", name="取消并退款").click()
    expect(card.get_by_test_id("order-status")).to_have_text("已取消")
    expect(card.get_by_test_id("order-payment")).to_have_text("已退款 ¥796")
    screenshot(page, "orders-refunded")
