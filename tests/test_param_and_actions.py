"""What the server tells a client so that it need not re-encode the rules: the `param` an error
is about, and the `actions` each order allows its viewer now."""
import pytest

from tests.helpers import (DEFAULT_PASSWORD, GUEST_MOBILE, HOUSE_FIELDS, act_ok, book_ok, day, end_stay,
                           id_card, my_orders, publish_house)


def in_days(offset):
    return day(offset).isoformat()


@pytest.mark.parametrize("field, value, errcode", [
    ("price", None, "4103"),
    ("price", "12.345", "4103"),
    ("title", "", "4103"),
    ("facility", [1, 1], "4103"),
    ("facility", [1, 99999], "4103"),
    ("area_id", 99999, "4103"),
    ("max_days", 1, "4103"),
])
def test_a_bad_house_field_is_named(landlord, field, value, errcode):
    fields = {**HOUSE_FIELDS, "min_days": 3, field: value}
    if value is None:
        del fields[field]
    body = landlord.api("POST", "/api/house/info", json=fields)
    assert body["errcode"] == errcode and body["param"] == field, body


def test_passport_errors_name_their_field(client):
    body = client.api("POST", "/api/login", json={"mobile": "12345", "password": DEFAULT_PASSWORD})
    assert (body["errcode"], body["param"]) == ("4103", "mobile")
    body = client.api("POST", "/api/register", json={"mobile": GUEST_MOBILE, "phonecode": "123456",
                                                     "password": "short"})
    assert (body["errcode"], body["param"]) == ("4106", "password")
    client.get("/api/piccode?cur=c1")
    body = client.api("POST", "/api/smscode", json={"mobile": GUEST_MOBILE, "piccode": "ZZZZ",
                                                    "piccode_id": "c1"})
    assert (body["errcode"], body["param"]) == ("4004", "piccode")


def test_an_error_about_no_single_field_names_none(client, landlord):
    body = client.api("POST", "/api/login", json={"mobile": GUEST_MOBILE, "password": DEFAULT_PASSWORD})
    assert body["errcode"] == "4102" and "param" not in body
    assert client.get("/api/nowhere").json() == {"errcode": "4002", "errmsg": "接口不存在：/api/nowhere"}


def test_profile_errors_name_their_field(landlord, guest):
    body = guest.api("POST", "/api/profile/name", json={"name": "13700000000"})
    assert (body["errcode"], body["param"]) == ("4103", "name")
    assert landlord.api("POST", "/api/profile/name", json={"name": "房东老王"})["errcode"] == "0"
    body = guest.api("POST", "/api/profile/name", json={"name": "房东老王"})
    assert (body["errcode"], body["param"]) == ("4003", "name")
    body = guest.api("POST", "/api/profile/auth", json={"real_name": "王小明", "id_card": "110105194912310021"})
    assert (body["errcode"], body["param"]) == ("4103", "id_card")
    future = id_card("1101052999" + "0101" + "123")
    body = guest.api("POST", "/api/profile/auth", json={"real_name": "王小明", "id_card": future})
    assert (body["errcode"], body["param"]) == ("4103", "id_card")
    body = guest.api("POST", "/api/profile/auth", json={"real_name": "王", "id_card": id_card()})
    assert (body["errcode"], body["param"]) == ("4103", "real_name")


def test_booking_errors_name_their_field(landlord, guest):
    house_id = publish_house(landlord, min_days=2, max_days=5)
    cases = [({"start_date": in_days(-1), "end_date": in_days(2)}, "start_date"),
             ({"start_date": in_days(3), "end_date": in_days(2)}, "end_date"),
             ({"start_date": in_days(1), "end_date": in_days(1)}, "end_date"),
             ({"start_date": "2026-02-30", "end_date": in_days(2)}, "start_date")]
    for dates, field in cases:
        body = guest.api("POST", "/api/order", json={"house_id": house_id, **dates})
        assert (body["errcode"], body["param"]) == ("4103", field), (dates, body)
    body = guest.api("POST", "/api/order", json={"house_id": house_id + 1000, "start_date": in_days(1),
                                                 "end_date": in_days(2)})
    assert (body["errcode"], body["param"]) == ("4002", "house_id")


def actions(client, role):
    return [order["actions"] for order in my_orders(client, role)]


def place(guest, house_id, first, last):
    return book_ok(guest, house_id, day(first), day(last))


def test_each_order_lists_what_its_viewer_may_do_now(landlord, guest, db_conn):
    house_id = publish_house(landlord)
    order_id = place(guest, house_id, 1, 2)
    assert actions(guest, "custom") == [["cancel"]]
    assert actions(landlord, "landlord") == [["accept", "reject"]]
    assert actions(landlord, "custom") == [] and actions(guest, "landlord") == []

    act_ok(landlord, "accept", order_id)
    assert actions(guest, "custom") == [[]]  # the review waits for the stay to end
    assert actions(landlord, "landlord") == [[]]

    end_stay(db_conn, order_id)
    assert actions(guest, "custom") == [["comment"]]
    act_ok(guest, "comment", order_id, comment="很好")
    assert actions(guest, "custom") == [["edit_comment"]]  # for 7 days (tests/test_reviews.py)
    assert actions(landlord, "landlord") == [["reply"]]
    act_ok(landlord, "reply", order_id, reply="谢谢")
    assert actions(landlord, "landlord") == [[]]


def test_closed_orders_allow_nothing(landlord, guest):
    house_id = publish_house(landlord)
    rejected = place(guest, house_id, 1, 1)
    act_ok(landlord, "reject", rejected, reject_reason="维修")
    cancelled = place(guest, house_id, 2, 2)
    act_ok(guest, "cancel", cancelled)
    assert actions(guest, "custom") == [[], []]
    assert actions(landlord, "landlord") == [[], []]
