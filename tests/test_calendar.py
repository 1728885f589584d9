"""The availability calendar through HTTP: the nights of a house (free, booked, blocked, and
each one's price), the landlord's blocks and night prices, and bookings that go around blocks
and charge each night its price."""
import pytest

from tests.helpers import (act_ok, at_once, book, book_ok, day, end_stay, my_orders, publish_house, register,
                           search, verify_identity)

PRICE_FEN = 28850


def calendar(client, house_id, **query):
    return client.api("GET", "/api/house/calendar", params={"house_id": house_id, **query})


def nights_of(client, house_id, **query):
    body = calendar(client, house_id, **query)
    assert body["errcode"] == "0", body
    return {night["date"]: night for night in body["data"]["nights"]}


def change(client, house_id, first, last, **fields):
    return client.api("POST", "/api/house/calendar", json={"house_id": house_id, "start_date": first.isoformat(),
                                                           "end_date": last.isoformat(), **fields})


def change_ok(client, house_id, first, last, **fields):
    body = change(client, house_id, first, last, **fields)
    assert body == {"errcode": "0", "errmsg": "OK"}, body


@pytest.fixture
def house_id(landlord):
    return publish_house(landlord, price="288.50", min_days=1, max_days=30)


# ---- reading ----------------------------------------------------------------------------------

def test_a_new_house_is_free_at_its_price_from_today_to_the_end_of_the_month(client, house_id):
    body = calendar(client, house_id)
    assert body["errcode"] == "0"
    data = body["data"]
    assert (data["house_id"], data["price"]) == (house_id, PRICE_FEN)
    assert data["nights"][0] == {"date": day(0).isoformat(), "status": "free", "price": PRICE_FEN}
    last = data["nights"][-1]["date"]
    assert day(0).isoformat()[:7] == last[:7] and len(data["nights"]) == int(last[8:]) - day(0).day + 1


def test_past_nights_are_left_out_and_months_count_calendar_months(client, house_id):
    first_of_month = day(0).replace(day=1)
    nights = nights_of(client, house_id, **{"from": first_of_month.isoformat(), "months": 3})
    assert min(nights) == day(0).isoformat()
    assert max(nights) > day(58).isoformat() and len(nights) < 93


def test_the_calendar_shows_booked_and_blocked_nights_and_never_who(landlord, guest, client, house_id):
    book_ok(guest, house_id, day(3), day(4))
    change_ok(landlord, house_id, day(6), day(6), blocked=True)
    nights = nights_of(client, house_id, **{"from": day(0).isoformat(), "months": 2})
    assert [nights[day(n).isoformat()]["status"] for n in range(2, 8)] == [
        "free", "booked", "booked", "free", "blocked", "free"]
    assert set(nights[day(3).isoformat()]) == {"date", "status", "price"}


@pytest.mark.parametrize("query, field", [
    ({}, "house_id"),
    ({"house_id": "x"}, "house_id"),
    ({"house_id": 1, "from": "2030/01/01"}, "from"),
    ({"house_id": 1, "months": 0}, "months"),
    ({"house_id": 1, "months": 13}, "months"),
])
def test_reading_parameters_name_the_field(client, query, field):
    body = client.api("GET", "/api/house/calendar", params=query)
    assert (body["errcode"], body["param"]) == ("4103", field), body


def test_an_unknown_house_has_no_calendar(client):
    assert calendar(client, 999999)["errcode"] == "4002"


# ---- changing -----------------------------------------------------------------------------------

def test_block_and_unblock_a_range(landlord, client, house_id):
    change_ok(landlord, house_id, day(5), day(7), blocked=True)
    nights = nights_of(client, house_id, months=2)
    assert [nights[day(n).isoformat()]["status"] for n in range(4, 9)] == ["free", "blocked", "blocked", "blocked",
                                                                           "free"]
    change_ok(landlord, house_id, day(4), day(8), blocked=True)  # over nights already blocked
    change_ok(landlord, house_id, day(6), day(6), blocked=False)
    nights = nights_of(client, house_id, months=2)
    assert [nights[day(n).isoformat()]["status"] for n in range(4, 9)] == ["blocked", "blocked", "free", "blocked",
                                                                           "blocked"]


def test_changes_need_a_login(client, house_id):
    client.get("/api/logout")
    assert change(client, house_id, day(1), day(2), blocked=True)["errcode"] == "4102"


def test_another_user_cannot_change_the_calendar(guest, house_id):
    assert change(guest, house_id, day(1), day(2), blocked=True)["errcode"] == "4105"
    assert change(guest, house_id, day(1), day(2), price=1)["errcode"] == "4105"


def test_unknown_house(landlord):
    body = change(landlord, 999999, day(1), day(2), blocked=True)
    assert (body["errcode"], body["param"]) == ("4002", "house_id")


def test_a_house_taken_down_has_no_calendar_to_read_or_change(landlord, client, house_id):
    change_ok(landlord, house_id, day(3), day(4), blocked=True)
    assert landlord.api("POST", "/api/house/takedown", json={"house_id": house_id})["errcode"] == "0"
    assert calendar(client, house_id)["errcode"] == "4002"
    for fields in ({"blocked": True}, {"blocked": False}, {"price": 100}):
        body = change(landlord, house_id, day(1), day(2), **fields)
        assert (body["errcode"], body["param"]) == ("4002", "house_id")


@pytest.mark.parametrize("fields, field", [
    ({"start_date": "2030-01-01", "end_date": "2030-01-02", "blocked": True}, "house_id"),
    ({"house_id": 1, "end_date": "2030-01-02", "blocked": True}, "start_date"),
    ({"house_id": 1, "start_date": "2030-01-01", "blocked": True}, "end_date"),
    ({"house_id": 1, "start_date": "2030-02-30", "end_date": "2030-03-01", "blocked": True}, "start_date"),
    ({"house_id": 1, "start_date": "2030-01-01", "end_date": "2030-01-02"}, "blocked"),
    ({"house_id": 1, "start_date": "2030-01-01", "end_date": "2030-01-02", "blocked": "maybe"}, "blocked"),
    ({"house_id": 1, "start_date": "2030-01-01", "end_date": "2030-01-02", "price": "12.345"}, "price"),
    ({"house_id": 1, "start_date": "2030-01-01", "end_date": "2030-01-02", "price": 0}, "price"),
])
def test_changing_parameters_name_the_field(landlord, fields, field):
    body = landlord.api("POST", "/api/house/calendar", json=fields)
    assert (body["errcode"], body["param"]) == ("4103", field), body


@pytest.mark.parametrize("first, last, field", [(-1, 1, "start_date"), (5, 4, "end_date"), (400, 401, "start_date"),
                                                (1, 400, "end_date")])
def test_ranges_are_bounded_like_bookings(landlord, house_id, first, last, field):
    body = change(landlord, house_id, day(first), day(last), blocked=True)
    assert (body["errcode"], body["param"]) == ("4103", field), body


def test_a_form_may_block_too(landlord, client, house_id):
    body = landlord.api("POST", "/api/house/calendar", data={"house_id": str(house_id), "start_date": day(2).isoformat(),
                                                            "end_date": day(2).isoformat(), "blocked": "true"})
    assert body["errcode"] == "0", body
    assert nights_of(client, house_id, months=2)[day(2).isoformat()]["status"] == "blocked"


def test_blocking_over_a_booking_is_refused_naming_the_night(landlord, guest, house_id):
    book_ok(guest, house_id, day(10), day(11))
    body = change(landlord, house_id, day(8), day(10), blocked=True)
    assert body["errcode"] == "4004" and day(10).isoformat() in body["errmsg"] and day(11).isoformat() not in body["errmsg"]
    nights = nights_of(landlord, house_id, months=2)
    assert nights[day(8).isoformat()]["status"] == "free"  # nothing of the range was blocked
    # Opening nights never frees a booked one.
    change_ok(landlord, house_id, day(8), day(12), blocked=False)
    assert nights_of(landlord, house_id, months=2)[day(10).isoformat()]["status"] == "booked"


def test_booking_over_a_block_is_refused_and_around_it_allowed(landlord, guest, house_id):
    change_ok(landlord, house_id, day(5), day(5), blocked=True)
    assert book(guest, house_id, day(4), day(6))["errcode"] == "4004"
    assert book(guest, house_id, day(5), day(5))["errcode"] == "4004"
    assert book(guest, house_id, day(3), day(4))["errcode"] == "0"
    assert book(guest, house_id, day(6), day(7))["errcode"] == "0"


def test_freed_order_nights_leave_blocks_alone(landlord, guest, house_id):
    order = book_ok(guest, house_id, day(3), day(4))
    change_ok(landlord, house_id, day(5), day(6), blocked=True)
    act_ok(guest, "cancel", order)
    nights = nights_of(landlord, house_id, months=2)
    assert [nights[day(n).isoformat()]["status"] for n in range(3, 7)] == ["free", "free", "blocked", "blocked"]


def test_search_counts_blocked_nights_as_taken(landlord, client, house_id):
    other = publish_house(landlord, title="另一套", price="100")
    change_ok(landlord, house_id, day(20), day(20), blocked=True)
    for path in ("/api/house/list", "/api/house/list2"):
        for first, last, expected in [(day(19), day(21), {other}), (day(21), day(22), {house_id, other})]:
            body = search(client, path, sd=first.isoformat(), ed=last.isoformat())
            assert body["errcode"] == "0", body
            assert {house["house_id"] for house in body["data"]} == expected, (path, first)
            assert body["total_page"] == 1
    change_ok(landlord, house_id, day(20), day(20), blocked=False)
    for path in ("/api/house/list", "/api/house/list2"):
        body = search(client, path, sd=day(19).isoformat(), ed=day(21).isoformat())
        assert {house["house_id"] for house in body["data"]} == {house_id, other}


# ---- prices ----------------------------------------------------------------------------------------

def test_bookings_charge_each_night_its_price_around_blocks(landlord, guest, client, house_id):
    """The weekend costs more, a night in the middle is blocked: the guest books the nights on
    both sides, each order charging night by night, and a later price change alters neither."""
    change_ok(landlord, house_id, day(10), day(11), price="399.90")
    change_ok(landlord, house_id, day(13), day(13), blocked=True, price=500)
    nights = nights_of(client, house_id, **{"from": day(9).isoformat(), "months": 2})
    assert [(nights[day(n).isoformat()]["status"], nights[day(n).isoformat()]["price"]) for n in range(9, 15)] == [
        ("free", PRICE_FEN), ("free", 39990), ("free", 39990), ("free", PRICE_FEN), ("blocked", 50000),
        ("free", PRICE_FEN)]
    assert book(guest, house_id, day(9), day(14))["errcode"] == "4004"  # across the block
    before = book_ok(guest, house_id, day(9), day(12))
    after = book_ok(guest, house_id, day(14), day(15))

    change_ok(landlord, house_id, day(9), day(16), price=1)  # after booking: the orders keep theirs
    change_ok(landlord, house_id, day(10), day(10), price=None)
    assert nights_of(client, house_id, **{"from": day(10).isoformat()})[day(10).isoformat()]["price"] == PRICE_FEN

    orders = {order["order_id"]: order for order in my_orders(guest)}
    assert orders[before]["nights"] == [{"date": day(9).isoformat(), "price": PRICE_FEN},
                                        {"date": day(10).isoformat(), "price": 39990},
                                        {"date": day(11).isoformat(), "price": 39990},
                                        {"date": day(12).isoformat(), "price": PRICE_FEN}]
    assert orders[before]["amount"] == 2 * PRICE_FEN + 2 * 39990
    assert orders[after]["nights"] == [{"date": day(14).isoformat(), "price": PRICE_FEN},
                                       {"date": day(15).isoformat(), "price": PRICE_FEN}]
    assert orders[after]["amount"] == 2 * PRICE_FEN
    landlords_view = {order["order_id"]: order for order in my_orders(landlord, role="landlord")}
    assert landlords_view[before]["nights"] == orders[before]["nights"]
    # A booking now pays the new prices.
    third = book_ok(guest, house_id, day(16), day(17))
    assert {order["order_id"]: order for order in my_orders(guest)}[third]["amount"] == 100 + PRICE_FEN


def test_a_price_alone_leaves_blocks_as_they_are(landlord, client, house_id):
    change_ok(landlord, house_id, day(3), day(3), blocked=True)
    change_ok(landlord, house_id, day(2), day(4), price=100)
    nights = nights_of(client, house_id, months=2)
    assert [(nights[day(n).isoformat()]["status"], nights[day(n).isoformat()]["price"]) for n in (2, 3, 4)] == [
        ("free", 10000), ("blocked", 10000), ("free", 10000)]


# ---- races ---------------------------------------------------------------------------------------

def test_a_block_and_a_booking_of_one_night_racing_exactly_one_wins(new_client, redis_client):
    landlord, guest = new_client(), new_client()
    register(landlord, redis_client, "13800000011")
    verify_identity(landlord)
    register(guest, redis_client, "13900000012")
    for round_ in range(8):
        house = publish_house(landlord, title=f"竞争{round_}")
        blocked, booked = at_once(lambda: change(landlord, house, day(5), day(6), blocked=True),
                                  lambda: book(guest, house, day(6), day(7)))
        assert sorted([blocked["errcode"], booked["errcode"]]) == ["0", "4004"], (blocked, booked)
        status = nights_of(landlord, house, **{"from": day(6).isoformat()})[day(6).isoformat()]["status"]
        assert status == ("blocked" if blocked["errcode"] == "0" else "booked")
        if booked["errcode"] == "0":
            act_ok(guest, "cancel", booked["order_id"])  # the guest's waiting orders are limited


def test_an_order_moved_in_time_keeps_what_each_night_cost(landlord, guest, db_conn, house_id):
    """scripts/end_stay (and the tests' end_stay) move a stay's dates: its nights follow, each
    with the price it was charged."""
    change_ok(landlord, house_id, day(4), day(4), price=300)
    order = book_ok(guest, house_id, day(3), day(4))
    end_stay(db_conn, order, days=30)
    (placed,) = my_orders(guest)
    assert placed["nights"] == [{"date": day(-27).isoformat(), "price": PRICE_FEN},
                                {"date": day(-26).isoformat(), "price": 30000}]
    assert placed["amount"] == PRICE_FEN + 30000
