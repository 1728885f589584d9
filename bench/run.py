"""`make bench`: load-test the service with wrk and write docs/performance.md.

    python -m bench.run [--houses 1000,100000,1000000] [--quick] [--repeats 2] [--duration 4]
                        [--only list area] [--profile list] [--no-hosts] [--no-replica] [--out FILE]

Builds (or reuses) a demo database per size, starts the bare-Tornado baseline and the service on
the same core, and measures every figure interleaved with the baseline (baseline, endpoint,
baseline, endpoint, baseline): each endpoint run's ratio is to the baseline runs just before and
after it. Every size serves the uncached search matrix (SEARCH_FIGURES below); the largest also
the cached reads and the rest, the variants and the stress scenarios. Then the two-host site
behind nginx (`Bench.two_hosts`) and the search from a read replica (bench/replica.py).
The server runs on one core, wrk and the load generators on the other where `taskset` allows.
"""
import argparse
import contextlib
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
import urllib.parse
import urllib.request
import zoneinfo

import orjson
import redis
import tornado

from bench import cpu, dataset, profile, replica, report, stress, wrk
from bench.interleave import Interleaved, Target
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

SORTS = ("new", "booking", "price-inc", "price-des")
DEEP_PAGE = 50
SEARCH = "list"  # the name (--only, --profile) of the whole search matrix


# The filters of the filtered figures, by name: in the demo data (scripts/demo_data.py) a
# price range holding a third of the houses, the capacity and facilities a family asks for
# (a quarter), a rare keyword (a landmark in 0.6% of titles and addresses), and all of them.
FILTERS = {
    "price": {"price_min": 30000, "price_max": 50000},
    "family": {"capacity": 4, "facility": "1,3,14"},
    "keyword": {"keyword": "故宫"},
    "all": {"price_min": 30000, "price_max": 80000, "capacity": 4, "facility": "1,3", "keyword": "公寓"},
}


@dataclasses.dataclass(frozen=True)
class SearchFigure:
    """One uncached dated search: in the busiest district or anywhere, a sort key, a page, and
    the filters of FILTERS it applies, if any."""
    district: bool
    sort: str
    page: int
    filters: str = ""

    @property
    def key(self):
        filtered = f"-{self.filters}" if self.filters else ""
        return f"{SEARCH}-{'district' if self.district else 'all'}-{self.sort}-p{self.page}{filtered}"

    @property
    def label(self):
        filters = FILTERS.get(self.filters, {})
        filtered = "".join(f", {name}={value}" for name, value in filters.items())
        return f"{'district' if self.district else 'no district'}, sk={self.sort}, p={self.page}{filtered}"

    @property
    def query(self):
        return urllib.parse.urlencode({"sk": self.sort, "p": self.page, **FILTERS.get(self.filters, {})}, safe=",")


# The matrix: with a district and without, each sort key, page 1 and a deep page; then
# each filter, in the newest-first order (whose index, unlike the price order's, no filter narrows).
SEARCH_FIGURES = [SearchFigure(district, sort, page)
                  for district in (True, False) for sort in SORTS for page in (1, DEEP_PAGE)]
SEARCH_FIGURES += [SearchFigure(district, "new", page, filters)
                   for filters in FILTERS for district in (True, False) for page in (1, DEEP_PAGE)]


@dataclasses.dataclass(frozen=True)
class Endpoint:
    key: str  # name on the command line (--only, --profile)
    label: str  # name in the report
    path: str
    expect: str = "json"  # what a correct answer is: a JSON envelope with errcode "0", "png" or "html"
    login: bool = False
    cached: bool = False
    search: SearchFigure | None = None  # a figure of the search matrix


def stay(today):
    """A 3-night stay a week ahead (sd and ed are the first and the last night)."""
    return f"sd={today + datetime.timedelta(days=7)}&ed={today + datetime.timedelta(days=9)}"


def endpoints(house_id, area_id, today):
    """Every endpoint measured at the largest size but the search matrix, with the query that exercises it."""
    return [
        Endpoint("area", "GET /api/house/area", "/api/house/area", cached=True),
        Endpoint("index", "GET /api/house/index", "/api/house/index", cached=True),
        Endpoint("info", "GET /api/house/info (cached)", f"/api/house/info?house_id={house_id}", cached=True),
        Endpoint("list2", "GET /api/house/list2 (cache hit)", f"/api/house/list2?aid={area_id}&{stay(today)}",
                 cached=True),
        Endpoint("profile", "GET /api/profile (logged in)", "/api/profile", login=True),
        Endpoint("check_login", "GET /api/check_login (logged in)", "/api/check_login", login=True),
        Endpoint("page", "GET / (the page)", "/", expect="html"),
        Endpoint("piccode", "GET /api/piccode", "/api/piccode?cur=bench", expect="png"),
    ]


def search_endpoints(area_id, today):
    """The uncached dated search, /api/house/list, once per figure of SEARCH_FIGURES."""
    found = []
    for figure in SEARCH_FIGURES:
        where = f"aid={area_id}&" if figure.district else ""
        found.append(Endpoint(figure.key, f"GET /api/house/list ({figure.label})",
                              f"/api/house/list?{where}{stay(today)}&{figure.query}",
                              search=figure))
    return found


def all_keys():
    return [SEARCH, *(f.key for f in SEARCH_FIGURES), *(e.key for e in endpoints(0, 0, datetime.date.today()))]


def selected(candidates, names):
    """The endpoints `names` choose (all when none): by key, or the whole matrix by SEARCH."""
    return [e for e in candidates if not names or e.key in names or (e.search and SEARCH in names)]


def profiled(candidates, names):
    """The endpoints `--profile` names: by key; SEARCH means the matrix's first figure."""
    return [e for e in candidates if e.key in names or (SEARCH in names and e.search == SEARCH_FIGURES[0])]


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

    @property
    def group(self):
        """The process group whose CPU time is the server's."""
        return self.child.pid

    def stop(self):
        self.child.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@dataclasses.dataclass(frozen=True)
class Address:
    """A server somebody else started, to measure (its CPU time is not read)."""
    url: str
    group = None


def check_answer(url, endpoint, headers):
    """(None, the decoded JSON answer or None) when `endpoint` answers correctly, else (why not,
    None): wrk counts answers, not their content."""
    request = urllib.request.Request(url + endpoint.path, headers=dict(h.split(": ", 1) for h in headers))
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            content_type, body = response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}", None
    except OSError as error:
        return f"no answer ({error})", None
    if endpoint.expect == "png":
        return (None if content_type.startswith("image/") else f"not an image: {content_type}"), None
    if endpoint.expect == "html":
        return (None if content_type.startswith("text/html") else f"not a page: {content_type}"), None
    answer = orjson.loads(body)
    errcode = answer.get("errcode")
    return (None, answer) if errcode == "0" else (f"errcode {errcode}", None)


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


@dataclasses.dataclass(frozen=True)
class Figure:
    """One figure to measure: `endpoint` on `server` (a Server or an Address), filed in the
    report under `section` and `houses`; `during` a background load around each measured run."""
    section: str
    endpoint: Endpoint
    houses: int | None
    server: object
    headers: tuple = ()
    during: object = None


class Bench:
    def __init__(self, args):
        self.args = args
        self.settings = wrk.Settings(threads=1, connections=args.connections, duration=args.duration)
        self.store = redis.Redis.from_url(args.redis_url)
        cores = sorted(os.sched_getaffinity(0))
        self.pinned = shutil.which("taskset") is not None and len(cores) >= 2
        self.server_pin = ["taskset", "-c", str(cores[0])] if self.pinned else []
        self.load_pin = ["taskset", "-c", str(cores[1])] if self.pinned else []
        self.interleaved = None  # once the baseline is up
        self.rows = []  # report.Row, in the order measured
        self.stress = []  # background loads, one merged summary per stressed figure
        self.login_cost = None  # what the login stress costs the server alone
        self.replica = None  # the read-replica scenario's own numbers (bench/replica.py)
        self.profiles = {}
        # what the demo-data command and the servers share: the Redis db and the photos; no
        # replica unless a scenario names one (a variable in the caller's environment would)
        self.shared_env = {"IHOME_REDIS_URL": args.redis_url, "IHOME_MEDIA_ROOT": str(RESULTS / "media"),
                           "IHOME_MYSQL_REPLICA_URL": "", "IHOME_UVLOOP": str(args.uvloop).lower()}

    # ---- servers -------------------------------------------------------------------------

    def baseline(self):
        loop = "--uvloop" if self.args.uvloop else "--no-uvloop"
        return Server("baseline", [*self.server_pin, PYTHON, "bench/baseline.py", loop], ready_path="/")

    def service(self, name, database_url, processes=1, logging="warning", replica_url=""):
        """The service on `database_url`, on a fresh Redis db (caches are not keyed by database)."""
        self.store.flushdb()
        pin = self.server_pin if processes == 1 else []
        return Server(name, [*pin, PYTHON, "server.py", f"--processes={processes}", f"--logging={logging}"], {
            **self.shared_env, "IHOME_MYSQL_URL": database_url, "IHOME_MYSQL_REPLICA_URL": replica_url,
            "IHOME_COOKIE_SECRET": COOKIE_SECRET, "IHOME_SMS_BACKEND": SLOW_SMS_BACKEND,
            "IHOME_SMS_IP_DAILY_LIMIT": str(10**9), "IHOME_LOGIN_IP_FAILURES": "0",
            "IHOME_CAPTCHA_IP_PER_MINUTE": "0"})

    # ---- measuring -----------------------------------------------------------------------

    def measure(self, figures, warmup=True):
        """Each figure checked to answer correctly, then all measured in turns, interleaved with
        the baseline (bench/interleave.py); a row each in the report."""
        checked = []
        for figure in figures:
            problem, answer = check_answer(figure.server.url, figure.endpoint, figure.headers)
            if problem:
                log(f"  {figure.endpoint.label}: skipped ({problem})")
                self.rows.append(report.Row(figure.section, figure.endpoint, figure.houses, None,
                                            f"not measured: {problem}"))
            else:
                checked.append((figure, answer))
        targets = [Target(f.server.url + f.endpoint.path, tuple(f.headers), f.server.group, f.during)
                   for f, _ in checked]
        measurements = self.interleaved.measure(targets, self.args.repeats, self.args.warmup if warmup else 0)
        for (figure, answer), measurement in zip(checked, measurements):
            note = f"{measurement.errors} failed requests" if measurement.errors else ""
            houses = f", {figure.houses:,} houses" if figure.houses else ""
            log(f"  {figure.endpoint.label} [{figure.section}{houses}]: {measurement.rps:.0f} req/s "
                f"({measurement.ratio:.2f}× baseline), p50 {measurement.p50_ms:.2f} ms, "
                f"p99 {measurement.p99_ms:.2f} ms {note}")
            pages = answer.get("total_page") if figure.endpoint.search else None
            self.rows.append(report.Row(figure.section, figure.endpoint, figure.houses, measurement, note, pages))

    def measure_one(self, section, endpoint, houses, server, headers=(), during=None, warmup=True):
        self.measure([Figure(section, endpoint, houses, server, tuple(headers), during)], warmup)

    def background(self, scenario, server, into):
        """A context manager factory: bench/stress.py running `scenario` on the load core from
        stress.RAMP seconds before a measured run to its end; each window's summary goes to `into`."""
        extra = {"login": ["--mobile", BENCH_MOBILE, "--password", BENCH_PASSWORD],
                 "sms": ["--redis_url", self.args.redis_url]}[scenario]
        rate = {"login": self.args.login_rate, "sms": self.args.sms_rate}[scenario]

        @contextlib.contextmanager
        def window():
            duration = stress.RAMP + self.args.duration
            generator = subprocess.Popen(
                [*self.load_pin, PYTHON, "-m", "bench.stress", scenario, "--url", server.url,
                 "--rate", str(rate), "--duration", str(duration), *extra],
                cwd=ROOT, stdout=subprocess.PIPE, text=True)
            try:
                time.sleep(stress.RAMP)
                yield
                output, _ = generator.communicate(timeout=duration + stress.REQUEST_TIMEOUT + 30)
            finally:
                if generator.poll() is None:
                    generator.kill()
                    generator.wait()
            into.append(json.loads(output))
        return window

    def under_stress(self, server, scenario, endpoint, houses, session):
        """`endpoint` measured while bench/stress.py runs `scenario` on the load core, during
        each measured run only: the baseline runs between them are calm."""
        windows = []
        self.measure_one(report.STRESS + scenario, endpoint, houses, server, self.auth(endpoint, session),
                         during=self.background(scenario, server, windows), warmup=False)
        if windows:
            summary = {**stress.merge(windows), "endpoint": endpoint.label}
            log(f"    background {scenario}: {report.describe_load(summary)}")
            self.stress.append(summary)

    def measure_login_cost(self, server):
        """The server's CPU time per login, the login scenario alone (no reads): the share of
        its core that `--login_rate` logins a second take."""
        windows = []
        started = cpu.group_seconds(server.group)
        with self.background("login", server, windows)():
            pass  # the window: the ramp, then as long as a measured run
        used = cpu.group_seconds(server.group) - started
        summary = windows[0]
        logins = summary["outcomes"].get("0", 0)
        self.login_cost = {"rate": self.args.login_rate, "logins": logins, "cpu_seconds": used,
                           "cpu_per_login_ms": 1000 * used / logins if logins else None,
                           "core_share": self.args.login_rate * used / logins if logins else None,
                           "p50_ms": summary["p50_ms"], "p99_ms": summary["p99_ms"]}
        log(f"  login alone: {logins} logins, {used:.2f} CPU s: "
            f"{self.login_cost['cpu_per_login_ms'] or 0:.1f} ms each")

    @staticmethod
    def auth(endpoint, session):
        return [f"Cookie: session_id={session}"] if endpoint.login else []

    # ---- the run -------------------------------------------------------------------------

    def run(self):
        sizes = sorted(self.args.houses)
        largest = sizes[-1]
        urls = {size: dataset.ensure(self.args.mysql_server, size, self.shared_env, log) for size in sizes}
        today = datetime.datetime.now(zoneinfo.ZoneInfo(self.args.timezone)).date()
        only = self.args.only

        with self.baseline() as baseline:
            self.interleaved = Interleaved(baseline.url + "/", self.settings, self.load_pin)
            for size in sizes:
                house_id, area_id = dataset.sample(urls[size])
                searches = selected(search_endpoints(area_id, today), only)
                rest = selected(endpoints(house_id, area_id, today), only) if size == largest else []
                if not (searches or rest):
                    continue
                with self.service(f"server-{size}", urls[size]) as server:
                    log(f"service on {size:,} houses, one process, pinned: {self.pinned}")
                    for endpoint in searches:  # each with its own warm-up, its runs together
                        self.measure_one(report.SEARCH, endpoint, size, server)
                    if size == largest:
                        self.largest(server, rest, searches)
            cached = [e for e in rest if e.cached]  # rest: the largest size's, measured last
            self.variants(cached)

            if self.args.hosts and cached:
                log("scenario: 2 hosts behind nginx (network namespaces)")
                self.two_hosts([e.key for e in cached], today)

            if self.args.replica and selected(search_endpoints(0, today), only):
                log(f"scenario: search from a read replica ({self.args.replica_houses:,} houses)")
                self.replica = replica.scenario(self, today)

    def largest(self, server, rest, searches):
        """Everything but the search matrix and the variants, on the largest dataset's server."""
        largest = max(self.args.houses)
        cached = [e for e in rest if e.cached]
        session = Browser(server.url, self.store).session_cookie(BENCH_MOBILE, BENCH_PASSWORD)
        for endpoint in rest:
            self.measure_one(report.MAIN, endpoint, largest, server, self.auth(endpoint, session))
        if cached:
            log("login alone, for its CPU cost")
            self.measure_login_cost(server)
        for scenario in ("login", "sms"):
            if cached:
                log(f"stress scenario: {scenario}")
            for endpoint in cached:
                self.under_stress(server, scenario, endpoint, largest, session)
        for endpoint in profiled(searches + rest, self.args.profile):
            log(f"profiling {endpoint.key} with py-spy")
            self.profiles[endpoint.key] = profile.record(
                server.group, server.url + endpoint.path, self.settings, self.load_pin,
                self.auth(endpoint, session), RESULTS / f"profile-{endpoint.key}.txt")

    def variants(self, cached):
        """The cached reads with the access log on and with two processes, on the largest dataset."""
        largest = max(self.args.houses)
        area = next((e for e in cached if e.key == "area"), None)
        if area:
            with self.service("server-logging-info", self.database_url(largest), logging="info") as logging_on:
                log("variant: access log on (--logging=info)")
                self.measure_one(report.LOGGING_INFO, area, largest, logging_on)
        if cached:
            with self.service("server-2-processes", self.database_url(largest), processes=2) as two:
                log("variant: --processes=2 (server unpinned)")
                for endpoint in cached:
                    self.measure_one(report.TWO_PROCESSES, endpoint, largest, two)

    def database_url(self, houses):
        return dataset.database_url(self.args.mysql_server, houses)

    def two_hosts(self, keys, today):
        """The cached reads on the two-host site of tests/test_hosts.py, through nginx and to one
        host directly, each pair measured in turns between the baseline runs."""
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
                    self.measure([Figure(report.HOSTS_DIRECT, endpoint, None, direct),
                                  Figure(report.HOSTS_NGINX, endpoint, None, through_nginx)])


def machine_facts(args):
    def first_line(command):
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "unknown"

    cpu_model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                      if line.startswith("model name")), "unknown")
    memory_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    os_name = next((line.split("=", 1)[1].strip().strip('"') for line in open("/etc/os-release")
                    if line.startswith("PRETTY_NAME=")), "unknown")
    return {
        "CPU": f"{cpu_model}, {os.cpu_count()} cores",
        "memory": f"{memory_kb / 1024 / 1024:.0f} GiB",
        "OS": f"{os_name}, Linux {os.uname().release}",
        "Python": sys.version.split()[0],
        "Tornado": tornado.version,
        "MariaDB": dataset.server_version(args.mysql_server),
        "Redis": redis.Redis.from_url(args.redis_url).info("server")["redis_version"],
        "wrk": first_line(["wrk", "--version"]).split(" [")[0],
    }


# Full runs: 2 measured runs of 4 s per figure, each between two baseline runs, after 1 s of
# warm-up: about 17 s a figure, some 80 figures, under 35 minutes once the datasets exist.
DEFAULTS = {"houses": [1000, 100_000, 1_000_000], "repeats": 2, "duration": 4, "warmup": 1,
            "replica_houses": 10_000, "freshness_calls": 2000, "freshness_writes": 200}
QUICK = {"houses": [1000], "repeats": 1, "duration": 1, "warmup": 1,
         "replica_houses": 1000, "freshness_calls": 200, "freshness_writes": 20}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--houses", type=lambda v: [int(n) for n in v.split(",") if n.strip()],
                        help="dataset sizes, comma-separated (default 1000,100000,1000000; quick: 1000)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 1 s per measurement, once, 1,000 houses; writes bench/results/ unless --out")
    parser.add_argument("--repeats", type=int, help="measured wrk runs per figure, each between baseline runs (default 2)")
    parser.add_argument("--duration", type=int, help="whole seconds per wrk run (default 4)")
    parser.add_argument("--warmup", type=int, help="whole seconds of unmeasured load before a figure (default 1)")
    parser.add_argument("--connections", type=int, default=50)
    keys = all_keys()
    parser.add_argument("--only", nargs="*", default=[],
                        help=f"endpoint keys to measure (default all; `{SEARCH}` is the whole search matrix): "
                             f"{' '.join(keys)}")
    parser.add_argument("--profile", nargs="*", default=[],
                        help=f"endpoint keys to profile with py-spy after measuring (requirements-bench.txt); "
                             f"`{SEARCH}` is {SEARCH_FIGURES[0].key}")
    parser.add_argument("--login_rate", type=float, default=20, help="logins/s in the login stress scenario")
    parser.add_argument("--sms_rate", type=float, default=5, help="SMS requests/s in the SMS stress scenario")
    parser.add_argument("--mysql_server", default="mysql://root:@127.0.0.1:3306",
                        help="MariaDB server; the demo databases are ihome_bench_<houses>")
    parser.add_argument("--redis_url", default="redis://127.0.0.1:6379/10",
                        help="Redis db of the benchmark (emptied at every server start)")
    parser.add_argument("--timezone", default="Asia/Shanghai", help="the site's zone, for the search dates")
    parser.add_argument("--uvloop", action=argparse.BooleanOptionalAction, default=True,
                        help="the service's and the baseline's event loop: uvloop (default) or asyncio's")
    parser.add_argument("--hosts", action=argparse.BooleanOptionalAction, default=True,
                        help="the 2-hosts-behind-nginx scenario (needs root and nginx; default on)")
    parser.add_argument("--replica", action=argparse.BooleanOptionalAction, default=True,
                        help="the search-from-a-read-replica scenario (private MariaDB servers; default on)")
    parser.add_argument("--replica_houses", type=int, help="houses in the replica scenario (default 10000)")
    parser.add_argument("--replica_write_rate", type=float, default=50,
                        help="writes/s beside the replica's searches in its 'under writes' figure")
    parser.add_argument("--freshness_calls", type=int, help="calls per step of the freshness microbenchmark")
    parser.add_argument("--freshness_writes", type=int, help="writes in the freshness microbenchmark")
    parser.add_argument("--out", type=pathlib.Path, help="report file (default docs/performance.md)")
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else DEFAULTS).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.out = args.out or (RESULTS / "performance-quick.md" if args.quick else ROOT / "docs" / "performance.md")
    unknown = set(args.only + args.profile) - set(keys)
    if unknown:
        parser.error(f"unknown endpoint keys {sorted(unknown)}; choose from {sorted(keys)}")
    chosen = {e.key for e in selected([*search_endpoints(0, datetime.date.today()),
                                       *endpoints(0, 0, datetime.date.today())], args.only)}
    if not {SEARCH_FIGURES[0].key if key == SEARCH else key for key in args.profile} <= chosen:
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
    log(f"{bench.settings.describe()}, {args.repeats} run(s) per figure between baseline runs, "
        f"datasets {args.houses}")
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
