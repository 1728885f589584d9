"""One site on two hosts behind nginx, as deploy/ describes it (README, "Running in production").

The hosts are network namespaces on this machine, each running `python server.py --xheaders`,
with one MariaDB, one Redis and one S3 server (SeaweedFS) for images, and the shipped nginx
site in front (tests/hosts.py). A test that
needs a given host talks to it at its own address, as nginx does; everything else goes through
nginx. nginx itself is given no way to be steered, so that what is tested is the shipped site.
"""
import concurrent.futures
import contextlib
import functools
import io
import itertools
import re
import threading
import time

import httpx
import pytest
from PIL import Image

from models.media import MULTIPART_OVERHEAD
from tests.conftest import ROOT
from tests.helpers import (DEFAULT_PASSWORD, GUEST_MOBILE, LANDLORD_MOBILE, act_ok, ask_for_sms_code, at_once, book,
                           book_ok, captcha_key, check_login, day, detail, image_bytes, profile, publish_house, raw_upload,
                           register, registration, rename, request_sms_code, search, sms_code_key, upload_photo,
                           verify_identity)
from tests.hosts import MAX_IMAGE_BYTES, SMS_IP_DAILY_LIMIT, Site
from tests.live_support import Socket, live
from tests.stores import wait_until


@pytest.fixture(scope="module")
def site():
    with Site() as running:
        yield running


@pytest.fixture(autouse=True)
def clean_state(site):
    """Replaces the suite's clean-up of the shared stores, which these tests do not use: each
    starts with both hosts up, reference data only, and an empty Redis."""
    site.revive()
    site.empty()
    yield
    site.close_clients()


def registered(site, client, mobile, verified=False):
    register(client, site.store, mobile)
    if verified:
        verify_identity(client)
    return client


def signed_in(client, session_cookie):
    """`client` carrying a session made elsewhere (another browser, another host)."""
    client.cookies.set("session_id", session_cookie)
    return client


# ---- sessions -------------------------------------------------------------------------------

def test_a_session_made_on_one_host_is_valid_on_the_other_and_ends_there_too(site):
    host_a, host_b = site.hosts
    on_a, on_b = site.direct(host_a), site.direct(host_b)
    # One registration over both hosts: the captcha drawn by A, the SMS code sent by B, then A.
    on_a.get("/api/piccode?cur=spread")
    assert ask_for_sms_code(on_b, GUEST_MOBILE, site.store.get(captcha_key(site.store, "spread")), "spread")["errcode"] == "0"
    assert registration(on_a, GUEST_MOBILE, site.store.get(sms_code_key(site.store, GUEST_MOBILE)))["errcode"] == "0"
    session = on_a.cookies["session_id"]
    user = on_a.api("GET", "/api/check_login")["data"]
    for base_url in (host_b.url, site.url):
        assert check_login(base_url, session)["data"] == user

    signed_in(on_b, session)
    assert rename(on_b, "两台主机")["errcode"] == "0"
    assert profile(on_a)["name"] == "两台主机"  # A reads the session B rewrote

    assert on_b.api("GET", "/api/logout")["errcode"] == "0"
    for base_url in (host_a.url, host_b.url, site.url):
        assert check_login(base_url, session)["errcode"] == "4102"


# ---- caches ---------------------------------------------------------------------------------

def test_a_write_through_one_host_is_never_stale_on_the_other(site):
    host_a, host_b = site.hosts
    landlord = registered(site, site.direct(host_a), LANDLORD_MOBILE, verified=True)
    guest = registered(site, site.direct(host_a), GUEST_MOBILE)
    readers = [site.direct(host_b), site.browser()]  # B itself, and the site (either host)
    first, last = day(3), day(4)

    def shown(reader, house_ids):
        """What a visitor sees: houses free on those nights (cached search), the home page's
        houses, and each house's accepted orders (cached detail)."""
        free = search(reader, "/api/house/list2", sd=first.isoformat(), ed=last.isoformat())
        home = reader.api("GET", "/api/house/index")
        return ({house["house_id"] for house in free["data"]}, [house["house_id"] for house in home["houses"]],
                [detail(reader, house_id)["data"]["order_count"] for house_id in house_ids])

    def everywhere(house_ids):
        seen = [shown(reader, house_ids) for reader in readers for _ in range(2)]  # cached by then
        assert all(view == seen[0] for view in seen), seen
        return seen[0]

    assert everywhere([]) == (set(), [], [])
    houses = []
    for _ in range(2):
        houses.append(publish_house(landlord))
        assert upload_photo(landlord, houses[-1])["errcode"] == "0"  # the home page shows houses with one
    assert everywhere(houses) == (set(houses), houses[::-1], [0, 0])

    order_id = book_ok(guest, houses[0], first, last)
    assert everywhere(houses) == ({houses[1]}, houses[::-1], [0, 0])
    act_ok(landlord, "accept", order_id)
    assert everywhere(houses) == ({houses[1]}, houses, [1, 0])  # the most booked first


def test_a_photo_uploaded_through_one_host_is_served_through_the_other(site):
    host_a, host_b = site.hosts
    landlord = registered(site, site.direct(host_a), LANDLORD_MOBILE, verified=True)
    house_id = publish_house(landlord)
    content = image_bytes("teal", (320, 240), "PNG")
    uploaded = upload_photo(landlord, house_id, content)
    assert uploaded["errcode"] == "0", uploaded
    for reader in (site.direct(host_b), site.browser()):
        [url] = detail(reader, house_id)["data"]["images"]
        assert url == uploaded["url"] and url.startswith(site.s3.url)  # in the bucket, not on A
        photo = httpx.get(url)
        assert photo.status_code == 200 and photo.headers["Content-Type"] == "image/jpeg"
        assert Image.open(io.BytesIO(photo.content)).size == (320, 240)


# ---- a booking race -------------------------------------------------------------------------

RACERS = 20


def test_a_live_socket_through_nginx_hears_bookings_made_on_either_host(site):
    landlord = registered(site, site.browser(), LANDLORD_MOBILE, verified=True)
    guest = registered(site, site.browser(), GUEST_MOBILE)
    house_id = publish_house(landlord)

    async def test():
        socket = await Socket.open(landlord)  # through nginx, which passes the upgrade on
        assert await socket.since(0) == ([], 0)
        for first, host in zip((1, 4), site.hosts):
            booker = signed_in(site.direct(host), guest.cookies["session_id"])
            order_id = book_ok(booker, house_id, day(first), day(first + 1))
            assert (await socket.notification())["order_id"] == order_id
        socket.connection.close()
    live(test)


def test_a_booking_race_over_both_hosts_has_exactly_one_winner(site):
    landlord = registered(site, site.browser(), LANDLORD_MOBILE, verified=True)
    house_id = publish_house(landlord)
    session = registered(site, site.browser(), GUEST_MOBILE).cookies["session_id"]
    racers = [signed_in(site.direct(host), session) for host in site.hosts for _ in range(RACERS // 2)]
    first, last = day(5), day(7)

    answers = at_once(*(functools.partial(book, racer, house_id, first, last) for racer in racers))

    assert sorted(answer["errcode"] for answer in answers) == ["0"] + ["4004"] * (RACERS - 1), answers
    [winner] = [answer["order_id"] for answer in answers if answer["errcode"] == "0"]
    with site.database() as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM ih_order")
        assert cur.fetchall() == ((winner,),)
        cur.execute("SELECT COUNT(*) FROM ih_booked_night")
        assert cur.fetchone()[0] == 3


# ---- a host dies under load -----------------------------------------------------------------

READERS = BOOKERS = 2
READS_PER_PHASE = 2000
BOOKINGS_PER_PHASE = 150  # one night each, from tomorrow on: two phases stay within a year
PHASE_SECONDS = 1.0


class Load:
    """Browsers through nginx, each in a thread: readers go round the reads, each booker books
    one night after another of a house of its own. Every answer is kept, with the night asked."""

    def __init__(self, readers, bookers, house_ids):
        self.readers, self.bookers = readers, bookers
        self.reads = ["/api/house/list2?sd=" + day(2).isoformat(), f"/api/house/info?house_id={house_ids[0]}",
                      "/api/house/index", "/api/check_login", "/api/order/my"]
        self.house_ids = house_ids
        self.nights = {house_id: itertools.count(1) for house_id in house_ids}
        self.answers = []  # (kind, status, decoded body or None, (house_id, night) of a booking)
        self.lock = threading.Lock()

    def record(self, kind, response, slot=None):
        is_json = response.headers.get("Content-Type", "").startswith("application/json")
        with self.lock:
            self.answers.append((kind, response.status_code, response.json() if is_json else None, slot))

    def read(self, client, stop):
        for step in range(READS_PER_PHASE):
            if stop.is_set():
                return
            self.record("read", client.get(self.reads[step % len(self.reads)]))

    def book(self, client, house_id, stop):
        for _ in range(BOOKINGS_PER_PHASE):
            if stop.is_set():
                return
            night = day(next(self.nights[house_id]))
            self.record("book", client.request("POST", "/api/order", json={
                "house_id": house_id, "start_date": night.isoformat(), "end_date": night.isoformat()}),
                (house_id, night))

    @contextlib.contextmanager
    def running(self):
        stop = threading.Event()
        with concurrent.futures.ThreadPoolExecutor(READERS + BOOKERS) as pool:
            threads = [pool.submit(self.read, reader, stop) for reader in self.readers]
            threads += [pool.submit(self.book, booker, house_id, stop)
                        for booker, house_id in zip(self.bookers, self.house_ids)]
            try:
                yield
            finally:
                stop.set()
                for thread in threads:
                    thread.result()  # no request failed to get an answer


def land_on(host, pool, send, attempts=4):
    """Send requests (`send()`, each in `pool`) one at a time until one stays on the frozen
    `host`; its future, and the answers to those served by the other host."""
    served = []
    for _ in range(attempts):
        waiting = host.waiting_requests()
        future = pool.submit(send)
        wait_until(lambda: future.done() or host.waiting_requests() > waiting, "a request answered or waiting")
        if not future.done():
            return future, served
        served.append(future.result())
    raise AssertionError(f"nginx sent none of {attempts} requests to {host.name}")


def test_a_host_killed_under_load_loses_no_read_and_no_booking(site):
    host_a, host_b = site.hosts
    landlord = registered(site, site.browser(), LANDLORD_MOBILE, verified=True)
    house_ids = [publish_house(landlord) for _ in range(BOOKERS + 1)]
    *booked_houses, probe_house = house_ids
    guests = [registered(site, site.browser(), f"1370000{index:04d}") for index in range(READERS + BOOKERS + 1)]
    *load_guests, probe_guest = guests
    load = Load(load_guests[:READERS], load_guests[READERS:], booked_houses)

    log_start = len(site.nginx.access_log())
    with load.running():
        time.sleep(PHASE_SECONDS)
    served_by = {upstreams[0] for *_, upstreams, _ in site.nginx.access_log()[log_start:]}
    assert served_by == {host_a.upstream, host_b.upstream}

    # Frozen, A takes requests (its kernel accepts the connections) and answers none: a GET and a
    # booking are left in flight on it, then it is killed with them, while the load runs.
    host_a.freeze()
    probe_nights = itertools.count(1)

    def book_probe():
        night = day(next(probe_nights))
        response = probe_guest.request("POST", "/api/order", headers={"X-Probe": "post"}, json={
            "house_id": probe_house, "start_date": night.isoformat(), "end_date": night.isoformat()})
        return response, (probe_house, night)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        try:
            get_probe, read_elsewhere = land_on(host_a, pool, lambda: probe_guest.get(
                f"/api/house/info?house_id={probe_house}", headers={"X-Probe": "get"}))
            post_probe, booked_elsewhere = land_on(host_a, pool, book_probe)
            with load.running():
                time.sleep(PHASE_SECONDS / 3)
                host_a.kill()
                time.sleep(PHASE_SECONDS)
        finally:
            if host_a.running():  # a failure above leaves no request hanging on a frozen host
                host_a.kill()
        get_answer, (post_answer, post_slot) = get_probe.result(), post_probe.result()

    # The GET in flight on A was sent again to B and answered.
    assert (get_answer.status_code, get_answer.json()["errcode"]) == (200, "0")
    sent = len(read_elsewhere) + len(booked_elsewhere) + 2
    logged = site.nginx.access_log(until=lambda log: sum(entry[4] != "-" for entry in log) == sent)
    # the probe that stayed on A is the last of its kind logged: the others were answered before it was sent
    probes = {probe: upstreams for _, _, _, upstreams, probe in logged if probe != "-"}
    assert probes["get"] == [host_a.upstream, host_b.upstream]
    # The booking in flight on A was not: nginx cannot know whether A booked before it died, so it
    # answers 502 and B never sees it.
    assert post_answer.status_code == 502
    assert probes["post"] == [host_a.upstream]

    reads = [(status, body) for kind, status, body, _ in load.answers if kind == "read"]
    assert reads and all((status, body["errcode"]) == (200, "0") for status, body in reads)
    bookings = [(status, body, slot) for kind, status, body, slot in load.answers if kind == "book"]
    bookings += [(response.status_code, response.json(), slot) for response, slot in booked_elsewhere]
    bookings.append((post_answer.status_code, None, post_slot))
    confirmed = {slot for status, body, slot in bookings if status == 200 and body["errcode"] == "0"}
    # Every other booking was in flight on A when it died (nothing else fails here).
    assert all(status == 502 for status, _, slot in bookings if slot not in confirmed)
    with site.database() as conn, conn.cursor() as cur:
        cur.execute("SELECT house_id, begin_date FROM ih_order")
        stored = {(house_id, night) for house_id, night in cur.fetchall()}
        cur.execute("SELECT COUNT(*) FROM ih_booked_night")
        nights = cur.fetchone()[0]
    assert stored == confirmed  # none lost, none answered 502 stored, none twice
    assert nights == len(confirmed)

    # B alone serves the whole site.
    assert host_a.process.poll() is not None
    browser = probe_guest
    for path in ("/", "/js/app.js"):
        assert browser.get(path).status_code == 200
    for path in ("/api/house/area", "/api/house/index", f"/api/house/info?house_id={probe_house}",
                 "/api/house/list2", "/api/check_login", "/api/order/my", "/api/profile"):
        assert browser.api("GET", path)["errcode"] == "0", path
    act_ok(landlord, "accept", book_ok(browser, probe_house, day(300), day(301)))


# ---- what nginx does itself -----------------------------------------------------------------

def test_nginx_passes_the_clients_address_and_scheme_and_no_client_can_forge_them(site):
    host_a, _ = site.hosts
    # The per-IP quota of SMS codes counts the address nginx saw, one per browser.
    first = site.browser()
    mobiles = [f"1370001{index:04d}" for index in range(SMS_IP_DAILY_LIMIT + 3)]
    answers = [request_sms_code(first, site.store, mobile, f"quota{index}")["errcode"]
               for index, mobile in enumerate(mobiles[:SMS_IP_DAILY_LIMIT + 1])]
    assert answers == ["0"] * SMS_IP_DAILY_LIMIT + ["4201"]
    posing_as_first = site.browser(headers={"X-Real-IP": first.address, "X-Forwarded-For": first.address})
    assert request_sms_code(posing_as_first, site.store, mobiles[-2], "posing")["errcode"] == "0"
    first_posing = site.browser(source=first.address,
                                headers={"X-Real-IP": "198.51.100.7", "X-Forwarded-For": "198.51.100.7"})
    assert request_sms_code(first_posing, site.store, mobiles[-1], "hiding")["errcode"] == "4201"

    # A session cookie is Secure only when nginx itself was reached over https.
    registered(site, site.browser(), GUEST_MOBILE)
    https = {"X-Forwarded-Proto": "https", "X-Scheme": "https"}

    # Only the login claims https: a client keeps a Secure _xsrf cookie from plain-http requests.
    def session_cookie_flags(client):
        response = client.request("POST", "/api/login", json={"mobile": GUEST_MOBILE, "password": DEFAULT_PASSWORD},
                                  headers=https)
        assert response.json()["errcode"] == "0"
        [cookie] = [value for value in response.headers.get_list("Set-Cookie") if value.startswith("session_id=")]
        return "Secure" in cookie.split("; ")
    assert not session_cookie_flags(site.browser())
    # The app believes these headers (--xheaders): nginx must be the only way to it.
    assert session_cookie_flags(site.direct(host_a))

    # nginx names every request ($request_id), replacing an id the client sent; the app keeps nginx's.
    answer = site.browser(headers={"X-Request-Id": "forged-by-the-client"}).get("/api/house/area")
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-Id"])


def test_nginx_serves_the_frontend_and_media_from_disk_and_refuses_a_large_body_as_the_app_does(site):
    host_a, _ = site.hosts
    page = httpx.get(site.url + "/")
    assert page.status_code == 200 and "_xsrf" in page.cookies  # the page comes from the app
    script = httpx.get(site.url + "/js/app.js")
    assert script.content == (ROOT / "static" / "js" / "app.js").read_bytes()
    # the page's versioned files come from the app, gzipped, to be kept a year
    versioned = re.search(r'src="(/js/app\.[0-9a-f]{12}\.js)"', page.text).group(1)
    packed = httpx.get(site.url + versioned, headers={"Accept-Encoding": "gzip"})
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    (site.media_root / "ab").mkdir(parents=True, exist_ok=True)
    (site.media_root / "ab" / "abcd.jpg").write_bytes(b"an image")
    image = httpx.get(site.url + "/media/ab/abcd.jpg")
    assert image.content == b"an image"
    assert image.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    logged = site.nginx.access_log(until=lambda log: log and log[-1][1] == "/media/ab/abcd.jpg")
    served_by = {uri: upstreams for _, uri, _, upstreams, _ in logged}
    assert served_by["/"] and served_by[versioned] and served_by["/js/app.js"] == []
    assert served_by["/media/ab/abcd.jpg"] == []

    browser = site.browser()
    limit = MAX_IMAGE_BYTES + MULTIPART_OVERHEAD  # the app's own limit on an upload's body
    too_large = {"Content-Length": str(limit + 1)}
    refused = raw_upload(site.url, browser, too_large)
    assert refused == raw_upload(host_a.url, browser, too_large)  # nginx's answer is the app's
    assert refused[0] == 413 and refused[1]["errcode"] == "4103"
    # A body at the limit reaches the app, which reads it (then asks for a login).
    status, body = raw_upload(site.url, browser, {"Content-Length": str(limit)}, [b"x" * limit])
    assert (status, body["errcode"]) == (200, "4102")
