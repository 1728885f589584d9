"""Reads on a MariaDB read replica (--mysql_replica_url), against real servers: a private
primary with a GTID binary log, a private replica following it, a private Redis, and two iHome
processes on them, so that one process reads at once what the other wrote.

Which server answered is told by rows written on the replica alone (it keeps no binary log, so
they never reach the primary): an answer that shows them came from the replica."""
import contextlib
import signal
import time

import pytest

from tests.conftest import ServerProcess
from tests.helpers import (GUEST_MOBILE, LANDLORD_MOBILE, book_ok, day, detail, my_orders, publish_house,
                           register, search, verify_identity)
from tests.stores import PrivateMariaDB, PrivateRedis, replicated_mariadb

DATABASE = "ihome_test_replica"
REPLICA_ONLY = 900000  # the id of the area, house and order that only the replica holds
RECOVERY_POLLS = 40  # 0.25 s apart: the replica rests 5 s after it failed


class ReplicatedSite:
    """Two iHome processes reading from the replica and writing to the primary, a landlord
    logged in on the first (`writer`), and a guest and an anonymous visitor on the second."""

    def __init__(self, new_client):
        self.new_client = new_client

    def __enter__(self):
        self.stack = contextlib.ExitStack()
        try:
            self.start()
        except BaseException:
            self.stack.close()  # `with` calls no __exit__ when __enter__ fails
            raise
        return self

    def start(self):
        self.primary, self.replica = self.stack.enter_context(replicated_mariadb("replica"))
        self.redis = self.stack.enter_context(PrivateRedis("replica"))
        self.servers = []
        for name in ("replica-a", "replica-b"):
            server = ServerProcess(name, database=DATABASE, IHOME_MYSQL_URL=self.primary.url(DATABASE),
                                   IHOME_MYSQL_REPLICA_URL=self.replica.url(DATABASE),
                                   IHOME_REDIS_URL=self.redis.url).start()
            self.stack.callback(self.stop_server, server)
            self.servers.append(server)
        for server in self.servers:
            server.wait_ready()
        self.store = self.stack.enter_context(self.redis.client())
        self.writer = self.new_client(self.servers[0].url)
        register(self.writer, self.store, LANDLORD_MOBILE)
        verify_identity(self.writer)
        self.guest = self.new_client(self.servers[1].url)
        self.guest_id = register(self.guest, self.store, GUEST_MOBILE)["user_id"]
        self.visitor = self.new_client(self.servers[1].url)

    @staticmethod
    def stop_server(server):
        assert server.stop() == 0, f"the server did not stop cleanly; see {server.log_path}"

    def __exit__(self, *exc):
        self.stack.close()

    def write_on_replica_only(self, landlord_id):
        """An area, a house with a photo (first on the home page) and a guest's order that only
        the replica holds."""
        self.replica.catch_up_with(self.primary)  # the landlord and the guest are there too
        for sql, args in [
                ("INSERT INTO ih_area (id, name) VALUES (%s, '从库区')", (REPLICA_ONLY,)),
                ("INSERT INTO ih_house (id, user_id, area_id, title, price, address, room_count, acreage,"
                 " unit, capacity, beds, deposit, min_days, max_days, order_count, index_image) VALUES"
                 " (%s, %s, %s, '只在从库上的房子', 100, '从库路1号', 1, 20, '一室', 1, '单人床1张', 0, 1, 0,"
                 " 1000, 'replica-only.jpg')", (REPLICA_ONLY, landlord_id, REPLICA_ONLY)),
                ("INSERT INTO ih_order (id, user_id, house_id, begin_date, end_date, days, house_price, amount,"
                 " status) VALUES (%s, %s, %s, CURDATE(), CURDATE(), 1, 100, 100, 4)",
                 (REPLICA_ONLY, self.guest_id, REPLICA_ONLY))]:
            self.replica.query(sql, args, database=DATABASE)


def listed(client, path="/api/house/list"):
    body = search(client, path)
    assert body["errcode"] == "0", body
    return {house["house_id"] for house in body["data"]}


def ordered(client):
    return {order["order_id"] for order in my_orders(client)}


def served_by_the_replica_again(client):
    """Whether the client's server reads the uncached search from the replica, asked until it
    does (the replica rests 5 s after it failed) or RECOVERY_POLLS times."""
    for _ in range(RECOVERY_POLLS):
        if REPLICA_ONLY in listed(client):
            return True
        time.sleep(0.25)
    return False


@contextlib.contextmanager
def frozen(store_server):
    """The server stopped (SIGSTOP) but not gone: connections stay open and nothing answers,
    like a host cut off from the network."""
    store_server.process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        store_server.process.send_signal(signal.SIGCONT)


@pytest.fixture
def site(new_client):
    with ReplicatedSite(new_client) as replicated:
        yield replicated


def test_reads_go_to_the_replica_never_miss_a_write_and_survive_its_loss(site):
    landlord_id = site.writer.api("GET", "/api/check_login")["data"]["user_id"]
    first_house = publish_house(site.writer)
    site.write_on_replica_only(landlord_id)

    # In step: every read the replica may serve comes from it, in both processes.
    for client in (site.visitor, site.writer):
        assert listed(client) == listed(client, "/api/house/list2") == {first_house, REPLICA_ONLY}
        assert detail(client, REPLICA_ONLY)["data"]["title"] == "只在从库上的房子"
        assert REPLICA_ONLY in {area["area_id"] for area in client.api("GET", "/api/house/area")["data"]}
        assert client.api("GET", "/api/house/index")["houses"][0]["house_id"] == REPLICA_ONLY
    assert ordered(site.guest) == {REPLICA_ONLY}
    # A write read at once in the other process, replication running: seen, whoever serves it.
    second_house = publish_house(site.writer, title="刚发布的房子")
    assert second_house in listed(site.visitor)
    assert detail(site.visitor, second_house)["data"]["title"] == "刚发布的房子"
    first_order = book_ok(site.guest, first_house, day(1), day(1))
    assert first_order in ordered(site.guest)
    houses = {first_house, second_house}

    # The replica frozen: no request hangs on it, each is served by the primary.
    with frozen(site.replica):
        for client in (site.visitor, site.writer):
            assert listed(client) == houses
            assert detail(client, first_house)["errcode"] == "0"
        assert ordered(site.guest) == {first_order}
    assert served_by_the_replica_again(site.visitor)

    # The replica killed: every request succeeds, served by the primary.
    site.replica.kill()
    for client in (site.visitor, site.writer):
        assert listed(client) == listed(client, "/api/house/list2") == houses
        assert detail(client, first_house)["errcode"] == "0"
    second_order = book_ok(site.guest, first_house, day(2), day(2))
    assert ordered(site.guest) == {first_order, second_order}
    houses.add(publish_house(site.writer, title="从库停机时发布的房子"))
    assert listed(site.visitor) == houses

    # Back up, it catches up and serves the reads again once its rest is over.
    site.replica.start()
    assert served_by_the_replica_again(site.visitor)
    assert listed(site.visitor) == houses | {REPLICA_ONLY}

    # Replication held back: a write made in one process and read at once in the other is
    # there, read from the primary once the replica has not applied it within the wait.
    site.replica.query("STOP SLAVE SQL_THREAD")
    new_house = publish_house(site.writer, title="从库还没有的房子")
    new_order = book_ok(site.guest, second_house, day(3), day(3))
    assert listed(site.visitor) == houses | {new_house}
    assert detail(site.visitor, new_house)["data"]["title"] == "从库还没有的房子"
    assert new_house in listed(site.visitor, "/api/house/list2")
    assert ordered(site.guest) == {first_order, second_order, new_order}
    assert site.replica.query("SELECT COUNT(*) FROM ih_house WHERE id = %s", (new_house,), DATABASE) == ((0,),)


def test_a_replica_needs_a_primary_that_logs_gtids():
    """Without the primary's binary log no write has a position to wait for: start-up refuses."""
    with PrivateMariaDB("replica-no-binlog") as primary:
        server = ServerProcess("replica-no-binlog", database=DATABASE, IHOME_MYSQL_URL=primary.url(DATABASE),
                               IHOME_MYSQL_REPLICA_URL=primary.url(DATABASE)).start()
        try:
            assert server.process.wait(timeout=60) != 0
        finally:
            server.stop()
    assert "--mysql_replica_url needs the primary's binary log" in server.log_path.read_text()
