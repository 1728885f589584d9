"""A server with `--payment=alipay` against the test gateway (tests/alipay_gateway.py), and the
steps payment tests share. Import the fixtures into a test module to use them: each module that
does gets a gateway and a server of its own, the previous module's stopped first (two servers
sweeping one database through two gateways would each find trades the other's gateway made)."""
import json
import time
import urllib.parse
import urllib.request

import pytest

from tests.alipay_gateway import FakeAlipay, new_key, private_pem, public_pem
from tests.conftest import OUTPUT, TEST_DB, ServerProcess
from tests.helpers import act_ok, book_ok, my_orders

APP_ID = "2021000000001234"
SELLER_ID = "2088000000005678"
KEYS = OUTPUT / f"alipay-{TEST_DB}"


@pytest.fixture(scope="module")
def alipay_gateway():
    """The gateway, knowing our public key; our private key and its public key in KEYS."""
    merchant = new_key()
    gateway = FakeAlipay(merchant.public_key(), app_id=APP_ID, seller_id=SELLER_ID).start()
    KEYS.mkdir(parents=True, exist_ok=True)
    (KEYS / "merchant_private.pem").write_bytes(private_pem(merchant))
    (KEYS / "gateway_public.pem").write_bytes(public_pem(gateway.key))
    yield gateway
    gateway.stop()


def payment_server(name, gateway, **env):
    """A server (not started) paying through `gateway`, whose sweeps run every 0.3 s."""
    proc = ServerProcess(name, IHOME_PAYMENT="alipay", IHOME_ALIPAY_GATEWAY=gateway.gateway_url,
                         IHOME_ALIPAY_APP_ID=APP_ID, IHOME_ALIPAY_SELLER_ID=SELLER_ID,
                         IHOME_ALIPAY_PRIVATE_KEY_FILE=str(KEYS / "merchant_private.pem"),
                         IHOME_ALIPAY_PUBLIC_KEY_FILE=str(KEYS / "gateway_public.pem"),
                         IHOME_PENDING_SWEEP_SECONDS="0.3", **env)
    proc.env["IHOME_PUBLIC_URL"] = proc.url
    return proc


@pytest.fixture(scope="module")
def pay_server(request, server, alipay_gateway):
    """A server with payments, on the suite's database (`server` made it), its log named after
    the test module."""
    proc = payment_server(request.module.__name__.rsplit(".", 1)[-1], alipay_gateway).start()
    try:
        yield proc.wait_ready()
    finally:
        assert proc.stop() == 0, f"server did not shut down cleanly; see {proc.log_path}"


@pytest.fixture
def gateway(alipay_gateway):
    """The test gateway, notifying at once and failing nothing, whatever the last test set."""
    alipay_gateway.reset()
    return alipay_gateway


def accepted_order(landlord, guest, house_id, first, last):
    """Book the nights `first` to `last` as `guest`, accepted by `landlord`: waiting for payment."""
    order_id = book_ok(guest, house_id, first, last)
    act_ok(landlord, "accept", order_id)
    return order_id


def checkout(guest, order_id, method="page"):
    """Ask where to pay; the answer."""
    return guest.api("POST", "/api/pay", json={"order_id": order_id, "method": method})


def open_trade(guest, order_id):
    """Go to the gateway's page as the guest's browser would, which opens the trade there; the
    trade's out_trade_no."""
    body = checkout(guest, order_id)
    assert body["errcode"] == "0", body
    with urllib.request.urlopen(body["pay_url"], timeout=10) as page:
        assert page.status == 200 and "确认付款" in page.read().decode()
    fields = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(body["pay_url"]).query))
    return json.loads(fields["biz_content"])["out_trade_no"]


def paid_order(landlord, guest, gateway, house_id, first, last):
    """An order paid through the gateway, notified at once; its id and out_trade_no."""
    order_id = accepted_order(landlord, guest, house_id, first, last)
    out_trade_no = open_trade(guest, order_id)
    assert gateway.pay(out_trade_no)
    assert status_of(guest, order_id) == 2
    return order_id, out_trade_no


def order_of(client, order_id, role="custom"):
    (order,) = [order for order in my_orders(client, role) if order["order_id"] == order_id]
    return order


def status_of(client, order_id):
    return order_of(client, order_id)["status"]


def eventually(read, settled, timeout=10):
    """`read()` once `settled(value)` holds (a sweep of the server's did it), polled; bounded."""
    deadline = time.monotonic() + timeout
    while not settled(value := read()):
        assert time.monotonic() < deadline, f"still {value!r} after {timeout}s"
        time.sleep(0.1)
    return value


def status_becomes(client, order_id, waiting_status):
    """The order's status once it is no longer `waiting_status` (a sweep moved it)."""
    return eventually(lambda: status_of(client, order_id), lambda status: status != waiting_status)
