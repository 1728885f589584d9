"""`python -m bench.websocket [--sockets 10000] [--events 300] [--redis_db 12]`: what the live
sockets (/api/ws) cost, for docs/performance.md ("Live sockets").

1. Idle sockets: one server process holds `--sockets` open sockets of one user (the per-user cap
   raised for the run); its resident memory (VmRSS) is read after 100 sockets and again after
   all of them, and the difference is divided among the sockets added.
2. Delivery across processes: a guest's socket on that process, the landlord on a second process
   of the same service (same MariaDB, same Redis); the landlord accepts `--events` bookings one
   after another, and each is timed from the accept request leaving the client to the
   notification arriving on the guest's socket (p50, p99, max).

It builds a database of its own (`--database`, dropped first) and uses Redis database
`--redis_db` (flushed): never those of a running service. The file limit (`ulimit -n`) is raised
for this process and the servers it starts. Its section of the report, "## Live sockets", replaces
the one in `--out` (docs/performance.md), or is added at its end: `make bench` runs it after
bench/run.py has written the rest.
"""
import argparse
import asyncio
import os
import pathlib
import resource
import statistics
import time

import redis
import tornado.escape
import tornado.httpclient
import tornado.websocket

from tests.conftest import ApiClient, ServerProcess, drop_database
from tests.helpers import GUEST_MOBILE, LANDLORD_MOBILE, book_ok, day, publish_house, register, verify_identity

ROOT = pathlib.Path(__file__).resolve().parent.parent
SECTION = "## Live sockets"
WARM_SOCKETS = 100
OPENING_AT_ONCE = 200


def raise_file_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(needed, soft)), hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        raise SystemExit(f"ulimit -n is {soft}; {needed} are needed (raise the hard limit)")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def cookie_header(client):
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


async def open_socket(server, client):
    request = tornado.httpclient.HTTPRequest(server.url.replace("http", "ws", 1) + "/api/ws", request_timeout=60,
                                             headers={"Origin": server.url, "Cookie": cookie_header(client)})
    return await tornado.websocket.websocket_connect(request)


async def open_many(server, client, count):
    gate = asyncio.Semaphore(OPENING_AT_ONCE)

    async def one():
        async with gate:
            return await open_socket(server, client)
    return await asyncio.gather(*[one() for _ in range(count)])


async def idle_memory(server, guest, sockets):
    pid = server.process.pid
    held = await open_many(server, guest, WARM_SOCKETS)
    await asyncio.sleep(2)
    before = rss_kib(pid)
    held += await open_many(server, guest, sockets - WARM_SOCKETS)
    await asyncio.sleep(5)  # a ping round or so: what an idle socket costs, not its handshake
    after = rss_kib(pid)
    for connection in held:
        connection.close()
    return before, after


async def delivery(server, other, guest, landlord, house_id, events):
    socket = await open_socket(server, guest)
    await socket.write_message('{"since": 0}')
    while tornado.escape.json_decode(await socket.read_message())["type"] != "ready":
        pass
    orders = [book_ok(guest, house_id, day(i), day(i)) for i in range(1, events + 1)]
    http = tornado.httpclient.AsyncHTTPClient()
    headers = {"Cookie": cookie_header(landlord), "X-XSRFToken": landlord.cookies["_xsrf"],
               "Content-Type": "application/json"}
    delays, answered = [], []
    for order_id in orders:
        started = time.perf_counter()
        response = await http.fetch(other.url + "/api/order/accept", method="POST", headers=headers,
                                    body=tornado.escape.json_encode({"order_id": order_id}))
        answered.append(time.perf_counter() - started)
        assert tornado.escape.json_decode(response.body)["errcode"] == "0"
        while True:
            message = tornado.escape.json_decode(await asyncio.wait_for(socket.read_message(), 10))
            if message["notification"]["order_id"] == order_id and message["notification"]["kind"] == "accepted":
                break
        delays.append(time.perf_counter() - started)
    socket.close()
    return delays, answered


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--database", default="ihome_bench_ws")
    parser.add_argument("--redis_db", type=int, default=12)
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()
    raise_file_limit(args.sockets + 1000)  # each process: the client holds one end, the server the other
    drop_database(args.database)
    store = redis.Redis(db=args.redis_db, decode_responses=True)
    store.flushdb()
    limits = {"IHOME_LIVE_SOCKETS_PER_USER": str(args.sockets + 10), "IHOME_GUEST_PENDING_ORDERS": "0",
              "IHOME_GUEST_PENDING_NIGHTS": "0", "IHOME_REDIS_POOL_SIZE": "64"}
    server = ServerProcess("bench-ws", database=args.database, redis_db=args.redis_db, **limits).start()
    other = None
    try:
        server.wait_ready()
        other = ServerProcess("bench-ws-other", database=args.database, redis_db=args.redis_db, **limits).start()
        other.wait_ready()
        landlord, guest = ApiClient(other.url), ApiClient(server.url)
        register(landlord, store, LANDLORD_MOBILE)
        verify_identity(landlord)
        house_id = publish_house(landlord, min_days=1, max_days=30)
        register(guest, store, GUEST_MOBILE)
        before, after = asyncio.run(idle_memory(server, guest, args.sockets))
        delays, answered = asyncio.run(delivery(server, other, guest, landlord, house_id, args.events))
    finally:
        for process in (server, other):
            if process is not None:
                process.stop()
        store.close()
    added = args.sockets - WARM_SOCKETS
    ms = [1000 * d for d in delays]
    rows = [
        ("idle sockets held by one process", f"{args.sockets:,}"),
        (f"its resident memory with {WARM_SOCKETS} sockets", f"{before / 1024:.1f} MiB"),
        (f"its resident memory with {args.sockets:,} sockets", f"{after / 1024:.1f} MiB"),
        ("memory per idle socket", f"{(after - before) / added:.1f} KiB"),
        (f"accept in one process → the guest's socket on the other ({len(ms)} events)",
         f"p50 {percentile(ms, .5):.1f} ms, p99 {percentile(ms, .99):.1f} ms, max {max(ms):.1f} ms"),
        ("the accept request alone, to its answer",
         f"p50 {1000 * statistics.median(answered):.1f} ms, p99 {1000 * percentile(answered, .99):.1f} ms"),
        ("the delay's p50 as a ratio to the accept's own",
         f"{percentile(ms, .5) / (1000 * statistics.median(answered)):.2f}"),
    ]
    section = "\n".join([
        SECTION, "",
        f"`python -m bench.websocket --sockets {args.sockets} --events {args.events}` (bench/websocket.py) on "
        f"this machine ({os.cpu_count()} CPUs): one server process holds the idle sockets"
        " of one user (the per-user cap raised for the run), and a second process of the same service takes the"
        " landlord's accepts while the guest's socket is on the first; every accept is timed from its request"
        " leaving the client to the notification arriving on that socket (commit, Redis publish, the other"
        " process's subscription, the socket).", "",
        "| figure | value |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows), "",
        "A notification is published after its commit, before the accept's answer is written, so the"
        " delay is the accept's own work and a ratio near 1 is the best there is. The memory of an idle"
        " socket is its Tornado handler, connection and buffers; the server pings each every"
        " --live_ping_seconds.", ""])
    print(section)
    write_section(args.out, section)


def write_section(path, section):
    """Put `section` in the report at `path` in place of its previous run's, or at the end."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    head, found, rest = text.partition("\n" + SECTION + "\n")
    tail = ""
    if found:
        _, next_heading, after = rest.partition("\n## ")
        tail = "\n## " + after if next_heading else ""
    path.write_text(head.rstrip("\n") + "\n\n" + section + tail, encoding="utf-8")

if __name__ == "__main__":
    main()
