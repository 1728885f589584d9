"""Test fixtures: a real server process on a free port, over a real MariaDB and Redis.

Each run uses a database and a Redis db of its own (IHOME_TEST_DB, IHOME_TEST_REDIS_DB), dropped
and rebuilt by the server's own migrations at the start, and emptied between tests.
"""
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time

import httpx
import pymysql
import pytest
import redis

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output"
TEST_DB = os.environ.get("IHOME_TEST_DB", "ihome_test")
TEST_REDIS_DB = int(os.environ.get("IHOME_TEST_REDIS_DB", "15"))
MYSQL = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": "", "charset": "utf8mb4"}
REFERENCE_TABLES = {"ih_area", "ih_facility", "schema_migration"}
DEFAULT_PASSWORD = "correct horse 1"
LANDLORD_MOBILE = "13800000001"
GUEST_MOBILE = "13900000002"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def mysql_connect(database=None):
    return pymysql.connect(database=database, autocommit=True, **MYSQL)


def drop_database(name):
    with mysql_connect() as conn, conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


class ServerProcess:
    """`python server.py` in a child process, with its log in test-output/."""

    def __init__(self, name, database=TEST_DB, redis_db=TEST_REDIS_DB, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.media_root = OUTPUT / f"media-{database}-{name}"  # runs on other databases may run at once
        self.log_path = OUTPUT / f"server-{name}.log"
        self.env = {**os.environ,
                    "IHOME_MYSQL_URL": f"mysql://root:@127.0.0.1:3306/{database}",
                    "IHOME_REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
                    "IHOME_COOKIE_SECRET": "test-secret",
                    "IHOME_MEDIA_ROOT": str(self.media_root),
                    "IHOME_MEDIA_BASE_URL": f"{self.url}/media/",
                    **env}
        self.process = None

    def start(self):
        OUTPUT.mkdir(exist_ok=True)
        shutil.rmtree(self.media_root, ignore_errors=True)
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen([sys.executable, "server.py", f"--port={self.port}"],
                                        cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {self.log_path}")
            try:
                httpx.get(self.url + "/api/check_login", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"server not ready after {timeout}s; see {self.log_path}")

    def stop(self):
        """SIGTERM, as a deployment would; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self.log.close()


class ApiClient(httpx.Client):
    """A browser-like client: keeps cookies and sends the XSRF token with every write."""

    def __init__(self, base_url):
        super().__init__(base_url=base_url, timeout=30)
        self.get("/api/check_login")

    def request(self, method, url, **kwargs):
        token = self.cookies.get("_xsrf")
        if method.upper() not in ("GET", "HEAD", "OPTIONS") and token:
            kwargs["headers"] = {"X-XSRFToken": token, **(kwargs.get("headers") or {})}
        return super().request(method, url, **kwargs)

    def api(self, method, url, **kwargs):
        """The decoded JSON envelope of a call that must answer HTTP 200."""
        response = self.request(method, url, **kwargs)
        assert response.status_code == 200, (response.status_code, response.text)
        assert response.headers["Content-Type"] == "application/json; charset=UTF-8"
        return response.json()


@pytest.fixture(scope="session")
def server():
    drop_database(TEST_DB)
    proc = ServerProcess("main").start()
    try:
        proc.wait_ready()
        yield proc
    finally:
        assert proc.stop() == 0, f"server did not shut down cleanly; see {proc.log_path}"


@pytest.fixture(scope="session")
def redis_client():
    client = redis.Redis(db=TEST_REDIS_DB, decode_responses=True)
    yield client
    client.close()


@pytest.fixture(scope="session")
def db_conn(server):
    conn = mysql_connect(TEST_DB)
    yield conn
    conn.close()


@pytest.fixture(autouse=True)
def clean_state(db_conn, redis_client):
    """Every test starts with reference data only and an empty Redis db."""
    with db_conn.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                    (TEST_DB,))
        tables = [row[0] for row in cur.fetchall() if row[0] not in REFERENCE_TABLES]
        cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        for table in tables:
            cur.execute(f"DELETE FROM `{table}`")
        cur.execute("SET FOREIGN_KEY_CHECKS = 1")
    redis_client.flushdb()


@pytest.fixture
def client(server):
    api_client = ApiClient(server.url)
    yield api_client
    api_client.close()


@pytest.fixture
def new_client(server):
    """Makes further independent clients (other browsers), by default of the same server."""
    made = []

    def make(base_url=server.url):
        made.append(ApiClient(base_url))
        return made[-1]
    yield make
    for api_client in made:
        api_client.close()


def request_sms_code(client, redis_client, mobile, captcha_id="cap1"):
    """Solve a captcha (read from Redis, as a test may) and ask for an SMS code to `mobile`."""
    client.get(f"/api/piccode?cur={captcha_id}")
    answer = redis_client.get(f"pic_code_{captcha_id}")
    return client.api("POST", "/api/smscode",
                      json={"mobile": mobile, "piccode": answer, "piccode_id": captcha_id})


def register(client, redis_client, mobile, password=DEFAULT_PASSWORD):
    """Register `mobile` through the real flow; the client ends up logged in."""
    assert request_sms_code(client, redis_client, mobile)["errcode"] == "0"
    code = redis_client.get(f"sms_code_{mobile}")
    body = client.api("POST", "/api/register",
                      json={"mobile": mobile, "phonecode": code, "password": password})
    assert body == {"errcode": "0", "errmsg": "注册成功"}, body
    return client.api("GET", "/api/check_login")["data"]


ID_CARD_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

HOUSE_FIELDS = {"title": "后海边的四合院", "price": "288.50", "area_id": 2, "address": "西城区后海北沿1号",
                "room_count": 2, "acreage": 60, "unit": "两室一厅", "capacity": 4, "beds": "双人床2张",
                "deposit": "500", "min_days": 1, "max_days": 30, "facility": [1, 2, 3]}


def id_card(first17="11010519491231002"):
    """A mainland resident ID number with a valid GB 11643 check digit."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_CARD_WEIGHTS))
    return first17 + "10X98765432"[total % 11]


def verify_identity(client, serial=0, real_name="王小明"):
    """Real-name verification of the client's user; each `serial` (0-999) is a distinct ID number."""
    body = client.api("POST", "/api/profile/auth",
                      json={"real_name": real_name, "id_card": id_card(f"11010519491231{serial:03d}")})
    assert body["errcode"] == "0", body


def publish_house(client, **overrides):
    """Publish a house as the client's (verified) user; returns its id."""
    body = client.api("POST", "/api/house/info", json={**HOUSE_FIELDS, **overrides})
    assert body["errcode"] == "0", body
    return body["house_id"]


@pytest.fixture
def landlord(client, redis_client):
    """The `client`, registered and real-name verified: ready to publish houses."""
    register(client, redis_client, LANDLORD_MOBILE)
    verify_identity(client)
    return client


@pytest.fixture
def guest(new_client, redis_client):
    """A second browser with a registered user of its own."""
    client = new_client()
    register(client, redis_client, GUEST_MOBILE)
    return client


def end_stay(db_conn, order_id, days=60):
    """Move an order's nights `days` into the past, as if the stay were over (reviews wait for it)."""
    with db_conn.cursor() as cur:
        cur.execute("UPDATE ih_order SET begin_date = begin_date - INTERVAL %s DAY,"
                    " end_date = end_date - INTERVAL %s DAY WHERE id = %s", (days, days, order_id))
        cur.execute("UPDATE ih_booked_night SET night = night - INTERVAL %s DAY WHERE order_id = %s",
                    (days, order_id))
