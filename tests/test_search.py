"""The search answers exactly what its plain definition in SQL answers.

The definition (README, "Houses"): the houses of the district (any, without `aid`) whose stay
rule admits the stay, with no night from `sd` to `ed` held by an active order, priced per
night within `price_min`..`price_max`, for at least `capacity` guests, with every facility of
`facility`, and with `keyword` in the title or the address (Latin letters in either case), in
the sort key's order with the id breaking ties, `page_size` to a page, and the number of such
pages.
The service answers it from counts and indexes of its own (migration 0007); here random
catalogues and bookings, written behind its back as a bulk import would (with the triggers
on), are searched through HTTP and compared with that definition, read from ih_order and
ih_house_facility themselves.

A database of its own: the edges (an empty district, every house of a district booked) need a
catalogue nobody else adds to.
"""
import datetime
import math
import random

import pytest

from tests.conftest import TEST_DB, ApiClient, ServerProcess, drop_database, mysql_connect
from tests.helpers import act, at_once, book, day, publish_house, register, search, verify_identity

DATABASE = f"{TEST_DB}_search"
PAGE_SIZE = 10
AREAS = (1, 2, 3)  # area 4 stays empty
EMPTY_AREA = 4
SORTS = {"new": "created_at DESC, id DESC", "booking": "order_count DESC, id DESC",
         "price-inc": "price ASC, id ASC", "price-des": "price DESC, id DESC"}
ROUNDS = 3
QUERIES_PER_CHECK = 60
PRICES = (100, 200, 300, 400)  # yuan
FACILITIES = range(1, 24)  # migration 0002
# Title and address words: Latin letters in both cases, LIKE's wildcards and its escape character
# (0015 escapes with !), and Chinese.
# The keyword is looked for through the texts' bigrams (0018): keywords of one character (which
# may be a text's last), of two and longer, Latin in mixed case and accented, and ones whose
# bigrams a house may hold all, but never in a row ("地铁湖", "湖景地铁", "ftl", "oftl": words
# are joined by spaces). One in most houses ("a") has its pages walk the sort index (KeywordPlan).
WORDS = ("近地铁", "Loft", "loft", "LOFT", "50%", "a_b", "ab", "a!b", "朝阳", "胡同", "湖景", "Ab", "%", "_",
         "铁湖", "景地", "Éa", "ft", "tl")
KEYWORDS = ("地铁", "loft", "Loft", "LOFT", "lo", "%", "50%", "_", "a_b", "a!b", "!", "ab", "b", "胡同", "朝阳 胡同",
            "湖", "没有", "铁", "同", "T", "é", "É", "éA", "LoFt", "近地铁 ", "湖景地铁", "地铁湖", "朝阳胡同", "ftl",
            "oftl", "b %", "a b", "a", "O")


@pytest.fixture(scope="module")
def search_server():
    drop_database(DATABASE)
    proc = ServerProcess("search", database=DATABASE).start()
    try:
        proc.wait_ready()
        yield proc
    finally:
        assert proc.stop() == 0, f"server did not shut down cleanly; see {proc.log_path}"
        drop_database(DATABASE)


@pytest.fixture(scope="module")
def db(search_server):
    with mysql_connect(DATABASE) as conn:
        yield conn


@pytest.fixture(scope="module")
def client(search_server):
    api = ApiClient(search_server.url)
    try:
        yield api
    finally:
        api.close()


def fill(cur, rng, houses):
    """A random catalogue of `houses` houses, with ties in every sort key, and active orders
    that never share a night of a house but often touch (one ends the night before the next
    begins). Also some cancelled orders, which hold nothing."""
    cur.execute("DELETE FROM ih_booked_night")
    cur.execute("DELETE FROM ih_order")
    cur.execute("DELETE FROM ih_house")
    cur.execute("DELETE FROM ih_user")
    cur.execute("INSERT INTO ih_user (id, name, mobile, password_hash) VALUES"
                " (1, 'landlord', '13900000001', 'x'), (2, 'guest', '13900000002', 'x')")
    base = datetime.datetime(2026, 1, 1)
    rows, orders, nights, facilities = [], [], [], []
    for house_id in range(1, houses + 1):
        min_days = rng.choice([1, 1, 2, 3])
        max_days = rng.choice([0, 0, max(min_days, 2), max(min_days, 4), 7])
        rows.append((house_id, rng.choice(AREAS), min_days, max_days, rng.choice(PRICES) * 100,
                     rng.choice([0, 0, 1, 5]), base + datetime.timedelta(hours=rng.randrange(6)),
                     rng.randrange(1, 9), words(rng), words(rng)))
        facilities += [(house_id, f) for f in rng.sample(FACILITIES, rng.choice([0, 2, 5, 12, 23]))]
        start = rng.randrange(-3, 6)
        while start < 20:
            length = rng.randrange(1, 5)
            status = rng.choice([0, 3, 3, 5])
            orders.append((len(orders) + 1, house_id, day(start), day(start + length - 1), length, status))
            if status != 5:
                nights += [(house_id, day(start + n), rows[-1][1], len(orders)) for n in range(length)]
            start += length + rng.choice([0, 0, 1, 3])  # 0: the next stay begins the next night
    cur.executemany("INSERT INTO ih_house (id, user_id, area_id, title, price, address, room_count, acreage,"
                    " unit, capacity, beds, deposit, min_days, max_days, order_count, created_at)"
                    " VALUES (%s, 1, %s, %s, %s, %s, 1, 10, 'u', %s, 'b', 0, %s, %s, %s, %s)",
                    [(h, area, title, price, address, capacity, lo, hi, count, created)
                     for h, area, lo, hi, price, count, created, capacity, title, address in rows])
    cur.executemany("INSERT INTO ih_house_facility (house_id, facility_id) VALUES (%s, %s)", facilities)
    cur.executemany("INSERT INTO ih_order (id, user_id, house_id, begin_date, end_date, days, house_price,"
                    " amount, status) VALUES (%s, 2, %s, %s, %s, %s, 100, 100, %s)", orders)
    cur.executemany("INSERT INTO ih_booked_night (house_id, night, area_id, order_id) VALUES (%s, %s, %s, %s)",
                    nights)


def words(rng):
    return " ".join(rng.sample(WORDS, rng.randrange(1, 4)))


def defined(cur, area_id, first, last, sort, page, filters=None):
    """The page and the number of pages, by the definition."""
    filters = filters or {}
    conditions, args = ["h.listed = 1"], []
    if filters.get("price_min") is not None:
        conditions.append("h.price >= %s")
        args.append(filters["price_min"])
    if filters.get("price_max") is not None:
        conditions.append("h.price <= %s")
        args.append(filters["price_max"])
    if filters.get("capacity") is not None:
        conditions.append("h.capacity >= %s")
        args.append(filters["capacity"])
    for facility_id in filters.get("facility") or ():
        conditions.append("EXISTS (SELECT 1 FROM ih_house_facility f WHERE f.house_id = h.id AND f.facility_id = %s)")
        args.append(facility_id)
    if filters.get("keyword") is not None:
        # INSTR follows the column's collation, case-insensitive (_ci), and knows no wildcards
        conditions.append("(INSTR(h.title, %s) > 0 OR INSTR(h.address, %s) > 0)")
        args += [filters["keyword"].strip()] * 2
    if area_id is not None:
        conditions.append("h.area_id = %s")
        args.append(area_id)
    if first is not None:
        days = (last - first).days + 1
        conditions.append("h.min_days <= %s AND (h.max_days = 0 OR h.max_days >= %s)"
                          " AND NOT EXISTS (SELECT 1 FROM ih_order o WHERE o.house_id = h.id"
                          " AND o.status IN (0, 3) AND o.begin_date <= %s AND o.end_date >= %s)")
        args += [days, days, last, first]
    cur.execute(f"SELECT h.id FROM ih_house h WHERE {' AND '.join(conditions)} ORDER BY {SORTS[sort]}", args)
    ids = [row[0] for row in cur.fetchall()]
    return ids[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], math.ceil(len(ids) / PAGE_SIZE)


def answered(client, area_id, first, last, sort, page, filters=None):
    filters = dict(filters or {})
    if filters.get("facility") is not None:
        filters["facility"] = ",".join(map(str, filters["facility"]))
    found = search(client, aid=area_id, sd=first and first.isoformat(), ed=last and last.isoformat(),
                   sk=sort, p=page, **filters)
    assert found["errcode"] == "0", found
    return [house["house_id"] for house in found["data"]], found["total_page"]


def edge_stays(cur, rng):
    """Stays that begin on a held stay's last night, end on its first, or fit between two."""
    cur.execute("SELECT begin_date, end_date FROM ih_order WHERE status IN (0, 3) ORDER BY RAND(%s) LIMIT 6",
                (rng.randrange(1000),))
    stays = []
    for begin, end in cur.fetchall():
        stays += [(end, end + datetime.timedelta(days=2)), (begin - datetime.timedelta(days=2), begin),
                  (end + datetime.timedelta(days=1), end + datetime.timedelta(days=1))]
    return stays


def random_filters(rng):
    """None, one or several filters of every kind, each drawn on its own; None is no filter."""
    filters = {}
    if rng.random() < 0.3:
        filters["price_min"] = rng.choice([0, 10000, 20000, 25000, 30000])
    if rng.random() < 0.3:
        filters["price_max"] = max(filters.get("price_min", 0), rng.choice([10000, 20000, 30000, 40000, 99999]))
    if rng.random() < 0.3:
        filters["capacity"] = rng.randrange(1, 10)
    if rng.random() < 0.3:
        filters["facility"] = rng.sample(FACILITIES, rng.choice([1, 1, 2, 3]))
    if rng.random() < 0.4:
        filters["keyword"] = rng.choice(KEYWORDS)
    return filters


def check_queries(client, cur, rng):
    """Random searches, and the edge stays, answered as the definition does, with and without
    filters, every page checked at the start, at a random place and at the end."""
    stays = edge_stays(cur, rng)
    for _ in range(QUERIES_PER_CHECK):
        first = day(rng.randrange(-2, 22))
        stays.append((first, first + datetime.timedelta(days=rng.choice([0, 0, 1, 2, 3, 6]))))
    stays += [(None, None)] * 3
    for first, last in stays:
        query = (rng.choice([None, None, *AREAS, EMPTY_AREA]), first, last, rng.choice(list(SORTS)))
        filters = random_filters(rng) if rng.random() < 0.7 else {}
        expected_page, pages = defined(cur, *query, 1, filters)
        assert answered(client, *query, 1, filters) == (expected_page, pages), (query, filters)
        for page in {rng.randrange(2, pages + 3) if pages else 2, pages, pages + 1} - {0, 1}:
            assert answered(client, *query, page, filters) == defined(cur, *query, page, filters), \
                (query, filters, page)


def cancel_some(cur, rng):
    """Free the nights of a third of the active orders, as cancelling, rejecting or reviewing does,
    and take away or give a facility to a few houses."""
    cur.execute("SELECT house_id, facility_id FROM ih_house_facility")
    taken = [row for row in cur.fetchall() if rng.random() < 0.1]
    cur.executemany("DELETE FROM ih_house_facility WHERE house_id = %s AND facility_id = %s", taken)
    cur.executemany("INSERT IGNORE INTO ih_house_facility (house_id, facility_id) VALUES (%s, %s)",
                    [(house_id, rng.choice(FACILITIES)) for house_id, _ in taken])
    cur.execute("SELECT id FROM ih_order WHERE status IN (0, 3)")
    chosen = [row[0] for row in cur.fetchall() if rng.random() < 0.33]
    listed = ", ".join(["%s"] * len(chosen))
    cur.execute(f"UPDATE ih_order SET status = 5 WHERE id IN ({listed})", chosen)
    cur.execute(f"DELETE FROM ih_booked_night WHERE order_id IN ({listed})", chosen)


def rename_some(cur, rng):
    """Give a few houses a new title or address, behind the service's back (no API does)."""
    cur.execute("SELECT id FROM ih_house")
    chosen = [row[0] for row in cur.fetchall() if rng.random() < 0.1]
    cur.executemany("UPDATE ih_house SET title = %s WHERE id = %s", [(words(rng), house_id) for house_id in chosen[::2]])
    cur.executemany("UPDATE ih_house SET address = %s WHERE id = %s",
                    [(words(rng), house_id) for house_id in chosen[1::2]])


def take_down_some(cur, rng):
    """Take down a fifth of the houses that no active order holds, as their landlords would."""
    cur.execute("SELECT id FROM ih_house h WHERE listed = 1 AND NOT EXISTS"
                " (SELECT 1 FROM ih_order o WHERE o.house_id = h.id AND o.status IN (0, 3))")
    chosen = [row[0] for row in cur.fetchall() if rng.random() < 0.2]
    cur.executemany("UPDATE ih_house SET listed = 0 WHERE id = %s", [(house_id,) for house_id in chosen])


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_the_search_answers_what_its_definition_does(client, db, round_):
    """After a catalogue is added, after a third of its bookings are freed, some houses renamed
    and some taken down, and after the counts, the facility bits and the keyword postings are
    rebuilt from the tables, as the server does when it finds the counts behind and as a bulk
    loader has the bits and the postings (over what is there, and from none)."""
    rng = random.Random(round_)
    with db.cursor() as cur:
        fill(cur, rng, houses=rng.choice([35, 80, 160]))
        check_queries(client, cur, rng)
        cancel_some(cur, rng)
        rename_some(cur, rng)
        take_down_some(cur, rng)
        check_queries(client, cur, rng)
        cur.execute("CALL ih_search_index_rebuild()")
        cur.execute("CALL ih_house_facility_bits_rebuild()")
        cur.execute("SELECT gram, area_id, house_id FROM ih_house_gram ORDER BY 1, 2, 3")
        postings = cur.fetchall()
        cur.execute("CALL ih_house_gram_rebuild()")
        cur.execute("SELECT gram, area_id, house_id FROM ih_house_gram ORDER BY 1, 2, 3")
        assert cur.fetchall() == postings
        cur.execute("DELETE FROM ih_house_gram")
        cur.execute("CALL ih_house_gram_rebuild()")
        check_queries(client, cur, rng)


def test_a_district_without_houses_has_no_pages(client, db):
    assert answered(client, EMPTY_AREA, day(1), day(3), "new", 1) == ([], 0)
    assert answered(client, EMPTY_AREA, None, None, "price-inc", 1) == ([], 0)


def test_a_month_finds_only_the_houses_without_a_longest_stay(client, db):
    with db.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM ih_house WHERE max_days = 0 AND listed = 1")
        unlimited = cur.fetchone()[0]
    # none of the catalogue's bookings reaches that far ahead
    assert answered(client, None, day(40), day(69), "new", 1)[1] == math.ceil(unlimited / PAGE_SIZE)


def test_racing_bookings_and_releases_keep_the_counts_exact(search_server, db, client, redis_client):
    """Guests book overlapping and touching stays of one house at once, then some are cancelled
    and rejected while others book the nights freed: every range is still counted right."""
    def registered(mobile):
        api = ApiClient(search_server.url)
        register(api, redis_client, mobile)
        return api

    landlord = registered("13900000201")
    verify_identity(landlord, serial=201)
    house_id = publish_house(landlord, area_id=5, min_days=1, max_days=0)
    guests = [registered(f"1390000021{n}") for n in range(4)]
    try:
        stays = [(1, 2), (3, 3), (2, 4), (4, 5), (6, 6), (5, 7), (7, 8), (8, 9), (1, 1), (9, 9), (3, 4), (6, 7)]
        booked = at_once(*[lambda n=n, a=a, b=b: (n, book(guests[n % 4], house_id, day(a), day(b)))
                           for n, (a, b) in enumerate(stays)])
        orders = [(n, answer["order_id"]) for n, answer in booked if answer["errcode"] == "0"]
        assert orders and len(orders) < len(stays)  # some stays lost their race
        check_every_range(client, db)

        releases = [lambda n=n, order_id=order_id: act(guests[n % 4], "cancel", order_id) for n, order_id in orders[::2]]
        releases += [lambda order_id=order_id: act(landlord, "reject", order_id, reject_reason="不巧") for _, order_id in orders[1::4]]
        rebookings = [lambda n=n, a=a, b=b: book(guests[(n + 1) % 4], house_id, day(a), day(b))
                      for n, (a, b) in enumerate(stays)]
        at_once(*releases, *rebookings)
        check_every_range(client, db)
    finally:
        for api in (landlord, *guests):
            api.close()


# Every filter, each admitting the house of the race (tests/helpers.py, HOUSE_FIELDS).
ITS_FILTERS = {"price_min": 28850, "price_max": 28850, "capacity": 4, "facility": [1, 3], "keyword": "后海"}


def check_every_range(client, db):
    """Every stay within the booked fortnight finds what the definition says, with the house's
    district and without, and with filters that admit the house."""
    with db.cursor() as cur:
        for first in range(0, 11):
            for last in range(first, 11):
                for area_id, filters in ((5, None), (None, None), (5, ITS_FILTERS), (None, ITS_FILTERS)):
                    query = (area_id, day(first), day(last), "new")
                    assert answered(client, *query, 1, filters) == defined(cur, *query, 1, filters), \
                        (query, filters)
