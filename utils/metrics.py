"""The service's Prometheus metrics (README, "Observability"), shared by every worker process.

Each process writes its counts to memory-mapped files in one directory (prometheus_client's
multiprocess mode), and whichever process answers `/metrics` reads them all: with
`--processes=N` the numbers are the site's, not one worker's. `server.py` makes (or empties)
the directory before the workers fork and calls `share_between_processes` before any value is
counted. Every metric has labels, so none writes a file before that.
"""
import hmac
import ipaddress
import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess, values

REQUESTS = Counter("ihome_http_requests", "Requests answered, by route pattern, method, status and errcode "
                   "(empty when the answer is no JSON envelope)", ["route", "method", "status", "errcode"])
REQUEST_SECONDS = Histogram("ihome_http_request_duration_seconds", "Time from a request's arrival to its answer",
                            ["route", "method"],
                            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
# Sampled once a second in every process (server.py) and when /metrics is read; summed over the
# processes that are alive.
POOL_IN_USE = Gauge("ihome_pool_connections_in_use", "Connections lent out by a pool",
                    ["pool"], multiprocess_mode="livesum")
POOL_WAITING = Gauge("ihome_pool_waiting", "Requests waiting for a pool's connection",
                     ["pool"], multiprocess_mode="livesum")
CACHE_LOOKUPS = Counter("ihome_cache_lookups", "Cached page lookups by page kind and result (hit, miss, error)",
                        ["page", "result"])
LOGINS = Counter("ihome_logins", "Login attempts by result (success, failure, locked, limited)", ["result"])
SMS_SENDS = Counter("ihome_sms_sends", "SMS code requests by result (sent, failed, refused by a quota)",
                    ["result"])


def share_between_processes(directory):
    """Count in files under `directory` from now on, for every process forked after this.

    prometheus_client chooses between in-memory and file-backed values once, when it is
    imported, from PROMETHEUS_MULTIPROC_DIR; server.py only knows the directory once its
    options are parsed, so the choice is made again here, the library's own way."""
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    values.ValueClass = values.get_value_class()


def forget_process(pid):
    """Drop what the live gauges of process `pid` last said (it is exiting)."""
    multiprocess.mark_process_dead(pid)


def exposition():
    """The metrics of every process, in Prometheus' text format: (content type, bytes)."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return CONTENT_TYPE_LATEST, generate_latest(registry)


def sample_pools(pools):
    """Record each pool's connections in use and waiting requests; `pools` maps a pool's name
    (mysql, mysql_replica, redis) to an object with `in_use` and `waiting`."""
    for name, pool in pools.items():
        POOL_IN_USE.labels(name).set(pool.in_use)
        POOL_WAITING.labels(name).set(pool.waiting)


def may_read(remote_ip, authorization, token):
    """Whether a client may read the metrics: one on the loopback address, or one that sends
    `Authorization: Bearer <token>` when a token is configured. Behind a proxy trusted with
    --xheaders, `remote_ip` is the client the proxy names, so a request through the proxy is
    never taken for a local one."""
    try:
        address = ipaddress.ip_address(remote_ip)
        if (getattr(address, "ipv4_mapped", None) or address).is_loopback:
            return True
    except ValueError:
        pass  # not an address: not a local client
    return bool(token) and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode())
