"""Notifications, messages and the live socket through HTTP and real WebSockets: what each
change of an order tells whom, who may read and write messages, who may open a socket, and
that a socket gets its user's events (and nobody else's) exactly once, also when they happen in
another process or while it was away."""
import asyncio
import time

import pytest
import tornado.httpclient

from tests.conftest import ServerProcess
from tests.helpers import act_ok, book_ok, day, end_stay, publish_house, register
from tests.live_support import Socket, live

STRANGER_MOBILE = "13700000003"


@pytest.fixture(scope="module")
def other(server):
    """A second process of the same service (same database, same Redis), as on another host;
    it expires a booking left unanswered for half an hour, and looks every 0.2 s."""
    process = ServerProcess("live-other", IHOME_PENDING_ORDER_HOURS="0.5",
                            IHOME_PENDING_SWEEP_SECONDS="0.2").start()
    try:
        yield process.wait_ready()
    finally:
        assert process.stop() == 0


@pytest.fixture
def house_id(landlord):
    return publish_house(landlord)


@pytest.fixture
def stranger(new_client, redis_client):
    client = new_client()
    register(client, redis_client, STRANGER_MOBILE)
    return client


def on(client, server):
    """The same browser (its cookies) talking to another process."""
    moved = type(client)(server.url)
    moved.cookies.update(client.cookies)
    return moved


def notifications(client, **query):
    body = client.api("GET", "/api/notifications", params=query)
    assert body["errcode"] == "0", body
    return body


def kinds(client):
    return [(n["kind"], n["order_id"]) for n in notifications(client)["notifications"]]


def messages(client, order_id, **query):
    return client.api("GET", "/api/order/messages", params={"order_id": order_id, **query})


def send(client, order_id, body):
    return client.api("POST", "/api/order/messages", json={"order_id": order_id, "body": body})


# ---- REST ---------------------------------------------------------------------------------------

def test_every_change_of_an_order_tells_the_other_side(landlord, guest, house_id, db_conn, other):
    accepted = book_ok(guest, house_id, day(1), day(2))
    rejected = book_ok(guest, house_id, day(4), day(5))
    cancelled = book_ok(guest, house_id, day(7), day(8))
    expired = book_ok(guest, house_id, day(10), day(11))
    act_ok(landlord, "accept", accepted)
    act_ok(landlord, "reject", rejected, reject_reason="装修中")
    act_ok(guest, "cancel", cancelled)
    end_stay(db_conn, accepted)
    act_ok(guest, "comment", accepted, comment="很好")
    with db_conn.cursor() as cur:  # left unanswered for 31 minutes: the other process expires it
        cur.execute("UPDATE ih_order SET created_at = created_at - INTERVAL 31 MINUTE WHERE id = %s", (expired,))
    for _ in range(100):
        if ("expired", expired) in kinds(guest):
            break
        time.sleep(0.1)

    assert kinds(landlord) == [("reviewed", accepted), ("cancelled", cancelled), ("booked", expired),
                               ("booked", cancelled), ("booked", rejected), ("booked", accepted)]
    assert kinds(guest) == [("expired", expired), ("rejected", rejected), ("accepted", accepted)]
    listed = notifications(guest)
    assert listed["unread"] == 3 and listed["total_page"] == 1
    assert [n["seq"] for n in listed["notifications"]] == [3, 2, 1]
    assert listed["notifications"][0]["text"] == "预订已过期：" + "后海边的四合院"
    assert listed["notifications"][0]["house_id"] == house_id and not listed["notifications"][0]["read"]

    # Read marks: by id, then everything up to a number; another user's ids are not the caller's.
    landlord_ids = [n["id"] for n in notifications(landlord)["notifications"]]
    assert guest.api("POST", "/api/notifications/read", json={"ids": landlord_ids[:1]})["unread"] == 3
    assert guest.api("POST", "/api/notifications/read", json={"ids": [listed["notifications"][1]["id"]]})["unread"] == 2
    assert guest.api("POST", "/api/notifications/read", json={"up_to": 3})["unread"] == 0
    assert notifications(landlord)["unread"] == 6
    assert [n["seq"] for n in notifications(landlord, since=4)["notifications"]] == [5, 6]


def test_a_reply_to_a_review_tells_the_guest(landlord, guest, house_id, db_conn):
    order_id = book_ok(guest, house_id, day(1), day(2))
    act_ok(landlord, "accept", order_id)
    end_stay(db_conn, order_id)
    act_ok(guest, "comment", order_id, comment="很好", stars=5)
    act_ok(landlord, "reply", order_id, reply="谢谢光临")
    assert kinds(guest)[0] == ("replied", order_id)
    assert notifications(guest)["notifications"][0]["text"] == "房东回复了您的评价：谢谢光临"


def test_the_rest_routes_check_who_asks_and_what(server, landlord, guest, stranger, house_id):
    order_id = book_ok(guest, house_id, day(1), day(2))
    anonymous = type(guest)(server.url)
    assert anonymous.api("GET", "/api/notifications")["errcode"] == "4102"
    assert anonymous.api("GET", "/api/order/messages", params={"order_id": order_id})["errcode"] == "4102"
    for body, param in [({}, "ids"), ({"ids": [0]}, "ids"), ({"up_to": -1}, "up_to")]:
        answer = guest.api("POST", "/api/notifications/read", json=body)
        assert (answer["errcode"], answer["param"]) == ("4103", param)
    assert guest.api("GET", "/api/notifications", params={"p": 0})["param"] == "p"
    for body, param in [({"body": "你好"}, "order_id"), ({"order_id": order_id}, "body"),
                        ({"order_id": order_id, "body": "  "}, "body"),
                        ({"order_id": order_id, "body": "字" * 1001}, "body")]:
        answer = guest.api("POST", "/api/order/messages", json=body)
        assert (answer["errcode"], answer["param"]) == ("4103", param)
    assert send(guest, order_id, "字" * 1000)["errcode"] == "0"
    unknown = send(guest, order_id + 1000, "你好")
    assert (unknown["errcode"], unknown["param"]) == ("4002", "order_id")
    assert messages(guest, order_id + 1000)["errcode"] == "4002"
    assert send(stranger, order_id, "你好")["errcode"] == "4105"
    assert messages(stranger, order_id)["errcode"] == "4105"
    assert stranger.api("POST", "/api/order/messages/read", json={"order_id": order_id})["errcode"] == "4105"
    anonymous.close()


def test_guest_and_landlord_write_to_each_other(landlord, guest, house_id):
    order_id = book_ok(guest, house_id, day(1), day(2))
    sent = send(guest, order_id, "请问可以提前入住吗？\n大约中午")["message"]
    assert sent["mine"] and sent["body"] == "请问可以提前入住吗？\n大约中午" and not sent["read"]
    reply = send(landlord, order_id, "可以")["message"]
    seen_by_landlord = messages(landlord, order_id)
    assert [(m["id"], m["mine"]) for m in seen_by_landlord["messages"]] == [(sent["id"], False), (reply["id"], True)]
    assert not seen_by_landlord["more"]
    assert [m["id"] for m in messages(guest, order_id, after=sent["id"])["messages"]] == [reply["id"]]
    assert [m["id"] for m in messages(guest, order_id, before=reply["id"])["messages"]] == [sent["id"]]
    # Each message is a notification to the other side; reading the conversation marks them read.
    assert kinds(landlord)[0] == ("message", order_id)
    message_notice = notifications(landlord)["notifications"][0]
    assert message_notice["message_id"] == sent["id"] and message_notice["summary"].startswith("请问")
    assert notifications(landlord)["unread"] == 2  # the booking and the message
    assert landlord.api("POST", "/api/order/messages/read", json={"order_id": order_id})["unread"] == 1
    assert messages(guest, order_id)["messages"][0]["read"]
    assert not messages(landlord, order_id)["messages"][1]["read"]  # the guest has not read the reply


def test_messages_come_in_pages(landlord, guest, house_id):
    order_id = book_ok(guest, house_id, day(1), day(2))
    ids = [send(guest if i % 2 else landlord, order_id, f"第{i}条")["message"]["id"] for i in range(55)]
    latest = messages(guest, order_id)
    assert [m["id"] for m in latest["messages"]] == ids[5:] and latest["more"]
    earlier = messages(guest, order_id, before=ids[5])
    assert [m["id"] for m in earlier["messages"]] == ids[:5] and not earlier["more"]


def test_a_user_sends_a_bounded_number_of_messages_a_minute(landlord, guest, house_id, new_client):
    limited = ServerProcess("message-rate", IHOME_MESSAGES_PER_MINUTE="3").start()
    try:
        limited.wait_ready()
        writer, other = new_client(limited.url), new_client(limited.url)
        writer.cookies.update(guest.cookies)  # the same people, on the limited server
        other.cookies.update(landlord.cookies)
        orders = [book_ok(guest, house_id, day(n), day(n)) for n in (1, 3)]
        for order_id in (orders[0], orders[1], orders[0]):  # all orders count together
            assert send(writer, order_id, "你好")["errcode"] == "0"
        refused = writer.request("POST", "/api/order/messages", json={"order_id": orders[1], "body": "在吗"})
        assert refused.json()["errcode"] == "4201" and "每分钟最多发送 3 条消息" in refused.json()["errmsg"]
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        assert send(other, orders[0], "在的")["errcode"] == "0"  # each user has their own
        assert [m["body"] for m in messages(other, orders[1])["messages"]] == ["你好"]  # nothing half-sent
    finally:
        limited.stop()


# ---- the socket ---------------------------------------------------------------------------------

def test_a_socket_needs_a_live_session_and_the_sites_own_origin(client, guest):
    async def test():
        with pytest.raises(tornado.httpclient.HTTPClientError) as refused:
            await Socket.open(guest, cookies=False)
        assert refused.value.code == 401
        with pytest.raises(tornado.httpclient.HTTPClientError) as refused:
            await Socket.open(guest, origin="http://evil.example")
        assert refused.value.code == 403
        with pytest.raises(tornado.httpclient.HTTPClientError) as refused:
            await Socket.open(client)  # a browser that never logged in
        assert refused.value.code == 401
        socket = await Socket.open(guest)
        assert await socket.since(0) == ([], 0)
        socket.connection.close()
    live(test)
    # Each refusal is the envelope, as every API failure is.
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    for headers, status, errcode in [({}, 400, "4103"), (upgrade, 401, "4102"),
                                     ({**upgrade, "Origin": "http://evil.example"}, 403, "4101")]:
        answer = client.request("GET", "/api/ws", headers=headers)
        assert (answer.status_code, answer.headers["Content-Type"]) == (status, "application/json; charset=UTF-8")
        assert answer.json()["errcode"] == errcode and answer.json()["errmsg"], (headers, answer.text)


def test_each_user_gets_their_own_events_live_from_another_process(landlord, guest, stranger, house_id, other):
    """Sockets on one process; the requests that raise the events on the other."""
    async def test():
        landlord_socket, guest_socket, stranger_socket = [await Socket.open(c) for c in (landlord, guest, stranger)]
        for socket in (landlord_socket, guest_socket, stranger_socket):
            assert await socket.since(0) == ([], 0)
        guest_there, landlord_there = on(guest, other), on(landlord, other)
        order_id = book_ok(guest_there, house_id, day(1), day(2))
        booked = await landlord_socket.notification()
        assert (booked["kind"], booked["order_id"], booked["seq"]) == ("booked", order_id, 1)
        act_ok(landlord_there, "accept", order_id)
        accepted = await guest_socket.notification()
        assert (accepted["kind"], accepted["order_id"], accepted["seq"]) == ("accepted", order_id, 1)
        send(guest_there, order_id, "到了联系您")
        message = await landlord_socket.notification()
        assert (message["kind"], message["seq"], message["summary"]) == ("message", 2, "到了联系您")
        # Nothing reached the stranger: asked again, their socket has nothing before `ready`.
        assert await stranger_socket.since(0) == ([], 0)
        for socket in (landlord_socket, guest_socket, stranger_socket):
            socket.connection.close()
        guest_there.close()
        landlord_there.close()
    live(test)


def test_a_socket_that_reconnects_gets_what_it_missed_exactly_once(landlord, guest, house_id):
    async def test():
        socket = await Socket.open(landlord)
        assert await socket.since(0) == ([], 0)
        first = book_ok(guest, house_id, day(1), day(2))
        assert (await socket.notification())["order_id"] == first
        socket.connection.close()  # the page goes away, or the network drops
        missed = [book_ok(guest, house_id, day(4), day(5)), book_ok(guest, house_id, day(7), day(8))]
        socket = await Socket.open(landlord)
        caught_up, seq = await socket.since(1)
        assert [(n["seq"], n["order_id"]) for n in caught_up] == [(2, missed[0]), (3, missed[1])] and seq == 3
        later = book_ok(guest, house_id, day(10), day(11))
        assert [(n["seq"], n["order_id"]) for n in [await socket.notification()]] == [(4, later)]
        # Nothing more arrives: asking from 4 gives nothing before `ready`.
        assert await socket.since(4) == ([], 4)
        socket.connection.close()
    live(test)


def test_a_socket_that_sees_a_number_skip_fetches_the_ones_between(landlord, guest, house_id, db_conn):
    """A notification whose publish was lost (written, never published: as if Redis dropped it)
    reaches the socket as soon as the next one shows the gap."""
    landlord_id = landlord.api("GET", "/api/check_login")["data"]["user_id"]

    async def test():
        socket = await Socket.open(landlord)
        assert await socket.since(0) == ([], 0)
        first = book_ok(guest, house_id, day(1), day(2))
        assert (await socket.notification())["seq"] == 1
        with db_conn.cursor() as cur:
            cur.execute("UPDATE ih_notification_seq SET seq = 2 WHERE user_id = %s", (landlord_id,))
            cur.execute("INSERT INTO ih_notification (user_id, seq, kind, order_id, summary) VALUES"
                        " (%s, 2, 'message', %s, '未发布的')", (landlord_id, first))
        later = book_ok(guest, house_id, day(4), day(5))
        received = [await socket.notification(), await socket.notification()]
        assert [(n["seq"], n["order_id"], n["kind"]) for n in received] == [(2, first, "message"), (3, later, "booked")]
        assert await socket.since(3) == ([], 3)
        socket.connection.close()
    live(test)


def test_logging_out_closes_that_sessions_sockets(landlord, new_client, guest):
    async def test():
        other_browser = new_client()
        other_browser.cookies.update(guest.cookies)
        socket = await Socket.open(guest)
        await socket.since(0)
        guest.api("GET", "/api/logout")
        assert await socket.closed() == 4401
        with pytest.raises(tornado.httpclient.HTTPClientError) as refused:
            await Socket.open(other_browser)  # the same, ended, session
        assert refused.value.code == 401
        landlord_socket = await Socket.open(landlord)  # another user's session is untouched
        assert await landlord_socket.since(0) == ([], 0)
        landlord_socket.connection.close()
    live(test)


def test_a_socket_is_closed_for_an_oversized_or_malformed_message_and_a_user_holds_at_most_10(guest):
    async def test():
        socket = await Socket.open(guest)
        await socket.connection.write_message("x" * 2000)
        assert await socket.closed() == 1009
        socket = await Socket.open(guest)
        await socket.connection.write_message("hello")
        assert await socket.closed() == 4400
        sockets = [await Socket.open(guest) for _ in range(10)]
        for socket in sockets:
            assert await socket.since(0) == ([], 0)
        eleventh = await Socket.open(guest)
        assert await eleventh.closed() == 4029
        sockets[0].connection.close()
        await sockets[0].closed()
        for _ in range(20):  # once the server has seen that close, it counts 9 and takes one more
            again = await Socket.open(guest)
            await again.connection.write_message('{"since": 0}')
            if await again.receive() is not None:
                break
            again.connection.close()
            await asyncio.sleep(0.05)
        assert again.connection.close_code is None
        for socket in [*sockets[1:], again]:
            socket.connection.close()
    live(test)
