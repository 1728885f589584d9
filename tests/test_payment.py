"""Payment (`--payment=alipay`) through HTTP, against the test gateway (tests/alipay_gateway.py):
an accepted order waits for payment holding its nights; only what the gateway proves pays it,
once; unpaid orders expire; a paid stay cancelled in time is refunded, once."""
import functools
import re
import types

import httpx
import pytest

from tests.alipay_gateway import new_key
from tests.conftest import ServerProcess
from tests.helpers import (GUEST_MOBILE, LANDLORD_MOBILE, act, at_once, book, book_ok, day, detail, end_stay,
                           house_cache_generation, publish_house, register, search, verify_identity)
from tests.payment_support import (accepted_order, alipay_gateway, checkout, eventually,  # noqa: F401 - fixtures
                                   gateway, open_trade, order_of, paid_order, pay_server, payment_server,
                                   status_becomes, status_of)

PRICE_FEN = 28850


@pytest.fixture
def people(pay_server, new_client, redis_client):
    """A landlord with a house and a guest, both on the server with payments."""
    landlord, guest = new_client(pay_server.url), new_client(pay_server.url)
    register(landlord, redis_client, LANDLORD_MOBILE)
    verify_identity(landlord)
    register(guest, redis_client, GUEST_MOBILE)
    return types.SimpleNamespace(landlord=landlord, guest=guest, house=publish_house(landlord, price="288.50"),
                                 server=pay_server)


@pytest.fixture
def rival(pay_server, new_client, redis_client):
    """Another guest, who would like the same nights."""
    client = new_client(pay_server.url)
    register(client, redis_client, "13700000003")
    return client


def log_count(server, pattern):
    return len(re.findall(pattern, server.log_path.read_text(encoding="utf-8")))


def free(client, house_id, first, last):
    found = search(client, "/api/house/list2", aid=2, sd=first.isoformat(), ed=last.isoformat())
    return house_id in [house["house_id"] for house in found["data"]]


def assert_search_counts_agree(db_conn):
    """The search's counts (migration 0007) still count every held night: every payment path
    changed them under the house's lock, as bookings do."""
    with db_conn.cursor() as cur:
        cur.execute("SELECT (SELECT COUNT(*) FROM ih_booked_night), (SELECT COALESCE(SUM(booked), 0)"
                    " FROM ih_search_night)")
        held, counted = cur.fetchone()
    assert held == counted


def payment_row(db_conn, order_id):
    with db_conn.cursor() as cur:
        cur.execute("SELECT status, trade_no, settled_by, paid_at FROM ih_payment WHERE order_id = %s", (order_id,))
        return cur.fetchone()


# ---- with payment off ---------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [("POST", "/api/pay"), ("GET", "/api/pay/status?order_id=1"),
                                          ("POST", "/api/pay/notify"), ("GET", "/api/pay/return?order_id=1")])
def test_with_payment_off_the_payment_routes_are_unknown_paths(server, method, path):
    """As answered before they existed: without a token, whatever the method."""
    answer = httpx.request(method, server.url + path, data={"order_id": "1"})
    assert answer.status_code == 404
    assert answer.json() == {"errcode": "4002", "errmsg": f"接口不存在：{path.partition('?')[0]}"}


# ---- the flow -----------------------------------------------------------------------------

def test_an_accepted_order_waits_for_payment_holding_its_nights_until_the_gateway_pays_it(
        people, gateway, rival, db_conn):
    order_id = accepted_order(people.landlord, people.guest, people.house, day(10), day(12))
    order = order_of(people.guest, order_id)
    assert order["status"] == 1 and order["actions"] == ["pay", "cancel"]
    assert order["payment"] == {"pay_by": order["payment"]["pay_by"], "paid": False, "refund_if_cancelled": None,
                                "full_refund_until": None, "refund": None}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", order["payment"]["pay_by"])
    assert order_of(people.landlord, order_id, "landlord")["actions"] == []
    assert detail(people.guest, people.house)["data"]["order_count"] == 0
    assert book(rival, people.house, day(12), day(13))["errcode"] == "4004"
    assert not free(rival, people.house, day(10), day(12))

    out_trade_no = open_trade(people.guest, order_id)
    back = gateway.pay(out_trade_no)
    assert gateway.notify_answers[-1] == (200, "success")  # sent before the browser comes back
    order = order_of(people.guest, order_id)
    assert order["status"] == 2 and order["actions"] == ["cancel_refund"]
    assert order["payment"]["paid"] and order["payment"]["refund_if_cancelled"] == 3 * PRICE_FEN
    assert order["payment"]["full_refund_until"] == f"{day(8)} 00:00:00"
    assert order_of(people.landlord, order_id, "landlord")["actions"] == []
    assert detail(people.guest, people.house)["data"]["order_count"] == 1
    assert book(rival, people.house, day(10), day(10))["errcode"] == "4004"
    assert payment_row(db_conn, order_id)[:3] == (1, gateway.trades[out_trade_no]["trade_no"], "notify")

    returned = people.guest.get(back.removeprefix(people.server.url), follow_redirects=False)
    assert (returned.status_code, returned.headers["Location"]) == (302, f"/#/payment/{order_id}")
    status = people.guest.api("GET", f"/api/pay/status?order_id={order_id}")["data"]
    assert status == {"order_id": order_id, "status": 2, "amount": 3 * PRICE_FEN, "paid": True, "pay_by": None}


def test_a_qr_code_pays_too(people, gateway):
    order_id = accepted_order(people.landlord, people.guest, people.house, day(5), day(5))
    body = checkout(people.guest, order_id, method="qr")
    assert body["errcode"] == "0" and body["amount"] == PRICE_FEN
    assert body["qr_code"].startswith(gateway.url + "/qr/")
    assert checkout(people.guest, order_id, method="qr")["qr_code"] == body["qr_code"]  # one trade per order
    gateway.pay(body["qr_code"].rsplit("/", 1)[1])  # scanned and paid on the phone
    assert status_of(people.guest, order_id) == 2


def test_who_may_pay_what(people, gateway, client):
    waiting = book_ok(people.guest, people.house, day(3), day(3))
    assert checkout(people.guest, waiting)["errcode"] == "4004"  # the landlord has not accepted it
    order_id = accepted_order(people.landlord, people.guest, people.house, day(5), day(5))
    assert checkout(people.landlord, order_id)["errcode"] == "4105"
    assert checkout(people.guest, 999999)["errcode"] == "4002"
    body = checkout(people.guest, order_id, method="card")
    assert (body["errcode"], body["param"]) == ("4103", "method")
    assert people.landlord.api("GET", f"/api/pay/status?order_id={order_id}")["data"]["paid"] is False
    anonymous = httpx.post(people.server.url + "/api/pay/notify", data={})
    assert (anonymous.status_code, anonymous.text) == (400, "fail")


# ---- only what the gateway proves ---------------------------------------------------------

def another_key_signs(gateway, number):
    return gateway.notification(number, key=new_key(), trade_status="TRADE_SUCCESS")


def amount_tampered(gateway, number):
    return {**gateway.notification(number, trade_status="TRADE_SUCCESS"), "total_amount": "0.01"}


def status_tampered(gateway, number):
    return {**gateway.notification(number), "trade_status": "TRADE_SUCCESS"}


def unsigned(gateway, number):
    fields = gateway.notification(number, trade_status="TRADE_SUCCESS")
    del fields["sign"]
    return fields


def rsa1(gateway, number):
    return gateway.notification(number, trade_status="TRADE_SUCCESS", sign_type="RSA")


def another_app(gateway, number):
    return gateway.notification(number, trade_status="TRADE_SUCCESS", app_id="2021999999999999")


def another_seller(gateway, number):
    return gateway.notification(number, trade_status="TRADE_SUCCESS", seller_id="2088999999999999")


def not_our_trade(gateway, number):
    return gateway.notification(number, trade_status="TRADE_SUCCESS", out_trade_no="ih1x0123456789abcdef")


def wrong_amount(gateway, number):
    """Signed by the gateway itself, but not the order's amount."""
    return gateway.notification(number, trade_status="TRADE_SUCCESS", total_amount="1.00")


@pytest.mark.parametrize("untrusted", [another_key_signs, amount_tampered, status_tampered, unsigned, rsa1,
                                       another_app, another_seller, not_our_trade, wrong_amount])
def test_a_notification_that_fails_a_check_changes_nothing_and_is_logged(people, gateway, db_conn, untrusted):
    order_id = accepted_order(people.landlord, people.guest, people.house, day(5), day(6))
    number = open_trade(people.guest, order_id)
    logged = log_count(people.server, "untrusted payment notification")
    notify_url = gateway.trades[number]["notify_url"]
    assert gateway.post_notification(untrusted(gateway, number), notify_url) == (400, "fail")
    assert status_of(people.guest, order_id) == 1
    assert payment_row(db_conn, order_id) == (0, None, None, None)
    assert log_count(people.server, "untrusted payment notification") == logged + 1
    gateway.notify_mode = "lost"
    gateway.pay(number)
    assert gateway.post_notification(gateway.notification(number)) == (200, "success")
    assert status_of(people.guest, order_id) == 2


def assert_paid_once(people, order_id):
    """The order is paid, and that happened once: one count, one line in the log."""
    assert status_of(people.guest, order_id) == 2
    assert detail(people.guest, people.house)["data"]["order_count"] == 1
    assert log_count(people.server, rf"order {order_id} paid") == 1


def test_a_replayed_notification_changes_nothing_twice(people, gateway, db_conn, redis_client):
    order_id, number = paid_order(people.landlord, people.guest, gateway, people.house, day(5), day(6))
    first = payment_row(db_conn, order_id)
    generation = house_cache_generation(redis_client)
    fields = gateway.notification(number)
    for _ in range(2):
        assert gateway.post_notification(fields) == (200, "success")
    assert payment_row(db_conn, order_id) == first
    assert house_cache_generation(redis_client) == generation  # replays do not keep the cache cold
    assert_paid_once(people, order_id)


def test_notifications_at_once_store_one_payment(people, gateway):
    order_id = accepted_order(people.landlord, people.guest, people.house, day(5), day(6))
    number = open_trade(people.guest, order_id)
    gateway.notify_mode = "twice"
    gateway.pay(number)
    fields = gateway.notification(number)
    answers = at_once(*[functools.partial(gateway.post_notification, fields)] * 4)
    assert answers == [(200, "success")] * 4
    assert gateway.notify_answers[-6:] == [(200, "success")] * 6
    assert_paid_once(people, order_id)


def test_notifications_out_of_order_never_take_a_payment_back(people, gateway):
    order_id = accepted_order(people.landlord, people.guest, people.house, day(5), day(6))
    number = open_trade(people.guest, order_id)
    waiting = gateway.notification(number)  # WAIT_BUYER_PAY, delivered late
    assert gateway.post_notification(waiting) == (200, "success")
    assert status_of(people.guest, order_id) == 1
    gateway.pay(number)
    for late in (waiting, gateway.notification(number, trade_status="TRADE_FINISHED")):
        assert gateway.post_notification(late) == (200, "success")
        assert status_of(people.guest, order_id) == 2


def test_a_lost_notification_is_settled_by_asking_the_gateway(people, gateway, db_conn):
    order_id = accepted_order(people.landlord, people.guest, people.house, day(5), day(6))
    number = open_trade(people.guest, order_id)
    gateway.notify_mode = "lost"
    gateway.pay(number)
    assert status_of(people.guest, order_id) == 1
    status = people.guest.api("GET", f"/api/pay/status?order_id={order_id}")["data"]  # the result page
    assert (status["status"], status["paid"]) == (2, True)
    assert payment_row(db_conn, order_id)[2] == "query"


def test_the_result_page_answers_while_the_gateway_fails(people, gateway):
    order_id = accepted_order(people.landlord, people.guest, people.house, day(5), day(6))
    open_trade(people.guest, order_id)
    gateway.fail_next("alipay.trade.query", count=5)
    status = people.guest.api("GET", f"/api/pay/status?order_id={order_id}")["data"]
    assert (status["status"], status["paid"]) == (1, False)
    gateway.fail_next("alipay.trade.precreate", count=2)
    assert checkout(people.guest, order_id, method="qr")["errcode"] == "4301"


# ---- expiry -------------------------------------------------------------------------------

def pay_by_passes(db_conn, order_id):
    with db_conn.cursor() as cur:
        cur.execute("UPDATE ih_order SET pay_by = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE id = %s", (order_id,))


def test_an_unpaid_order_expires_and_its_nights_can_be_booked_again(people, gateway, rival, db_conn):
    untouched = accepted_order(people.landlord, people.guest, people.house, day(2), day(3))
    opened = accepted_order(people.landlord, people.guest, people.house, day(5), day(6))
    number = open_trade(people.guest, opened)
    assert not free(rival, people.house, day(2), day(3)) and not free(rival, people.house, day(5), day(6))
    for order_id in (untouched, opened):
        pay_by_passes(db_conn, order_id)
        assert status_becomes(people.guest, order_id, 1) == 7
        assert order_of(people.guest, order_id)["actions"] == []
    # Closed at the gateway once the order has expired: it cannot be paid now.
    eventually(lambda: gateway.trades[number]["status"], lambda status: status == "TRADE_CLOSED")
    assert gateway.pay(number) is None
    assert checkout(people.guest, opened)["errcode"] == "4004"
    assert free(rival, people.house, day(2), day(3)) and free(rival, people.house, day(5), day(6))
    assert book(rival, people.house, day(2), day(6))["errcode"] == "0"
    assert_search_counts_agree(db_conn)


def test_an_order_cancelled_while_waiting_for_payment_has_its_trade_closed(people, gateway, rival):
    order_id = accepted_order(people.landlord, people.guest, people.house, day(5), day(6))
    number = open_trade(people.guest, order_id)
    assert act(people.guest, "cancel", order_id) == {"errcode": "0", "errmsg": "OK"}
    assert gateway.trades[number]["status"] == "TRADE_CLOSED"
    assert gateway.pay(number) is None
    assert book(rival, people.house, day(5), day(6))["errcode"] == "0"


def test_a_paid_order_whose_notification_was_lost_is_settled_not_expired(people, gateway, db_conn):
    order_id = accepted_order(people.landlord, people.guest, people.house, day(5), day(6))
    number = open_trade(people.guest, order_id)
    gateway.notify_mode = "lost"
    gateway.pay(number)
    pay_by_passes(db_conn, order_id)
    assert status_becomes(people.guest, order_id, 1) == 2


def test_a_payment_for_an_order_no_longer_waiting_is_refunded_in_full(people, gateway, rival, db_conn):
    order_id = accepted_order(people.landlord, people.guest, people.house, day(5), day(6))
    number = open_trade(people.guest, order_id)
    gateway.notify_mode = "lost"
    gateway.pay(number)  # paid while the guest cancels in another tab
    assert act(people.guest, "cancel", order_id) == {"errcode": "0", "errmsg": "OK"}
    assert gateway.post_notification(gateway.notification(number)) == (200, "success")
    order = order_of(people.guest, order_id)
    assert order["status"] == 5
    assert order["payment"]["refund"] == {"amount": 2 * PRICE_FEN, "status": "done"}
    assert [refund["amount"] for refund in gateway.refunds.values()
            if refund["out_trade_no"] == number] == [2 * PRICE_FEN]
    assert book(rival, people.house, day(5), day(6))["errcode"] == "0"
    assert_search_counts_agree(db_conn)


# ---- cancelling a paid stay ---------------------------------------------------------------

def refunds_of(gateway, number):
    return [refund["amount"] for refund in gateway.refunds.values() if refund["out_trade_no"] == number]


def test_the_refund_rule_at_its_boundary(people, gateway, rival, db_conn):
    """Whole until 48 h before the first night's 00:00: a stay starting in 3 days is refunded,
    one starting in 2 days is not (its deadline was this morning's 00:00)."""
    refunded, number = paid_order(people.landlord, people.guest, gateway, people.house, day(3), day(3))
    kept, kept_number = paid_order(people.landlord, people.guest, gateway, people.house, day(2), day(2))
    assert order_of(people.guest, refunded)["actions"] == ["cancel_refund"]
    assert order_of(people.guest, refunded)["payment"]["full_refund_until"] == f"{day(1)} 00:00:00"
    kept_order = order_of(people.guest, kept)
    assert kept_order["actions"] == ["cancel"] and kept_order["payment"]["refund_if_cancelled"] == 0
    assert kept_order["payment"]["full_refund_until"] == f"{day(0)} 00:00:00"

    body = act(people.guest, "cancel", refunded, refund_amount=PRICE_FEN)
    assert body == {"errcode": "0", "errmsg": "OK", "refund": {"amount": PRICE_FEN, "status": "done"}}
    body = act(people.guest, "cancel", kept, refund_amount=0)
    assert body == {"errcode": "0", "errmsg": "OK", "refund": {"amount": 0, "status": "none"}}
    assert refunds_of(gateway, number) == [PRICE_FEN] and refunds_of(gateway, kept_number) == []
    assert order_of(people.guest, refunded)["payment"]["refund"] == {"amount": PRICE_FEN, "status": "done"}
    assert order_of(people.guest, kept)["payment"]["refund"] is None
    assert detail(people.guest, people.house)["data"]["order_count"] == 0  # neither stay takes place
    assert book(rival, people.house, day(2), day(3))["errcode"] == "0"
    assert_search_counts_agree(db_conn)


def test_a_cancel_shown_another_refund_is_refused(people, gateway):
    order_id, _ = paid_order(people.landlord, people.guest, gateway, people.house, day(5), day(5))
    body = act(people.guest, "cancel", order_id, refund_amount=0)  # the page was older than the deadline
    assert body == {"errcode": "4004", "errmsg": "可退款金额已变化，请刷新订单后再操作"}
    assert status_of(people.guest, order_id) == 2


def test_a_refund_happens_once_though_its_answer_was_lost(people, gateway, db_conn):
    order_id, number = paid_order(people.landlord, people.guest, gateway, people.house, day(5), day(6))
    gateway.fail_next("alipay.trade.refund", count=2, how="after")  # refunded, but no answer reaches us
    body = act(people.guest, "cancel", order_id)
    assert body["refund"] == {"amount": 2 * PRICE_FEN, "status": "pending"}
    assert act(people.guest, "cancel", order_id)["errcode"] == "4004"
    with db_conn.cursor() as cur:  # the sweep's next attempt is due now
        cur.execute("UPDATE ih_refund SET next_attempt_at = UTC_TIMESTAMP() WHERE order_id = %s", (order_id,))
    refund = eventually(lambda: order_of(people.guest, order_id)["payment"]["refund"],
                        lambda refund: refund["status"] == "done")
    assert refund == {"amount": 2 * PRICE_FEN, "status": "done"}
    requests = [no for no in gateway.refund_requests if no.startswith(f"rf{order_id}x")]
    assert len(requests) == 3 and len(set(requests)) == 1  # one key, however often it was sent
    assert refunds_of(gateway, number) == [2 * PRICE_FEN]


def test_a_landlord_cannot_cancel_or_reject_a_paid_order(people, gateway):
    order_id, _ = paid_order(people.landlord, people.guest, gateway, people.house, day(5), day(6))
    assert act(people.landlord, "cancel", order_id)["errcode"] == "4105"
    assert act(people.landlord, "reject", order_id, reject_reason="不想租了")["errcode"] == "4004"
    assert act(people.landlord, "accept", order_id)["errcode"] == "4004"
    assert status_of(people.guest, order_id) == 2


def test_a_paid_stay_under_way_cannot_be_cancelled(people, gateway):
    order_id, _ = paid_order(people.landlord, people.guest, gateway, people.house, day(0), day(1))
    assert order_of(people.guest, order_id)["actions"] == []
    assert act(people.guest, "cancel", order_id) == {"errcode": "4004", "errmsg": "入住已开始，无法取消"}


def test_after_a_paid_stay_the_guest_reviews(people, gateway, db_conn):
    order_id, _ = paid_order(people.landlord, people.guest, gateway, people.house, day(5), day(6))
    end_stay(db_conn, order_id)
    assert status_becomes(people.guest, order_id, 2) == 3
    assert order_of(people.guest, order_id)["actions"] == ["comment"]
    assert act(people.guest, "comment", order_id, comment="付款顺利，住得舒服")["errcode"] == "0"
    assert status_of(people.guest, order_id) == 4
    assert detail(people.guest, people.house)["data"]["order_count"] == 1
    # Each side was told of each step (README, "Live notifications").
    told = {who: [n["kind"] for n in client.api("GET", "/api/notifications")["notifications"]]
            for who, client in (("landlord", people.landlord), ("guest", people.guest))}
    assert told == {"landlord": ["reviewed", "paid", "booked"], "guest": ["stay_over", "accepted"]}


# ---- start-up -----------------------------------------------------------------------------

@pytest.mark.parametrize("env, message", [
    ({"IHOME_PAYMENT": "paypal"}, "--payment='paypal': use off or alipay"),
    ({"IHOME_PAYMENT": "alipay"}, "--payment=alipay needs --public_url, --alipay_app_id"),
    ({"IHOME_ALIPAY_PUBLIC_KEY_FILE": "/nonexistent.pem"}, "--alipay_public_key_file='/nonexistent.pem'"),
])
def test_a_payment_setting_that_cannot_work_stops_start_up(server, alipay_gateway, env, message):
    proc = payment_server("payment-misconfigured", alipay_gateway) if "IHOME_ALIPAY_PUBLIC_KEY_FILE" in env \
        else ServerProcess("payment-misconfigured")
    proc.env.update(env)
    proc.start()
    assert proc.process.wait(timeout=60) != 0
    proc.log.close()
    assert message in proc.log_path.read_text(encoding="utf-8")
