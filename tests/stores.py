"""Private MariaDB and Redis servers for the tests that kill and restart them.

Each runs from this machine's own binaries on a spare port, on loopback unless given another
address of this machine, with a data folder under test-output/; it is bounded in time at every
step and always stopped at the end. The shared servers on 3306 and 6379 are never touched.
"""
import contextlib
import shutil
import signal
import socket
import subprocess
import time

import pymysql
import redis

from tests.conftest import OUTPUT, free_port

START_TIMEOUT = 60


def wait_until(ready, what, timeout=START_TIMEOUT):
    """Poll `ready()` until it returns true (an exception counts as not yet); bounded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if ready():
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} not ready after {timeout}s")


class PrivateServer:
    """A server process that can be killed (SIGKILL, like a crash) and started again on the
    same port and data folder."""

    name = None

    def __init__(self, label, address="127.0.0.1"):
        self.address = address
        self.port = free_port()
        self.folder = OUTPUT / f"{self.name}-{label}"
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.process = None

    def command(self):
        raise NotImplementedError

    def is_ready(self):
        raise NotImplementedError

    def start(self):
        log = open(self.folder / "server.log", "a")
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()
        try:
            wait_until(self.is_ready, f"{self.name} on port {self.port}")
        except BaseException:
            self.stop()  # a server that never came up is no one's to stop later
            raise
        return self

    def kill(self):
        """As a crash: no shutdown, no final save."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class PrivateRedis(PrivateServer):
    """redis-server persisting to its folder: by default an RDB snapshot only when asked (SAVE),
    so that a restart brings back that older state; `durable` logs every write (AOF, fsync
    always), so that a restart loses nothing."""

    name = "redis"

    def __init__(self, label, durable=False, address="127.0.0.1"):
        super().__init__(label, address)
        self.durable = durable

    def command(self):
        return ["redis-server", "--port", str(self.port), "--bind", self.address, "--dir", str(self.folder),
                "--dbfilename", "dump.rdb", "--save", "",
                # protected mode refuses every client but loopback ones without a password; another
                # address is one of this machine's own private ones (tests/hosts.py)
                "--protected-mode", "yes" if self.address == "127.0.0.1" else "no",
                "--appendonly", "yes" if self.durable else "no", "--appendfsync", "always"]

    def client(self):
        return redis.Redis(host=self.address, port=self.port, socket_timeout=10, decode_responses=True)

    def is_ready(self):
        with self.client() as client:
            return client.ping()

    @property
    def url(self):
        return f"redis://{self.address}:{self.port}/0"


class PrivateMariaDB(PrivateServer):
    """mariadbd with a data folder of its own, made by mariadb-install-db. Its root user logs in
    from this machine only, so the tests' own connections go through its unix socket."""

    name = "mariadb"

    @property
    def socket_path(self):
        return self.folder / "mariadb.sock"

    def start(self):
        if not (self.folder / "data").exists():
            subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={self.folder / 'data'}",
                            "--auth-root-authentication-method=normal", "--skip-test-db", "--user=root"],
                           check=True, capture_output=True, timeout=START_TIMEOUT)
        return super().start()

    def command(self):
        return ["mariadbd", "--no-defaults", f"--datadir={self.folder / 'data'}", f"--port={self.port}",
                f"--bind-address={self.address}", f"--socket={self.socket_path}",
                f"--pid-file={self.folder / 'mariadb.pid'}", "--user=root", "--skip-log-bin",
                "--innodb-buffer-pool-size=64M", "--skip-name-resolve"]

    def connect(self, database=None):
        return pymysql.connect(unix_socket=str(self.socket_path), user="root", password="",
                               database=database, autocommit=True, charset="utf8mb4", connect_timeout=5)

    def is_ready(self):
        # PyMySQL leaks the socket of a failed unix socket connection: try it first by hand.
        with socket.socket(socket.AF_UNIX) as probe:
            probe.connect(str(self.socket_path))
        with self.connect() as conn:
            return conn.open

    def url(self, database, user="root", password=""):
        return f"mysql://{user}:{password}@{self.address}:{self.port}/{database}"
