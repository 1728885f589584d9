"""What operators see: the request id on every answer and in the log, the JSON log format,
/healthz and /readyz (with stores frozen), and /metrics: what it counts, by route pattern, and
who may read it. tests/test_metrics_load.py counts under load with several workers."""
import json
import re
import signal

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import TEST_DB, ServerProcess
from tests.helpers import LANDLORD_MOBILE, login, raw_exchange, register, request_sms_code
from tests.stores import PrivateMariaDB, PrivateRedis, wait_until

REQUEST_ID_RE = re.compile(r"[0-9a-f]{32}")


def metric_values(base_url, name, **headers):
    """{labels as a sorted tuple of pairs: value} of the samples called `name` in /metrics."""
    answer = httpx.get(f"{base_url}/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    return {tuple(sorted(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(answer.text) for sample in family.samples
            if sample.name == name}


def metric(base_url, name, **labels):
    """The sum of the samples called `name` whose labels include `labels`."""
    return sum(value for key, value in metric_values(base_url, name).items() if set(labels.items()) <= set(key))


def log_lines_with(server, text):
    # Tornado writes the access log line just after the answer has gone.
    wait_until(lambda: text in server.log_path.read_text(), f"a log line with {text}")
    return [line for line in server.log_path.read_text().splitlines() if text in line]


# ---- request ids --------------------------------------------------------------------------------

def test_every_answer_has_its_own_request_id_which_its_log_line_carries(server, client):
    answers = [client.get("/api/check_login"), client.get("/api/house/area"), client.get("/"),
               client.get("/api/no/such/route"), client.put("/api/house/area"), client.get("/media/none.jpg"),
               client.get("/api/house/info?house_id=7", headers={"X-Request-Id": "chosen-by-the-client"})]
    ids = [answer.headers["X-Request-Id"] for answer in answers]
    assert all(REQUEST_ID_RE.fullmatch(request_id) for request_id in ids), ids
    assert len(set(ids)) == len(ids)  # without --xheaders a client's id is not taken
    (line,) = log_lines_with(server, ids[-1])
    assert "GET /api/house/info?house_id=7" in line
    # The server's own answer to a request it could not read has one too.
    status, headers, body = raw_exchange(server.port, b"GET /api/house/area HTTP/1.1\r\nHost\r\n\r\n")
    assert (status, body["errcode"]) == (400, "4103") and REQUEST_ID_RE.fullmatch(headers["x-request-id"])


def test_behind_a_trusted_proxy_its_request_id_is_kept_and_every_line_is_json(tmp_path):
    proxied = ServerProcess("proxied", IHOME_XHEADERS="true", IHOME_LOG_FORMAT="json").start()
    try:
        proxied.wait_ready()
        kept = httpx.get(f"{proxied.url}/api/house/info?house_id=9", headers={"X-Request-Id": "nginx-4f2a9c"})
        assert kept.headers["X-Request-Id"] == "nginx-4f2a9c"
        forged = httpx.get(f"{proxied.url}/healthz", headers={"X-Request-Id": "two words; {}"})
        assert REQUEST_ID_RE.fullmatch(forged.headers["X-Request-Id"])
        (line,) = log_lines_with(proxied, "nginx-4f2a9c")
        access = json.loads(line)
        assert access["request_id"] == "nginx-4f2a9c" and access["logger"] == "tornado.access"
        assert access["http"] == {**access["http"], "status": 200, "method": "GET", "route": "/api/house/info"}
        log_lines_with(proxied, forged.headers["X-Request-Id"])
        for line in proxied.log_path.read_text().splitlines():
            assert {"time", "level", "logger", "message"} <= json.loads(line).keys(), line
    finally:
        assert proxied.stop() == 0


# ---- health and readiness -----------------------------------------------------------------------

READY_DB = f"{TEST_DB}_ready"  # in a private MariaDB


def test_readyz_answers_503_while_a_store_does_not_answer_and_healthz_stays_200():
    with PrivateMariaDB("ready") as mariadb, PrivateRedis("ready") as redis_store:
        server = ServerProcess("ready", database=READY_DB, IHOME_MYSQL_URL=mariadb.url(READY_DB),
                               IHOME_REDIS_URL=redis_store.url).start()
        try:
            server.wait_ready()
            assert httpx.get(f"{server.url}/readyz").json() == {"errcode": "0", "errmsg": "OK"}
            for store, name in ((redis_store, "Redis"), (mariadb, "MariaDB")):
                store.process.send_signal(signal.SIGSTOP)  # frozen: it takes connections but never answers
                try:
                    answer = httpx.get(f"{server.url}/readyz", timeout=10)
                    assert answer.status_code == 503
                    assert answer.json() == {"errcode": "4001", "errmsg": f"未就绪：{name} 无响应"}
                    assert httpx.get(f"{server.url}/healthz").json()["errcode"] == "0"
                finally:
                    store.process.send_signal(signal.SIGCONT)
                wait_until(lambda: httpx.get(f"{server.url}/readyz", timeout=10).status_code == 200, "ready again")
        finally:
            assert server.stop() == 0


# ---- metrics ------------------------------------------------------------------------------------

def test_metrics_count_requests_by_route_pattern_with_status_and_errcode(server, client):
    def requests(**labels):
        return metric(server.url, "ihome_http_requests_total", **labels)
    before = {"unknown house": requests(route="/api/house/info", status="200", errcode="4002"),
              "media": requests(route="/media/(.*)", status="404", errcode=""),
              "no route": requests(route="/api(?:/.*)?", status="404", errcode="4002"),
              "timings": metric(server.url, "ihome_http_request_duration_seconds_count", route="/api/house/info")}
    for house_id in (1001, 1002, 1003):
        assert client.get(f"/api/house/info?house_id={house_id}").json()["errcode"] == "4002"
    client.get("/media/ab/none.jpg")
    client.get("/api/no/such/route")
    wait_until(lambda: requests(route="/api(?:/.*)?", status="404", errcode="4002") == before["no route"] + 1,
               "the last request counted")
    assert requests(route="/api/house/info", status="200", errcode="4002") == before["unknown house"] + 3
    assert requests(route="/media/(.*)", status="404", errcode="") == before["media"] + 1
    assert metric(server.url, "ihome_http_request_duration_seconds_count", route="/api/house/info") \
        == before["timings"] + 3
    assert not [key for key in metric_values(server.url, "ihome_http_requests_total") if "1001" in str(key)]


def test_metrics_count_cache_lookups_logins_sms_codes_and_pools(server, client, new_client, redis_client):
    def counted():
        return {"miss": metric(server.url, "ihome_cache_lookups_total", page="areas", result="miss"),
                "hit": metric(server.url, "ihome_cache_lookups_total", page="areas", result="hit"),
                "sent": metric(server.url, "ihome_sms_sends_total", result="sent"),
                "success": metric(server.url, "ihome_logins_total", result="success"),
                "failure": metric(server.url, "ihome_logins_total", result="failure")}
    before = counted()
    client.get("/api/house/area")  # the first reader builds it: Redis was emptied before the test
    client.get("/api/house/area")
    register(client, redis_client, LANDLORD_MOBILE)  # one SMS code
    other = new_client()
    assert login(other, LANDLORD_MOBILE, "not the password")["errcode"] == "4102"
    assert login(other, LANDLORD_MOBILE)["errcode"] == "0"
    request_sms_code(other, redis_client, LANDLORD_MOBILE)  # registered: no code is sent
    wait_until(lambda: counted()["success"] == before["success"] + 1, "the login counted")
    assert counted() == {"miss": before["miss"] + 1, "hit": before["hit"] + 1, "sent": before["sent"] + 1,
                         "success": before["success"] + 1, "failure": before["failure"] + 1}
    pools = metric_values(server.url, "ihome_pool_connections_in_use")
    assert {dict(key)["pool"] for key in pools} >= {"mysql", "redis"}
    assert all(value >= 0 for value in pools.values())


def test_metrics_answer_loopback_and_a_token_and_refuse_others():
    guarded = ServerProcess("metrics-token", IHOME_XHEADERS="true", IHOME_METRICS_TOKEN="s3cret-token").start()
    try:
        guarded.wait_ready()
        url = f"{guarded.url}/metrics"
        assert httpx.get(url).status_code == 200  # from this machine
        outside = {"X-Real-IP": "203.0.113.7"}  # as the proxy names a client from elsewhere
        refused = httpx.get(url, headers=outside)
        assert (refused.status_code, refused.json()["errcode"]) == (403, "4105")
        assert httpx.get(url, headers={**outside, "Authorization": "Bearer wrong"}).status_code == 403
        allowed = httpx.get(url, headers={**outside, "Authorization": "Bearer s3cret-token"})
        assert allowed.status_code == 200 and "ihome_http_requests_total" in allowed.text
        assert allowed.headers["Content-Type"].startswith("text/plain")
    finally:
        assert guarded.stop() == 0

