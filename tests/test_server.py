"""The server process itself: migrations under concurrent start-up, graceful shutdown."""
import functools
import threading
import time

import httpx

from tests.conftest import TEST_DB, ApiClient, ServerProcess, drop_database, mysql_connect
from tests.helpers import at_once, register, request_sms_code, sms_code_key

RACE_DB = f"{TEST_DB}_race"  # another run, on another IHOME_TEST_DB, has its own


def applied_migrations(database):
    with mysql_connect(database) as conn, conn.cursor() as cur:
        cur.execute("SELECT version FROM schema_migration ORDER BY version")
        return [row[0] for row in cur.fetchall()]


def test_two_servers_starting_at_once_migrate_once(server):
    drop_database(RACE_DB)
    servers = [ServerProcess(f"race-{i}", database=RACE_DB) for i in range(2)]
    try:
        for proc in servers:
            proc.start()
        for proc in servers:
            proc.wait_ready()
        versions = applied_migrations(RACE_DB)
        assert versions == sorted(set(versions)) and versions[:2] == [1, 2]
        with mysql_connect(RACE_DB) as conn, conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM ih_area")
            assert cur.fetchone()[0] == 16
            cur.execute("SELECT COUNT(*) FROM ih_facility")
            assert cur.fetchone()[0] == 23
    finally:
        for proc in servers:
            if proc.process:
                assert proc.stop() == 0
    again = ServerProcess("race-again", database=RACE_DB).start()
    try:
        again.wait_ready()
        assert applied_migrations(RACE_DB) == versions
    finally:
        assert again.stop() == 0
        drop_database(RACE_DB)


def test_reference_data_has_utf8mb4_names(db_conn):
    with db_conn.cursor() as cur:
        cur.execute("SELECT name FROM ih_area WHERE id = 16")
        assert cur.fetchone()[0] == "门头沟区"
        cur.execute("SELECT name FROM ih_facility WHERE id = 12")
        assert cur.fetchone()[0] == "沐浴露、洗发露"


def test_sigterm_lets_an_in_flight_request_finish(redis_client):
    slow = ServerProcess("slow-sms", IHOME_SMS_BACKEND="tests.sms_backends:SlowSmsBackend").start()
    client = None
    try:
        slow.wait_ready()
        client = ApiClient(slow.url)
        answers = []
        request = threading.Thread(target=lambda: answers.append(
            request_sms_code(client, redis_client, "13800138000")))
        request.start()
        while not redis_client.exists(sms_code_key(redis_client, "13800138000")):  # the backend is now sending
            time.sleep(0.01)
        slow.process.terminate()
        request.join()
        assert answers == [{"errcode": "0", "errmsg": "发送成功"}]
    finally:
        if client:
            client.close()
        assert slow.stop() == 0


BURST = 150  # more simultaneous requests than the Redis pool has connections


def test_a_burst_larger_than_the_redis_pool_waits_instead_of_failing(server, client, redis_client):
    register(client, redis_client, "13800138000")
    limits = httpx.Limits(max_connections=BURST)
    with httpx.Client(base_url=server.url, cookies=dict(client.cookies), limits=limits, timeout=30) as http:
        answers = at_once(*[functools.partial(http.get, "/api/check_login")] * BURST)
    assert [(a.status_code, a.json()["errcode"]) for a in answers] == [(200, "0")] * BURST
