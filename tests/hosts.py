"""Several app hosts on this one machine, behind a private nginx: the harness of test_hosts.py.

Each app host is a network namespace (`ip netns`) joined by a veth pair to a bridge in the root
namespace, with an address of its own in a private /24 that exists only on this machine; its
`python server.py --address=<its address> --xheaders` runs inside it (`ip netns exec`) on port
8000, as on every host of a real site. MariaDB and Redis are private servers (tests/stores.py)
bound to the bridge's address, which both namespaces reach; the app logs in to MariaDB as a user
of its own, created as README's "Running in production" says. nginx runs from Debian's package
with a main configuration of the tests' own (what /etc/nginx/nginx.conf is on a host) around the
site rendered from deploy/nginx-site.conf.template by scripts/nginx_site.py, on a spare loopback
port. Tests reach a given host at its own address, and the site through nginx.

Namespaces and links are named with a prefix made from the test database, so that runs on other
databases (other engineers' at the same time) never meet; what a crashed run left under that
prefix is removed before a run starts, and everything is removed when it ends, failed or not.
"""
import contextlib
import hashlib
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess

import httpx

from scripts.nginx_site import render
from tests.conftest import OUTPUT, ROOT, TEST_DB, ApiClient, ServerProcess, empty_database
from tests.stores import PrivateMariaDB, PrivateRedis, PrivateS3, PrivateServer, wait_until

TAG = hashlib.sha256(TEST_DB.encode()).hexdigest()[:4]
PREFIX = f"ihh{TAG}"  # of every namespace and link; a link name has at most 15 characters
LABEL = f"hosts-{TAG}"  # of every folder under test-output/
SUBNET = f"10.250.{int(TAG[:2], 16)}"  # .0/24
GATEWAY = f"{SUBNET}.1"  # the bridge: where MariaDB, Redis and S3 listen
MEDIA_BUCKET = "ihome-media"
HOST_ADDRESSES = {"a": f"{SUBNET}.11", "b": f"{SUBNET}.12"}
APP_PORT = 8000
DATABASE = "ihome"
APP_USER, APP_PASSWORD = "ihome", "hosts-test-password"
# Low, so that a test sees the per-IP count through nginx; each browser has an address of its own.
SMS_IP_DAILY_LIMIT = 3
MAX_IMAGE_BYTES = 1024 * 1024
NGINX = "/usr/sbin/nginx"
COMMAND_TIMEOUT = 30


def run(*command, check=True):
    result = subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {result.stderr.strip()}")
    return result


class Network:
    """The bridge and one namespace per host, with their veth pairs."""

    bridge = f"{PREFIX}br"

    @staticmethod
    def namespace(host):
        return f"{PREFIX}-{host}"

    def __enter__(self):
        if os.geteuid() != 0:
            raise RuntimeError("the multi-host tests make network namespaces (ip netns): run them as root")
        in_use = run("ip", "-4", "-o", "addr", "show").stdout
        if f" {SUBNET}." in in_use:
            raise RuntimeError(f"{SUBNET}.0/24 is already used on this machine:\n{in_use}")
        try:
            run("ip", "link", "add", self.bridge, "type", "bridge")
            run("ip", "addr", "add", f"{GATEWAY}/24", "dev", self.bridge)
            run("ip", "link", "set", self.bridge, "up")
            for host, address in HOST_ADDRESSES.items():
                namespace, outside, inside = self.namespace(host), f"{PREFIX}{host}", f"{PREFIX}{host}x"
                run("ip", "netns", "add", namespace)
                run("ip", "link", "add", outside, "type", "veth", "peer", "name", inside, "netns", namespace)
                run("ip", "link", "set", outside, "master", self.bridge, "up")
                run("ip", "-n", namespace, "link", "set", inside, "name", "eth0")
                run("ip", "-n", namespace, "addr", "add", f"{address}/24", "dev", "eth0")
                run("ip", "-n", namespace, "link", "set", "eth0", "up")
                run("ip", "-n", namespace, "link", "set", "lo", "up")
        except BaseException:
            remove_network()
            raise
        return self

    def __exit__(self, *exc):
        remove_network()


def remove_network():
    """Every namespace and link of this run's prefix, with whatever still runs in a namespace."""
    for line in run("ip", "netns", "list").stdout.splitlines():
        namespace = line.split()[0] if line.strip() else ""
        if namespace.startswith(PREFIX):
            for pid in run("ip", "netns", "pids", namespace, check=False).stdout.split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            run("ip", "netns", "del", namespace)
    for line in run("ip", "-o", "link", "show").stdout.splitlines():
        name = line.split(":")[1].strip().split("@")[0]
        if name.startswith(PREFIX):
            run("ip", "link", "del", name, check=False)  # a veth goes with its peer's namespace


def stop_leftover_stores():
    """The private MariaDB, Redis and nginx of a crashed run: each leads a process group of its own
    (nginx's workers are in it) and names its folder on its command line or works in it (Redis
    rewrites its command line)."""
    folders = [str(OUTPUT / f"{name}-{LABEL}") for name in ("mariadb", "redis", "nginx")]
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            pid = int(proc.name)
            places = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            places += " " + os.readlink(proc / "cwd")
            if (proc / "comm").read_text().strip() in ("mariadbd", "redis-server", "nginx") \
                    and os.getpgid(pid) == pid and any(folder in places for folder in folders):
                os.killpg(pid, signal.SIGKILL)


class AppHost(ServerProcess):
    """`python server.py --address=<its address> --xheaders` inside its host's namespace."""

    def __init__(self, host, **env):
        super().__init__(f"host-{host}", **env)
        self.host = host
        self.namespace = Network.namespace(host)
        self.address = HOST_ADDRESSES[host]
        self.port = APP_PORT
        self.url = f"http://{self.address}:{APP_PORT}"
        self.upstream = f"{self.address}:{APP_PORT}"  # as nginx names it in $upstream_addr

    def command(self):
        return ["ip", "netns", "exec", self.namespace, *super().command(), f"--address={self.address}",
                "--xheaders"]

    def running(self):
        return self.process is not None and self.process.poll() is None

    def freeze(self):
        """SIGSTOP: the host still accepts connections (the kernel does) but answers nothing."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.process.send_signal(signal.SIGCONT)

    def kill(self):
        """SIGKILL, as a crash: the kernel resets every connection the server had."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=COMMAND_TIMEOUT)
        self.log.close()

    def stop(self):
        if self.running():
            self.thaw()  # a frozen server would hold SIGTERM
            return super().stop()
        self.log.close()
        return self.process.returncode

    def waiting_requests(self):
        """Connections whose received bytes the server has not read: on a frozen host, the
        requests that reached it since it froze, one a connection."""
        listing = run("ip", "netns", "exec", self.namespace, "ss", "-Htn", "state", "established",
                      f"( sport = :{APP_PORT} )").stdout
        return sum(1 for line in listing.splitlines() if int(line.split()[0]) > 0)


NGINX_MAIN = """\
# The tests' private nginx: what /etc/nginx/nginx.conf is on a host, every path in this folder.
daemon off;
master_process on;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    # Which app server(s) each request went to, in order, for the tests to read.
    log_format hosts '$request_method $request_uri $status "$upstream_addr" "$http_x_probe"';
    access_log {folder}/access.log hosts;
    client_body_temp_path {folder}/temp/client_body;
    proxy_temp_path {folder}/temp/proxy;
    fastcgi_temp_path {folder}/temp/fastcgi;
    uwsgi_temp_path {folder}/temp/uwsgi;
    scgi_temp_path {folder}/temp/scgi;
    include {folder}/site.conf;
}}
"""
ACCESS_LINE = re.compile(r'^(\S+) (\S+) (\d+) "([^"]*)" "([^"]*)"$')


class PrivateNginx(PrivateServer):
    """nginx in front of the app hosts, with the shipped site rendered for them."""

    name = "nginx"

    def __init__(self, label, hosts, media_root):
        super().__init__(label)
        self.url = f"http://127.0.0.1:{self.port}"
        (self.folder / "temp").mkdir()
        (self.folder / "site.conf").write_text(render(
            upstreams=[host.upstream for host in hosts], listen=f"127.0.0.1:{self.port}", server_name="_",
            web_root=str(ROOT / "static"), media_root=str(media_root),
            max_image_bytes=MAX_IMAGE_BYTES))
        (self.folder / "nginx.conf").write_text(NGINX_MAIN.format(folder=self.folder))

    def command(self, *extra):
        return [NGINX, "-p", f"{self.folder}/", "-e", str(self.folder / "error.log"),
                "-c", str(self.folder / "nginx.conf"), *extra]

    def start(self):
        checked = run(*self.command("-t"), check=False)
        assert checked.returncode == 0, f"nginx refuses the configuration:\n{checked.stderr}"
        return super().start()

    def is_ready(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=1):
            return True

    def access_log(self, until=None):
        """(method, URI, status, [app servers tried, in order], probe header) per request; with
        `until`, once `until(entries)` is true (nginx logs a request just after answering it)."""
        def entries():
            read = []
            for line in (self.folder / "access.log").read_text().splitlines():
                method, uri, status, upstreams, probe = ACCESS_LINE.match(line).groups()
                read.append((method, uri, int(status), [] if upstreams == "-" else upstreams.split(", "), probe))
            return read
        if until is not None:
            wait_until(lambda: until(entries()), "nginx's access log")
        return entries()


class Site:
    """Two app hosts, a MariaDB and a Redis both reach, and nginx in front: a two-host site."""

    def __enter__(self):
        stop_leftover_stores()
        remove_network()
        self.stack = contextlib.ExitStack()
        self.clients = []
        try:
            self._start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self):
        self.stack.enter_context(Network())
        self.mariadb = PrivateMariaDB(LABEL, address=GATEWAY)
        self.stack.enter_context(self.mariadb)
        self.redis = self.stack.enter_context(PrivateRedis(LABEL, address=GATEWAY))
        with self.mariadb.connect() as conn, conn.cursor() as cur:  # README, "Running in production"
            cur.execute(f"CREATE USER '{APP_USER}'@'{SUBNET}.%' IDENTIFIED BY '{APP_PASSWORD}'")
            cur.execute(f"GRANT ALL PRIVILEGES ON `{DATABASE}`.* TO '{APP_USER}'@'{SUBNET}.%'")
        # Images in object storage that both hosts and every browser reach.
        self.s3 = self.stack.enter_context(PrivateS3(LABEL, public_buckets=[MEDIA_BUCKET], address=GATEWAY))
        self.media_root = OUTPUT / f"media-{LABEL}"  # nginx's /media/ folder, as a network mount would be
        shutil.rmtree(self.media_root, ignore_errors=True)
        self.stack.callback(shutil.rmtree, self.media_root, ignore_errors=True)  # once the hosts stopped
        self.hosts = [AppHost(host, IHOME_MYSQL_URL=self.mariadb.url(DATABASE, APP_USER, APP_PASSWORD),
                              IHOME_REDIS_URL=self.redis.url, IHOME_MEDIA_ROOT=str(self.media_root),
                              IHOME_MEDIA_BACKEND="s3", IHOME_S3_ENDPOINT_URL=self.s3.url,
                              IHOME_S3_BUCKET=MEDIA_BUCKET, IHOME_S3_REGION=self.s3.region,
                              IHOME_S3_ACCESS_KEY=self.s3.access_key, IHOME_S3_SECRET_KEY=self.s3.secret_key,
                              IHOME_MEDIA_BASE_URL=f"{self.s3.url}/{MEDIA_BUCKET}/",
                              IHOME_MAX_IMAGE_BYTES=str(MAX_IMAGE_BYTES),
                              IHOME_SMS_IP_DAILY_LIMIT=str(SMS_IP_DAILY_LIMIT),
                              # the load's guests hold more waiting bookings than people would
                              IHOME_GUEST_PENDING_ORDERS="0", IHOME_GUEST_PENDING_NIGHTS="0")
                      for host in HOST_ADDRESSES]
        for host in self.hosts:
            host.start()
            self.stack.callback(self.stop_host, host)
        for host in self.hosts:
            host.wait_ready()
        self.nginx = self.stack.enter_context(PrivateNginx(LABEL, self.hosts, self.media_root))
        self.url = self.nginx.url
        self.store = self.stack.enter_context(self.redis.client())
        self.sources = (f"127.0.0.{last}" for last in range(10, 255))

    def __exit__(self, *exc):
        self.close_clients()
        self.stack.close()
        remove_network()  # whatever a failed start left

    @staticmethod
    def stop_host(host):
        assert host.stop() in (0, -signal.SIGKILL), f"{host.name} did not shut down cleanly; see {host.log_path}"

    def browser(self, source=None, **options):
        """A browser talking to the site through nginx, from a loopback address of its own (or
        `source`), which it keeps as `address`."""
        source = source or next(self.sources)
        client = self._made(ApiClient(self.url, transport=httpx.HTTPTransport(local_address=source), **options))
        client.address = source
        return client

    def direct(self, host, **options):
        """A browser talking to one host at its own address (from the bridge's)."""
        return self._made(ApiClient(host.url, **options))

    def _made(self, client):
        self.clients.append(client)
        return client

    def close_clients(self):
        while self.clients:
            self.clients.pop().close()

    def revive(self):
        """Start again any host a test killed; thaw one it froze."""
        for host in self.hosts:
            if host.running():
                host.thaw()
            else:
                host.stop()
                host.start().wait_ready()

    def empty(self):
        with self.mariadb.connect() as conn:
            empty_database(conn, DATABASE)
        self.store.flushdb()

    def database(self):
        return self.mariadb.connect(DATABASE)
