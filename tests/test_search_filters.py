"""The search's filters through HTTP (docs/openapi.yaml, /api/house/list): each malformed one is
refused with 4103 naming it, every form a client may send them in finds the same, a keyword's
wildcards are taken literally, and list2 keeps one entry per search, never a stale one.
Their results against the plain SQL definition on random catalogues: tests/test_search.py."""
import pytest

from tests.conftest import ServerProcess
from tests.helpers import publish_house, search

PATHS = ["/api/house/list", "/api/house/list2"]


def found(client, path="/api/house/list", **query):
    body = search(client, path, **query)
    assert body["errcode"] == "0", body
    return sorted(house["house_id"] for house in body["data"])


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("query, field", [
    ({"price_min": "x"}, "price_min"), ({"price_min": "-1"}, "price_min"), ({"price_min": "1.5"}, "price_min"),
    ({"price_min": "２"}, "price_min"), ({"price_min": "100000001"}, "price_min"),
    ({"price_max": "x"}, "price_max"), ({"price_max": "-100"}, "price_max"),
    ({"price_max": "100000001"}, "price_max"),
    ({"price_min": "500", "price_max": "499"}, "price_max"),
    ({"capacity": "0"}, "capacity"), ({"capacity": "x"}, "capacity"), ({"capacity": "101"}, "capacity"),
    ({"facility": "a"}, "facility"), ({"facility": "1,,2"}, "facility"), ({"facility": "1;2"}, "facility"),
    ({"facility": "0"}, "facility"), ({"facility": "1,-3"}, "facility"), ({"facility": ","}, "facility"),
    ({"facility": "1 2"}, "facility"),
    ({"facility": "1,99"}, "facility"),  # no such facility
    ({"facility": "64"}, "facility"),
    ({"facility": ",".join(map(str, range(1, 65)))}, "facility"),
    ({"keyword": "长" * 33}, "keyword"), ({"keyword": "a\x01b"}, "keyword"),
])
def test_a_bad_filter_is_refused_naming_it(client, path, query, field):
    body = search(client, path, **query)
    assert (body["errcode"], body.get("param")) == ("4103", field), body
    assert field in body["errmsg"]


@pytest.mark.parametrize("path", PATHS)
def test_a_bad_filter_in_json_is_named(client, path):
    for query, field in [({"facility": [1, 0]}, "facility"), ({"facility": [1, "x"]}, "facility"),
                         ({"facility": [1, 99]}, "facility"), ({"capacity": True}, "capacity"),
                         ({"price_min": 2.5}, "price_min"), ({"keyword": ["地铁"]}, "keyword")]:
        body = client.api("POST", path, json=query)
        assert (body["errcode"], body.get("param")) == ("4103", field), (query, body)


@pytest.fixture
def houses(landlord):
    """Five houses of area 2 (HOUSE_FIELDS), each differing from the next in one filtered field."""
    return {
        "cheap": publish_house(landlord, title="近地铁 Loft 公寓", price="150", capacity=2, facility=[1, 2]),
        "family": publish_house(landlord, title="湖景三室", price="400", capacity=6, facility=[1, 3, 14]),
        "big": publish_house(landlord, title="胡同四合院", price="800", capacity=10, facility=[1, 3, 14, 20],
                             address="东城区南锣鼓巷50%号"),
        "plain": publish_house(landlord, title="普通一居", price="300", capacity=3, facility=[]),
        "under": publish_house(landlord, title="a_b 工作室", price="300", capacity=1, facility=[3]),
    }


@pytest.mark.parametrize("path", PATHS)
def test_each_filter_finds_its_houses(client, houses, path):
    def ids(*names):
        return sorted(houses[name] for name in names)
    assert found(client, path, price_min=30000) == ids("family", "big", "plain", "under")
    assert found(client, path, price_max=30000) == ids("cheap", "plain", "under")
    assert found(client, path, price_min=30000, price_max=40000) == ids("family", "plain", "under")
    assert found(client, path, price_min=0) == ids(*houses)
    assert found(client, path, capacity=6) == ids("family", "big")
    assert found(client, path, facility="3,1") == ids("family", "big")
    assert found(client, path, facility="20") == ids("big")
    assert found(client, path, facility="5") == []
    assert found(client, path, keyword="loft") == ids("cheap")
    assert found(client, path, keyword="  LOFT ") == ids("cheap")
    assert found(client, path, keyword="   ") == ids(*houses)  # blank: no keyword
    assert found(client, path, keyword="南锣鼓巷") == ids("big")  # the address
    assert found(client, path, keyword="50%") == ids("big")
    assert found(client, path, keyword="0%号") == ids("big")
    assert found(client, path, keyword="5%") == []  # % is a character, no wildcard
    assert found(client, path, keyword="a_b") == ids("under")
    assert found(client, path, keyword="_") == ids("under")
    assert found(client, path, keyword="a!b") == []
    assert found(client, path, aid=2, capacity=2, facility="1", keyword="地铁", price_max=15000) == ids("cheap")
    assert found(client, path, aid=1, capacity=2) == []
    # through the texts' grams (0018): one character, a text's last, mixed case, a district
    assert found(client, path, keyword="湖") == ids("family")
    assert found(client, path, keyword="居") == ids("plain")
    assert found(client, path, keyword="寓") == ids("cheap")
    assert found(client, path, keyword="L") == ids("cheap")
    assert found(client, path, keyword="lOfT 公") == ids("cheap")
    assert found(client, path, keyword="地铁公寓") == []  # each bigram but 铁公 there, not in a row
    assert found(client, path, keyword="四合院", aid=2) == ids("big")
    assert found(client, path, keyword="四合院", aid=1) == []


@pytest.mark.parametrize("path", PATHS)
def test_filters_read_the_same_from_a_query_a_form_and_json(client, houses, path):
    query = {"price_min": "10000", "price_max": "50000", "capacity": "2", "facility": "1,3", "keyword": "湖景",
             "sk": "price-inc"}
    by_get = search(client, path, **query)
    assert [house["house_id"] for house in by_get["data"]] == [houses["family"]]
    assert client.api("POST", path, data=query) == by_get
    assert client.api("POST", path, json={**query, "price_min": 10000, "capacity": 2, "facility": [3, 1]}) == by_get
    assert client.api("POST", path, data={**query, "facility": ["3", "1"]}) == by_get  # a repeated form field


def test_list2_shares_an_entry_between_equal_searches_only(client, houses, redis_client):
    def entries():
        return len(redis_client.keys("ihome:cache:houses:*search*"))
    first = search(client, "/api/house/list2", facility="2,1", keyword="LOFT", price_min=0)
    assert [house["house_id"] for house in first["data"]] == [houses["cheap"]]
    assert entries() == 1
    assert search(client, "/api/house/list2", facility="1,2", keyword="loft") == first
    assert search(client, "/api/house/list2", facility="2, 1,2", keyword=" Loft", price_min="") == first
    assert entries() == 1
    # each other filter is another search, cached apart
    for other in ({"facility": "1"}, {"facility": "1,2", "keyword": "lof"}, {"facility": "1,2", "capacity": 7},
                  {"facility": "1,2", "price_max": 10000}, {"facility": "1,2", "price_min": 1}):
        assert search(client, "/api/house/list2", **other) == search(client, "/api/house/list", **other)
    assert entries() == 6


def test_list2_keeps_no_page_past_the_end_and_no_refusal(client, houses, redis_client):
    assert search(client, "/api/house/list2", capacity=6, p=2)["data"] == []
    assert search(client, "/api/house/list2", facility="1,99")["errcode"] == "4103"
    assert not redis_client.keys("ihome:cache:houses:*search*")


def test_a_filtered_list2_shows_a_new_house_at_once(landlord, client, houses):
    query = {"capacity": 8, "facility": "20", "keyword": "四合院"}
    assert found(client, "/api/house/list2", **query) == [houses["big"]]
    newer = publish_house(landlord, title="另一座四合院", price="900", capacity=12, facility=[20])
    assert found(client, "/api/house/list2", **query) == sorted([houses["big"], newer])


def test_a_house_taken_down_or_renamed_is_found_by_its_keyword_no_more(landlord, client, db_conn, houses):
    assert found(client, keyword="普通") == [houses["plain"]]
    assert landlord.api("POST", "/api/house/takedown", json={"house_id": houses["plain"]})["errcode"] == "0"
    assert found(client, keyword="普通") == []
    with db_conn.cursor() as cur:  # no API renames a house; by hand, the postings follow
        cur.execute("UPDATE ih_house SET title = '新名字' WHERE id = %s", (houses["family"],))
    assert found(client, keyword="湖景") == []
    assert found(client, keyword="新名字") == [houses["family"]]


def test_a_keyword_too_many_houses_hold_is_refused_naming_it(landlord, new_client):
    """With --keyword_houses=3: a keyword whose rarest piece 3 houses of the searched district
    hold would cost a read of each at the scale the limit is for, and is refused."""
    broad = ServerProcess("keyword-houses", IHOME_KEYWORD_HOUSES="3").start()
    try:
        broad.wait_ready()
        client = new_client(broad.url)
        client.cookies.update(landlord.cookies)
        in_xicheng = [publish_house(client, address=f"西城区后海北沿{n}号") for n in (1, 2, 3)]
        in_dongcheng = publish_house(client, area_id=1, address="东城区后海路9号")
        for query in ({"keyword": "后海"}, {"keyword": "后海", "aid": 2}, {"keyword": "海", "aid": 2}):
            body = search(client, "/api/house/list2", **query)
            assert (body["errcode"], body["param"]) == ("4103", "keyword"), (query, body)
            assert "太常见" in body["errmsg"]
        assert found(client, "/api/house/list2", keyword="后海", aid=1) == [in_dongcheng]
        assert found(client, keyword="北沿2") == [in_xicheng[1]]  # its rarest piece, 沿2, one house holds
    finally:
        broad.stop()
