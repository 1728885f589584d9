"""What the service does when its stores fail: a Redis restored from an older snapshot, and
MariaDB and Redis killed and restarted under load. Each test runs its own private servers
(tests/stores.py) and its own iHome server process; the shared stores are never touched."""
import concurrent.futures
import contextlib
import itertools
import threading
import time

import pytest

from tests.conftest import TEST_DB, ApiClient, ServerProcess, drop_database
from tests.helpers import (GUEST_MOBILE, LANDLORD_MOBILE, act_ok, at_once, book_ok, check_login, day, detail,
                           publish_house, register, search, verify_identity)
from tests.stores import PrivateMariaDB, PrivateRedis

ROLLBACK_DB = f"{TEST_DB}_rollback"


def free_house_ids(client, first, last):
    body = search(client, "/api/house/list2", sd=first.isoformat(), ed=last.isoformat())
    assert body["errcode"] == "0", body
    return {house["house_id"] for house in body["data"]}


@pytest.fixture
def private_redis():
    with PrivateRedis("rollback") as store:
        yield store


def test_a_redis_rolled_back_to_an_older_snapshot_brings_back_no_stale_page_and_no_ended_session(
        private_redis):
    drop_database(ROLLBACK_DB)
    server = ServerProcess("rollback", database=ROLLBACK_DB, IHOME_REDIS_URL=private_redis.url)
    server.start().wait_ready()
    store = private_redis.client()
    landlord, guest, other = (ApiClient(server.url) for _ in range(3))
    try:
        register(landlord, store, LANDLORD_MOBILE)
        verify_identity(landlord)
        house_id = publish_house(landlord)
        register(guest, store, GUEST_MOBILE)
        register(other, store, "13700000003")
        first, last = day(3), day(4)
        assert free_house_ids(guest, first, last) == {house_id}  # now cached
        assert detail(guest, house_id)["data"]["order_count"] == 0  # cached too
        store.save()  # the snapshot Redis will come back from

        act_ok(landlord, "accept", book_ok(guest, house_id, first, last))
        logged_out = guest.cookies["session_id"]
        guest.get("/api/logout")
        assert check_login(server.url, logged_out)["errcode"] == "4102"
        assert other.api("POST", "/api/profile/name", json={"name": "改过的名字"})["errcode"] == "0"

        private_redis.kill()
        private_redis.start()
        assert store.keys("ihome:cache:houses:*"), "the snapshot should hold the old cached pages"

        assert free_house_ids(other, first, last) == set()  # booked: not free, whatever Redis kept
        assert detail(other, house_id)["data"]["order_count"] == 1
        assert check_login(server.url, logged_out)["errcode"] == "4102"  # logged out stays out
        assert other.api("GET", "/api/profile")["data"]["name"] == "改过的名字"
        assert landlord.api("GET", "/api/check_login")["errcode"] == "0"  # a live session lives on
    finally:
        for client in (store, landlord, guest, other):
            client.close()
        assert server.stop() == 0
        drop_database(ROLLBACK_DB)


# The load: a few browsers, each looping over reads and bookings of nights no one else books.
LOAD_THREADS = 4
HOUSES = 9
PHASE_SECONDS = 1.5
MAX_REQUESTS_PER_THREAD = 3000  # a quarter of them bookings: fewer than HOUSES × 365 nights
BACKOFF_AFTER_503 = 0.02  # as a client would, rather than spin through the bound in an outage
GUEST_MOBILES = [f"1370000{index:04d}" for index in range(10, 10 + LOAD_THREADS)]


class Load:
    """Runs the load in threads and records every answer with the moment it was asked."""

    def __init__(self, clients, house_ids):
        self.clients = clients
        self.house_ids = house_ids
        self.stop = threading.Event()
        self.slots = itertools.count()  # (house, night) pairs no two bookings share
        self.answers = []  # (sent_at, kind, status, body, answered_at)
        self.lock = threading.Lock()

    def slot(self):
        index = next(self.slots)
        return self.house_ids[index % len(self.house_ids)], day(1 + index // len(self.house_ids))

    def run(self, client):
        for step in range(MAX_REQUESTS_PER_THREAD):
            if self.stop.is_set():
                return
            kind = ("list2", "info", "check_login", "book")[step % 4]
            sent_at = time.monotonic()
            if kind == "book":
                house_id, night = self.slot()
                response = client.request("POST", "/api/order", json={
                    "house_id": house_id, "start_date": night.isoformat(), "end_date": night.isoformat()})
            else:
                url = {"list2": f"/api/house/list2?sd={day(2).isoformat()}",
                       "info": f"/api/house/info?house_id={self.house_ids[0]}",
                       "check_login": "/api/check_login"}[kind]
                response = client.request("GET", url)
            with self.lock:
                self.answers.append((sent_at, kind, response.status_code, response.json(), time.monotonic()))
            if response.status_code == 503:
                time.sleep(BACKOFF_AFTER_503)

    @contextlib.contextmanager
    def running(self):
        """The load runs in its threads while the `with` body does; then every answer must be
        the envelope: success, or "the data service is unavailable"."""
        with concurrent.futures.ThreadPoolExecutor(len(self.clients)) as pool:
            running = [pool.submit(self.run, client) for client in self.clients]
            try:
                yield self
            finally:
                self.stop.set()
            for future in running:
                future.result()  # no request timed out or failed to answer
        for _, kind, status, body, _ in self.answers:
            assert (status, body["errcode"]) in ((200, "0"), (503, "4001")), (kind, status, body)

    def between(self, start, end=float("inf")):
        """The answers to requests sent after `start` and answered before `end`."""
        return [answer for answer in self.answers if start < answer[0] and answer[4] < end]


class PrivateSite:
    """An iHome server on a private MariaDB and a durable private Redis, with a verified
    landlord logged in: the stores are this test's to kill."""

    def __init__(self, label, new_client):
        self.label, self.new_client = label, new_client

    def __enter__(self):
        self.stack = contextlib.ExitStack()
        self.mariadb = self.stack.enter_context(PrivateMariaDB(self.label))
        self.redis = self.stack.enter_context(PrivateRedis(self.label, durable=True))
        database = f"ihome_{self.label}"
        # Guests book far more than people would: no cap on what they hold waiting.
        self.server = ServerProcess(self.label, database=database, IHOME_MYSQL_URL=self.mariadb.url(database),
                                    IHOME_REDIS_URL=self.redis.url, IHOME_GUEST_PENDING_ORDERS="0",
                                    IHOME_GUEST_PENDING_NIGHTS="0").start()
        self.stack.callback(self.stop_server)
        self.server.wait_ready()
        self.store = self.stack.enter_context(self.redis.client())
        self.landlord = self.client(LANDLORD_MOBILE)
        verify_identity(self.landlord)
        return self

    def stop_server(self):
        assert self.server.stop() == 0, f"the server did not stop cleanly; see {self.server.log_path}"

    def client(self, mobile):
        """A new browser with a user registered under `mobile`."""
        client = self.new_client(self.server.url)
        register(client, self.store, mobile)
        return client

    def __exit__(self, *exc):
        self.stack.close()


def assert_served(answers):
    assert answers, "the load sent nothing in this phase"
    failed = [answer for answer in answers if (answer[2], answer[3]["errcode"]) != (200, "0")]
    assert not failed, failed[:5]


def test_mariadb_and_redis_killed_and_restarted_under_load(new_client):
    with PrivateSite("faults", new_client) as site:
        house_ids = [publish_house(site.landlord) for _ in range(HOUSES)]
        guests = [site.client(mobile) for mobile in GUEST_MOBILES]
        load = Load(guests, house_ids)
        phases = {}
        with load.running():
            for store_server in (site.redis, site.mariadb):
                time.sleep(PHASE_SECONDS)
                phases[store_server.name, "down"] = time.monotonic()
                store_server.kill()
                time.sleep(PHASE_SECONDS)
                store_server.start()
                phases[store_server.name, "up"] = time.monotonic()
            time.sleep(PHASE_SECONDS)
        for store_server in ("redis", "mariadb"):
            outage = load.between(phases[store_server, "down"], phases[store_server, "up"])
            assert any(answer[2] == 503 for answer in outage), store_server
        # Back up, the very first requests on the old pooled connections succeed.
        assert_served(load.between(phases["redis", "up"], phases["mariadb", "down"]))
        assert_served(load.between(phases["mariadb", "up"]))

        confirmed = {answer[3]["order_id"] for answer in load.answers
                     if answer[1] == "book" and answer[3]["errcode"] == "0"}
        with site.mariadb.connect("ihome_faults") as conn, conn.cursor() as cur:
            cur.execute("SELECT id FROM ih_order")
            stored = {row[0] for row in cur.fetchall()}
            cur.execute("SELECT COUNT(*) FROM ih_booked_night")
            nights = cur.fetchone()[0]
        assert stored == confirmed  # no confirmed booking lost, no failed one stored
        assert nights == len(confirmed)


BURST = 30


def failures(responses):
    return [(response.status_code, response.json()) for response in responses
            if (response.status_code, response.json()["errcode"]) != (200, "0")]


def test_after_the_stores_restart_no_request_fails_on_an_old_pooled_connection(new_client):
    with PrivateSite("restart", new_client) as site:
        publish_house(site.landlord)
        # Each needs the session (Redis) and a MySQL read; at once, they fill both pools.
        calls = [lambda: site.landlord.request("GET", "/api/house/my"),
                 lambda: site.landlord.request("GET", f"/api/house/list?sd={day(1).isoformat()}")] * (BURST // 2)
        assert failures(at_once(*calls)) == []
        # Every pooled connection is now idle, and dies with its server.
        for store_server in (site.redis, site.mariadb):
            store_server.kill()
            store_server.start()
        assert failures(at_once(*calls)) == []
        assert failures([site.landlord.request("POST", "/api/profile/name", json={"name": "重启之后"})]) == []
