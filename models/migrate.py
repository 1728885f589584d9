"""Numbered SQL migrations (models/migrations/NNNN_name.sql), applied once each, in order.

Several processes may start at once: a MySQL named lock makes them take turns, and each applies
only what the table `schema_migration` does not list yet.
"""
import logging
import pathlib
import re

import aiomysql

from models.db import CONNECT_OPTIONS, parse_mysql_url

log = logging.getLogger("ihome.migrate")

MIGRATIONS_DIR = pathlib.Path(__file__).with_name("migrations")
FILE_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
LOCK_TIMEOUT = 120


def migration_files():
    found = []
    for path in sorted(MIGRATIONS_DIR.iterdir()):
        match = FILE_RE.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return found


def statements(sql):
    """Split a migration into statements: each ends with ';' at the end of a line. As in the
    mariadb client, a line `DELIMITER $$` makes `$$` the end instead, until the next DELIMITER
    line: a trigger's body holds statements of its own."""
    found, lines, delimiter = [], [], ";"

    def close():
        statement = "\n".join(lines).strip()
        if any(line.strip() and not line.lstrip().startswith("--") for line in lines):
            found.append(statement)
        lines.clear()

    for line in sql.splitlines():
        if line.strip().upper().startswith("DELIMITER "):
            close()
            delimiter = line.split()[1]
        elif line.rstrip().endswith(delimiter):
            lines.append(line.rstrip()[:-len(delimiter)])
            close()
        else:
            lines.append(line)
    close()
    return found


async def migrate(url):
    params = parse_mysql_url(url)
    database = params.pop("db")
    conn = await aiomysql.connect(**params, **CONNECT_OPTIONS)
    try:
        async with conn.cursor() as cur:
            await cur.execute("SELECT GET_LOCK(%s, %s)", (f"ihome_migrate_{database}", LOCK_TIMEOUT))
            if (await cur.fetchone())[0] != 1:
                raise SystemExit(f"another process held the migration lock for {LOCK_TIMEOUT}s")
            try:
                await _apply_pending(cur, database)
                await _repair_search_counts(cur)
            finally:
                await cur.execute("SELECT RELEASE_LOCK(%s)", (f"ihome_migrate_{database}",))
    finally:
        conn.close()


async def _apply_pending(cur, database):
    # "already exists" notes from the IF NOT EXISTS clauses would surface as Python warnings.
    await cur.execute("SET SESSION sql_notes = 0")
    await cur.execute(f"CREATE DATABASE IF NOT EXISTS `{database}` "
                      "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    await cur.execute(f"USE `{database}`")
    await cur.execute("CREATE TABLE IF NOT EXISTS schema_migration ("
                      " version INT UNSIGNED PRIMARY KEY,"
                      " name VARCHAR(255) NOT NULL,"
                      " applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP"
                      ") ENGINE=InnoDB")
    await cur.execute("SELECT version FROM schema_migration")
    applied = {row[0] for row in await cur.fetchall()}
    for version, path in migration_files():
        if version in applied:
            continue
        log.info("applying migration %s", path.name)
        for statement in statements(path.read_text(encoding="utf-8")):
            await cur.execute(statement)
        await cur.execute("INSERT INTO schema_migration (version, name) VALUES (%s, %s)",
                          (version, path.name))


async def _repair_search_counts(cur):
    """Rebuild the search's counts (migration 0007) when their totals disagree with the tables
    they count: a bulk load that stopped before its rebuild, or rows changed by hand with the
    triggers bypassed. The check reads two totals; the rebuild reads every house and held night.
    Only listed houses are counted (0016)."""
    await cur.execute("SELECT (SELECT COUNT(*) FROM ih_house WHERE listed = 1)"
                      " = (SELECT COALESCE(SUM(houses), 0) FROM ih_search_rule)"
                      " AND (SELECT COUNT(*) FROM ih_booked_night)"
                      " = (SELECT COALESCE(SUM(booked), 0) FROM ih_search_night)")
    if not (await cur.fetchone())[0]:
        log.warning("the search counts disagree with ih_house / ih_booked_night: rebuilding them")
        await cur.execute("CALL ih_search_index_rebuild()")
