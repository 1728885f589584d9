"""Redis under Sentinel: a master, a replica and three sentinels of the test's own
(tests/stores.py), an iHome server that knows only the sentinels, and the master killed (SIGKILL)
under load. The replica is made to lag on purpose just before, so the replica promoted has lost
the master's last writes: what they ended must not come back."""
import contextlib
import time

import pytest

from tests.conftest import OUTPUT, TEST_DB, ServerProcess, drop_database
from tests.helpers import (GUEST_MOBILE, LANDLORD_MOBILE, act_ok, ask_for_sms_code, book_ok, captcha_key, day,
                           of_this_incarnation, publish_house, register, registration, request_sms_code, sms_code_key,
                           verify_identity)
from tests.stores import PrivateRedis, PrivateRedisReplica, PrivateSentinel, replication_lag, wait_in_sync
from tests.test_store_faults import (GUEST_MOBILES, HOUSES, PHASE_SECONDS, Load, assert_served, check_login,
                                     free_house_ids)

FAILOVER_DB = f"{TEST_DB}_failover"
MASTER_NAME = "ihome"
SENTINELS = 3
LEAVER_MOBILE = "13700000003"
NEWCOMER_MOBILE = "13700000004"
LATECOMER_MOBILE = "13700000005"
PAUSE_LIMIT_MS = 30_000  # should the test stop half-way, the replica's pause ends by itself


@pytest.fixture
def redis_under_sentinel():
    """The master, its replica and the sentinels, which have met each other and the replica."""
    with contextlib.ExitStack() as stack:
        master = stack.enter_context(PrivateRedis("failover"))
        replica = stack.enter_context(PrivateRedisReplica("failover", master))
        sentinels = [stack.enter_context(PrivateSentinel(f"failover-{index}", master, MASTER_NAME))
                     for index in range(SENTINELS)]
        for sentinel in sentinels:
            sentinel.wait_until_it_knows(other_sentinels=SENTINELS - 1, replicas=1)
        yield master, replica, sentinels


@pytest.fixture
def site(redis_under_sentinel):
    """An iHome server that finds Redis through the sentinels only."""
    _, _, sentinels = redis_under_sentinel
    drop_database(FAILOVER_DB)
    # With sentinels, the URL gives only the database (and a password); the sentinels name the host.
    server = ServerProcess("sentinel", database=FAILOVER_DB, IHOME_REDIS_URL="redis:///0",
                           IHOME_REDIS_SENTINELS=",".join(f"127.0.0.1:{sentinel.port}" for sentinel in sentinels),
                           IHOME_REDIS_MASTER=MASTER_NAME,
                           # guests book far more than people would: no cap on what they hold waiting
                           IHOME_GUEST_PENDING_ORDERS="0", IHOME_GUEST_PENDING_NIGHTS="0")
    server.start()
    try:
        yield server.wait_ready()
    finally:
        assert server.stop() == 0, f"the server did not stop cleanly; see {server.log_path}"
        drop_database(FAILOVER_DB)


def test_a_master_killed_under_load_fails_over_and_nothing_ended_comes_back(redis_under_sentinel, site, new_client):
    master, replica, sentinels = redis_under_sentinel
    with master.client() as store, replica.client() as replica_store:
        def user(mobile):
            client = new_client(site.url)
            register(client, store, mobile)
            return client

        landlord, guest, leaver = user(LANDLORD_MOBILE), user(GUEST_MOBILE), user(LEAVER_MOBILE)
        verify_identity(landlord)
        house_ids = [publish_house(landlord) for _ in range(HOUSES)]
        booked_house = publish_house(landlord)  # the load never books it
        first, last = day(3), day(4)
        assert booked_house in free_house_ids(guest, first, last)  # now cached
        newcomer = new_client(site.url)
        assert request_sms_code(newcomer, store, NEWCOMER_MOBILE)["errcode"] == "0"
        old_code_key = sms_code_key(store, NEWCOMER_MOBILE)  # keys under the master's incarnation
        code = store.get(old_code_key)
        newcomer.get("/api/piccode?cur=before-kill")
        old_captcha_key = captcha_key(store, "before-kill")
        captcha = store.get(old_captcha_key)
        generation_key = of_this_incarnation(store, "ihome:cache:gen:houses")
        guests = [user(mobile) for mobile in GUEST_MOBILES]
        wait_in_sync(master, replica)

        load = Load(guests, house_ids)
        with load.running():
            time.sleep(PHASE_SECONDS)

            # From here the replica applies none of its master's writes (they wait in its input,
            # lost with the master), while it still answers reads and the sentinels.
            replica_store.client_pause(PAUSE_LIMIT_MS, all=False)
            wrong_captcha = "ZZZZ" if captcha != "ZZZZ" else "YYYY"
            assert ask_for_sms_code(newcomer, NEWCOMER_MOBILE, wrong_captcha, "before-kill")["errcode"] == "4004"
            wrong_code = "111111" if code != "111111" else "222222"
            for _ in range(5):  # the fifth wrong code voids the code
                assert registration(newcomer, NEWCOMER_MOBILE, wrong_code)["errmsg"] == "验证码错误"
            logged_out = leaver.cookies["session_id"]
            sessions = set(store.keys("sess_*"))
            leaver.get("/api/logout")
            ended_session = sessions - set(store.keys("sess_*"))
            act_ok(landlord, "accept", book_ok(guest, booked_house, first, last))
            generation = int(store.get(generation_key))
            assert replication_lag(master, replica) > 0

            master.kill()
            killed_at = time.monotonic()
            replica.wait_master_lost()  # and with it the stream it had not applied
            replica_store.client_unpause()
            for sentinel in sentinels:
                sentinel.wait_for_master(replica)
            promoted_at = time.monotonic()
            time.sleep(PHASE_SECONDS)
        unavailable = [answer for answer in load.answers if answer[2] == 503]
        assert unavailable, "no request needed Redis while there was no master"
        assert_served(load.between(promoted_at))  # the new master serves, with no restart of ours
        report = (f"failover as the load saw it: {max(answer[4] for answer in unavailable) - killed_at:.1f} s "
                  f"from the kill to the last 503 ({len(unavailable)} of {len(load.answers)} answers 503/4001); "
                  f"every sentinel named the new master {promoted_at - killed_at:.1f} s after the kill")
        (OUTPUT / "sentinel-failover.txt").write_text(report + "\n")
        print(report)

        # The promoted replica holds the state the master's last writes had ended: a retired
        # cache generation, the used captcha, the voided SMS code and the ended session...
        assert int(replica_store.get(generation_key)) < generation
        assert replica_store.exists(old_captcha_key, old_code_key, *ended_session) == 3
        # ...and none of it is back.
        assert booked_house not in free_house_ids(new_client(site.url), first, last)
        assert ask_for_sms_code(newcomer, NEWCOMER_MOBILE, captcha, "before-kill")["errcode"] == "4002"
        assert registration(newcomer, NEWCOMER_MOBILE, code) == {"errcode": "4002", "errmsg": "验证码过期",
                                                                  "param": "phonecode"}
        assert check_login(site.url, logged_out)["errcode"] == "4102"
        assert landlord.api("GET", "/api/check_login")["errcode"] == "0"  # logged in before, still in
        register(new_client(site.url), replica_store, LATECOMER_MOBILE)  # new captchas and codes work


def test_a_failback_to_a_master_that_kept_running_brings_back_none_of_its_pages(redis_under_sentinel, site,
                                                                                new_client):
    """A master failed over for maintenance (SENTINEL FAILOVER) keeps running, and its run id,
    as a replica; promoted back, it holds again what it cached before the first failover, and
    must not serve it."""
    master, replica, sentinels = redis_under_sentinel
    landlord, guest = new_client(site.url), new_client(site.url)
    with master.client() as store:
        register(landlord, store, LANDLORD_MOBILE)
        register(guest, store, GUEST_MOBILE)
    verify_identity(landlord)
    house = publish_house(landlord)
    first, last = day(3), day(4)
    assert house in free_house_ids(guest, first, last)  # now cached
    wait_in_sync(master, replica)

    sentinels[0].fail_over_to(replica)
    for sentinel in sentinels:
        sentinel.wait_for_master(replica)
    act_ok(landlord, "accept", book_ok(guest, house, first, last))  # retires the new master's pages
    wait_in_sync(replica, master)
    sentinels[0].fail_over_to(master)
    for sentinel in sentinels:
        sentinel.wait_for_master(master)

    assert house not in free_house_ids(new_client(site.url), first, last)
    assert landlord.api("GET", "/api/check_login")["errcode"] == "0"
