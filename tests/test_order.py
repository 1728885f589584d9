"""The orders of docs/openapi.yaml through HTTP: booking, accept/reject, review, cancel, the lists, and concurrency."""
import datetime
import functools
import time

import pytest

from tests.conftest import ServerProcess
from tests.helpers import (HOUSE_FIELDS, act, act_ok, at_once, book, book_ok, day, detail, end_stay,
                           my_orders, publish_house, register, search)

PRICE_FEN = 28850


@pytest.fixture
def house_id(landlord):
    return publish_house(landlord, price="288.50", min_days=1, max_days=30)


# ---- booking --------------------------------------------------------------------------------

def test_booking_computes_inclusive_nights_and_amount(guest, house_id):
    body = book(guest, house_id, day(3), day(5))
    assert body["errcode"] == "0" and isinstance(body["order_id"], int)
    (order,) = my_orders(guest)
    assert order["order_id"] == body["order_id"] and order["house_id"] == house_id
    assert order["title"] == HOUSE_FIELDS["title"]
    assert (order["start_date"], order["end_date"]) == (day(3).isoformat(), day(5).isoformat())
    assert order["days"] == 3 and order["amount"] == 3 * PRICE_FEN
    assert order["status"] == 0 and order["comment"] is None
    datetime.datetime.strptime(order["ctime"], "%Y-%m-%d %H:%M:%S")
    assert order["nights"] == [{"date": day(n).isoformat(), "price": PRICE_FEN} for n in (3, 4, 5)]
    assert set(order) == {"order_id", "house_id", "title", "img_url", "img_thumb", "start_date", "end_date",
                          "ctime", "days", "amount", "status", "comment", "stars", "comment_ctime", "reply",
                          "reply_ctime", "actions", "nights"}


def test_one_night_stay(guest, house_id):
    assert book(guest, house_id, day(1), day(1))["errcode"] == "0"
    assert my_orders(guest)[0]["days"] == 1


def test_booking_today_is_allowed(guest, house_id):
    assert book(guest, house_id, day(0), day(0))["errcode"] == "0"


def test_document_alias_places_an_order(guest, house_id):
    assert book(guest, house_id, day(2), day(3), url="/api/order/list2")["errcode"] == "0"
    assert len(my_orders(guest)) == 1


def test_booking_needs_login(client, house_id):
    client.get("/api/logout")
    assert book(client, house_id, day(1), day(2))["errcode"] == "4102"


@pytest.mark.parametrize("body", [
    {"start_date": "2030-01-01", "end_date": "2030-01-02"},
    {"house_id": "abc", "start_date": "2030-01-01", "end_date": "2030-01-02"},
    {"house_id": 1, "end_date": "2030-01-02"},
    {"house_id": 1, "start_date": "2030-01-01"},
    {"house_id": 1, "start_date": "2030/01/01", "end_date": "2030-01-02"},
    {"house_id": 1, "start_date": "2030-02-30", "end_date": "2030-03-02"},
])
def test_booking_parameters(guest, body):
    assert guest.api("POST", "/api/order", json=body)["errcode"] == "4103"


@pytest.mark.parametrize("start, end", [(-1, 1), (5, 4), (400, 401), (1, 31)])
def test_booking_dates_and_stay_length(guest, house_id, start, end):
    """Past start, end before start, too far ahead, longer than max_days (30)."""
    assert book(guest, house_id, day(start), day(end))["errcode"] == "4103"


def test_booking_shorter_than_min_days(landlord, guest):
    house = publish_house(landlord, title="周租公寓", min_days=3, max_days=0)
    assert book(guest, house, day(1), day(2))["errcode"] == "4103"
    assert book(guest, house, day(1), day(3))["errcode"] == "0"
    assert book(guest, house, day(10), day(60))["errcode"] == "0"  # max_days 0: no upper limit


def test_unknown_house(guest):
    assert book(guest, 999999, day(1), day(2))["errcode"] == "4002"


def test_booking_own_house(landlord, house_id):
    assert book(landlord, house_id, day(1), day(2))["errcode"] == "4105"


def test_overlapping_stays(guest, house_id, new_client, redis_client):
    other = new_client()
    register(other, redis_client, "13700000003")
    assert book(guest, house_id, day(10), day(12))["errcode"] == "0"
    taken = book(other, house_id, day(12), day(14))  # starts on the other's last night
    assert taken["errcode"] == "4004" and "预订" in taken["errmsg"]
    assert book(other, house_id, day(8), day(10))["errcode"] == "4004"  # ends on its first night
    assert book(other, house_id, day(11), day(11))["errcode"] == "4004"  # inside
    assert book(other, house_id, day(5), day(20))["errcode"] == "4004"  # around
    assert book(other, house_id, day(13), day(15))["errcode"] == "0"  # back to back after
    assert book(other, house_id, day(7), day(9))["errcode"] == "0"  # back to back before


# ---- landlord: accept and reject ------------------------------------------------------------

def test_accept_counts_toward_order_count(landlord, guest, house_id):
    order_id = book(guest, house_id, day(1), day(2))["order_id"]
    assert detail(guest, house_id)["data"]["order_count"] == 0
    assert act(landlord, "accept", order_id) == {"errcode": "0", "errmsg": "OK"}
    assert my_orders(guest)[0]["status"] == 3
    assert detail(guest, house_id)["data"]["order_count"] == 1
    assert act(landlord, "accept", order_id)["errcode"] == "4004"


def test_only_the_landlord_accepts_or_rejects(guest, house_id):
    order_id = book(guest, house_id, day(1), day(2))["order_id"]
    assert act(guest, "accept", order_id)["errcode"] == "4105"
    assert act(guest, "reject", order_id, reject_reason="no")["errcode"] == "4105"
    assert my_orders(guest)[0]["status"] == 0


def test_unknown_order(landlord):
    for action, fields in [("accept", {}), ("reject", {"reject_reason": "x"}),
                           ("comment", {"comment": "x"}), ("cancel", {})]:
        assert act(landlord, action, 424242, **fields)["errcode"] == "4002"


@pytest.mark.parametrize("fields", [{}, {"order_id": "x"}, {"order_id": 0}])
def test_order_id_is_required(landlord, fields):
    assert landlord.api("POST", "/api/order/accept", json=fields)["errcode"] == "4103"


def test_reject_with_reason_frees_the_nights(landlord, guest, house_id, new_client, redis_client):
    order_id = book(guest, house_id, day(1), day(3))["order_id"]
    assert act(landlord, "reject", order_id, reject_reason="房屋维修中")["errcode"] == "0"
    (order,) = my_orders(guest)
    assert order["status"] == 6 and order["comment"] == "房屋维修中"
    assert my_orders(landlord, "landlord")[0]["comment"] == "房屋维修中"
    assert book(guest, house_id, day(1), day(3))["errcode"] == "0"


def test_reject_alias(landlord, guest, house_id):
    order_id = book(guest, house_id, day(1), day(3))["order_id"]
    body = landlord.api("POST", "/api/house/reject", json={"order_id": order_id, "reject_reason": "满房"})
    assert body["errcode"] == "0"
    assert my_orders(guest)[0]["status"] == 6


@pytest.mark.parametrize("reason", [None, "", "   ", "x" * 257])
def test_reject_reason_rules(landlord, guest, house_id, reason):
    order_id = book(guest, house_id, day(1), day(3))["order_id"]
    fields = {} if reason is None else {"reject_reason": reason}
    assert act(landlord, "reject", order_id, **fields)["errcode"] == "4103"
    assert my_orders(guest)[0]["status"] == 0


def test_reject_after_accept_is_refused(landlord, guest, house_id):
    order_id = book(guest, house_id, day(1), day(3))["order_id"]
    act(landlord, "accept", order_id)
    assert act(landlord, "reject", order_id, reject_reason="改主意了")["errcode"] == "4004"


# ---- guest: review and cancel ---------------------------------------------------------------

def test_review_appears_in_the_detail_at_once(landlord, guest, house_id, db_conn):
    order_id = book(guest, house_id, day(1), day(2))["order_id"]
    assert act(guest, "comment", order_id, comment="too early")["errcode"] == "4004"
    act(landlord, "accept", order_id)
    end_stay(db_conn, order_id)
    assert act(landlord, "comment", order_id, comment="自己评自己")["errcode"] == "4105"
    assert act(guest, "comment", order_id, comment="干净整洁，\n房东很热情")["errcode"] == "0"
    (order,) = my_orders(guest)
    assert order["status"] == 4 and order["comment"] == "干净整洁，\n房东很热情"
    (review,) = detail(guest, house_id)["data"]["comments"]
    assert review["content"] == "干净整洁，\n房东很热情"
    assert review["user_name"] == "匿名用户"  # the guest's name is still their mobile
    datetime.datetime.strptime(review["ctime"], "%Y-%m-%d %H:%M:%S")
    assert act(guest, "comment", order_id, comment="again")["errcode"] == "4004"


@pytest.mark.parametrize("comment", [None, "", "x" * 1001, "bad\x00byte"])
def test_review_rules(landlord, guest, house_id, db_conn, comment):
    order_id = book(guest, house_id, day(1), day(2))["order_id"]
    act(landlord, "accept", order_id)
    end_stay(db_conn, order_id)
    fields = {} if comment is None else {"comment": comment}
    assert act(guest, "comment", order_id, **fields)["errcode"] == "4103"


@pytest.mark.parametrize("last_night", [0, 3])
def test_a_review_waits_until_the_stay_is_over(landlord, guest, house_id, new_client, redis_client,
                                              last_night):
    """Reviewing completes the order and frees its nights: before the last night is over, the
    nights would be sold twice."""
    order_id = book(guest, house_id, day(0), day(last_night))["order_id"]
    act(landlord, "accept", order_id)
    refused = act(guest, "comment", order_id, comment="提前评价")
    assert refused == {"errcode": "4004", "errmsg": "入住结束后才能评价"}
    assert my_orders(guest)[0]["status"] == 3
    other = new_client()
    register(other, redis_client, "13700000003")
    assert book(other, house_id, day(last_night), day(last_night))["errcode"] == "4004"


def test_cancel_frees_the_nights(landlord, guest, house_id):
    order_id = book(guest, house_id, day(1), day(3))["order_id"]
    assert act(landlord, "cancel", order_id)["errcode"] == "4105"
    assert act(guest, "cancel", order_id)["errcode"] == "0"
    assert my_orders(guest)[0]["status"] == 5
    assert act(guest, "cancel", order_id)["errcode"] == "4004"
    assert book(guest, house_id, day(2), day(2))["errcode"] == "0"


def test_an_accepted_order_cannot_be_cancelled(landlord, guest, house_id):
    order_id = book(guest, house_id, day(1), day(3))["order_id"]
    act(landlord, "accept", order_id)
    assert act(guest, "cancel", order_id)["errcode"] == "4004"


# ---- lists ----------------------------------------------------------------------------------

def test_lists_of_both_roles_newest_first(landlord, guest, house_id):
    first = book(guest, house_id, day(1), day(1))["order_id"]
    second = book(guest, house_id, day(5), day(6))["order_id"]
    assert [o["order_id"] for o in my_orders(guest)] == [second, first]
    assert [o["order_id"] for o in my_orders(guest, "custom")] == [second, first]
    assert [o["order_id"] for o in my_orders(landlord, "landlord")] == [second, first]
    assert my_orders(landlord) == []
    assert my_orders(guest, "landlord") == []


def test_unknown_role(guest):
    assert guest.api("GET", "/api/order/my?role=admin")["errcode"] == "4103"


def test_lists_need_login(client):
    assert client.api("GET", "/api/order/my")["errcode"] == "4102"


# ---- caches see every order change ----------------------------------------------------------

def free_houses(client, first, last):
    """The houses of area 2 that the search finds free from `first` to `last`: the cached and
    the uncached search must agree."""
    found = [[h["house_id"] for h in search(client, url, aid=2, sd=first.isoformat(), ed=last.isoformat())["data"]]
             for url in ("/api/house/list2", "/api/house/list")]
    assert found[0] == found[1], found
    return found[0]


def test_every_order_change_is_visible_on_the_next_cached_read(landlord, guest, house_id, db_conn):
    assert free_houses(guest, day(1), day(2)) == [house_id]
    order_id = book(guest, house_id, day(1), day(2))["order_id"]
    assert free_houses(guest, day(1), day(2)) == []
    assert free_houses(guest, day(2), day(4)) == []
    assert free_houses(guest, day(3), day(4)) == [house_id]
    act(guest, "cancel", order_id)
    assert free_houses(guest, day(1), day(2)) == [house_id]
    order_id = book(guest, house_id, day(1), day(2))["order_id"]
    act(landlord, "reject", order_id, reject_reason="满房")
    assert free_houses(guest, day(1), day(2)) == [house_id]
    order_id = book(guest, house_id, day(1), day(2))["order_id"]
    act(landlord, "accept", order_id)
    assert free_houses(guest, day(1), day(2)) == []
    assert detail(guest, house_id)["data"]["order_count"] == 1
    end_stay(db_conn, order_id)  # behind the server's back: the cache may still hold the nights
    act(guest, "comment", order_id, comment="好")
    assert detail(guest, house_id)["data"]["comments"][0]["content"] == "好"
    assert free_houses(guest, day(1), day(2)) == [house_id]  # a completed stay holds no nights


# ---- what one guest may hold waiting --------------------------------------------------------

PENDING_ORDERS = 5  # the server's defaults
PENDING_NIGHTS = 60


def refused_for_waiting(client, house_id, first, last):
    """Book, which must be refused because the guest holds too much waiting; the message."""
    response = client.request("POST", "/api/order", json={
        "house_id": house_id, "start_date": first.isoformat(), "end_date": last.isoformat()})
    body = response.json()
    assert body["errcode"] == "4201", body
    assert 1 <= int(response.headers["Retry-After"]) <= 24 * 3600  # when the oldest one expires
    return body["errmsg"]


def test_a_guest_holds_at_most_5_waiting_orders(landlord, guest):
    houses = [publish_house(landlord, title=f"房源{i}") for i in range(PENDING_ORDERS + 1)]
    orders = [book_ok(guest, house, day(1), day(2)) for house in houses[:PENDING_ORDERS]]
    assert "5个待接单" in refused_for_waiting(guest, houses[-1], day(1), day(2))
    assert len(my_orders(guest)) == PENDING_ORDERS
    act_ok(landlord, "accept", orders[0])  # an accepted order no longer waits
    last = book_ok(guest, houses[-1], day(1), day(2))
    refused_for_waiting(guest, houses[0], day(5), day(5))
    act_ok(guest, "cancel", last)
    assert book(guest, houses[0], day(5), day(5))["errcode"] == "0"


def test_a_guest_holds_at_most_60_waiting_nights(landlord, guest):
    house = publish_house(landlord, max_days=0)
    book_ok(guest, house, day(1), day(40))
    book_ok(guest, house, day(41), day(60))
    assert "60晚" in refused_for_waiting(guest, house, day(61), day(61))
    other = publish_house(landlord, title="第二套", max_days=0)
    too_long = book(guest, other, day(100), day(100 + PENDING_NIGHTS))  # 61 nights could never be held
    assert (too_long["errcode"], too_long["param"]) == ("4103", "end_date"), too_long


def test_simultaneous_bookings_of_one_guest_cannot_pass_the_limit_together(landlord, guest):
    """Each booking locks another house, so only the guest's own row makes them take turns."""
    houses = [publish_house(landlord, title=f"房源{i}") for i in range(PENDING_ORDERS + 3)]
    bodies = at_once(*[functools.partial(book, guest, house, day(1), day(2)) for house in houses])
    assert sorted(body["errcode"] for body in bodies) == ["0"] * PENDING_ORDERS + ["4201"] * 3
    assert len(my_orders(guest)) == PENDING_ORDERS


def test_an_unanswered_booking_expires_and_frees_its_nights(landlord, guest, new_client, db_conn):
    """On a server where landlords have half an hour to answer and it looks every 0.2 s; two
    orders are made 31 minutes old behind its back."""
    quick = ServerProcess("expiry", IHOME_PENDING_ORDER_HOURS="0.5",
                          IHOME_PENDING_SWEEP_SECONDS="0.2").start()
    try:
        quick.wait_ready()
        owner, booker = new_client(quick.url), new_client(quick.url)
        owner.cookies.update(landlord.cookies)
        booker.cookies.update(guest.cookies)
        house_id = publish_house(owner)
        unanswered = book_ok(booker, house_id, day(1), day(2))
        accepted = book_ok(booker, house_id, day(5), day(6))
        recent = book_ok(booker, house_id, day(8), day(9))
        act_ok(owner, "accept", accepted)
        assert free_houses(booker, day(1), day(2)) == []  # and so cached
        with db_conn.cursor() as cur:
            cur.execute("UPDATE ih_order SET created_at = created_at - INTERVAL 31 MINUTE"
                        " WHERE id IN (%s, %s)", (unanswered, accepted))
        for _ in range(100):
            statuses = {order["order_id"]: order["status"] for order in my_orders(booker)}
            if statuses[unanswered] != 0:
                break
            time.sleep(0.1)
        assert statuses == {unanswered: 7, accepted: 3, recent: 0}
        assert {order["order_id"]: order["actions"] for order in my_orders(owner, "landlord")} == {
            unanswered: [], accepted: [], recent: ["accept", "reject"]}
        assert my_orders(booker)[-1]["actions"] == []
        assert act(owner, "accept", unanswered)["errcode"] == "4004"
        assert free_houses(booker, day(1), day(2)) == [house_id]
        assert free_houses(booker, day(5), day(6)) == free_houses(booker, day(8), day(9)) == []
        assert book(booker, house_id, day(1), day(2))["errcode"] == "0"
    finally:
        assert quick.stop() == 0


# ---- concurrency ----------------------------------------------------------------------------

GUESTS = 6
REQUESTS_PER_GUEST = 5


def test_simultaneous_overlapping_bookings_have_exactly_one_winner(server, house_id, redis_client,
                                                                   new_client, db_conn):
    clients = []
    for i in range(GUESTS):
        guest = new_client()
        register(guest, redis_client, f"1360000{i:04d}")
        for _ in range(REQUESTS_PER_GUEST):  # one connection per request, as separate tabs would
            clients.append(new_client())
            clients[-1].cookies.update(guest.cookies)
    # every request overlaps every other one on the night day(12)
    ranges = [(day(10 + i % 3), day(12 + i % 4)) for i in range(len(clients))]
    started = time.monotonic()
    bodies = at_once(*[functools.partial(book, client, house_id, first, last)
                       for client, (first, last) in zip(clients, ranges)])
    elapsed = time.monotonic() - started
    answers = [body["errcode"] for body in bodies]
    assert sorted(answers) == ["0"] + ["4004"] * (len(ranges) - 1)
    with db_conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM ih_order WHERE house_id = %s AND status IN (0, 3)", (house_id,))
        assert cur.fetchone()[0] == 1
        cur.execute("SELECT COUNT(*), COUNT(DISTINCT night) FROM ih_booked_night WHERE house_id = %s",
                    (house_id,))
        held, distinct = cur.fetchone()
        assert held == distinct > 0
    print(f"\n{len(ranges)} simultaneous bookings: 1 won, {len(ranges) - 1} got 4004 in {elapsed:.2f}s")
