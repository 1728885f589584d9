"""The frontend in a real Chromium against the real server: the whole story as two people live it,
and the rules a page must keep (text stays text, login comes back to where it was)."""
import datetime
import re
import zoneinfo

import pytest
from playwright.sync_api import expect

from tests.browser_support import (DESKTOP, browser, login_in_browser, open_page,  # noqa: F401 - fixtures
                                   photo_file, register_in_browser, screenshot, solve_captcha, wait_in_page,
                                   watched_page)
from tests.conftest import ServerProcess
from tests.helpers import end_stay, publish_house, register, sms_code_key, verify_identity

LANDLORD = "13800000001"
GUEST = "13900000002"
HOUSE = {"title": "三里屯 阳光两居 近地铁", "price": "398", "address": "朝阳区三里屯路19号院3号楼", "room_count": "2",
         "acreage": "85", "unit": "两室一厅", "capacity": "4", "beds": "1.8米双人床2张", "deposit": "500",
         "min_days": "1", "max_days": "30"}
XSS_TITLE = "<img src=x onerror=alert(1)>"


def site_today():
    return datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date()


def publish_in_browser(page, photos):
    for name, value in HOUSE.items():
        page.locator(f"#field-{name}").fill(value)
    page.get_by_label("所在城区").select_option(label="朝阳区")
    for facility in ("无线网络", "热水淋浴", "空调", "冰箱", "洗衣机", "电梯"):
        page.locator("label.choice", has_text=facility).click()
    screenshot(page, "publish")
    page.get_by_role("button", name="发布房源").click()
    page.get_by_label("选择照片").set_input_files(photos)
    page.get_by_role("button", name="上传照片").click()
    expect(page.get_by_test_id("uploaded-photos").locator("img")).to_have_count(2)
    screenshot(page, "publish-photos")
    page.get_by_role("link", name="完成").click()


def test_two_people_publish_find_book_accept_and_review(open_page, redis_client, db_conn, tmp_path):
    start = site_today() + datetime.timedelta(days=3)
    end = start + datetime.timedelta(days=2)

    # The landlord registers, verifies a real name, and publishes a house with two photos.
    landlord = open_page()
    landlord.goto("/")
    expect(landlord.get_by_test_id("header-auth")).to_be_visible()
    screenshot(landlord, "home-empty")
    landlord.get_by_test_id("header-auth").get_by_role("link", name="注册").click()
    register_in_browser(landlord, redis_client, LANDLORD, shot="register")
    expect(landlord).to_have_url(re.compile(r"#/$"))
    landlord.get_by_test_id("header-user").click()
    expect(landlord.get_by_test_id("my-mobile")).to_have_text(LANDLORD)

    landlord.get_by_role("link", name="我的房源").click()
    expect(landlord.get_by_test_id("needs-auth")).to_be_visible()
    screenshot(landlord, "my-houses-needs-auth")
    landlord.get_by_role("link", name="去实名认证").click()
    landlord.get_by_label("真实姓名").fill("王房东")
    landlord.get_by_label("身份证号").fill("11010519491231002X")
    screenshot(landlord, "auth")
    landlord.get_by_role("button", name="提交认证").click()
    expect(landlord).to_have_url(re.compile(r"#/my/houses$"))
    landlord.get_by_role("link", name="发布新房源").click()
    publish_in_browser(landlord, [photo_file(tmp_path, "front.jpg", (120, 170, 230)),
                                  photo_file(tmp_path, "garden.jpg", (250, 200, 120))])

    expect(landlord.get_by_test_id("house-title")).to_have_text(HOUSE["title"])
    expect(landlord.get_by_test_id("gallery").locator("img")).to_have_count(2)
    landlord.get_by_role("button", name="下一张").click()
    expect(landlord.locator(".gallery-counter")).to_have_text("2/2")
    expect(landlord.get_by_test_id("own-house")).to_be_visible()
    expect(landlord.get_by_role("link", name="即刻预订")).to_have_count(0)
    landlord.goto("/#/auth")
    expect(landlord.get_by_test_id("real-name")).to_have_text("王房东")
    expect(landlord.get_by_test_id("id-card")).to_have_text(re.compile(r"^110\*+002X$"))
    screenshot(landlord, "auth-done")
    landlord.goto("/#/my/houses")
    expect(landlord.get_by_test_id("my-houses").locator("li")).to_have_count(1)
    screenshot(landlord, "my-houses")

    # The guest registers, picks a name and an avatar, then searches by district and dates.
    guest = open_page()
    guest.goto("/#/register")
    register_in_browser(guest, redis_client, GUEST)
    guest.get_by_role("link", name="个人信息").click()
    guest.get_by_label("用户名").fill("旅行的小明")
    guest.get_by_role("button", name="保存用户名").click()
    expect(guest.get_by_test_id("header-user")).to_have_text("旅行的小明")
    guest.get_by_label("选择图片").set_input_files(photo_file(tmp_path, "me.jpg", (200, 120, 160)))
    expect(guest.get_by_test_id("avatar-preview").locator("img")).to_have_attribute("src", re.compile("^blob:"))
    guest.get_by_role("button", name="上传头像").click()
    expect(guest.get_by_test_id("avatar-preview").locator("img")).to_have_attribute("src", re.compile("/media/"))
    screenshot(guest, "profile")
    guest.get_by_role("button", name="返回").click()
    expect(guest.get_by_test_id("my-name")).to_have_text("旅行的小明")
    screenshot(guest, "my")

    guest.goto("/")
    expect(guest.locator(".slide")).to_have_count(1)
    guest.get_by_label("城区").select_option(label="朝阳区")
    guest.get_by_label("入住日期").fill(start.isoformat())
    guest.get_by_label("最后一晚").fill(end.isoformat())
    screenshot(guest, "home")
    guest.get_by_role("button", name="搜索房源").click()
    expect(guest).to_have_url(re.compile(rf"#/search\?aid=3&sd={start}&ed={end}"))
    card = guest.get_by_test_id("results").locator(".house-card")
    expect(card).to_have_count(1)
    expect(card.locator(".house-title")).to_have_text(HOUSE["title"])
    expect(card.locator(".price-tag")).to_have_text("¥398/晚")
    screenshot(guest, "search")
    guest.get_by_label("城区").select_option(label="海淀区")
    expect(guest.locator(".state-empty")).to_be_visible()
    screenshot(guest, "search-empty")
    guest.get_by_label("城区").select_option(label="朝阳区")

    # Detail, then booking with the dates carried along: 3 nights inclusive.
    card.click()
    expect(guest.get_by_test_id("house-title")).to_have_text(HOUSE["title"])
    expect(guest.locator(".facility.present")).to_have_count(6)
    expect(guest.locator(".facility.absent")).to_have_count(17)
    screenshot(guest, "house")
    guest.get_by_role("link", name="即刻预订").click()
    expect(guest.get_by_label("入住日期")).to_have_value(start.isoformat())
    expect(guest.get_by_test_id("nights")).to_have_text("3晚")
    expect(guest.get_by_test_id("total")).to_have_text("¥1194")
    guest.get_by_label("最后一晚").fill((end + datetime.timedelta(days=1)).isoformat())
    expect(guest.get_by_test_id("nights")).to_have_text("4晚")
    expect(guest.get_by_test_id("total")).to_have_text("¥1592")
    guest.get_by_label("最后一晚").fill(end.isoformat())
    screenshot(guest, "booking")
    guest.get_by_role("button", name="提交订单").click()
    expect(guest).to_have_url(re.compile(r"#/orders$"))
    expect(guest.get_by_test_id("order-status")).to_have_text("待接单")

    # The landlord accepts; the guest reviews; the review shows on the detail page.
    landlord.goto("/#/my")
    landlord.get_by_role("link", name="客户订单").click()
    expect(landlord.get_by_test_id("order-status")).to_have_text("待接单")
    screenshot(landlord, "landlord-orders")
    landlord.get_by_role("button", name="接单").click()
    landlord.get_by_role("dialog").get_by_role("button", name="接单", exact=True).click()
    expect(landlord.get_by_test_id("order-status")).to_have_text("待评价")

    guest.reload()
    expect(guest.get_by_test_id("order-status")).to_have_text("待评价")
    expect(guest.get_by_test_id("review-later")).to_have_text("离店后可评价")  # the stay is ahead

    with db_conn.cursor() as cur:
        cur.execute("SELECT MAX(id) FROM ih_order")
        end_stay(db_conn, cur.fetchone()[0])  # time passes: the stay is over
    guest.reload()
    guest.get_by_role("button", name="发表评价").click()
    guest.get_by_role("dialog").get_by_label("5星").check()
    guest.get_by_role("dialog").locator("textarea").fill("房间干净，采光很好，房东很热情！")
    screenshot(guest, "review")
    guest.get_by_role("dialog").get_by_role("button", name="提交评价").click()
    expect(guest.get_by_test_id("order-status")).to_have_text("已完成")
    expect(guest.locator(".order-comment")).to_contain_text("房间干净，采光很好，房东很热情！")
    screenshot(guest, "orders")

    guest.locator(".order-house").click()
    comment = guest.get_by_test_id("comments").locator(".comment")
    expect(comment).to_have_count(1)
    expect(comment).to_contain_text("旅行的小明")
    expect(comment).to_contain_text("房间干净，采光很好，房东很热情！")
    screenshot(guest, "house-reviewed")
    guest.get_by_test_id("header-user").click()
    guest.get_by_role("button", name="退出登录").click()
    expect(guest).to_have_url(re.compile(r"#/$"))
    expect(guest.get_by_test_id("header-auth")).to_be_visible()

    # The same site on a desktop screen.
    desktop = open_page(DESKTOP)
    desktop.goto("/")
    expect(desktop.locator(".slide")).to_have_count(1)
    screenshot(desktop, "desktop-home")
    desktop.goto(f"/#/search?aid=3&sd={start + datetime.timedelta(days=10)}")
    expect(desktop.locator(".house-card")).to_have_count(1)
    screenshot(desktop, "desktop-search")
    desktop.locator(".house-card").click()
    expect(desktop.get_by_test_id("comments").locator(".comment")).to_have_count(1)
    screenshot(desktop, "desktop-house")


def test_user_text_is_shown_as_text_never_as_markup(open_page, new_client, redis_client):
    landlord = new_client()
    register(landlord, redis_client, LANDLORD)
    landlord.api("POST", "/api/profile/name", json={"name": "<b>房东</b>"})
    verify_identity(landlord)
    house_id = publish_house(landlord, title=XSS_TITLE, address="<script>alert(2)</script>")

    page = open_page()
    page.goto("/#/search")
    card = page.locator(".house-card")
    expect(card.locator(".house-title")).to_have_text(XSS_TITLE)
    page.goto(f"/#/house/{house_id}")
    expect(page.get_by_test_id("house-title")).to_have_text(XSS_TITLE)
    expect(page.get_by_test_id("landlord-name")).to_have_text("<b>房东</b>")
    expect(page.locator(".facts")).to_contain_text("<script>alert(2)</script>")
    screenshot(page, "house-markup-as-text")
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("#view b, #view script").count() == 0


def test_logged_out_orders_go_to_login_and_come_back(open_page, new_client, redis_client):
    register(new_client(), redis_client, GUEST)
    page = open_page()
    page.goto("/#/orders")
    expect(page).to_have_url(re.compile(r"#/login\?next=%2Forders$"))
    login_in_browser(page, GUEST, "not the password")
    expect(page.locator("[data-error-for=password]")).to_have_text("手机号或密码错误")
    screenshot(page, "login")
    login_in_browser(page, GUEST)
    expect(page).to_have_url(re.compile(r"#/orders$"))
    expect(page.locator(".state-empty")).to_contain_text("还没有订单")
    expect(page.get_by_test_id("header-user")).to_have_text(GUEST)


def test_register_shows_each_error_next_to_its_field(open_page, redis_client):
    page = open_page()
    page.goto("/#/register")
    # as an input method in full-width mode types it: the page sends ASCII digits
    page.get_by_label("手机号").fill(GUEST.translate(str.maketrans("0123456789", "０１２３４５６７８９")))
    first_captcha = page.get_by_test_id("captcha").get_attribute("src")
    page.get_by_label("图片验证码", exact=True).fill("!!!!")
    page.get_by_test_id("sms-button").click()
    expect(page.locator("[data-error-for=piccode]")).to_have_text("图片验证码错误")
    expect(page.get_by_test_id("captcha")).not_to_have_attribute("src", first_captcha)
    second_captcha = page.get_by_test_id("captcha").get_attribute("src")
    assert "pre=" + first_captcha.split("cur=")[1] in second_captcha
    page.get_by_test_id("captcha").click()
    expect(page.get_by_test_id("captcha")).not_to_have_attribute("src", second_captcha)

    solve_captcha(page, redis_client)
    page.get_by_test_id("sms-button").click()
    expect(page.get_by_test_id("sms-hint")).to_have_text("短信验证码已发送，5分钟内有效")
    expect(page.get_by_test_id("sms-button")).to_be_disabled()
    real_code = redis_client.get(sms_code_key(redis_client, GUEST))
    page.get_by_label("短信验证码").fill("000000" if real_code != "000000" else "111111")
    page.get_by_label("密码", exact=True).fill("correct horse 1")
    page.get_by_label("确认密码").fill("correct horse 2")
    page.get_by_role("button", name="注册").click()
    expect(page.locator("[data-error-for=password2]")).to_have_text("两次输入的密码不一致")
    page.get_by_label("确认密码").fill("correct horse 1")
    page.get_by_role("button", name="注册").click()
    expect(page.locator("[data-error-for=phonecode]")).to_have_text("验证码错误")
    screenshot(page, "register-errors")


@pytest.fixture
def one_captcha_a_minute():
    limited = ServerProcess("one-captcha-a-minute", IHOME_CAPTCHA_IP_PER_MINUTE="1").start()
    try:
        yield limited.wait_ready()
    finally:
        assert limited.stop() == 0


def test_register_says_when_captchas_come_too_often(open_page, one_captcha_a_minute):
    page = open_page(base_url=one_captcha_a_minute.url)
    page.goto("/#/register")
    expect(page.get_by_test_id("captcha")).to_have_js_property("naturalWidth", 120)  # the minute's one
    page.get_by_test_id("captcha").click()
    expect(page.locator("[data-error-for=piccode]")).to_have_text("获取图片验证码过于频繁，请稍后再试")


def test_booking_respects_stay_limits_and_shows_dates_just_taken(open_page, new_client, redis_client):
    landlord = new_client()
    register(landlord, redis_client, LANDLORD)
    verify_identity(landlord)
    house_id = publish_house(landlord, price="250", min_days=2, max_days=3)
    first = site_today() + datetime.timedelta(days=5)

    page = open_page()
    page.goto("/#/register")
    register_in_browser(page, redis_client, GUEST)
    page.goto(f"/#/booking/{house_id}")
    page.get_by_label("入住日期").fill(first.isoformat())
    expect(page.get_by_label("最后一晚")).to_have_value((first + datetime.timedelta(days=1)).isoformat())
    expect(page.get_by_test_id("total")).to_have_text("¥500")
    page.get_by_label("最后一晚").fill(first.isoformat())
    expect(page.get_by_test_id("booking-error")).to_have_text("本房源至少入住2晚")
    expect(page.get_by_role("button", name="提交订单")).to_be_disabled()
    page.get_by_label("最后一晚").fill((first + datetime.timedelta(days=3)).isoformat())
    expect(page.get_by_test_id("booking-error")).to_have_text("本房源最多入住3晚")
    expect(page.get_by_role("button", name="提交订单")).to_be_disabled()
    page.get_by_label("最后一晚").fill((first + datetime.timedelta(days=2)).isoformat())
    expect(page.get_by_test_id("nights")).to_have_text("3晚")
    expect(page.get_by_test_id("total")).to_have_text("¥750")

    # Someone else takes the last night while this page is open.
    rival = new_client()
    register(rival, redis_client, "13700000003")
    body = rival.api("POST", "/api/order", json={"house_id": house_id,
                                                "start_date": (first + datetime.timedelta(days=2)).isoformat(),
                                                "end_date": (first + datetime.timedelta(days=3)).isoformat()})
    assert body["errcode"] == "0", body
    page.get_by_role("button", name="提交订单").click()
    expect(page.get_by_test_id("dates-taken")).to_contain_text("所选日期刚刚被别人订走了")
    expect(page).to_have_url(re.compile(rf"#/booking/{house_id}"))
    screenshot(page, "booking-dates-taken")


def test_landlord_rejects_with_a_reason_and_guest_cancels(open_page, new_client, redis_client):
    landlord_api, guest_api = new_client(), new_client()
    register(landlord_api, redis_client, LANDLORD)
    verify_identity(landlord_api)
    house_id = publish_house(landlord_api)
    register(guest_api, redis_client, GUEST)
    first = site_today() + datetime.timedelta(days=7)
    for offset in (0, 10):
        day = (first + datetime.timedelta(days=offset)).isoformat()
        body = guest_api.api("POST", "/api/order", json={"house_id": house_id, "start_date": day, "end_date": day})
        assert body["errcode"] == "0", body

    landlord = open_page()
    landlord.goto("/#/login?next=%2Florders")
    login_in_browser(landlord, LANDLORD)
    expect(landlord.get_by_test_id("order-status")).to_have_text(["待接单", "待接单"])
    landlord.locator(".order").first.get_by_role("button", name="拒单").click()
    landlord.get_by_role("dialog").get_by_role("button", name="确定拒单").click()
    expect(landlord.get_by_role("dialog").locator("[role=alert]")).to_have_text("请填写内容")
    landlord.get_by_role("dialog").locator("textarea").fill("那几天家里装修，抱歉")
    screenshot(landlord, "landlord-reject")
    landlord.get_by_role("dialog").get_by_role("button", name="确定拒单").click()
    expect(landlord.get_by_test_id("order-status")).to_have_text(["已拒单", "待接单"])

    guest = open_page()
    guest.goto("/#/login?next=%2Forders")
    login_in_browser(guest, GUEST)
    rejected, waiting = guest.locator(".order").nth(0), guest.locator(".order").nth(1)
    expect(rejected.locator(".order-comment")).to_have_text("拒单原因：那几天家里装修，抱歉")
    expect(rejected.get_by_role("button")).to_have_count(0)
    waiting.get_by_role("button", name="取消订单").click()
    guest.get_by_role("dialog").get_by_role("button", name="取消订单").click()
    expect(guest.get_by_test_id("order-status")).to_have_text(["已拒单", "已取消"])
    screenshot(guest, "orders-rejected-cancelled")


def test_search_loads_the_next_page_when_scrolled_to_the_end(open_page, new_client, redis_client):
    landlord = new_client()
    register(landlord, redis_client, LANDLORD)
    verify_identity(landlord)
    for number in range(1, 13):
        publish_house(landlord, title=f"第{number}套房")

    page = open_page()
    page.goto("/#/search")
    titles = page.locator(".house-card .house-title")
    expect(titles).to_have_count(10)
    expect(titles.first).to_have_text("第12套房")
    page.locator(".list-footer").scroll_into_view_if_needed()
    expect(titles).to_have_count(12)
    expect(titles.last).to_have_text("第1套房")
    expect(page.locator(".list-end")).to_have_text("没有更多房源了")


def test_the_page_policy_blocks_inline_scripts_and_foreign_images(browser, server):
    problems = []
    page = watched_page(browser, server.url, problems)
    try:
        page.goto("/")
        expect(page.get_by_test_id("header-auth")).to_be_visible()  # the SPA runs under its policy
        assert problems == []
        page.evaluate("""() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
            document.body.append(Object.assign(document.createElement("img"), {src: "https://example.invalid/x.png"}));
        }""")
        wait_in_page(page, "window.cspViolations.length === 2")
        assert sorted(page.evaluate("window.cspViolations")) == ["img-src https://example.invalid/x.png",
                                                                 "script-src-elem inline"]
        assert page.evaluate("window.injected") is None
    finally:
        page.context.close()
