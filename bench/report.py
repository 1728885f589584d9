"""docs/performance.md from a run's measurements: the tables, the targets and the machine."""
import dataclasses
import datetime

from bench import wrk

BASELINE = "baseline"
MAIN = "one process"
LOGGING_INFO = "access log on"
TWO_PROCESSES = "--processes=2"
STRESS = "stress: "  # followed by the scenario's name
HOSTS_DIRECT = "2-host site: one host direct"
HOSTS_NGINX = "2-host site: through nginx"

# The targets, as ratios to the bare-Tornado baseline of the same run.
CACHED_MIN_RATIO = 0.6
CACHED_MAX_P99_MS = 50
PROFILE_MIN_RATIO = 0.5
LIST_MIN_RATIO = 0.25
LIST_MAX_P50_GROWTH = 3
TWO_PROCESSES_MIN_GAIN = 1.8
STRESSED_MIN_SHARE = 0.8


@dataclasses.dataclass
class Row:
    section: str
    endpoint: object  # run.Endpoint
    houses: int | None
    measurement: wrk.Measurement | None  # None: the endpoint did not answer correctly
    note: str = ""


def _ms(value):
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


class Results:
    """Lookups over the rows of one run."""

    def __init__(self, rows):
        self.rows = rows
        baseline_runs = [r for row in rows if row.section == BASELINE and row.measurement
                         for r in row.measurement.runs]
        self.baseline = wrk.Measurement(baseline_runs) if baseline_runs else None

    def find(self, section, key, houses=None):
        return next((row.measurement for row in self.rows if row.section == section
                     and row.endpoint.key == key and (houses is None or row.houses == houses)), None)

    def ratio(self, measurement):
        return measurement.rps / self.baseline.rps if measurement and self.baseline else None

    def sections(self, prefix):
        return list(dict.fromkeys(row.section for row in self.rows if row.section.startswith(prefix)))


def _table(header, lines):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(cell) for cell in line) + " |" for line in lines]
    return "\n".join(out)


def _measured_cells(results, measurement):
    if measurement is None:
        return ["–"] * 4
    return [f"{measurement.rps:,.0f}", _ms(measurement.p50_ms), _ms(measurement.p99_ms),
            f"{results.ratio(measurement):.2f}×" if results.baseline else "–"]


def _relative(measurement, reference):
    return f"{measurement.rps / reference.rps:.2f}×" if measurement and reference else "–"


def main_table(results):
    lines = [["bare Tornado JSON handler (baseline)", "–", *_measured_cells(results, results.baseline),
              "measured at the start and the end"]]
    for row in results.rows:
        if row.section == MAIN:
            lines.append([row.endpoint.label, f"{row.houses:,}", *_measured_cells(results, row.measurement),
                          row.note])
    return _table(["endpoint", "houses", "req/s", "p50 ms", "p99 ms", "× baseline", "note"], lines)


def variant_table(results):
    lines = []
    for row in results.rows:
        if row.section in (LOGGING_INFO, TWO_PROCESSES):
            one_process = results.find(MAIN, row.endpoint.key, row.houses)
            lines.append([row.endpoint.label, row.section, *_measured_cells(results, row.measurement),
                          _relative(row.measurement, one_process), row.note])
    return _table(["endpoint", "variant", "req/s", "p50 ms", "p99 ms", "× baseline", "× one process", "note"], lines)


def hosts_table(results):
    """Each cached read through nginx to both hosts, beside the same read sent to one host
    directly: the proxy's cost per request is the difference of their p50."""
    lines = []
    for row in results.rows:
        if row.section == HOSTS_NGINX:
            direct = results.find(HOSTS_DIRECT, row.endpoint.key)
            cost = f"{row.measurement.p50_ms - direct.p50_ms:+.2f}" if row.measurement and direct else "–"
            lines.append([row.endpoint.label, "one host direct", *_measured_cells(results, direct), "1.00×", "–"])
            lines.append([row.endpoint.label, "nginx, 2 hosts", *_measured_cells(results, row.measurement),
                          _relative(row.measurement, direct), cost])
    return _table(["endpoint", "via", "req/s", "p50 ms", "p99 ms", "× baseline", "× one host direct",
                   "nginx's p50 cost, ms"], lines)


def describe_load(summary):
    answers = ", ".join(f"{count} × errcode {code}" if code.isdigit() else f"{count} × {code}"
                        for code, count in summary["outcomes"].items())
    skipped = f", {summary['skipped']} skipped (too many in flight)" if summary["skipped"] else ""
    return (f"{summary['started_per_s']:g}/s started{skipped}; answers: {answers}; "
            f"p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms")


def stress_table(results, summaries):
    lines = []
    background = {(s["scenario"], s["endpoint"]): s for s in summaries}
    for row in results.rows:
        if row.section.startswith(STRESS):
            scenario = row.section[len(STRESS):]
            load = background.get((scenario, row.endpoint.label))
            described = describe_load(load) if load else "–"
            unstressed = results.find(MAIN, row.endpoint.key, row.houses)
            lines.append([row.endpoint.label, scenario, *_measured_cells(results, row.measurement),
                          _relative(row.measurement, unstressed), described])
    return _table(["endpoint", "scenario", "req/s", "p50 ms", "p99 ms", "× baseline", "× unstressed",
                   "background load"], lines)


def _verdict(ok):
    return "met" if ok else "**missed**"


def target_table(results, cached_keys, sizes):
    """Each target of the issue, what this run measured for it, and whether it is met."""
    largest, smallest = max(sizes), min(sizes)
    lines = []

    def add(target, measurement, describe, ok):
        if measurement is None or results.baseline is None:
            lines.append([target, "not measured", "–"])
        else:
            lines.append([target, describe(measurement), _verdict(ok(measurement))])

    for key in cached_keys:
        m = results.find(MAIN, key, largest)
        add(f"`{key}`: ≥ {CACHED_MIN_RATIO}× baseline, p99 < {CACHED_MAX_P99_MS} ms", m,
            lambda m: f"{results.ratio(m):.2f}×, p99 {_ms(m.p99_ms)} ms",
            lambda m: results.ratio(m) >= CACHED_MIN_RATIO and m.p99_ms < CACHED_MAX_P99_MS)
    add(f"`profile` (logged in): ≥ {PROFILE_MIN_RATIO}× baseline", results.find(MAIN, "profile", largest),
        lambda m: f"{results.ratio(m):.2f}×", lambda m: results.ratio(m) >= PROFILE_MIN_RATIO)
    add(f"`list` at {largest:,} houses: ≥ {LIST_MIN_RATIO}× baseline", results.find(MAIN, "list", largest),
        lambda m: f"{results.ratio(m):.2f}×", lambda m: results.ratio(m) >= LIST_MIN_RATIO)
    if largest != smallest:
        small = results.find(MAIN, "list", smallest)
        add(f"`list` p50 at {largest:,} houses ≤ {LIST_MAX_P50_GROWTH}× its p50 at {smallest:,}",
            results.find(MAIN, "list", largest) if small else None,
            lambda m: f"{_ms(m.p50_ms)} ms vs {_ms(small.p50_ms)} ms: {m.p50_ms / small.p50_ms:.2f}×",
            lambda m: m.p50_ms <= LIST_MAX_P50_GROWTH * small.p50_ms)
    for key in cached_keys:
        one = results.find(MAIN, key, largest)
        add(f"`{key}` with --processes=2: ≥ {TWO_PROCESSES_MIN_GAIN}× one process",
            results.find(TWO_PROCESSES, key, largest) if one else None,
            lambda m: f"{m.rps / one.rps:.2f}×", lambda m: m.rps / one.rps >= TWO_PROCESSES_MIN_GAIN)
    for section in results.sections(STRESS):
        for key in cached_keys:
            calm = results.find(MAIN, key, largest)
            add(f"`{key}` under {section[len(STRESS):]} stress: ≥ {STRESSED_MIN_SHARE}× unstressed",
                results.find(section, key, largest) if calm else None,
                lambda m: f"{m.rps / calm.rps:.2f}×", lambda m: m.rps / calm.rps >= STRESSED_MIN_SHARE)
    return _table(["target", "measured", "verdict"], lines)


def profile_section(profiles):
    parts = []
    for key, summary in profiles.items():
        parts.append(f"### `{key}`: {summary['samples']} samples\n")
        parts.append(_table(["function (inclusive)", "% of samples"],
                            [[f"`{frame}`", f"{share:.1f}"] for frame, share in summary["inclusive"]]))
        parts.append("")
        parts.append(_table(["function (own code)", "% of samples"],
                            [[f"`{frame}`", f"{share:.1f}"] for frame, share in summary["own"]]))
        parts.append("")
    return "\n".join(parts)


def render(bench, args, command, facts, elapsed):
    results = Results(bench.rows)
    cached_keys = list(dict.fromkeys(row.endpoint.key for row in bench.rows if row.endpoint.cached))
    pinning = ("the server on one core and wrk and the stress generators on the other (`taskset`); "
               "`--processes=2` runs unpinned" if bench.pinned else "nothing pinned (`taskset` or a second core is missing)")
    baseline_runs = ", ".join(f"{run.rps:,.0f}" for run in results.baseline.runs) if results.baseline else "–"
    sections = [
        "# Performance",
        "",
        f"Generated by `make bench` ({bench.settings.describe()}) on "
        f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} in {elapsed / 60:.0f} min. Do not edit by hand: "
        "run the benchmark again. Absolute rates drift by ±20% between runs on this kind of machine, "
        "so every target is a ratio to a bare Tornado handler measured in the same run.",
        "",
        "Why a missed target is missed, and what would meet it: `docs/performance-analysis.md`.",
        "",
        "## Machine",
        "",
        *[f"- {name}: {value}" for name, value in facts.items()],
        "",
        "## Method",
        "",
        f"- Command: `{command}`" + (" (quick smoke run: too short to judge targets by)" if args.quick else ""),
        f"- Load: `{bench.settings.describe()}`, {args.repeats} run(s) per measurement after a {args.warmup:g} s "
        "warm-up; req/s, p50 and p99 are the medians of the runs.",
        f"- Pinning: {pinning}.",
        "- Baseline: `bench/baseline.py`, a bare Tornado handler writing `{\"errcode\": \"0\", \"errmsg\": \"OK\"}`, "
        f"measured at the start and at the end of the run (req/s of each run: {baseline_runs}).",
        "- Service: `python server.py --logging=warning` (no access log, the production setting; the "
        "`access log on` variant shows its cost), MySQL pool 10, Redis db "
        f"`{args.redis_url}` emptied at each start, SMS backend `tests.sms_backends:SlowSmsBackend` "
        "(1 s per message) and no daily SMS quota per IP, for the SMS scenario.",
        f"- Data: `scripts/demo_data.py` databases `ihome_bench_<houses>` ({', '.join(f'{n:,}' for n in args.houses)} "
        "houses); the largest serves every endpoint, smaller ones only the filtered `/api/house/list`. "
        "The search filters on the area with the most houses and a 3-night stay starting 7 days ahead; "
        "the detail page is the most-booked house with a photo.",
        "- Each endpoint is checked to answer correctly (HTTP 200 and errcode \"0\", an image, a page) "
        "before it is loaded; one that does not is reported as not measured.",
        f"- Stress: during each cached-read measurement, `bench/stress.py` runs on the load core: `login` "
        f"posts {args.login_rate:g} correct logins/s (argon2 each), `sms` asks {args.sms_rate:g} SMS codes/s "
        "(a captcha, then `/api/smscode` for a new mobile) from the 1-second backend. "
        "Both start requests on a fixed schedule (open loop).",
        "",
        "## Results (one process)",
        "",
        main_table(results),
        "",
        "## Targets",
        "",
        target_table(results, cached_keys, args.houses),
        "",
        "## Variants",
        "",
        variant_table(results),
        "",
        "## Stress scenarios",
        "",
        stress_table(results, bench.stress),
        "",
    ]
    if results.sections(HOSTS_NGINX):
        sections += [
            "## Two hosts behind nginx",
            "",
            "The two-host site of `tests/test_hosts.py` (README, \"Running in production\"): two network "
            "namespaces each running `python server.py --xheaders` (unpinned), a private MariaDB, Redis and "
            "S3 server on the bridge between them, and a private nginx with the shipped site in front. Each "
            "cached read is loaded through nginx (both hosts, keepalive to them) and, just before, sent "
            "straight to one host; wrk stays on the load core. The data is one published house with a photo, "
            "so these rows compare the paths, not the database.",
            "",
            hosts_table(results),
            "",
        ]
    if bench.profiles:
        sections += ["## Profiles (py-spy, idle time excluded)", "", profile_section(bench.profiles)]
    return "\n".join(sections)


def raw(bench, facts, command):
    """Every run's numbers, for comparing runs later (bench/results/run-*.json)."""
    return {"command": command, "machine": facts, "pinned": bench.pinned, "stress": bench.stress,
            "profiles": bench.profiles,
            "rows": [{"section": row.section, "endpoint": row.endpoint.label, "key": row.endpoint.key,
                      "houses": row.houses, "note": row.note,
                      "measurement": row.measurement.as_dict() if row.measurement else None}
                     for row in bench.rows]}
