"""/api/order/my in pages when the client asks for them (`p`), and whole, as before, when it does not."""
import pytest

from tests.helpers import act_ok, book_ok, day, my_orders, publish_house

ORDERS = 23  # two full pages of 10 and one of 3


@pytest.fixture
def many_orders(landlord, guest):
    """ORDERS orders of the guest on the landlord's house, newest first; the last still waiting."""
    house_id = publish_house(landlord)
    order_ids = []
    for number in range(ORDERS):
        order_ids.append(book_ok(guest, house_id, day(1), day(1)))
        if number < ORDERS - 1:
            act_ok(guest, "cancel", order_ids[-1])  # a guest may hold only a few waiting orders
    return order_ids[::-1]


def page(client, p, role="custom"):
    body = client.api("GET", f"/api/order/my?role={role}&p={p}")
    assert body["errcode"] == "0", body
    return [order["order_id"] for order in body["orders"]], body["total_page"]


def test_pages_of_ten_newest_first_in_both_roles(many_orders, guest, landlord):
    for client, role in ((guest, "custom"), (landlord, "landlord")):
        assert page(client, 1, role) == (many_orders[:10], 3)
        assert page(client, 2, role) == (many_orders[10:20], 3)
        assert page(client, 3, role) == (many_orders[20:], 3)
        assert page(client, 4, role) == ([], 3)
    first = guest.api("GET", "/api/order/my?p=1")["orders"][0]
    assert first["actions"] == ["cancel"] and first["status"] == 0
    assert page(landlord, 1)[1] == 0  # no orders as a guest: no pages


def test_without_p_every_order_comes_as_it_always_has(many_orders, guest):
    body = guest.api("GET", "/api/order/my?role=custom")
    assert set(body) == {"errcode", "errmsg", "orders"}  # no total_page: the original frontend's answer
    assert [order["order_id"] for order in body["orders"]] == many_orders
    assert [order["order_id"] for order in my_orders(guest)] == many_orders
    paged = guest.api("GET", "/api/order/my?p=1")["orders"]
    assert paged == body["orders"][:10]  # the same orders, field for field


@pytest.mark.parametrize("p", ["0", "-1", "x", "1.5", "１"])
def test_a_malformed_page_is_refused(guest, p):
    body = guest.api("GET", f"/api/order/my?p={p}")
    assert (body["errcode"], body["param"]) == ("4103", "p")


def test_an_empty_p_means_no_pages(guest):
    assert set(guest.api("GET", "/api/order/my?p=")) == {"errcode", "errmsg", "orders"}
