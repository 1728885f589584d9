"""Reviews with stars, their edit for 7 days, the landlord's one reply, and the ratings they make
(docs/openapi.yaml: /api/order/comment, /api/order/comment/edit, /api/order/reply; `rating` in
the house page and the search), through HTTP.

The server's clock cannot be moved from outside: the test of the 7 days moves the review's time
back in the database, in its set-up only."""
import functools
import random

import pytest

from tests.helpers import (GUEST_MOBILE, LANDLORD_MOBILE, act, act_ok, at_once, book_ok, day, detail, end_stay,
                           login_ok, my_orders, publish_house, register, search)


@pytest.fixture
def house_id(landlord):
    return publish_house(landlord)


def finished_stay(landlord, guest, house_id, db_conn, offset=1):
    """An order of one night, accepted and over: waiting for its review. Each `offset` is another night."""
    order_id = book_ok(guest, house_id, day(offset), day(offset))
    act_ok(landlord, "accept", order_id)
    end_stay(db_conn, order_id)
    return order_id


def review(client, order_id, comment="干净整洁", **fields):
    return act(client, "comment", order_id, comment=comment, **fields)


def edit(client, order_id, **fields):
    return client.api("POST", "/api/order/comment/edit", json={"order_id": order_id, **fields})


def reply(client, order_id, **fields):
    return act(client, "reply", order_id, **fields)


def order_of(client, order_id, role="custom"):
    return next(order for order in my_orders(client, role) if order["order_id"] == order_id)


def refusal(body):
    """The errcode of an answer and the field it names."""
    return body["errcode"], body.get("param")


# ---- the review and its stars ------------------------------------------------------------------

@pytest.mark.parametrize("stars", [0, 6, -1, 2.5, "4星", "3.0", True, [5], {"n": 5}])
def test_stars_are_an_integer_from_1_to_5(landlord, guest, house_id, db_conn, stars):
    order_id = finished_stay(landlord, guest, house_id, db_conn)
    assert refusal(review(guest, order_id, stars=stars)) == ("4103", "stars")
    assert order_of(guest, order_id)["status"] == 3  # nothing changed


def test_review_texts_are_checked_by_name(landlord, guest, house_id, db_conn):
    order_id = finished_stay(landlord, guest, house_id, db_conn)
    assert refusal(act(guest, "comment", order_id, stars=5)) == ("4103", "comment")
    assert refusal(review(guest, order_id, comment="x" * 1001, stars=5)) == ("4103", "comment")
    assert refusal(review(guest, "x", stars=5)) == ("4103", "order_id")
    assert refusal(review(guest, 999999, stars=5)) == ("4002", "order_id")


def test_rated_reviews_make_the_rating_of_the_page_and_the_search(landlord, guest, house_id, db_conn, new_client):
    first, second, old = (finished_stay(landlord, guest, house_id, db_conn, offset) for offset in (1, 3, 5))
    assert review(guest, first, comment="很好", stars=5)["errcode"] == "0"
    assert review(guest, second, comment="不错", stars="4")["errcode"] == "0"  # a form's string
    # The original clients send no stars: the review is shown, unrated, and counted in no average.
    assert review(guest, old, comment="老客户端")["errcode"] == "0"
    data = detail(new_client(), house_id)["data"]
    assert (data["rating"], data["rating_count"]) == (4.5, 2)
    assert [(c["content"], c["stars"], c["reply"], c["reply_ctime"]) for c in data["comments"]] == [
        ("老客户端", None, None, None), ("不错", 4, None, None), ("很好", 5, None, None)]
    for path in ("/api/house/list", "/api/house/list2"):
        (found,) = search(guest, path)["data"]
        assert (found["rating"], found["rating_count"]) == (4.5, 2)
    order = order_of(guest, second)
    assert (order["status"], order["comment"], order["stars"], order["reply"]) == (4, "不错", 4, None)
    assert order["comment_ctime"] and order["actions"] == ["edit_comment"]
    assert order_of(guest, old)["stars"] is None


def test_the_average_is_shown_to_one_decimal_rounded_half_up(landlord, guest, house_id, db_conn):
    for offset, stars in zip((1, 3, 5, 7), (5, 4, 4, 4)):  # 4.25
        act_ok(guest, "comment", finished_stay(landlord, guest, house_id, db_conn, offset), comment="好", stars=stars)
    assert detail(guest, house_id)["data"]["rating"] == 4.3
    assert search(guest, "/api/house/list2")["data"][0]["rating"] == 4.3


def test_a_house_without_rated_reviews_has_no_rating(landlord, guest, house_id, new_client):
    data = detail(new_client(), house_id)["data"]
    assert (data["rating"], data["rating_count"], data["comments"]) == (None, 0, [])
    (found,) = search(guest, "/api/house/list2")["data"]
    assert (found["rating"], found["rating_count"]) == (None, 0)


def test_a_stay_is_reviewed_once(landlord, guest, house_id, db_conn):
    order_id = finished_stay(landlord, guest, house_id, db_conn)
    act_ok(guest, "comment", order_id, comment="第一次", stars=5)
    assert review(guest, order_id, comment="第二次", stars=1)["errcode"] == "4004"
    data = detail(guest, house_id)["data"]
    assert (data["rating"], data["rating_count"], len(data["comments"])) == (5.0, 1, 1)


def test_two_reviews_of_one_stay_at_once_make_one(landlord, guest, house_id, db_conn, new_client):
    order_id = finished_stay(landlord, guest, house_id, db_conn)
    other_browser = login_ok(new_client(), GUEST_MOBILE)
    bodies = at_once(functools.partial(review, guest, order_id, comment="甲", stars=5),
                     functools.partial(review, other_browser, order_id, comment="乙", stars=1))
    assert sorted(body["errcode"] for body in bodies) == ["0", "4004"]
    data = detail(guest, house_id)["data"]
    winner = "甲" if bodies[0]["errcode"] == "0" else "乙"
    assert [comment["content"] for comment in data["comments"]] == [winner]
    assert data["rating_count"] == 1 and data["rating"] == (5.0 if winner == "甲" else 1.0)


def test_only_the_guest_reviews_and_only_after_the_stay(landlord, guest, house_id):
    order_id = book_ok(guest, house_id, day(1), day(1))
    act_ok(landlord, "accept", order_id)
    assert review(guest, order_id, stars=5)["errcode"] == "4004"
    assert review(landlord, order_id, stars=5)["errcode"] == "4105"


# ---- the edit -------------------------------------------------------------------------------

def test_the_author_edits_text_and_stars_and_the_rating_follows(landlord, guest, house_id, db_conn):
    order_id = finished_stay(landlord, guest, house_id, db_conn)
    unrated = finished_stay(landlord, guest, house_id, db_conn, offset=3)
    act_ok(guest, "comment", order_id, comment="一般", stars=2)
    act_ok(guest, "comment", unrated, comment="没有星")
    list2 = search(guest, "/api/house/list2")["data"][0]  # cached: the edits must retire it
    assert (list2["rating"], list2["rating_count"]) == (2.0, 1)
    assert edit(guest, order_id, comment="其实很好，\n下次还来", stars=5) == {"errcode": "0", "errmsg": "OK"}
    assert edit(guest, unrated, comment="补上星级", stars=4)["errcode"] == "0"
    data = detail(guest, house_id)["data"]
    assert (data["rating"], data["rating_count"]) == (4.5, 2)
    assert {(c["content"], c["stars"]) for c in data["comments"]} == {("其实很好，\n下次还来", 5), ("补上星级", 4)}
    list2 = search(guest, "/api/house/list2")["data"][0]
    assert (list2["rating"], list2["rating_count"]) == (4.5, 2)
    assert edit(guest, order_id, comment="再改一次", stars=3)["errcode"] == "0"  # as often as wanted, for 7 days
    assert detail(guest, house_id)["data"]["rating"] == 3.5


def test_an_edit_needs_both_fields_and_the_author(landlord, guest, house_id, db_conn, new_client, redis_client):
    order_id = finished_stay(landlord, guest, house_id, db_conn)
    act_ok(guest, "comment", order_id, comment="好", stars=4)
    assert refusal(edit(guest, order_id, comment="没有星")) == ("4103", "stars")
    assert refusal(edit(guest, order_id, stars=7, comment="七星")) == ("4103", "stars")
    assert refusal(edit(guest, order_id, stars=5)) == ("4103", "comment")
    assert refusal(edit(guest, order_id, stars=5, comment="  ")) == ("4103", "comment")
    assert refusal(edit(guest, 999999, stars=5, comment="无")) == ("4002", "order_id")
    assert edit(landlord, order_id, stars=1, comment="房东改评价")["errcode"] == "4105"
    stranger = new_client()
    register(stranger, redis_client, "13700000003")
    assert edit(stranger, order_id, stars=1, comment="路人改评价")["errcode"] == "4105"
    assert detail(guest, house_id)["data"]["comments"][0]["content"] == "好"


def test_only_a_review_can_be_edited(landlord, guest, house_id, db_conn):
    order_id = finished_stay(landlord, guest, house_id, db_conn)
    assert edit(guest, order_id, comment="还没评", stars=5)["errcode"] == "4004"
    assert "edit_comment" not in order_of(guest, order_id)["actions"]


def test_an_edit_comes_within_7_days(landlord, guest, house_id, db_conn):
    almost, late = (finished_stay(landlord, guest, house_id, db_conn, offset) for offset in (1, 3))
    act_ok(guest, "comment", almost, comment="六天多以前", stars=3)
    act_ok(guest, "comment", late, comment="八天以前", stars=3)
    with db_conn.cursor() as cur:  # set-up: the reviews were written that long ago
        cur.execute("UPDATE ih_order SET commented_at = UTC_TIMESTAMP() - INTERVAL 6 DAY - INTERVAL 23 HOUR"
                    " WHERE id = %s", (almost,))
        cur.execute("UPDATE ih_order SET commented_at = UTC_TIMESTAMP() - INTERVAL 8 DAY WHERE id = %s", (late,))
    assert order_of(guest, almost)["actions"] == ["edit_comment"]
    assert order_of(guest, late)["actions"] == []
    refused = edit(guest, late, comment="太晚了", stars=5)
    assert refused == {"errcode": "4004", "errmsg": "评价发表超过7天，不能再修改"}
    assert edit(guest, almost, comment="还来得及", stars=5)["errcode"] == "0"
    assert detail(guest, house_id)["data"]["rating"] == 4.0


# ---- the reply ------------------------------------------------------------------------------

def test_the_landlord_replies_once_under_the_review(landlord, guest, house_id, db_conn, new_client):
    order_id = finished_stay(landlord, guest, house_id, db_conn)
    act_ok(guest, "comment", order_id, comment="房东很热情", stars=5)
    assert order_of(landlord, order_id, "landlord")["actions"] == ["reply"]
    assert "reply" not in order_of(guest, order_id)["actions"]
    assert reply(landlord, order_id, reply="谢谢，\n欢迎再来") == {"errcode": "0", "errmsg": "OK"}
    assert reply(landlord, order_id, reply="再回复一次") == {"errcode": "4003", "errmsg": "已经回复过这条评价"}
    (comment,) = detail(new_client(), house_id)["data"]["comments"]
    assert (comment["content"], comment["reply"]) == ("房东很热情", "谢谢，\n欢迎再来")
    assert comment["reply_ctime"] >= comment["ctime"]
    order = order_of(landlord, order_id, "landlord")
    assert (order["reply"], order["actions"]) == ("谢谢，\n欢迎再来", [])
    assert order_of(guest, order_id)["reply_ctime"] == comment["reply_ctime"]


def test_two_replies_at_once_make_one(landlord, guest, house_id, db_conn, new_client):
    order_id = finished_stay(landlord, guest, house_id, db_conn)
    act_ok(guest, "comment", order_id, comment="好", stars=5)
    other_browser = login_ok(new_client(), LANDLORD_MOBILE)
    bodies = at_once(functools.partial(reply, landlord, order_id, reply="甲"),
                     functools.partial(reply, other_browser, order_id, reply="乙"))
    assert sorted(body["errcode"] for body in bodies) == ["0", "4003"]
    assert detail(guest, house_id)["data"]["comments"][0]["reply"] == ("甲" if bodies[0]["errcode"] == "0" else "乙")


def test_only_the_landlord_replies_to_a_review(landlord, guest, house_id, db_conn, new_client, redis_client):
    order_id = finished_stay(landlord, guest, house_id, db_conn)
    assert reply(landlord, order_id, reply="还没有评价") == {"errcode": "4004", "errmsg": "该订单还没有评价"}
    act_ok(guest, "comment", order_id, comment="好", stars=5)
    assert reply(guest, order_id, reply="自问自答")["errcode"] == "4105"
    stranger = new_client()
    register(stranger, redis_client, "13700000003")
    assert reply(stranger, order_id, reply="路人")["errcode"] == "4105"
    assert refusal(reply(landlord, order_id)) == ("4103", "reply")
    assert refusal(reply(landlord, order_id, reply="x" * 1001)) == ("4103", "reply")
    assert refusal(reply(landlord, order_id, reply="bad\x00byte")) == ("4103", "reply")
    assert refusal(reply(landlord, 999999, reply="无")) == ("4002", "order_id")
    assert detail(guest, house_id)["data"]["comments"][0]["reply"] is None


# ---- rating-des ---------------------------------------------------------------------------------

def test_rating_des_is_the_order_of_the_average_stars(landlord, guest, db_conn):
    rng = random.Random(14)
    houses = [publish_house(landlord, area_id=2 + index % 2, title=f"房{index}") for index in range(9)]
    offset = 1
    for house in houses:
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            act_ok(guest, "comment", finished_stay(landlord, guest, house, db_conn, offset),
                   comment="好", stars=rng.randint(1, 5))
            offset += 2
    taken = book_ok(guest, houses[0], day(2), day(2))  # held: out of a search of that night
    for area, night in ((None, None), (3, None), (None, day(2)), (2, day(2))):
        with db_conn.cursor() as cur:  # the plain SQL order of the average stars
            cur.execute("SELECT h.id FROM ih_house h LEFT JOIN ih_order o ON o.house_id = h.id AND o.stars IS NOT NULL"
                        " WHERE (%s IS NULL OR h.area_id = %s) AND (%s IS NULL OR h.id NOT IN"
                        "  (SELECT house_id FROM ih_order WHERE id = %s))"
                        " GROUP BY h.id ORDER BY COALESCE(AVG(o.stars), 0) DESC, h.id DESC", (area, area, night, taken))
            expected = [row[0] for row in cur.fetchall()]
        for path in ("/api/house/list", "/api/house/list2"):
            query = {"aid": area, "sd": night and night.isoformat(), "sk": "rating-des"}
            found = [house["house_id"] for page in (1, 2) for house in search(guest, path, p=page, **query)["data"]]
            assert found == expected, (path, area, night)
    averages = [house["rating"] for house in search(guest, sk="rating-des")["data"]]
    rated_ones = [rating for rating in averages if rating is not None]
    assert rated_ones == sorted(rated_ones, reverse=True) and averages[:len(rated_ones)] == rated_ones


def test_rating_des_is_a_sort_choice(guest):
    assert search(guest, sk="rating-des")["errcode"] == "0"
    assert "rating-des" in search(guest, sk="best")["errmsg"]
