"""What the service does when its stores fail: a Redis restored from an older snapshot, and
MariaDB and Redis killed and restarted under load. Each test runs its own private servers
(tests/stores.py) and its own iHome server process; the shared stores are never touched."""
import concurrent.futures
import itertools
import threading
import time

import httpx
import pytest

from tests.conftest import ApiClient, ServerProcess, drop_database
from tests.helpers import (GUEST_MOBILE, LANDLORD_MOBILE, act_ok, book, book_ok, day, detail, publish_house,
                           register, search, verify_identity)
from tests.stores import PrivateMariaDB, PrivateRedis

ROLLBACK_DB = "ihome_test_rollback"


def free_house_ids(client, first, last):
    body = search(client, "/api/house/list2", sd=first.isoformat(), ed=last.isoformat())
    assert body["errcode"] == "0", body
    return {house["house_id"] for house in body["data"]}


def check_login(base_url, session_cookie):
    return httpx.get(base_url + "/api/check_login", cookies={"session_id": session_cookie}).json()


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
