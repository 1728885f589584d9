"""The houses of docs/openapi.yaml through HTTP: publishing, photos, detail, my houses, the home
page, the search (checked against an independent computation) and caches that are never stale."""
import datetime
import functools
import itertools
import re

import pytest

from tests.conftest import ServerProcess
from tests.helpers import (HOUSE_FIELDS, LANDLORD_MOBILE, act_ok, at_once, book_ok, day, detail, end_stay,
                           fetch_image, image_bytes, login_ok, publish_house, register, rename, search,
                           upload_avatar, upload_photo, verify_identity)

PAGE_SIZE = 10
SORT_KEYS = ["new", "booking", "price-inc", "price-des"]
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def house_count(db_conn):
    with db_conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM ih_house")
        return cur.fetchone()[0]


# ---- areas and publishing ---------------------------------------------------------------------

def test_areas_are_the_sixteen_districts(client):
    body = client.api("GET", "/api/house/area")
    assert body["errcode"] == "0"
    assert len(body["data"]) == 16
    assert body["data"][0] == {"area_id": 1, "name": "东城区"}
    assert body["data"][15] == {"area_id": 16, "name": "门头沟区"}
    assert client.api("GET", "/api/house/area") == body


def test_publishing_needs_login_and_a_verified_real_name(client, redis_client, db_conn):
    assert client.api("POST", "/api/house/info", json=HOUSE_FIELDS)["errcode"] == "4102"
    register(client, redis_client, LANDLORD_MOBILE)
    assert client.api("POST", "/api/house/info", json=HOUSE_FIELDS)["errcode"] == "4105"
    assert house_count(db_conn) == 0
    verify_identity(client)
    assert isinstance(publish_house(client), int)


@pytest.mark.parametrize("price, deposit, price_fen, deposit_fen", [
    ("288.50", "500", 28850, 50000),
    (19.99, 0, 1999, 0),
    ("0.01", "0.00", 1, 0),
    (1000000, "999999.99", 100000000, 99999999),
    ("  42.1 ", 0.1, 4210, 10),
])
def test_prices_in_yuan_are_stored_in_exact_fen(landlord, db_conn, price, deposit, price_fen, deposit_fen):
    house_id = publish_house(landlord, price=price, deposit=deposit)
    with db_conn.cursor() as cur:
        cur.execute("SELECT price, deposit FROM ih_house WHERE id = %s", (house_id,))
        assert cur.fetchone() == (price_fen, deposit_fen)
    data = detail(landlord, house_id)["data"]
    assert (data["price"], data["deposit"]) == (price_fen, deposit_fen)


@pytest.mark.parametrize("field, value", [
    ("title", None), ("title", ""), ("title", "   "), ("title", "x" * 65), ("title", ["a"]),
    ("title", "a\x00b"), ("address", None), ("address", "x" * 513), ("unit", None), ("unit", "x" * 33),
    ("beds", None), ("beds", "x" * 65),
    ("price", None), ("price", 0), ("price", "0.00"), ("price", -1), ("price", "1.234"), ("price", "abc"),
    ("price", "1e3"), ("price", "1000000.01"), ("price", True), ("price", "NaN"), ("price", [1]),
    ("deposit", None), ("deposit", -0.5), ("deposit", "0.001"), ("deposit", "2000000"),
    ("area_id", None), ("area_id", 0), ("area_id", 17), ("area_id", "x"), ("area_id", 1.5),
    ("room_count", 0), ("room_count", 101), ("room_count", "two"), ("acreage", 0), ("acreage", 100001),
    ("capacity", 0), ("capacity", 101), ("min_days", 0), ("min_days", 366), ("min_days", None),
    ("max_days", -1), ("max_days", 366), ("max_days", None),
    ("facility", [1, 1]), ("facility", [99]), ("facility", [0]), ("facility", ["wifi"]),
    ("facility", [1, None]), ("facility", {"id": 1}),
])
def test_publishing_refuses_each_invalid_field(landlord, db_conn, field, value):
    body = landlord.api("POST", "/api/house/info", json={**HOUSE_FIELDS, field: value})
    assert body["errcode"] == "4103", body
    assert body["errmsg"]
    assert house_count(db_conn) == 0


def test_max_days_is_zero_or_at_least_min_days(landlord):
    def publish(min_days, max_days):
        return landlord.api("POST", "/api/house/info",
                            json={**HOUSE_FIELDS, "min_days": min_days, "max_days": max_days})["errcode"]
    assert publish(3, 2) == "4103"
    assert publish(3, 0) == "0"
    assert publish(3, 3) == "0"


def test_numbers_may_be_strings_and_facilities_may_be_empty(landlord, db_conn):
    house_id = publish_house(landlord, area_id="5", room_count="3", min_days="2", max_days="0",
                             facility=["23", 4])
    data = detail(landlord, house_id)["data"]
    assert (data["area_id"], data["area_name"], data["room_count"]) == (5, "昌平区", 3)
    assert (data["min_days"], data["max_days"], data["facilities"]) == (2, 0, [4, 23])
    assert detail(landlord, publish_house(landlord, facility=[]))["data"]["facilities"] == []
    without_facility = {k: v for k, v in HOUSE_FIELDS.items() if k != "facility"}
    house_id = landlord.api("POST", "/api/house/info", json=without_facility)["house_id"]
    assert detail(landlord, house_id)["data"]["facilities"] == []


def test_a_browser_form_can_publish(landlord):
    form = {name: str(value) for name, value in HOUSE_FIELDS.items() if name != "facility"}
    for facility_field in ("facility", "facility[]"):
        body = landlord.api("POST", "/api/house/info", data={**form, facility_field: ["7", "3"]})
        assert body["errcode"] == "0", body
        assert detail(landlord, body["house_id"])["data"]["facilities"] == [3, 7]
    body = landlord.api("POST", "/api/house/info", data={**form, "facility": "9"})
    assert detail(landlord, body["house_id"])["data"]["facilities"] == [9]


# ---- detail and my houses ---------------------------------------------------------------------

def test_detail_shows_every_field_and_the_visitor(landlord, new_client):
    house_id = publish_house(landlord, facility=[3, 1, 2])
    landlord_id = landlord.api("GET", "/api/check_login")["data"]["user_id"]
    body = detail(landlord, house_id)
    assert body["errcode"] == "0"
    assert body["user_id"] == landlord_id
    assert body["data"] == {
        "hid": house_id, "user_id": landlord_id, "title": "后海边的四合院", "price": 28850, "deposit": 50000,
        "address": "西城区后海北沿1号", "area_id": 2, "area_name": "西城区", "room_count": 2, "acreage": 60,
        "unit": "两室一厅", "capacity": 4, "beds": "双人床2张", "min_days": 1, "max_days": 30, "order_count": 0,
        "rating": None, "rating_count": 0, "user_name": "138****0001",  # the landlord's mobile is not shown to the public
        "user_avatar": None, "user_avatar_thumb": None, "images": [], "image_thumbs": [],
        "facilities": [1, 2, 3], "comments": []}
    anonymous = detail(new_client(), house_id)
    assert anonymous["user_id"] == -1
    assert anonymous["data"] == body["data"]


def test_detail_of_an_unknown_or_malformed_house(client):
    assert detail(client, 999999)["errcode"] == "4002"
    for bad in ("abc", "0", "-3", "1.5", "１", "٣"):  # ASCII digits only
        assert detail(client, bad)["errcode"] == "4103"
    response = client.get("/api/house/info")
    assert response.status_code == 400 and response.json()["errcode"] == "4103"


def test_my_houses_newest_first(landlord, new_client, redis_client):
    assert landlord.api("GET", "/api/house/my") == {"errcode": "0", "errmsg": "OK", "houses": []}
    first = publish_house(landlord, title="第一套", area_id=1, price="100")
    second = publish_house(landlord, title="第二套", area_id=3)
    third = publish_house(landlord, title="第三套")
    other = new_client()
    register(other, redis_client, "13700000003")
    verify_identity(other, serial=1)
    publish_house(other, title="别人的房子")
    houses = landlord.api("GET", "/api/house/my")["houses"]
    assert [house["house_id"] for house in houses] == [third, second, first]
    assert {key: houses[2][key] for key in houses[2] if key != "ctime"} == {
        "house_id": first, "title": "第一套", "price": 10000, "area_name": "东城区", "img_url": None,
        "img_thumb": None, "order_count": 0, "listed": True, "taken_down_time": None}
    assert TIMESTAMP_RE.match(houses[2]["ctime"])
    assert new_client().api("GET", "/api/house/my")["errcode"] == "4102"


# ---- photos -----------------------------------------------------------------------------------

def test_only_the_owner_adds_photos_and_the_first_is_the_index_image(landlord, new_client, redis_client):
    house_id = publish_house(landlord)
    stranger = new_client()
    assert upload_photo(stranger, house_id)["errcode"] == "4102"
    register(stranger, redis_client, "13700000003")
    assert upload_photo(stranger, house_id)["errcode"] == "4105"
    assert upload_photo(landlord, 999999)["errcode"] == "4002"

    urls = [upload_photo(landlord, house_id, image_bytes(color))["url"] for color in ("red", "green", "blue")]
    assert len(set(urls)) == 3
    data = detail(landlord, house_id)["data"]
    assert data["images"] == urls
    for url in urls:
        fetch_image(stranger, url)[1].verify()
    assert search(landlord)["data"][0]["image_url"] == urls[0]
    assert landlord.api("GET", "/api/house/my")["houses"][0]["img_url"] == urls[0]
    assert landlord.api("GET", "/api/house/index")["houses"] == [
        {"house_id": house_id, "title": HOUSE_FIELDS["title"], "img_url": urls[0],
         "img_thumb": urls[0].replace(".jpg", ".800x500.jpg")}]


def test_photos_uploaded_at_once_agree_on_the_first(landlord, new_client):
    house_id = publish_house(landlord)
    second = login_ok(new_client(), LANDLORD_MOBILE)
    at_once(*[functools.partial(upload_photo, browser, house_id, image_bytes(color))
              for browser, color in ((landlord, "red"), (second, "blue"))])
    images = detail(landlord, house_id)["data"]["images"]
    assert len(images) == 2
    assert search(landlord)["data"][0]["image_url"] == images[0]


def test_a_bad_photo_or_house_id_is_refused(landlord, db_conn):
    house_id = publish_house(landlord)
    assert upload_photo(landlord, house_id, b"not an image at all")["errcode"] == "4103"
    body = landlord.api("POST", "/api/house/image", data={"house_id": str(house_id)})
    assert body["errcode"] == "4103"
    for bad in ("", "abc", "0"):
        assert upload_photo(landlord, bad)["errcode"] == "4103"
    with db_conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM ih_house_image")
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT index_image FROM ih_house WHERE id = %s", (house_id,))
        assert cur.fetchone()[0] is None


# ---- the home page ----------------------------------------------------------------------------

def test_home_page_shows_the_five_most_booked_houses_with_a_photo(landlord, guest):
    houses = [publish_house(landlord, title=f"房源{i}") for i in range(7)]
    for house_id in houses[:6]:
        upload_photo(landlord, house_id)
    # bookings: house 3 twice, house 1 and the photo-less house 6 once
    for house_id, offset in ((houses[3], 1), (houses[3], 5), (houses[1], 1), (houses[6], 1)):
        order_id = book_ok(guest, house_id, day(offset), day(offset + 1))
        act_ok(landlord, "accept", order_id)
    body = landlord.api("GET", "/api/house/index")
    assert [house["house_id"] for house in body["houses"]] == [houses[i] for i in (3, 1, 5, 4, 2)]
    assert all(house["img_url"] for house in body["houses"])
    assert len(body["areas"]) == 16 and body["areas"][1] == {"area_id": 2, "name": "西城区"}


# ---- search -----------------------------------------------------------------------------------

@pytest.fixture
def market(landlord, guest, new_client, redis_client):
    """23 houses in areas 1-3 with mixed prices (some equal), stay limits and bookings."""
    other = new_client()
    register(other, redis_client, "13700000003")
    verify_identity(other, serial=1)
    ids = []
    for i in range(23):
        owner = landlord if i % 2 else other
        min_days, max_days = [(1, 0), (2, 5), (1, 3), (3, 0)][i % 4]
        ids.append(publish_house(owner, title=f"房源{i}", area_id=1 + i % 3, price=str(100 + (i * 37) % 5 * 50),
                                 min_days=min_days, max_days=max_days))
    owners = {house_id: (landlord if i % 2 else other) for i, house_id in enumerate(ids)}

    def booking(index, first, last, then=None, **fields):
        order_id = book_ok(guest, ids[index], day(first), day(last))
        if then:
            actor = guest if then == "cancel" else owners[ids[index]]
            act_ok(actor, then, order_id, **fields)
    booking(0, 2, 4, "accept")
    booking(0, 10, 10, "accept")
    booking(4, 3, 3, "accept")
    booking(8, 6, 7)  # waiting for the landlord: its nights are held
    booking(1, 2, 3, "cancel")  # cancelled and rejected orders free their nights
    booking(5, 2, 3, "reject", reject_reason="装修中")
    booking(9, 5, 6, "accept")
    booking(12, 2, 4, "accept")
    return ids


def expected_search(db_conn, aid=None, sd=None, ed=None, sk="new"):
    """The search computed independently: from every house and every active order, in Python."""
    with db_conn.cursor() as cur:
        cur.execute("SELECT id, area_id, created_at, order_count, price, min_days, max_days FROM ih_house")
        houses = cur.fetchall()
        cur.execute("SELECT house_id, begin_date, end_date FROM ih_order WHERE status IN (0, 3)")
        orders = cur.fetchall()
    first, last = sd or ed, ed or sd
    matches = []
    for house_id, area_id, created_at, order_count, price, min_days, max_days in houses:
        if aid is not None and area_id != aid:
            continue
        if first is not None:
            days = (last - first).days + 1
            if days < min_days or (max_days and days > max_days):
                continue
            if any(h == house_id and begin <= last and end >= first for h, begin, end in orders):
                continue
        matches.append((house_id, created_at, order_count, price))
    sort_key = {"new": lambda m: (m[1], m[0]), "booking": lambda m: (m[2], m[0]),
                "price-inc": lambda m: (m[3], m[0]), "price-des": lambda m: (m[3], m[0])}[sk]
    matches.sort(key=sort_key, reverse=sk != "price-inc")
    return [m[0] for m in matches]


SEARCHES = [
    {},
    {"aid": 1},
    {"aid": 2},
    {"sd": day(3)},
    {"ed": day(3)},
    {"sd": day(2), "ed": day(4)},
    {"sd": day(2), "ed": day(3), "aid": 3},
    {"sd": day(5), "ed": day(9)},
    {"sd": day(1), "ed": day(1)},
    {"sd": day(20), "ed": day(22), "aid": 1},
    {"sd": day(40), "ed": day(45)},
    {"aid": 16},
]


@pytest.mark.parametrize("path", ["/api/house/list", "/api/house/list2"])
def test_search_matches_an_independent_computation(market, client, db_conn, path):
    for criteria, sk in itertools.product(SEARCHES, SORT_KEYS):
        criteria = {**criteria, "sk": sk}
        expected = expected_search(db_conn, **criteria)
        total_page = -(-len(expected) // PAGE_SIZE)
        query = {**criteria, "sd": criteria.get("sd") and criteria["sd"].isoformat(),
                 "ed": criteria.get("ed") and criteria["ed"].isoformat()}
        found = []
        for page in range(1, total_page + 2):
            body = search(client, path, **query, p=page)
            assert body["errcode"] == "0" and body["total_page"] == total_page, (query, body)
            assert len(body["data"]) <= PAGE_SIZE
            found += [house["house_id"] for house in body["data"]]
        assert found == expected, query


def test_search_defaults_paging_and_item_fields(market, client, db_conn):
    body = search(client)
    assert body["total_page"] == 3
    assert [h["house_id"] for h in body["data"]] == expected_search(db_conn)[:PAGE_SIZE]
    assert search(client, p=3)["data"] and search(client, p=4) == {
        "errcode": "0", "errmsg": "OK", "data": [], "total_page": 3}
    assert search(client, p=10**17)["data"] == []
    item = next(h for h in search(client, aid=1, sk="booking")["data"] if h["house_id"] == market[0])
    assert item == {"house_id": market[0], "title": "房源0", "price": 10000, "room_count": 2,
                    "address": HOUSE_FIELDS["address"], "order_count": 2, "rating": None, "rating_count": 0, "avatar": None, "image_url": None,
                    "avatar_thumb": None, "image_thumb": None}
    empty = search(client, aid=16)
    assert (empty["data"], empty["total_page"]) == ([], 0)


@pytest.mark.parametrize("path", ["/api/house/list", "/api/house/list2"])
def test_search_accepts_post_json_and_forms(market, client, path):
    query = {"aid": "2", "sd": day(2).isoformat(), "ed": day(4).isoformat(), "sk": "price-des", "p": "1"}
    by_get = search(client, path, **query)
    assert client.api("POST", path, json=query) == by_get
    assert client.api("POST", path, json={**query, "aid": 2, "p": 1}) == by_get
    assert client.api("POST", path, data=query) == by_get
    # a form's empty fields mean "not given"
    empty_form = {"aid": "", "sd": "", "ed": "", "sk": "", "p": ""}
    assert client.api("POST", path, data=empty_form) == search(client, path)


@pytest.mark.parametrize("path", ["/api/house/list", "/api/house/list2"])
@pytest.mark.parametrize("query", [
    {"aid": "x"}, {"aid": "0"}, {"aid": "-1"}, {"aid": "1.5"},
    {"sd": "2030-13-01"}, {"sd": "2030/01/01"}, {"sd": "20300101"}, {"ed": "2030-02-30"}, {"sd": "tomorrow"},
    {"sd": "2030-01-05", "ed": "2030-01-04"},
    {"sk": "cheap"}, {"sk": "NEW"},
    {"p": "0"}, {"p": "-1"}, {"p": "x"}, {"p": "1.5"},
    {"aid": "２"}, {"p": "٢"}, {"sd": "２０３０-01-01"},  # ASCII digits only
])
def test_search_refuses_malformed_parameters(client, path, query):
    body = search(client, path, **query)
    assert body["errcode"] == "4103", body
    assert body["errmsg"]


def test_list_and_list2_return_the_same_pages(market, client):
    for criteria, sk in itertools.product(SEARCHES[:6], SORT_KEYS):
        query = {**criteria, "sk": sk}
        query = {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in query.items()}
        for page in (1, 2, 3):
            uncached = search(client, "/api/house/list", **query, p=page)
            assert search(client, "/api/house/list2", **query, p=page) == uncached
            assert search(client, "/api/house/list2", **query, p=page) == uncached


# ---- caches ------------------------------------------------------------------------------------

def cached_views(client, house_id, **query):
    """What the cached endpoints show now: list2 (for `query`), the detail and the home page."""
    return (search(client, "/api/house/list2", **query), detail(client, house_id)["data"],
            client.api("GET", "/api/house/index"))


def test_list2_is_served_from_redis(landlord, client, db_conn, redis_client):
    house_id = publish_house(landlord)
    before = search(client, "/api/house/list2")
    assert redis_client.keys("ihome:cache:*")
    with db_conn.cursor() as cur:  # a change behind the service's back, which no write announces
        cur.execute("UPDATE ih_house SET title = '改名了' WHERE id = %s", (house_id,))
    assert search(client, "/api/house/list2") == before
    assert search(client, "/api/house/list")["data"][0]["title"] == "改名了"


def test_list2_keeps_only_pages_that_exist(landlord, client, redis_client):
    publish_house(landlord)
    for page in range(1, 21):
        body = search(client, "/api/house/list2", p=page)
        assert (len(body["data"]), body["total_page"]) == (1 if page == 1 else 0, 1)
    assert len(redis_client.keys("ihome:cache:houses:*:search:*")) == 1
    empty = search(client, "/api/house/list2", aid=16)  # no house there: its page 1 is kept
    assert (empty["data"], empty["total_page"]) == ([], 0)
    assert len(redis_client.keys("ihome:cache:houses:*:search:*")) == 2


def test_publishing_is_visible_on_the_next_cached_read(landlord, client):
    first = publish_house(landlord)
    cached_views(client, first)
    second = publish_house(landlord, title="新房源")
    listed, _, _ = cached_views(client, first)
    assert [house["house_id"] for house in listed["data"]] == [second, first]
    assert detail(client, second)["data"]["title"] == "新房源"


def test_a_photo_is_visible_on_the_next_cached_read(landlord, client):
    house_id = publish_house(landlord)
    listed, data, home = cached_views(client, house_id)
    assert (listed["data"][0]["image_url"], data["images"], home["houses"]) == (None, [], [])
    url = upload_photo(landlord, house_id)["url"]
    listed, data, home = cached_views(client, house_id)
    assert (listed["data"][0]["image_url"], data["images"]) == (url, [url])
    assert home["houses"] == [{"house_id": house_id, "title": HOUSE_FIELDS["title"], "img_url": url,
                               "img_thumb": url.replace(".jpg", ".800x500.jpg")}]


def test_landlord_rename_and_avatar_are_visible_on_the_next_cached_read(landlord, client):
    house_id = publish_house(landlord)
    cached_views(client, house_id)
    assert rename(landlord, "房东老王")["errcode"] == "0"
    assert detail(client, house_id)["data"]["user_name"] == "房东老王"
    avatar = upload_avatar(landlord, image_bytes("yellow"), filename="me.png", content_type="image/png")
    assert avatar["errcode"] == "0", avatar
    listed, data, _ = cached_views(client, house_id)
    assert data["user_avatar"] == avatar["data"] == listed["data"][0]["avatar"]


def test_every_order_change_is_visible_on_the_next_cached_read(landlord, guest, client, redis_client,
                                                               db_conn):
    house_id = publish_house(landlord)
    upload_photo(landlord, house_id)
    nights = {"sd": day(3).isoformat(), "ed": day(4).isoformat()}

    def free():
        listed = cached_views(client, house_id, **nights)[0]
        return [house["house_id"] for house in listed["data"]] == [house_id]
    assert free()
    order_id = book_ok(guest, house_id, day(3), day(4))
    assert not free()
    act_ok(guest, "cancel", order_id)
    assert free()
    order_id = book_ok(guest, house_id, day(4), day(6))
    assert not free()
    act_ok(landlord, "reject", order_id, reject_reason="不接待")
    assert free()
    order_id = book_ok(guest, house_id, day(2), day(3))
    act_ok(landlord, "accept", order_id)
    listed, data, home = cached_views(client, house_id)
    assert listed["data"][0]["order_count"] == data["order_count"] == 1
    assert not free()
    end_stay(db_conn, order_id)
    act_ok(guest, "comment", order_id, comment="住得很舒服")
    (comment,) = detail(client, house_id)["data"]["comments"]
    assert (comment["user_name"], comment["content"]) == ("匿名用户", "住得很舒服")
    assert TIMESTAMP_RE.match(comment["ctime"])
    assert rename(guest, "旅行者")["errcode"] == "0"
    assert detail(client, house_id)["data"]["comments"][0]["user_name"] == "旅行者"


def test_cached_reads_fall_back_to_the_database_when_redis_is_down(landlord, new_client):
    house_id = publish_house(landlord)
    redisless = ServerProcess("no-redis", IHOME_REDIS_URL="redis://127.0.0.1:1/0").start()
    try:
        redisless.wait_ready()
        client = new_client(redisless.url)
        assert len(client.api("GET", "/api/house/area")["data"]) == 16
        assert client.api("GET", "/api/house/index")["errcode"] == "0"
        assert search(client, "/api/house/list2")["data"][0]["house_id"] == house_id
        assert detail(client, house_id)["data"]["hid"] == house_id
    finally:
        assert redisless.stop() == 0
