"""`make bench`: load-test the service with wrk and write docs/performance.md.

    python -m bench.run [--houses 1000,100000] [--quick] [--repeats 3] [--duration 10]
                        [--profile area] [--out docs/performance.md]

Builds (or reuses) a demo database per size, starts the bare-Tornado baseline and the service,
loads each endpoint with wrk several times, and reports medians and their ratio to the baseline
measured in the same run. The largest dataset serves every endpoint; each smaller one serves
only the filtered /api/house/list, to show how that query scales. The server runs on one core
and wrk (and the stress generators) on another where `taskset` allows.
"""
import argparse
import dataclasses
import datetime
import http.cookiejar
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zoneinfo

import orjson
import redis
import tornado

from bench import dataset, profile, report, wrk
from utils.lua import INCARNATION

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
BENCH_MOBILE = "13912340000"  # outside the demo users' 199 block
BENCH_PASSWORD = "bench password 1"
COOKIE_SECRET = "bench-cookie-secret"
# tests/sms_backends.py: a provider that takes 1 s per message, for the SMS stress scenario
SLOW_SMS_BACKEND = "tests.sms_backends:SlowSmsBackend"
READY_TIMEOUT = 60
STOP_TIMEOUT = 30
BUSY_LOAD = 0.5


@dataclasses.dataclass(frozen=True)
class Endpoint:
    key: str  # name on the command line (--only, --profile)
    label: str  # name in the report
    path: str
    expect: str = "json"  # what a correct answer is: a JSON envelope with errcode "0", "png" or "html"
    login: bool = False
    cached: bool = False


def endpoints(house_id, area_id, today):
    """Every endpoint the issue names, with the query that exercises it."""
    stay = f"aid={area_id}&sd={today + datetime.timedelta(days=7)}&ed={today + datetime.timedelta(days=9)}"
    return [
        Endpoint("area", "GET /api/house/area", "/api/house/area", cached=True),
        Endpoint("index", "GET /api/house/index", "/api/house/index", cached=True),
        Endpoint("info", "GET /api/house/info (cached)", f"/api/house/info?house_id={house_id}", cached=True),
        Endpoint("list2", "GET /api/house/list2 (cache hit)", f"/api/house/list2?{stay}", cached=True),
        Endpoint("list", "GET /api/house/list (area + dates, uncached)", f"/api/house/list?{stay}"),
        Endpoint("profile", "GET /api/profile (logged in)", "/api/profile", login=True),
        Endpoint("check_login", "GET /api/check_login (logged in)", "/api/check_login", login=True),
        Endpoint("page", "GET / (the page)", "/", expect="html"),
        Endpoint("piccode", "GET /api/piccode", "/api/piccode?cur=bench", expect="png"),
    ]


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Child:
    """A child process in its own process group (a pre-forking server is signalled as a whole)."""

    def __init__(self, name, command, env=None):
        RESULTS.mkdir(parents=True, exist_ok=True)
        self.log_path = RESULTS / f"{name}.log"
        self.log_file = open(self.log_path, "w")
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})},
                                        stdout=self.log_file, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    @property
    def pid(self):
        return self.process.pid

    def stop(self):
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=STOP_TIMEOUT)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        finally:
            self.log_file.close()


class Server:
    """A server under test on a free port, ready when `ready_path` answers 200."""

    def __init__(self, name, command, env=None, ready_path="/api/check_login"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.child = Child(name, [*command, f"--port={self.port}"], env)
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if self.child.process.poll() is not None:
                raise SystemExit(f"{name} exited with {self.child.process.returncode}; see {self.child.log_path}")
            try:
                with urllib.request.urlopen(self.url + ready_path, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.child.stop()
                    raise SystemExit(f"{name} not ready after {READY_TIMEOUT}s; see {self.child.log_path}") from None
                time.sleep(0.2)

    def stop(self):
        self.child.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@dataclasses.dataclass(frozen=True)
class Address:
    """A server somebody else started, to measure."""
    url: str


def check_answer(url, endpoint, headers):
    """None when `endpoint` answers correctly, else why not: wrk counts answers, not their content."""
    request = urllib.request.Request(url + endpoint.path, headers=dict(h.split(": ", 1) for h in headers))
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            content_type, body = response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    if endpoint.expect == "png":
        return None if content_type.startswith("image/") else f"not an image: {content_type}"
    if endpoint.expect == "html":
        return None if content_type.startswith("text/html") else f"not a page: {content_type}"
    errcode = orjson.loads(body).get("errcode")
    return None if errcode == "0" else f"errcode {errcode}"


class Browser:
    """A cookie-keeping client for the set-up calls (log in, or register through the real flow)."""

    def __init__(self, url, store):
        self.url = url
        self.store = store
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.get("/api/check_login")

    def cookie(self, name):
        return next((c.value for c in self.cookies if c.name == name), None)

    def get(self, path):
        with self.opener.open(self.url + path, timeout=30) as response:
            return response.read()

    def post(self, path, payload):
        request = urllib.request.Request(self.url + path, data=orjson.dumps(payload), headers={
            "Content-Type": "application/json", "X-XSRFToken": self.cookie("_xsrf")})
        with self.opener.open(request, timeout=30) as response:
            return orjson.loads(response.read())

    def session_cookie(self, mobile, password):
        """The `session_id` cookie of `mobile`, registering it first if it does not exist yet."""
        answer = self.post("/api/login", {"mobile": mobile, "password": password})
        if answer["errcode"] != "0":
            self.get("/api/piccode?cur=benchsetup")
            incarnation = self.store.eval(INCARNATION + "return incarnation", 0).decode()  # (utils/lua.py)
            captcha = self.store.get(f"pic_code_benchsetup:{incarnation}").decode()
            answer = self.post("/api/smscode", {"mobile": mobile, "piccode": captcha, "piccode_id": "benchsetup"})
            if answer["errcode"] != "0":
                raise SystemExit(f"cannot log the benchmark user in: smscode answered {answer}")
            code = self.store.get(f"sms_code_{mobile}:{incarnation}").decode()
            answer = self.post("/api/register", {"mobile": mobile, "phonecode": code, "password": password})
            if answer["errcode"] != "0":
                raise SystemExit(f"cannot register the benchmark user: {answer}")
        return self.cookie("session_id")


class Bench:
    def __init__(self, args):
        self.args = args
        self.settings = wrk.Settings(threads=1, connections=args.connections, duration=args.duration)
        self.store = redis.Redis.from_url(args.redis_url)
        cores = sorted(os.sched_getaffinity(0))
        self.pinned = shutil.which("taskset") is not None and len(cores) >= 2
        self.server_pin = ["taskset", "-c", str(cores[0])] if self.pinned else []
        self.load_pin = ["taskset", "-c", str(cores[1])] if self.pinned else []
        self.rows = []  # report.Row, in the order measured
        self.stress = []  # generator summaries
        self.profiles = {}
        # what the demo-data command and the servers share: the Redis db and the photos
        self.shared_env = {"IHOME_REDIS_URL": args.redis_url, "IHOME_MEDIA_ROOT": str(RESULTS / "media")}

    # ---- servers -------------------------------------------------------------------------

    def baseline(self):
        return Server("baseline", [*self.server_pin, PYTHON, "bench/baseline.py"], ready_path="/")

    def service(self, name, database_url, processes=1, logging="warning"):
        """The service on `database_url`, on a fresh Redis db (caches are not keyed by database)."""
        self.store.flushdb()
        pin = self.server_pin if processes == 1 else []
        return Server(name, [*pin, PYTHON, "server.py", f"--processes={processes}", f"--logging={logging}"], {
            **self.shared_env, "IHOME_MYSQL_URL": database_url, "IHOME_COOKIE_SECRET": COOKIE_SECRET,
            "IHOME_SMS_BACKEND": SLOW_SMS_BACKEND, "IHOME_SMS_IP_DAILY_LIMIT": str(10**9),
            "IHOME_LOGIN_IP_FAILURES": "0", "IHOME_CAPTCHA_IP_PER_MINUTE": "0"})

    # ---- measuring -----------------------------------------------------------------------

    def measure(self, server, endpoint, section, dataset_size, headers=(), warmup=True):
        """wrk `repeats` times against `endpoint`, after checking that it answers correctly."""
        problem = check_answer(server.url, endpoint, headers)
        if problem:
            log(f"  {endpoint.label}: skipped ({problem})")
            self.rows.append(report.Row(section, endpoint, dataset_size, None, f"not measured: {problem}"))
            return None
        url = server.url + endpoint.path
        if warmup:
            wrk.run(url, self.settings, self.load_pin, headers, duration=self.args.warmup)
        runs = []
        for _ in range(self.args.repeats):
            runs.append(wrk.run(url, self.settings, self.load_pin, headers))
        measurement = wrk.Measurement(runs)
        note = f"{measurement.errors} failed requests" if measurement.errors else ""
        log(f"  {endpoint.label} [{section}, {dataset_size}]: {measurement.rps:.0f} req/s, "
            f"p50 {measurement.p50_ms:.2f} ms, p99 {measurement.p99_ms:.2f} ms {note}")
        self.rows.append(report.Row(section, endpoint, dataset_size, measurement, note))
        return measurement

    def measure_baseline(self, server):
        endpoint = Endpoint("baseline", "bare Tornado JSON handler (baseline)", "/")
        self.measure(server, endpoint, report.BASELINE, None)

    def under_stress(self, server, scenario, endpoint, dataset_size, session):
        """`endpoint` measured while bench/stress.py runs `scenario` on the load core."""
        window = 1 + self.args.repeats * (self.args.duration + 1)
        extra = {"login": ["--mobile", BENCH_MOBILE, "--password", BENCH_PASSWORD],
                 "sms": ["--redis_url", self.args.redis_url]}[scenario]
        rate = {"login": self.args.login_rate, "sms": self.args.sms_rate}[scenario]
        generator = subprocess.Popen(
            [*self.load_pin, PYTHON, "-m", "bench.stress", scenario, "--url", server.url,
             "--rate", str(rate), "--duration", str(window), *extra],
            cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            time.sleep(1)  # let the generator reach its pace before measuring
            self.measure(server, endpoint, report.STRESS + scenario, dataset_size, self.auth(endpoint, session),
                         warmup=False)
            output, _ = generator.communicate(timeout=window + 60)
        finally:
            if generator.poll() is None:
                generator.kill()
                generator.wait()
        summary = json.loads(output)
        summary["endpoint"] = endpoint.label
        log(f"    background {scenario}: {report.describe_load(summary)}")
        self.stress.append(summary)

    @staticmethod
    def auth(endpoint, session):
        return [f"Cookie: session_id={session}"] if endpoint.login else []

    # ---- the run -------------------------------------------------------------------------

    def run(self):
        sizes = sorted(self.args.houses)
        urls = {size: dataset.ensure(self.args.mysql_server, size, self.shared_env, log) for size in sizes}
        largest = sizes[-1]
        house_id, area_id = dataset.sample(urls[largest])
        today = datetime.datetime.now(zoneinfo.ZoneInfo(self.args.timezone)).date()
        wanted = [e for e in endpoints(house_id, area_id, today) if not self.args.only or e.key in self.args.only]
        cached = [e for e in wanted if e.cached]
        by_key = {e.key: e for e in wanted}

        with self.baseline() as baseline:
            log("baseline, before")
            self.measure_baseline(baseline)

            for size in sizes[:-1]:
                if "list" in by_key:
                    with self.service(f"server-{size}", urls[size]) as server:
                        log(f"service on {size} houses")
                        self.measure(server, by_key["list"], report.MAIN, size)

            with self.service(f"server-{largest}", urls[largest]) as server:
                session = Browser(server.url, self.store).session_cookie(BENCH_MOBILE, BENCH_PASSWORD)
                log(f"service on {largest} houses, one process, pinned: {self.pinned}")
                for endpoint in wanted:
                    self.measure(server, endpoint, report.MAIN, largest, self.auth(endpoint, session))
                for scenario in ("login", "sms"):
                    log(f"stress scenario: {scenario}")
                    for endpoint in cached:
                        self.under_stress(server, scenario, endpoint, largest, session)
                for key in self.args.profile:
                    log(f"profiling {key} with py-spy")
                    endpoint = by_key[key]
                    self.profiles[key] = profile.record(server.child.pid, server.url + endpoint.path, self.settings,
                                                        self.load_pin, self.auth(endpoint, session),
                                                        RESULTS / f"profile-{key}.txt")

            if "area" in by_key:
                with self.service("server-logging-info", urls[largest], logging="info") as server:
                    log("variant: access log on (--logging=info)")
                    self.measure(server, by_key["area"], report.LOGGING_INFO, largest)

            if cached:
                with self.service("server-2-processes", urls[largest], processes=2) as server:
                    log("variant: --processes=2 (server unpinned)")
                    for endpoint in cached:
                        self.measure(server, endpoint, report.TWO_PROCESSES, largest)

            if self.args.hosts and cached:
                log("scenario: 2 hosts behind nginx (network namespaces)")
                self.two_hosts([e.key for e in cached], today)

            log("baseline, after")
            self.measure_baseline(baseline)

    def two_hosts(self, keys, today):
        """The cached reads on the two-host site of tests/test_hosts.py, through nginx and to one
        host directly, each pair measured back to back."""
        from tests.helpers import publish_house, register, upload_photo, verify_identity
        from tests.hosts import Site

        with Site() as site:
            landlord = site.browser()
            register(landlord, site.store, BENCH_MOBILE, BENCH_PASSWORD)
            verify_identity(landlord)
            house_id = publish_house(landlord)
            upload_photo(landlord, house_id)
            area_id = landlord.api("GET", f"/api/house/info?house_id={house_id}")["data"]["area_id"]
            direct, through_nginx = Address(site.hosts[0].url), Address(site.url)
            for endpoint in endpoints(house_id, area_id, today):
                if endpoint.key in keys:
                    self.measure(direct, endpoint, report.HOSTS_DIRECT, None)
                    self.measure(through_nginx, endpoint, report.HOSTS_NGINX, None)


def machine_facts(args):
    def first_line(command):
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "unknown"

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               "unknown")
    memory_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    os_name = next((line.split("=", 1)[1].strip().strip('"') for line in open("/etc/os-release")
                    if line.startswith("PRETTY_NAME=")), "unknown")
    return {
        "CPU": f"{cpu}, {os.cpu_count()} cores",
        "memory": f"{memory_kb / 1024 / 1024:.0f} GiB",
        "OS": f"{os_name}, Linux {os.uname().release}",
        "Python": sys.version.split()[0],
        "Tornado": tornado.version,
        "MariaDB": dataset.server_version(args.mysql_server),
        "Redis": redis.Redis.from_url(args.redis_url).info("server")["redis_version"],
        "wrk": first_line(["wrk", "--version"]).split(" [")[0],
    }


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--houses", type=lambda v: [int(n) for n in v.split(",") if n.strip()],
                        help="dataset sizes, comma-separated (default 1000,100000; quick: 1000)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2 s per measurement, once; writes bench/results/ unless --out")
    parser.add_argument("--repeats", type=int, help="wrk runs per measurement (default 3)")
    parser.add_argument("--duration", type=int, help="whole seconds per wrk run (default 10)")
    parser.add_argument("--warmup", type=int, help="whole seconds of unmeasured load first (default 2)")
    parser.add_argument("--connections", type=int, default=50)
    keys = [e.key for e in endpoints(0, 0, datetime.date.today())]
    parser.add_argument("--only", nargs="*", default=[],
                        help=f"endpoint keys to measure (default all): {' '.join(keys)}")
    parser.add_argument("--profile", nargs="*", default=[],
                        help="endpoint keys to profile with py-spy after measuring (requirements-bench.txt)")
    parser.add_argument("--login_rate", type=float, default=20, help="logins/s in the login stress scenario")
    parser.add_argument("--sms_rate", type=float, default=5, help="SMS requests/s in the SMS stress scenario")
    parser.add_argument("--mysql_server", default="mysql://root:@127.0.0.1:3306",
                        help="MariaDB server; the demo databases are ihome_bench_<houses>")
    parser.add_argument("--redis_url", default="redis://127.0.0.1:6379/10",
                        help="Redis db of the benchmark (emptied at every server start)")
    parser.add_argument("--timezone", default="Asia/Shanghai", help="the site's zone, for the search dates")
    parser.add_argument("--hosts", action=argparse.BooleanOptionalAction, default=True,
                        help="the 2-hosts-behind-nginx scenario (needs root and nginx; default on)")
    parser.add_argument("--out", type=pathlib.Path, help="report file (default docs/performance.md)")
    args = parser.parse_args(argv)
    quick = args.quick
    args.houses = args.houses or ([1000] if quick else [1000, 100_000])
    args.repeats = args.repeats or (1 if quick else 3)
    args.duration = args.duration or (2 if quick else 10)
    args.warmup = args.warmup or (1 if quick else 2)
    args.out = args.out or (RESULTS / "performance-quick.md" if quick else ROOT / "docs" / "performance.md")
    unknown = set(args.only + args.profile) - set(keys)
    if unknown:
        parser.error(f"unknown endpoint keys {sorted(unknown)}; choose from {sorted(keys)}")
    if set(args.profile) - set(args.only or keys):
        parser.error("--profile names an endpoint that --only leaves out")
    if args.profile and not profile.available():
        parser.error("py-spy is missing: pip install -r requirements-bench.txt (make bench does)")
    if not shutil.which("wrk"):
        parser.error("wrk is missing: apt-get install wrk (make bench does)")
    return args


def main():
    args = parse_args()
    started = time.monotonic()
    bench = Bench(args)
    log(f"{bench.settings.describe()}, {args.repeats} run(s) per measurement, datasets {args.houses}")
    load_before = os.getloadavg()[0]
    if load_before > BUSY_LOAD:
        log(f"warning: load average {load_before:.1f} before starting: other work will skew the numbers")
    bench.run()
    command = "python -m bench.run " + " ".join(sys.argv[1:])
    facts = machine_facts(args)
    # other processes on the machine are the usual reason for numbers out of line
    facts["load average (1 min) before / after the run"] = f"{load_before:.2f} / {os.getloadavg()[0]:.2f}"
    text = report.render(bench, args, command, facts, time.monotonic() - started)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    raw = RESULTS / f"run-{time.strftime('%Y%m%d-%H%M%S')}.json"
    raw.write_text(json.dumps(report.raw(bench, facts, command), indent=1, ensure_ascii=False))
    print(text)
    log(f"wrote {args.out} and {raw} in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
