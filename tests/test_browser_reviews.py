"""Stars and replies in a real Chromium: the guest rates a finished stay with the keyboard and
edits the review, the landlord replies under it, and the house page and the search show both."""
import re

from playwright.sync_api import expect

from tests.browser_support import browser, login_in_browser, open_page, screenshot  # noqa: F401 - fixtures
from tests.helpers import (GUEST_MOBILE, LANDLORD_MOBILE, act_ok, book_ok, day, end_stay, publish_house, register,
                           verify_identity)


def test_guest_rates_and_edits_landlord_replies_and_everyone_sees_both(open_page, new_client, redis_client, db_conn):
    landlord_api, guest_api = new_client(), new_client()
    register(landlord_api, redis_client, LANDLORD_MOBILE)
    verify_identity(landlord_api)
    house_id = publish_house(landlord_api, title="鼓楼 安静小院", area_id=2)
    publish_house(landlord_api, title="没有评价的房子", area_id=2)
    register(guest_api, redis_client, GUEST_MOBILE)
    order_id = book_ok(guest_api, house_id, day(2), day(3))
    act_ok(landlord_api, "accept", order_id)
    end_stay(db_conn, order_id)

    # The guest rates with the keyboard: the dialog opens on the stars, the arrows choose.
    guest = open_page()
    guest.goto("/#/login?next=%2Forders")
    login_in_browser(guest, GUEST_MOBILE)
    guest.get_by_role("button", name="发表评价").click()
    dialog = guest.get_by_role("dialog", name="评价这次入住")
    picker = dialog.get_by_role("group", name="评分")
    expect(picker.get_by_role("radio")).to_have_count(5)
    expect(dialog.get_by_role("radio", name="1星（很差）")).to_be_focused()
    dialog.get_by_role("button", name="提交评价").click()
    expect(dialog.locator("[role=alert]")).to_have_text("请选择1-5星评分")
    dialog.get_by_role("radio", name="1星（很差）").focus()
    for _ in range(3):
        guest.keyboard.press("ArrowRight")
    expect(dialog.get_by_role("radio", name="4星（不错）")).to_be_checked()
    expect(dialog.get_by_role("radio", name="4星（不错）")).to_be_focused()
    expect(picker).to_contain_text("不错")
    dialog.locator("textarea").fill("院子很安静，床很舒服")
    screenshot(guest, "review-stars")
    dialog.get_by_role("button", name="提交评价").click()
    order = guest.locator(f"[data-order-id='{order_id}']")
    expect(order.get_by_test_id("order-status")).to_have_text("已完成")
    expect(order.locator(".order-comment")).to_contain_text("4星")
    expect(order.locator(".order-comment")).to_contain_text("院子很安静，床很舒服")

    # Within 7 days the author may change it: the dialog shows what was written.
    order.get_by_role("button", name="修改评价").click()
    edit = guest.get_by_role("dialog", name="修改评价")
    expect(edit.get_by_role("radio", name="4星（不错）")).to_be_checked()
    expect(edit.locator("textarea")).to_have_value("院子很安静，床很舒服")
    edit.get_by_role("radio", name="5星（很好）").check()
    edit.locator("textarea").fill("院子很安静，床很舒服，还会再来")
    screenshot(guest, "review-edit")
    edit.get_by_role("button", name="保存修改").click()
    expect(edit).to_have_count(0)
    expect(order.locator(".order-comment")).to_contain_text("5星")
    expect(order.locator(".order-comment")).to_contain_text("还会再来")
    expect(order.locator(".house-title")).to_be_focused()  # the card drawn anew

    # The landlord replies once; the button goes away.
    landlord = open_page()
    landlord.goto("/#/login?next=%2Florders")
    login_in_browser(landlord, LANDLORD_MOBILE)
    reviewed = landlord.locator(f"[data-order-id='{order_id}']")
    expect(reviewed.locator(".order-comment")).to_contain_text("房客评价：")
    reviewed.get_by_role("button", name="回复评价").click()
    reply = landlord.get_by_role("dialog", name="回复房客的评价")
    expect(reply.locator("textarea")).to_be_focused()
    reply.locator("textarea").fill("谢谢喜欢，欢迎再来！")
    screenshot(landlord, "landlord-reply")
    reply.get_by_role("button", name="发表回复").click()
    expect(reviewed.locator(".order-reply")).to_have_text("房东回复：谢谢喜欢，欢迎再来！")
    expect(reviewed.get_by_role("button", name="回复评价")).to_have_count(0)
    screenshot(landlord, "landlord-orders-replied")

    # Anyone sees the average, the review's stars and the reply beneath it.
    visitor = open_page()
    visitor.goto(f"/#/house/{house_id}")
    expect(visitor.get_by_test_id("rating")).to_have_text("★评分5.0（1条评分）")
    comment = visitor.get_by_test_id("comments").locator(".comment")
    expect(comment.get_by_test_id("stars")).to_have_text("★★★★★5星")
    expect(comment.locator(".comment-text").first).to_have_text("院子很安静，床很舒服，还会再来")
    expect(comment.get_by_test_id("reply")).to_contain_text("房东回复")
    expect(comment.get_by_test_id("reply")).to_contain_text("谢谢喜欢，欢迎再来！")
    screenshot(visitor, "house-rating")

    # The search sorts by rating: the rated house first, each card with its rating.
    visitor.goto("/#/search")
    visitor.get_by_label("排序").select_option(label="评分最高")
    expect(visitor).to_have_url(re.compile(r"sk=rating-des"))
    cards = visitor.locator(".house-card")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text("鼓楼 安静小院")
    expect(cards.first.get_by_test_id("rating")).to_have_text("★评分5.0（1条评分）")
    expect(cards.nth(1)).to_contain_text("暂无评分")
    screenshot(visitor, "search-rating")
