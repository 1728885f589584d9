"""Test fixtures: a real server process on a free port, over a real MariaDB and Redis.

Each run uses a database and a Redis db of its own (IHOME_TEST_DB, IHOME_TEST_REDIS_DB), dropped
and rebuilt by the server's own migrations at the start, and emptied between tests.
The calls that tests share (register, publish a house, book...) are in helpers.py.
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

from tests.helpers import GUEST_MOBILE, LANDLORD_MOBILE, register, verify_identity

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output"
TEST_DB = os.environ.get("IHOME_TEST_DB", "ihome_test")
TEST_REDIS_DB = int(os.environ.get("IHOME_TEST_REDIS_DB", "15"))
MYSQL = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": "", "charset": "utf8mb4"}
REFERENCE_TABLES = {"ih_area", "ih_facility", "schema_migration"}


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
    """`python server.py` in a child process, with its log in test-output/. With
    `own_process_group`, the server and the workers it forks (--processes) are a process group
    that stop() signals whole, as systemd and Ctrl-C do."""
    own_process_group = False

    def __init__(self, name, database=TEST_DB, redis_db=TEST_REDIS_DB, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.media_root = OUTPUT / f"media-{database}-{name}"  # runs on other databases may run at once
        # Not a temporary folder of its own: a server the test kills (SIGKILL) would leave that behind.
        self.metrics_dir = OUTPUT / f"metrics-{database}-{name}"
        self.log_path = OUTPUT / f"server-{name}.log"
        self.env = {**os.environ,
                    "IHOME_MYSQL_URL": f"mysql://root:@127.0.0.1:3306/{database}",
                    "IHOME_REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
                    "IHOME_COOKIE_SECRET": "test-secret",
                    "IHOME_MEDIA_ROOT": str(self.media_root),
                    "IHOME_MEDIA_BASE_URL": f"{self.url}/media/",
                    "IHOME_METRICS_DIR": str(self.metrics_dir),
                    # every test client is 127.0.0.1: the per-IP limits are tested on servers of their own
                    "IHOME_LOGIN_IP_FAILURES": "0",
                    "IHOME_CAPTCHA_IP_PER_MINUTE": "0",
                    # the suite uploads far more than a user would; test_images.py tests the quota
                    "IHOME_UPLOADS_PER_HOUR": "0",
                    # and writes more messages; test_live.py tests their rate
                    "IHOME_MESSAGES_PER_MINUTE": "0",
                    **env}
        self.process = None

    def start(self):
        OUTPUT.mkdir(exist_ok=True)
        shutil.rmtree(self.media_root, ignore_errors=True)
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(self.command(), cwd=ROOT, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=self.own_process_group)
        return self

    def command(self):
        return [sys.executable, "server.py", f"--port={self.port}"]

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
        if self.own_process_group:
            os.killpg(self.process.pid, signal.SIGTERM)
        else:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                if self.own_process_group:
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.kill()
            self.log.close()


class ApiClient(httpx.Client):
    """A browser-like client: keeps cookies and sends the XSRF token with every write."""

    def __init__(self, base_url, **options):
        super().__init__(base_url=base_url, timeout=30, **options)
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


def empty_database(conn, database):
    """Delete every row but the reference data."""
    with conn.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                    (database,))
        tables = [row[0] for row in cur.fetchall() if row[0] not in REFERENCE_TABLES]
        cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        for table in tables:
            cur.execute(f"DELETE FROM `{database}`.`{table}`")
        cur.execute("SET FOREIGN_KEY_CHECKS = 1")


@pytest.fixture(autouse=True)
def clean_state(db_conn, redis_client):
    """Every test starts with reference data only and an empty Redis db."""
    empty_database(db_conn, TEST_DB)
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
