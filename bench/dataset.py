"""Demo databases for the benchmark: one per size, built once and reused while it still matches.

`ihome_bench_<houses>` is filled by the demo-data command (which also analyses the tables, so
the first searches get fresh statistics); a one-row table `bench_dataset`, written only after that
command succeeded, records the size and a fingerprint of the generator and the migrations, so a
half-built database or one made by older code is rebuilt, and a current one is used as it is:
a million houses take minutes to load (README, "Demo data").
"""
import hashlib
import os
import pathlib
import subprocess
import sys
import time

import pymysql

from models.db import parse_mysql_url

ROOT = pathlib.Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "scripts" / "demo_data.py"
BUILD_TIMEOUT = 30 * 60
MARKER_DDL = ("CREATE TABLE IF NOT EXISTS bench_dataset "
              "(houses INT UNSIGNED NOT NULL, fingerprint CHAR(64) NOT NULL, built_at DATETIME NOT NULL)")


def database_url(server_url, houses):
    return f"{server_url.rstrip('/')}/ihome_bench_{houses}"


def connect(url, with_database=True):
    options = parse_mysql_url(url)
    database = options.pop("db")
    return pymysql.connect(database=database if with_database else None, autocommit=True,
                           charset="utf8mb4", **options)


def server_version(server_url):
    with connect(database_url(server_url, 0), with_database=False) as conn, conn.cursor() as cur:
        cur.execute("SELECT VERSION()")
        return cur.fetchone()[0]


def fingerprint():
    digest = hashlib.sha256()
    for path in [GENERATOR, *sorted((ROOT / "models" / "migrations").glob("*.sql"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _is_current(url, houses, expected):
    try:
        with connect(url) as conn, conn.cursor() as cur:
            cur.execute("SELECT houses, fingerprint FROM bench_dataset")
            return cur.fetchall() == ((houses, expected),)
    except pymysql.err.OperationalError:  # no such database
        return False
    except pymysql.err.ProgrammingError:  # no marker table: never finished
        return False


def ensure(server_url, houses, server_env, log):
    """The URL of a demo database with `houses` houses, building it if needed; `server_env`
    holds the IHOME_* settings (Redis, media) the demo-data command shares with the server."""
    if not GENERATOR.exists():
        raise SystemExit(f"{GENERATOR.relative_to(ROOT)} is missing: the benchmark needs the demo-data command")
    url = database_url(server_url, houses)
    expected = fingerprint()
    if _is_current(url, houses, expected):
        log(f"dataset: reusing {url} ({houses} houses)")
        return url
    log(f"dataset: building {url} ({houses} houses), this can take minutes")
    with connect(url, with_database=False) as conn, conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{parse_mysql_url(url)['db']}`")
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "scripts.demo_data", f"--houses={houses}", f"--mysql_url={url}"],
                   cwd=ROOT, env={**os.environ, **server_env}, check=True, timeout=BUILD_TIMEOUT)
    log(f"dataset: built {url} in {time.monotonic() - started:.0f}s")
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute(MARKER_DDL)
        cur.execute("DELETE FROM bench_dataset")
        cur.execute("INSERT INTO bench_dataset VALUES (%s, %s, UTC_TIMESTAMP())", (houses, expected))
    return url


def sample(url):
    """A house worth showing (most booked, with a photo if any) and the busiest area."""
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM ih_house ORDER BY index_image IS NULL, order_count DESC, id LIMIT 1")
        house = cur.fetchone()
        cur.execute("SELECT area_id FROM ih_house GROUP BY area_id ORDER BY COUNT(*) DESC, area_id LIMIT 1")
        area = cur.fetchone()
    if not (house and area):
        raise SystemExit(f"{url} has no houses: the demo-data command built nothing")
    return house[0], area[0]
