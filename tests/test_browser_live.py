"""Two people in two browsers, on a server of two processes: the landlord sees the booking
request arrive, the guest its acceptance, the landlord the guest's message, each live, whichever
process their socket and the other's request landed on."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser_support import browser, open_page, screenshot  # noqa: F401 - fixtures
from tests.conftest import ServerProcess
from tests.helpers import GUEST_MOBILE, LANDLORD_MOBILE, book_ok, day, publish_house, register, verify_identity


class TwoProcesses(ServerProcess):
    own_process_group = True

    def command(self):
        return [*super().command(), "--processes=2"]


@pytest.fixture(scope="module")
def two_processes(server):
    process = TwoProcesses("live-two").start()
    try:
        yield process.wait_ready()
    finally:
        # The group's SIGTERM ends the supervising process at once, and the workers gracefully.
        assert process.stop() in (0, -15)


def logged_in(open_page, server, client, route):
    page = open_page(base_url=server.url)
    page.context.add_cookies([{"name": name, "value": value, "url": server.url} for name, value in client.cookies.items()])
    page.goto("/#" + route)
    expect(page.get_by_test_id("bell-area")).to_have_attribute("data-live", "on")  # its socket is caught up
    return page


def test_a_booking_its_acceptance_and_a_message_arrive_live(open_page, two_processes, new_client, redis_client):
    landlord, guest = new_client(two_processes.url), new_client(two_processes.url)
    register(landlord, redis_client, LANDLORD_MOBILE)
    verify_identity(landlord)
    house_id = publish_house(landlord, title="鼓楼 小院 安静")
    register(guest, redis_client, GUEST_MOBILE)
    landlord_page = logged_in(open_page, two_processes, landlord, "/")
    guest_page = logged_in(open_page, two_processes, guest, "/")

    order_id = book_ok(guest, house_id, day(3), day(4))
    expect(landlord_page.locator(".toast")).to_have_text("新的预订申请：鼓楼 小院 安静")
    expect(landlord_page.get_by_test_id("bell-count")).to_have_text("1")
    expect(landlord_page.get_by_test_id("bell-status")).to_have_text("1条未读通知")
    screenshot(landlord_page, "live-booking-arrives")
    landlord_page.get_by_test_id("bell").click()
    expect(landlord_page.get_by_test_id("bell-list")).to_contain_text("新的预订申请")
    expect(landlord_page.get_by_test_id("bell-count")).to_be_hidden()  # opening the list reads them
    screenshot(landlord_page, "live-bell-open")
    landlord_page.get_by_test_id("bell-list").get_by_role("link", name=re.compile("新的预订申请")).click()
    card = landlord_page.locator(f"[data-order-id='{order_id}']")
    card.get_by_role("button", name="接单").click()
    landlord_page.get_by_role("dialog").get_by_role("button", name="接单", exact=True).click()
    expect(card.get_by_test_id("order-status")).to_have_text("待评价")

    expect(guest_page.locator(".toast")).to_have_text("预订已被接受：鼓楼 小院 安静")
    expect(guest_page.get_by_test_id("bell-count")).to_have_text("1")
    screenshot(guest_page, "live-acceptance-arrives")

    # Both open the order's conversation; what the guest writes appears on the landlord's page.
    landlord_page.goto(f"/#/conversation/{order_id}")
    expect(landlord_page.get_by_test_id("bell-area")).to_have_attribute("data-live", "on")
    guest_page.goto("/#/orders")
    guest_page.locator(f"[data-order-id='{order_id}']").get_by_test_id("conversation-link").click()
    guest_page.get_by_label("给对方发消息").fill("我们大约下午三点到，谢谢！")
    guest_page.get_by_role("button", name="发送").click()
    expect(guest_page.get_by_test_id("messages").locator(".message-mine")).to_contain_text("我们大约下午三点到")
    expect(landlord_page.get_by_test_id("messages").locator(".message")).to_contain_text("我们大约下午三点到，谢谢！")
    screenshot(landlord_page, "live-message-arrives")
    landlord_page.get_by_label("给对方发消息").fill("好的，到了给我打电话")
    landlord_page.get_by_role("button", name="发送").click()
    expect(guest_page.get_by_test_id("messages").locator(".message:not(.message-mine)")).to_contain_text("好的")
    screenshot(guest_page, "live-conversation")


def test_with_its_socket_refused_the_page_learns_by_polling(open_page, server, new_client, redis_client):
    landlord, guest = new_client(), new_client()
    register(landlord, redis_client, LANDLORD_MOBILE)
    verify_identity(landlord)
    house_id = publish_house(landlord)
    register(guest, redis_client, GUEST_MOBILE)
    page = open_page()
    page.context.add_cookies([{"name": name, "value": value, "url": server.url} for name, value in landlord.cookies.items()])
    refused = []

    def refuse(socket):  # as a proxy that drops the upgrade would
        refused.append(socket.url)
        socket.close(code=1011)
    page.route_web_socket(re.compile(r"/api/ws$"), refuse)
    page.clock.install()
    page.goto("/")
    while not refused:  # the page has its count and tried its socket: what comes next, only a poll brings
        page.wait_for_timeout(50)
    book_ok(guest, house_id, day(3), day(4))
    page.clock.run_for(21_000)  # one polling interval (20 s) later
    expect(page.get_by_test_id("bell-count")).to_have_text("1")
    expect(page.locator(".toast")).to_have_text("新的预订申请：后海边的四合院")
    expect(page.get_by_test_id("bell-area")).to_have_attribute("data-live", "off")
