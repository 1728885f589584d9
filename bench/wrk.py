"""One wrk run and what it printed (requests/s, the 50th/99th latency percentiles), and a figure:
an endpoint's runs, each beside the baseline runs measured just before and just after it."""
import dataclasses
import re
import statistics
import subprocess

# wrk prints durations with these units (src/units.c)
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
PERCENTILE_RE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.M)
RPS_RE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
REQUESTS_RE = re.compile(r"^\s*(\d+) requests in ", re.M)
NON_2XX_RE = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
SOCKET_ERRORS_RE = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
TIMEOUT = 10


@dataclasses.dataclass(frozen=True)
class Settings:
    threads: int
    connections: int
    duration: int  # whole seconds: wrk reads no fractions

    def args(self, duration=None):
        # wrk's default 2 s timeout would drop the slowest answers from the percentiles
        return [f"-t{self.threads}", f"-c{self.connections}", f"-d{duration or self.duration}s",
                f"--timeout={TIMEOUT}s", "--latency"]

    def describe(self):
        return "wrk " + " ".join(self.args())


@dataclasses.dataclass(frozen=True)
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx answers plus socket errors
    cpu_seconds: float | None = None  # the server's CPU time during the run, when measured


def parse(output):
    """A Run from wrk's `--latency` report; ValueError if the report is incomplete."""
    rps = RPS_RE.search(output)
    requests = REQUESTS_RE.search(output)
    percentiles = {int(p): float(value) * UNIT_MS[unit] for p, value, unit in PERCENTILE_RE.findall(output)}
    if not (rps and requests and {50, 99} <= percentiles.keys()):
        raise ValueError(f"unexpected wrk output:\n{output}")
    non_2xx = NON_2XX_RE.search(output)
    socket_errors = SOCKET_ERRORS_RE.search(output)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, socket_errors.groups())) if socket_errors else 0)
    return Run(rps=float(rps.group(1)), p50_ms=percentiles[50], p99_ms=percentiles[99],
               requests=int(requests.group(1)), errors=errors)


def run(url, settings, cpu_prefix=(), headers=(), duration=None):
    """Load `url` once; `cpu_prefix` pins wrk (e.g. ["taskset", "-c", "1"])."""
    command = [*cpu_prefix, "wrk", *settings.args(duration)]
    for header in headers:
        command += ["-H", header]
    finished = subprocess.run([*command, url], capture_output=True, text=True, check=True,
                              timeout=(duration or settings.duration) + 60)
    return parse(finished.stdout)


@dataclasses.dataclass
class Measurement:
    """Repeated runs of one endpoint under one condition, summarised by medians. `baselines`
    holds, for each run, the baseline runs just before and just after it (none for the baseline
    itself): the run's ratio is its req/s over their mean, so drift over the whole run cancels."""
    runs: list
    baselines: list = dataclasses.field(default_factory=list)

    @property
    def rps(self):
        return statistics.median(r.rps for r in self.runs)

    @property
    def p50_ms(self):
        return statistics.median(r.p50_ms for r in self.runs)

    @property
    def p99_ms(self):
        return statistics.median(r.p99_ms for r in self.runs)

    @property
    def errors(self):
        return sum(r.errors for r in self.runs)

    @property
    def ratios(self):
        return [run.rps / ((before.rps + after.rps) / 2) for run, (before, after) in zip(self.runs, self.baselines)]

    @property
    def ratio(self):
        """The median of the runs' ratios to their neighbouring baseline runs (None: no baseline)."""
        return statistics.median(self.ratios) if self.baselines else None

    @property
    def requests_per_cpu_second(self):
        """Requests answered per second of the server's CPU time, median of the runs (None: not measured)."""
        measured = [r.requests / r.cpu_seconds for r in self.runs if r.cpu_seconds]
        return statistics.median(measured) if measured else None

    def as_dict(self):
        return {"rps": self.rps, "p50_ms": self.p50_ms, "p99_ms": self.p99_ms, "errors": self.errors,
                "ratio": self.ratio, "ratios": self.ratios, "requests_per_cpu_second": self.requests_per_cpu_second,
                "runs": [dataclasses.asdict(r) for r in self.runs],
                "baselines": [[before.rps, after.rps] for before, after in self.baselines]}
