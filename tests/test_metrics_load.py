"""/metrics under load with two worker processes (--processes=2): a short wrk run, and every
answer it got is counted once, whichever worker served it and whichever answers the scrape.

wrk counts the answers it read in full; an answer still in flight when its time was up is
counted by the server but not by wrk, so the server's count lies between wrk's and wrk's plus
its connections. Each request comes on a new connection (`Connection: close`), so that both
workers accept their share. Bounded by time (2 s of load), asserting counts only.
"""
import re
import shutil
import subprocess

import pytest

from tests.conftest import ServerProcess
from tests.stores import wait_until
from tests.test_observability import metric

CONNECTIONS = 8
ROUTE = "/api/house/area"


class TwoWorkers(ServerProcess):
    own_process_group = True  # SIGTERM reaches both workers, as systemd sends it

    def command(self):
        return [*super().command(), "--processes=2", "--logging=warning"]  # no access log line per request


@pytest.fixture
def two_workers():
    server = TwoWorkers("two-workers").start()
    try:
        server.wait_ready()
        yield server
    finally:
        # The group's SIGTERM ends the supervising process at once, and the workers gracefully.
        assert server.stop() in (0, -15)


def test_metrics_count_every_request_of_a_wrk_run_across_two_workers(two_workers):
    if not shutil.which("wrk"):
        pytest.fail("wrk is missing: `make setup-test` installs Debian's wrk package")
    url = two_workers.url
    def counted():
        return (metric(url, "ihome_http_requests_total", route=ROUTE, status="200", errcode="0"),
                metric(url, "ihome_http_request_duration_seconds_count", route=ROUTE))
    before = counted()
    finished = subprocess.run(["wrk", "-t1", f"-c{CONNECTIONS}", "-d2s", "-H", "Connection: close", f"{url}{ROUTE}"],
                              capture_output=True, text=True, timeout=60, check=True)
    answered = int(re.search(r"^\s*(\d+) requests in ", finished.stdout, re.M).group(1))
    assert answered > 100 and "Non-2xx" not in finished.stdout, finished.stdout

    wait_until(lambda: counted() == counted(), "the answers wrk left in flight counted")
    totals = {counted() for _ in range(6)}  # scrapes answered by either worker all see the same totals
    ((requests, timings),) = totals
    assert answered <= requests - before[0] <= answered + CONNECTIONS, (answered, requests - before[0])
    assert timings - before[1] == requests - before[0]
    # Both workers served part of the load, each counting in its own file.
    workers = {path.name for path in two_workers.metrics_dir.iterdir() if path.name.startswith("counter_")}
    assert len(workers) == 2, workers
