"""The search from a MariaDB read replica (README, "MariaDB with a read replica").

A private primary with a GTID binary log and a private replica following it (tests/stores.py),
started here and always stopped, a demo dataset loaded into the primary with the demo-data
command, and two services on the benchmark's core beside the baseline: one with
`--mysql_replica_url`, one reading the primary alone. The uncached search is measured on each,
in turns between the baseline runs, and on the replica once more while writes land on the
primary (`--replica_write_rate` a second), each recording its position so that the reads after
it wait for the replica with MASTER_GTID_WAIT. Then bench/freshness.py times the check itself.
"""
import contextlib
import json
import os
import subprocess
import time

from bench import dataset, report, stress

DATABASE = "ihome_bench_replica"
LABEL = "bench"  # the servers' folders: test-output/mariadb-bench-primary, -replica
LOAD_TIMEOUT = 30 * 60
MICRO_TIMEOUT = 10 * 60



def scenario(bench, today):
    """Measure, file the rows in `bench`, and return the scenario's own numbers for the report."""
    from bench.run import PYTHON, ROOT, SEARCH_FIGURES, Figure, log, search_endpoints  # (it imports this module)
    from tests.stores import replicated_mariadb

    args = bench.args
    with replicated_mariadb(LABEL) as (primary, replica):
        primary_url, replica_url = primary.url(DATABASE), replica.url(DATABASE)
        log(f"  loading {args.replica_houses:,} demo houses into the primary")
        subprocess.run([PYTHON, "-m", "scripts.demo_data", f"--houses={args.replica_houses}",
                        f"--mysql_url={primary_url}"], cwd=ROOT, env={**os.environ, **bench.shared_env}, check=True,
                       timeout=LOAD_TIMEOUT, stdout=subprocess.DEVNULL)
        replica.catch_up_with(primary)
        _, area_id = dataset.sample(primary_url)
        search = next(e for e in search_endpoints(area_id, today) if e.search == SEARCH_FIGURES[0])
        stores = ["--primary_url", primary_url, "--replica_url", replica_url, "--redis_url", args.redis_url,
                  "--uvloop" if args.uvloop else "--no-uvloop"]
        writes = []

        @contextlib.contextmanager
        def writing():
            """Writes on the primary from stress.RAMP seconds before a measured run to its end."""
            duration = stress.RAMP + args.duration
            writer = subprocess.Popen(
                [*bench.load_pin, PYTHON, "-m", "bench.freshness", "writes", *stores,
                 "--rate", str(args.replica_write_rate), "--duration", str(duration)],
                cwd=ROOT, stdout=subprocess.PIPE, text=True)
            try:
                time.sleep(stress.RAMP)
                yield
                output, _ = writer.communicate(timeout=duration + 60)
            finally:
                if writer.poll() is None:
                    writer.kill()
                    writer.wait()
            writes.append(json.loads(output))

        # The service flushes the Redis db when it starts: the one on the replica starts last,
        # then one write records a position, as any write does.
        with bench.service("server-replica-primary", primary_url) as on_primary, \
                bench.service("server-replica", primary_url, replica_url=replica_url) as on_replica:
            _run_json([PYTHON, "-m", "bench.freshness", "writes", *stores, "--rate", "1", "--duration", "1"],
                      ROOT, 60)
            houses = args.replica_houses
            bench.measure([Figure(report.REPLICA_PRIMARY, search, houses, on_primary),
                           Figure(report.REPLICA_STEADY, search, houses, on_replica),
                           Figure(report.REPLICA_UNDER_WRITES, search, houses, on_replica, during=writing)])
            fallbacks = _fallbacks(on_replica)

        log("  the freshness check, call by call (bench/freshness.py)")
        micro = _run_json([*bench.server_pin, PYTHON, "-m", "bench.freshness", "micro", *stores,
                           "--calls", str(args.freshness_calls), "--writes", str(args.freshness_writes)],
                          ROOT, MICRO_TIMEOUT)
    return {"houses": args.replica_houses, "write_rate": args.replica_write_rate,
            "writes": stress.merge(writes) if writes else None, "micro": micro, "fallbacks": fallbacks}


def _run_json(command, cwd, timeout):
    finished = subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True, timeout=timeout)
    return json.loads(finished.stdout)


def _fallbacks(server):
    """The lines in the service's log where the replica was left for the primary (models/db.py
    logs each): a figure 'from the replica' that fell back is no such figure."""
    return sum("read replica" in line for line in server.child.log_path.read_text().splitlines())
