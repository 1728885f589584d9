"""The calls tests make again and again, as plain functions: `from tests.helpers import ...`.

Fixtures stay in conftest.py. Where a call has two uses, there are two names: the plain one
(`book`, `act`, `login`, ...) returns the decoded answer for the test to check, and the `_ok` one
asserts success and returns what a set-up step needs next.
"""
import datetime
import http.client
import io
import json
import socket
import struct
import threading
import urllib.parse
import zlib
import zoneinfo

import httpx
from PIL import Image

from utils.lua import INCARNATION

SITE_ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
DEFAULT_PASSWORD = "correct horse 1"
LANDLORD_MOBILE = "13800000001"
GUEST_MOBILE = "13900000002"
ID_CARD_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
HOUSE_FIELDS = {"title": "后海边的四合院", "price": "288.50", "area_id": 2, "address": "西城区后海北沿1号",
                "room_count": 2, "acreage": 60, "unit": "两室一厅", "capacity": 4, "beds": "双人床2张",
                "deposit": "500", "min_days": 1, "max_days": 30, "facility": [1, 2, 3]}


def day(offset):
    """The date `offset` days from today in the site's zone (`.isoformat()` is how the API writes it)."""
    return datetime.datetime.now(SITE_ZONE).date() + datetime.timedelta(days=offset)


def at_once(*calls):
    """Run `calls` (functions of no argument) in threads released together; their results, in
    order. The first exception a call raises is raised here, once every thread is done."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)
    errors = []

    def run(index):
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as error:  # raised again in the calling thread, below
            errors.append(error)
    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def request_head(client, method, path, headers=None):
    """The head of a request as `client` would send it (its cookies, its XSRF token), as bytes
    to send by hand; `headers` are added last and may replace any of these."""
    cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    lines = "".join(f"{name}: {value}\r\n" for name, value in {
        "Host": client.base_url.netloc.decode(), "Cookie": cookies,
        "X-XSRFToken": client.cookies["_xsrf"], **(headers or {})}.items())
    return f"{method} {path} HTTP/1.1\r\n{lines}\r\n".encode()


def raw_exchange(port, *parts):
    """Send `parts` (bytes, exactly as given: malformed requests too) over a new connection and
    read what comes back until the server closes it: the status of the answer, its headers (names
    lower-cased) and its body decoded from JSON (None when empty). No answer at all: status None."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        for part in parts:
            sock.sendall(part)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    if not received:
        return None, {}, None
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value for name, value in (line.split(": ", 1) for line in lines[1:])}
    length = int(headers.get("content-length", 0))
    return int(lines[0].split()[1]), headers, json.loads(body[:length]) if length else None


# ---- passport -------------------------------------------------------------------------------

def of_this_incarnation(redis_client, key):
    """`key` as the service files it in the Redis `redis_client` talks to: under that master's
    incarnation (its run id and replication id, utils/lua.INCARNATION), so that no rollback of
    Redis (an older snapshot, a lagging replica promoted) brings back what it held (cache
    generations, captchas, SMS codes)."""
    return f"{key}:{redis_client.eval(INCARNATION + 'return incarnation', 0)}"


def captcha_key(redis_client, captcha_id):
    return of_this_incarnation(redis_client, f"pic_code_{captcha_id}")


def sms_code_key(redis_client, mobile):
    return of_this_incarnation(redis_client, f"sms_code_{mobile}")


def ask_for_sms_code(client, mobile, piccode, piccode_id):
    return client.api("POST", "/api/smscode",
                      json={"mobile": mobile, "piccode": piccode, "piccode_id": piccode_id})


def request_sms_code(client, redis_client, mobile, captcha_id="cap1"):
    """Solve a captcha (read from Redis, as a test may) and ask for an SMS code to `mobile`."""
    client.get(f"/api/piccode?cur={captcha_id}")
    return ask_for_sms_code(client, mobile, redis_client.get(captcha_key(redis_client, captcha_id)), captcha_id)


def registration(client, mobile, phonecode, password=DEFAULT_PASSWORD):
    return client.api("POST", "/api/register",
                      json={"mobile": mobile, "phonecode": phonecode, "password": password})


def register(client, redis_client, mobile, password=DEFAULT_PASSWORD):
    """Register `mobile` through the real flow; the client ends up logged in."""
    assert request_sms_code(client, redis_client, mobile)["errcode"] == "0"
    body = registration(client, mobile, redis_client.get(sms_code_key(redis_client, mobile)), password)
    assert body == {"errcode": "0", "errmsg": "注册成功"}, body
    return client.api("GET", "/api/check_login")["data"]


def check_login(base_url, session_cookie):
    """check_login's answer to a request carrying only this session cookie (from any browser)."""
    return httpx.get(base_url + "/api/check_login", cookies={"session_id": session_cookie}).json()


def login(client, mobile, password=DEFAULT_PASSWORD):
    return client.api("POST", "/api/login", json={"mobile": mobile, "password": password})


def login_ok(client, mobile, password=DEFAULT_PASSWORD):
    """Log `client` (another browser, say) in as `mobile`; returns the client."""
    body = login(client, mobile, password)
    assert body["errcode"] == "0", body
    return client


# ---- profile --------------------------------------------------------------------------------

def profile(client):
    body = client.api("GET", "/api/profile")
    assert body["errcode"] == "0", body
    return body["data"]


def rename(client, name):
    return client.api("POST", "/api/profile/name", json={"name": name})


def id_card(first17="11010519491231002"):
    """A mainland resident ID number with a valid GB 11643 check digit."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_CARD_WEIGHTS))
    return first17 + "10X98765432"[total % 11]


def verify_identity(client, serial=0, real_name="王小明"):
    """Real-name verification of the client's user; each `serial` (0-999) is a distinct ID number."""
    body = client.api("POST", "/api/profile/auth",
                      json={"real_name": real_name, "id_card": id_card(f"11010519491231{serial:03d}")})
    assert body["errcode"] == "0", body


# ---- images ---------------------------------------------------------------------------------

def encode_image(image, image_format, **options):
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


def image_bytes(color="red", size=(64, 48), image_format="PNG"):
    """A plain one-colour picture, encoded."""
    return encode_image(Image.new("RGB", size, color), image_format)


def png_claiming_size(width, height):
    """A tiny PNG whose header announces `width` x `height` pixels: decoding it would fail, so
    a refusal that speaks of pixels was decided from the header alone."""
    png = bytearray(encode_image(Image.new("L", (8, 8)), "PNG"))
    png[16:24] = struct.pack(">II", width, height)
    png[29:33] = struct.pack(">I", zlib.crc32(bytes(png[12:29])))
    return bytes(png)


def fetch_image(client, url):
    """GET an uploaded image, which must be there; the response and the decoded image."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response, Image.open(io.BytesIO(response.content))


def upload_avatar(client, content, filename="avatar.jpg", content_type="image/jpeg", field="avatar"):
    return client.api("POST", "/api/profile/avatar", files={field: (filename, content, content_type)})


def raw_upload(base_url, client, headers, body_parts=()):
    """Send an avatar upload by hand (the client's cookies and token, `headers`, then `body_parts`)
    and read the first answer: the status and the decoded JSON body."""
    address = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        connection.putrequest("POST", "/api/profile/avatar", skip_accept_encoding=True)
        for name, value in {"Cookie": "; ".join(f"{name}={value}" for name, value in client.cookies.items()),
                            "X-XSRFToken": client.cookies["_xsrf"],
                            "Content-Type": "multipart/form-data; boundary=xyz", **headers}.items():
            connection.putheader(name, value)
        connection.endheaders()
        for part in body_parts:
            connection.send(part)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def upload_photo(client, house_id, content=None):
    return client.api("POST", "/api/house/image", data={"house_id": str(house_id)},
                      files={"house_image": ("photo.png", content or image_bytes(), "image/png")})


# ---- houses ---------------------------------------------------------------------------------

def publish_house(client, **overrides):
    """Publish a house as the client's (verified) user; returns its id."""
    body = client.api("POST", "/api/house/info", json={**HOUSE_FIELDS, **overrides})
    assert body["errcode"] == "0", body
    return body["house_id"]


def detail(client, house_id):
    return client.api("GET", f"/api/house/info?house_id={house_id}")


def search(client, path="/api/house/list", **query):
    """A search; criteria given as None are left out of the query."""
    return client.api("GET", path, params={k: v for k, v in query.items() if v is not None})


# ---- orders ---------------------------------------------------------------------------------

def book(client, house_id, first, last, url="/api/order"):
    """Ask to book the nights `first` to `last` (dates, both included); the answer."""
    return client.api("POST", url, json={"house_id": house_id, "start_date": first.isoformat(),
                                         "end_date": last.isoformat()})


def book_ok(client, house_id, first, last):
    """Book, which must succeed; the order id."""
    body = book(client, house_id, first, last)
    assert body["errcode"] == "0", body
    return body["order_id"]


def act(client, action, order_id, **fields):
    """accept, reject, comment or cancel an order; the answer."""
    return client.api("POST", f"/api/order/{action}", json={"order_id": order_id, **fields})


def act_ok(client, action, order_id, **fields):
    body = act(client, action, order_id, **fields)
    assert body["errcode"] == "0", body


def my_orders(client, role="custom"):
    return client.api("GET", f"/api/order/my?role={role}")["orders"]


def house_cache_generation(redis_client):
    """The generation of the cached house pages in the Redis that serves them; every write that
    changes what they show increments it."""
    return int(redis_client.get(of_this_incarnation(redis_client, "ihome:cache:gen:houses")) or 0)


def end_stay(db_conn, order_id, days=60):
    """Move an order's nights `days` into the past, as if the stay were over (reviews wait for it)."""
    with db_conn.cursor() as cur:
        cur.execute("UPDATE ih_order SET begin_date = begin_date - INTERVAL %s DAY,"
                    " end_date = end_date - INTERVAL %s DAY WHERE id = %s", (days, days, order_id))
        # Deleted and inserted again, never updated: the search's counts follow inserts and
        # deletes of held nights (migration 0007).
        cur.execute("SELECT house_id, night - INTERVAL %s DAY, area_id, order_id FROM ih_booked_night"
                    " WHERE order_id = %s", (days, order_id))
        moved = cur.fetchall()
        cur.execute("DELETE FROM ih_booked_night WHERE order_id = %s", (order_id,))
        cur.executemany("INSERT INTO ih_booked_night (house_id, night, area_id, order_id) VALUES (%s, %s, %s, %s)",
                        moved)
