"""Favourites and taking a house down, through HTTP as a client sees them."""
import pytest

from models.favourite import MAX_ASKED, MAX_FAVOURITES
from tests.helpers import (act_ok, at_once, book, book_ok, day, detail, my_orders, publish_house, register, search,
                           upload_photo, verify_identity)

FAVOURITE = "/api/house/favourite"
MINE = "/api/user/favourites"
TAKEDOWN = "/api/house/takedown"


def heart(client, house_id):
    return client.api("POST", FAVOURITE, json={"house_id": house_id})


def unheart(client, house_id):
    return client.api("DELETE", FAVOURITE, json={"house_id": house_id})


def hearted(client, page=None):
    body = client.api("GET", MINE, params={"p": page} if page else None)
    assert body["errcode"] == "0", body
    return body


def take_down(client, house_id):
    return client.api("POST", TAKEDOWN, json={"house_id": house_id})


def shown_ids(body):
    return [house["house_id"] for house in body["houses"]]


@pytest.mark.parametrize("method, path", [("POST", FAVOURITE), ("DELETE", FAVOURITE), ("GET", FAVOURITE + "?house_id=1"),
                                          ("GET", MINE), ("POST", TAKEDOWN)])
def test_hearts_and_takedowns_need_a_login(client, method, path):
    assert client.api(method, path, json={"house_id": 1} if method != "GET" else None)["errcode"] == "4102"


@pytest.mark.parametrize("path", [FAVOURITE, TAKEDOWN])
@pytest.mark.parametrize("value, why", [(None, "缺少参数 house_id"), ("abc", "应为整数"), (0, "不能小于 1"),
                                        (True, "应为整数")])
def test_a_bad_house_id_is_named(guest, path, value, why):
    body = guest.api("POST", path, json={} if value is None else {"house_id": value})
    assert (body["errcode"], body["param"]) == ("4103", "house_id"), body
    assert why in body["errmsg"]


def test_unknown_houses(guest):
    for body in (heart(guest, 999999), unheart(guest, 999999), take_down(guest, 999999)):
        assert (body["errcode"], body["param"]) == ("4002", "house_id"), body


def test_hearts_newest_first_as_search_cards(landlord, guest):
    first = publish_house(landlord, title="第一套")
    second = publish_house(landlord, title="第二套", price="99.5")
    upload_photo(landlord, second)
    assert hearted(guest) == {"errcode": "0", "errmsg": "OK", "houses": [], "total_page": 0}
    assert heart(guest, first) == {"errcode": "0", "errmsg": "已收藏"}
    assert heart(guest, second)["errcode"] == "0"
    assert heart(guest, first)["errcode"] == "0"  # again: still one heart, still where it was
    body = hearted(guest)
    assert shown_ids(body) == [second, first] and body["total_page"] == 1
    card = body["houses"][0]
    listed = search(guest)["data"]
    assert {key: value for key, value in card.items() if key != "favourited_at"} == next(
        house for house in listed if house["house_id"] == second)
    assert card["title"] == "第二套" and card["price"] == 9950 and card["image_thumb"].endswith(".jpg")
    assert len(card["favourited_at"]) == len("2026-12-04 18:02:11")
    assert hearted(landlord)["houses"] == []  # each user's own


def test_pages_of_hearts(landlord, guest):
    houses = [publish_house(landlord, title=f"房{n}") for n in range(12)]
    for house_id in houses:
        heart(guest, house_id)
    page1, page2 = hearted(guest, 1), hearted(guest, 2)
    assert page1["total_page"] == page2["total_page"] == 2
    assert shown_ids(page1) + shown_ids(page2) == houses[::-1]
    assert hearted(guest, 3)["houses"] == []
    body = guest.api("GET", MINE, params={"p": "0"})
    assert (body["errcode"], body["param"]) == ("4103", "p")


def test_unhearting_by_body_or_query(landlord, guest):
    first, second = publish_house(landlord), publish_house(landlord)
    heart(guest, first)
    heart(guest, second)
    assert unheart(guest, first) == {"errcode": "0", "errmsg": "已取消收藏"}
    assert unheart(guest, first)["errcode"] == "0"  # nothing left to remove: fine
    assert guest.api("DELETE", f"{FAVOURITE}?house_id={second}")["errcode"] == "0"
    assert hearted(guest)["houses"] == []
    body = guest.api("DELETE", FAVOURITE)
    assert (body["errcode"], body["param"]) == ("4103", "house_id")


def test_which_shown_houses_are_hearted(landlord, guest, client):
    houses = [publish_house(landlord) for _ in range(3)]
    heart(guest, houses[2])
    heart(guest, houses[0])
    asked = ",".join(str(house_id) for house_id in [*houses, 999999])
    assert guest.api("GET", f"{FAVOURITE}?house_id={asked}") == {"errcode": "0", "errmsg": "OK",
                                                                  "favourites": [houses[0], houses[2]]}
    assert guest.api("GET", f"{FAVOURITE}?house_id={houses[0]},{houses[0]}")["favourites"] == [houses[0]]
    for query, why in [("", "缺少参数 house_id"), ("?house_id=1,x", "应为以逗号分隔的编号"),
                       ("?house_id=" + ",".join(str(n) for n in range(1, MAX_ASKED + 2)), f"最多 {MAX_ASKED} 个")]:
        body = guest.api("GET", FAVOURITE + query)
        assert (body["errcode"], body["param"]) == ("4103", "house_id"), (query, body)
        assert why in body["errmsg"], body


def test_the_detail_tells_the_visitor_of_their_heart(landlord, guest, new_client):
    house_id = publish_house(landlord)
    assert detail(guest, house_id)["favourite"] is False
    heart(guest, house_id)
    assert detail(guest, house_id)["favourite"] is True
    assert detail(landlord, house_id)["favourite"] is False  # the cached page is the same for all
    assert detail(new_client(), house_id)["favourite"] is False
    unheart(guest, house_id)
    assert detail(guest, house_id)["favourite"] is False


def test_hearts_are_bounded(landlord, guest, db_conn):
    houses = [publish_house(landlord) for _ in range(2)]
    user_id = guest.api("GET", "/api/check_login")["data"]["user_id"]
    with db_conn.cursor() as cur:  # as if hearted one by one: houses[0] and copies of it
        cur.execute("INSERT INTO ih_house (user_id, area_id, title, price, address, room_count, acreage, unit,"
                    " capacity, beds, deposit, min_days, max_days) SELECT user_id, area_id, 'copy', price,"
                    " address, room_count, acreage, unit, capacity, beds, deposit, min_days, max_days"
                    f" FROM ih_house, seq_1_to_{MAX_FAVOURITES - 1} WHERE id = %s", (houses[0],))
        cur.execute("INSERT INTO ih_favourite (user_id, house_id) SELECT %s, id FROM ih_house"
                    " WHERE title = 'copy' OR id = %s", (user_id, houses[0]))
    body = heart(guest, houses[1])
    assert body["errcode"] == "4004" and f"最多收藏{MAX_FAVOURITES}套" in body["errmsg"], body
    assert heart(guest, houses[0])["errcode"] == "0"  # one already hearted is no new heart
    unheart(guest, houses[0])
    assert heart(guest, houses[1])["errcode"] == "0"


# ---- taking a house down ------------------------------------------------------------------------

def test_only_the_landlord_takes_a_house_down(landlord, guest):
    house_id = publish_house(landlord)
    body = take_down(guest, house_id)
    assert body["errcode"] == "4105" and "房东" in body["errmsg"], body
    assert detail(guest, house_id)["errcode"] == "0"


def test_an_active_order_keeps_the_house_up(landlord, guest):
    house_id = publish_house(landlord)
    order_id = book_ok(guest, house_id, day(3), day(4))
    body = take_down(landlord, house_id)
    assert body["errcode"] == "4004" and "进行中的订单" in body["errmsg"], body
    act_ok(landlord, "accept", order_id)
    assert take_down(landlord, house_id)["errcode"] == "4004"
    assert detail(guest, house_id)["errcode"] == "0"


def test_a_house_taken_down_is_gone_from_every_public_place(landlord, guest, new_client):
    kept = publish_house(landlord, title="留下的")
    gone = publish_house(landlord, title="下架的")
    for house_id in (kept, gone):
        upload_photo(landlord, house_id)
        heart(guest, house_id)
    refused = book_ok(guest, gone, day(3), day(5))
    act_ok(landlord, "reject", refused, reject_reason="不巧")
    visitor = new_client()
    assert {house["house_id"] for house in visitor.api("GET", "/api/house/index")["houses"]} == {kept, gone}
    stay = {"sd": day(3).isoformat(), "ed": day(5).isoformat()}
    for path in ("/api/house/list", "/api/house/list2"):
        assert [house["house_id"] for house in search(visitor, path, aid=2, **stay)["data"]] == [gone, kept]

    assert take_down(landlord, gone) == {"errcode": "0", "errmsg": "已下架"}
    assert take_down(landlord, gone)["errcode"] == "0"  # already down

    assert [house["house_id"] for house in visitor.api("GET", "/api/house/index")["houses"]] == [kept]
    for path in ("/api/house/list", "/api/house/list2"):
        for query in ({}, {"aid": 2}, stay, {"aid": 2, **stay}):
            found = search(visitor, path, **query)
            assert ([house["house_id"] for house in found["data"]], found["total_page"]) == ([kept], 1), query
    for client in (visitor, guest, landlord):
        body = detail(client, gone)
        assert body["errcode"] == "4002" and "已下架" in body["errmsg"], body
    assert shown_ids(hearted(guest)) == [kept]
    assert guest.api("GET", f"{FAVOURITE}?house_id={kept},{gone}")["favourites"] == [kept]
    assert heart(guest, gone)["errcode"] == "4002"
    assert unheart(guest, gone)["errcode"] == "4002"
    body = book(guest, gone, day(10), day(11))
    assert (body["errcode"], body["param"]) == ("4002", "house_id"), body

    # the landlord still sees it, marked; both sides keep the order
    mine = {house["house_id"]: house for house in landlord.api("GET", "/api/house/my")["houses"]}
    assert mine[kept]["listed"] is True and mine[kept]["taken_down_time"] is None
    assert mine[gone]["listed"] is False and len(mine[gone]["taken_down_time"]) == len("2026-12-04 18:02:11")
    assert [(order["order_id"], order["title"]) for order in my_orders(guest)] == [(refused, "下架的")]
    assert [order["order_id"] for order in my_orders(landlord, "landlord")] == [refused]


def test_a_heart_racing_a_takedown_never_outlives_it(landlord, guest):
    for _ in range(5):
        house_id = publish_house(landlord)
        hearts, down = at_once(lambda: heart(guest, house_id), lambda: take_down(landlord, house_id))
        assert down["errcode"] == "0" and hearts["errcode"] in ("0", "4002"), (hearts, down)
        assert hearted(guest)["houses"] == []


def test_a_takedown_frees_no_one_elses_nights(landlord, guest, new_client, redis_client):
    other = new_client()
    register(other, redis_client, "13700000009")
    verify_identity(other, serial=9)
    theirs = publish_house(other, min_days=1, max_days=0)
    gone = publish_house(landlord, min_days=1, max_days=0)
    book_ok(guest, theirs, day(2), day(3))
    assert take_down(landlord, gone)["errcode"] == "0"
    found = search(guest, sd=day(2).isoformat(), ed=day(2).isoformat())
    assert (found["data"], found["total_page"]) == ([], 0)
    found = search(guest, sd=day(4).isoformat(), ed=day(4).isoformat())
    assert [house["house_id"] for house in found["data"]] == [theirs]
