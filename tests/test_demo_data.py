"""The demo-data command (scripts/demo_data.py), run against the suite's own database and checked
through HTTP as a visitor, a landlord and a guest see it."""
import decimal
import re
import subprocess
import sys

import pytest

from scripts.demo_data import DEMO_PASSWORD, DISTRICTS
from tests.conftest import ROOT
from tests.helpers import act_ok, book_ok, day, detail, login_ok, my_orders, publish_house, search

HOUSES = 300
SORTS = ("new", "booking", "price-inc", "price-des", "rating-des")


def load_demo_data(server, seed=7):
    """Run the command as a person would, against the server's database, Redis and media
    folder; the accounts it prints at the end."""
    done = subprocess.run([sys.executable, "-m", "scripts.demo_data", f"--houses={HOUSES}", f"--seed={seed}"],
                          cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return dict(re.findall(r"^  ([a-z ]+): (.+)$", done.stdout, re.MULTILINE))


def every_page(client, **query):
    pages = [search(client, p=1, **query)]
    pages += [search(client, p=page, **query) for page in range(2, pages[0]["total_page"] + 1)]
    return pages


def without_waiting_times(orders):
    """A waiting booking is placed within the landlord's time to answer before the run, so its
    ctime follows the clock; everything else is the same in every run with the seed."""
    return [{**order, "ctime": None} if order["status"] == 0 else order for order in orders]


def what_people_see(client, new_client, accounts):
    """Every page of the search in each order and of a dated one, every house page, and both
    accounts' lists."""
    seen = {"areas": client.api("GET", "/api/house/area"), "home": client.api("GET", "/api/house/index")}
    for sort in SORTS:
        seen[sort] = every_page(client, sk=sort)
    seen["free next week in 朝阳区"] = every_page(client, aid=3, sd=day(7).isoformat(), ed=day(9).isoformat())
    house_ids = sorted(house["house_id"] for page in seen["new"] for house in page["data"])
    seen["houses"] = [detail(client, house_id) for house_id in house_ids]
    landlord = login_ok(new_client(), accounts["landlord"], DEMO_PASSWORD)
    guest = login_ok(new_client(), accounts["guest"], DEMO_PASSWORD)
    seen["landlord houses"] = landlord.api("GET", "/api/house/my")
    seen["landlord orders"] = without_waiting_times(my_orders(landlord, "landlord"))
    seen["guest orders"] = without_waiting_times(my_orders(guest))
    return seen


def search_counts(db_conn):
    """The search's counts (migration 0007), table by table."""
    with db_conn.cursor() as cur:
        counts = []
        for table in ("ih_search_rule", "ih_search_night", "ih_search_gap"):
            cur.execute(f"SELECT * FROM {table}")
            counts.append(sorted(cur.fetchall()))
        return counts


def test_a_second_run_with_the_seed_gives_the_same_site(server, client, new_client, db_conn):
    first_accounts = load_demo_data(server)
    first = what_people_see(client, new_client, first_accounts)
    dated = [house for page in first["free next week in 朝阳区"] for house in page["data"]]
    assert 0 < len(dated) and len(first["free next week in 朝阳区"]) == -(-len(dated) // 10)
    second_accounts = load_demo_data(server)
    assert second_accounts == first_accounts
    assert what_people_see(client, new_client, second_accounts) == first
    listed = [house["house_id"] for page in first["new"] for house in page["data"]]
    assert len(listed) == len(set(listed)) == HOUSES
    # The load skipped the counts' triggers and rebuilt them once: as a rebuild now makes them.
    counts = search_counts(db_conn)
    with db_conn.cursor() as cur:
        cur.execute("CALL ih_search_index_rebuild()")
    assert search_counts(db_conn) == counts and counts[1]


def test_another_seed_replaces_the_data(server, client):
    load_demo_data(server, seed=1)
    first = [house["title"] for page in every_page(client) for house in page["data"]]
    load_demo_data(server, seed=2)
    second = [house["title"] for page in every_page(client) for house in page["data"]]
    assert len(first) == len(second) == HOUSES and first != second


def test_a_run_beside_real_users_replaces_only_its_own(server, landlord, guest):
    """Other users keep their houses and ids; what they booked on demo houses goes with them."""
    own_house = publish_house(landlord, title="自己的房子")
    load_demo_data(server)
    demo_house = next(house["house_id"] for house in search(guest)["data"] if house["house_id"] != own_house)
    book_ok(guest, demo_house, day(200), day(201))
    first = [house["house_id"] for page in every_page(guest) for house in page["data"]]
    load_demo_data(server)
    assert [house["house_id"] for page in every_page(guest) for house in page["data"]] == first
    assert len(first) == HOUSES + 1 and own_house in first
    assert detail(guest, own_house)["data"]["title"] == "自己的房子"
    assert my_orders(guest) == []


def test_each_house_belongs_to_its_district(server, client):
    landmarks = {district.area_id: district.landmarks for district in DISTRICTS}
    everywhere = [(district.area_id, landmark) for district in DISTRICTS for landmark in district.landmarks]
    # No landmark may read as another district's: none is part of another one's name.
    for area_id, landmark in everywhere:
        assert [other for other, name in everywhere if landmark in name] == [area_id], landmark
    load_demo_data(server)
    areas = {area["area_id"]: area["name"] for area in client.api("GET", "/api/house/area")["data"]}
    assert {district.area_id: district.name for district in DISTRICTS} == areas
    in_districts = set()
    for page in every_page(client):
        for house in page["data"]:
            shown = detail(client, house["house_id"])["data"]
            area_id = shown["area_id"]
            named = {other for other, landmark in everywhere if landmark in shown["title"] + shown["address"]}
            assert named == {area_id}, (areas[area_id], shown["title"], shown["address"])
            assert any(landmark in shown["title"] for landmark in landmarks[area_id])
            assert shown["address"].startswith(f"北京市{areas[area_id]}")
            in_districts.add(area_id)
    assert in_districts == set(areas)


def test_the_printed_accounts_log_in_and_the_guest_can_review(server, client, new_client):
    accounts = load_demo_data(server)
    assert accounts["password"] == DEMO_PASSWORD
    house_id, order_id = int(accounts["house with reviews"]), int(accounts["stay to review"])
    comments = detail(client, house_id)["data"]["comments"]
    assert len(comments) == int(accounts["reviews"]) > 0
    assert all(comment["content"] for comment in comments)
    stars = [comment["stars"] for comment in comments]
    data = detail(client, house_id)["data"]
    assert all(3 <= star <= 5 for star in stars) and data["rating_count"] == len(stars)
    assert data["rating"] == float((decimal.Decimal(sum(stars)) / len(stars)).quantize(decimal.Decimal("0.1"),
                                                                                      decimal.ROUND_HALF_UP))

    landlord = login_ok(new_client(), accounts["landlord"], DEMO_PASSWORD)
    profile = landlord.api("GET", "/api/profile/auth")
    assert profile["errcode"] == "0" and profile["data"]["real_name"]
    assert house_id in [house["house_id"] for house in landlord.api("GET", "/api/house/my")["houses"]]

    guest = login_ok(new_client(), accounts["guest"], DEMO_PASSWORD)
    orders = {order["order_id"]: order for order in my_orders(guest)}
    assert orders[order_id]["status"] == 3 and orders[order_id]["actions"] == ["comment"]
    assert orders[order_id]["house_id"] == house_id
    landlord_orders = my_orders(landlord, "landlord")
    assert {0, 3, 4} <= {order["status"] for order in landlord_orders}
    assert any(order["start_date"] > day(0).isoformat() for order in landlord_orders if order["status"] == 3)
    act_ok(guest, "comment", order_id, comment="演示：入住很愉快", stars=5)
    data = detail(client, house_id)["data"]
    assert data["comments"][0]["content"] == "演示：入住很愉快" and len(data["comments"]) == int(accounts["reviews"]) + 1
    assert data["rating_count"] == len(stars) + 1


@pytest.mark.parametrize("houses", ["0", "3000001", "many"])
def test_a_count_out_of_range_is_refused(server, houses):
    done = subprocess.run([sys.executable, "-m", "scripts.demo_data", f"--houses={houses}"],
                          cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
