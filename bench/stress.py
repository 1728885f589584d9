"""Paced background load for the stress scenarios, run beside wrk.

    python -m bench.stress login --url URL --rate 20 --duration 12 --mobile M --password P
    python -m bench.stress sms   --url URL --rate 10 --duration 12 --redis_url redis://127.0.0.1:6379/10

`login` posts correct passwords (every one costs the server an argon2 hash); `sms` asks for SMS
codes the way a person does: a fresh captcha (its text read from Redis), then /api/smscode for a
mobile never used before. Requests start on a fixed schedule whatever the answers take (an open
loop, so a slow server meets the same demand), with at most --max_in_flight outstanding: a start
that would exceed it is skipped and counted, never queued. A JSON summary goes to stdout.
"""
import argparse
import asyncio
import collections
import ipaddress
import itertools
import json
import random
import statistics
import time
import urllib.parse

import orjson
import redis.asyncio
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from utils.lua import INCARNATION

REQUEST_TIMEOUT = 30
# Seconds a background load runs before the measured run it accompanies, to reach its pace.
RAMP = 1


class Site:
    """The server under test, seen by a client that holds an `_xsrf` token."""

    def __init__(self, url, max_in_flight):
        self.url = url.rstrip("/")
        self.http = AsyncHTTPClient(force_instance=True, max_clients=max_in_flight)
        self.xsrf = None

    async def get(self, path):
        return await self.http.fetch(self.url + path, request_timeout=REQUEST_TIMEOUT)

    async def fetch_xsrf(self):
        response = await self.get("/api/check_login")
        for header in response.headers.get_list("Set-Cookie"):
            name, _, rest = header.partition("=")
            if name.strip() == "_xsrf":
                self.xsrf = rest.split(";", 1)[0]
                return
        raise RuntimeError("the server set no _xsrf cookie on /api/check_login")

    async def post(self, path, payload):
        """The errcode of a JSON POST answered with HTTP 200."""
        response = await self.http.fetch(
            self.url + path, method="POST", body=orjson.dumps(payload),
            headers={"Content-Type": "application/json", "X-XSRFToken": self.xsrf,
                     "Cookie": f"_xsrf={self.xsrf}"},
            request_timeout=REQUEST_TIMEOUT)
        return orjson.loads(response.body)["errcode"]

    def close(self):
        self.http.close()


async def paced(operation, rate, duration, max_in_flight):
    """Start `operation(i)` `rate` times a second for `duration` seconds; summarise the outcomes."""
    loop = asyncio.get_running_loop()
    outcomes = collections.Counter()
    latencies = []
    in_flight = set()
    skipped = 0

    async def timed(i):
        started = loop.time()
        try:
            outcomes[await operation(i)] += 1
        except HTTPClientError as error:
            outcomes[f"HTTP {error.code}"] += 1
        except (OSError, asyncio.TimeoutError) as error:
            outcomes[type(error).__name__] += 1
        latencies.append((loop.time() - started) * 1000)

    start = loop.time()
    planned = int(rate * duration)
    for i in range(planned):
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        if len(in_flight) >= max_in_flight:
            skipped += 1
            continue
        task = asyncio.create_task(timed(i))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    if in_flight:
        await asyncio.wait(set(in_flight), timeout=REQUEST_TIMEOUT + 5)
    return summarise(planned, skipped, duration, outcomes, latencies)


def summarise(planned, skipped, duration, outcomes, latencies):
    latencies = sorted(round(latency, 1) for latency in latencies)
    return {"planned": planned, "skipped": skipped, "duration": duration, "completed": len(latencies),
            "outcomes": dict(outcomes), "started_per_s": round((planned - skipped) / duration, 2),
            "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "p99_ms": latencies[int(0.99 * (len(latencies) - 1))] if latencies else None,
            "latencies_ms": latencies}


def merge(summaries):
    """One summary of several windows of the same load (one beside each measured wrk run)."""
    outcomes = collections.Counter()
    for summary in summaries:
        outcomes.update(summary["outcomes"])
    merged = summarise(sum(s["planned"] for s in summaries), sum(s["skipped"] for s in summaries),
                       sum(s["duration"] for s in summaries), outcomes,
                       [latency for s in summaries for latency in s["latencies_ms"]])
    return {**{k: v for k, v in summaries[0].items() if k not in merged}, **merged, "windows": len(summaries)}


async def login_load(site, args):
    async def login(_):
        return await site.post("/api/login", {"mobile": args.mobile, "password": args.password})
    return await paced(login, args.rate, args.duration, args.max_in_flight)


async def sms_load(site, args):
    store = redis.asyncio.from_url(args.redis_url)
    # a random block of mobiles, so that repeated runs do not hit the 60 s resend interval
    mobiles = (f"166{n % 10**8:08d}" for n in itertools.count(random.randrange(10**8)))
    tag = f"{time.time_ns():x}"

    async def request_code(i):
        captcha_id = f"stress{tag}{i}"
        await site.get(f"/api/piccode?cur={urllib.parse.quote(captcha_id)}")
        answer = await store.get(f"pic_code_{captcha_id}:{incarnation}")
        return await site.post("/api/smscode", {"mobile": next(mobiles), "piccode": answer.decode(),
                                                "piccode_id": captcha_id})
    try:
        incarnation = (await store.eval(INCARNATION + "return incarnation", 0)).decode()  # (utils/lua.py)
        return await paced(request_code, args.rate, args.duration, args.max_in_flight)
    finally:
        await store.aclose()


SCENARIOS = {"login": login_load, "sms": sms_load}


async def main(args):
    site = Site(args.url, args.max_in_flight)
    try:
        await site.fetch_xsrf()
        summary = await SCENARIOS[args.scenario](site, args)
    finally:
        site.close()
    print(json.dumps({"scenario": args.scenario, "rate": args.rate, **summary}))


def is_loopback(url):
    host = urllib.parse.urlsplit(url).hostname
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--rate", type=float, required=True, help="requests started per second")
    parser.add_argument("--duration", type=float, required=True, help="seconds")
    parser.add_argument("--max_in_flight", type=int, default=100)
    parser.add_argument("--mobile", help="login: a registered mobile")
    parser.add_argument("--password", help="login: its password")
    parser.add_argument("--redis_url", help="sms: the server's Redis, where captcha texts are read")
    args = parser.parse_args(argv)
    if not is_loopback(args.url):
        parser.error("--url must point at this machine (127.0.0.0/8 or localhost)")
    needed = {"login": ("mobile", "password"), "sms": ("redis_url",)}[args.scenario]
    missing = [name for name in needed if not getattr(args, name)]
    if missing:
        parser.error(f"{args.scenario} needs --{' --'.join(missing)}")
    return args


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
