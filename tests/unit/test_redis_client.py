"""How the Redis client is named and made (utils/redis_client.py), without a Redis: the sentinel
addresses, and which of Sentinel's failures the service answers as "unreachable" (503 + 4001).
tests/test_sentinel.py fails a real master over."""
import pytest
from redis.asyncio import BlockingConnectionPool
from redis.asyncio.sentinel import MasterNotFoundError, SlaveNotFoundError
from redis.exceptions import ConnectionError as RedisConnectionError

from handlers.base import UNREACHABLE
from utils.redis_client import CONNECT_TIMEOUT, POOL_WAIT, TIMEOUT, connect_redis, parse_sentinels


@pytest.mark.parametrize("text, sentinels", [
    ("", []),
    ("10.0.0.1:26379", [("10.0.0.1", 26379)]),
    (" a.example:26379 , b.example:26380,", [("a.example", 26379), ("b.example", 26380)]),
    ("[::1]:26379", [("::1", 26379)]),
])
def test_sentinel_addresses_are_host_port_pairs(text, sentinels):
    assert parse_sentinels(text) == sentinels


@pytest.mark.parametrize("text", ["10.0.0.1", "10.0.0.1:", ":26379", "h:0", "h:65536", "h:２６３７９", "h:port"])
def test_a_malformed_sentinel_address_is_refused(text):
    with pytest.raises(ValueError, match="host:port"):
        parse_sentinels(text)


@pytest.mark.parametrize("url, master", [("rediss://:pw@/0", "ihome"), ("unix:///run/redis.sock", "ihome"),
                                         ("redis://:pw@/0", "")])
def test_sentinels_need_a_plain_url_and_a_master_name(url, master):
    with pytest.raises(ValueError, match="with sentinels"):
        connect_redis(url, 4, [("127.0.0.1", 26379)], master)


def test_no_master_during_a_failover_is_answered_as_unreachable():
    # The sentinel-managed pool raises these while no master can be named; handlers/base.py
    # answers every UNREACHABLE error 503 + 4001 at once.
    for error in (MasterNotFoundError, SlaveNotFoundError):
        assert issubclass(error, RedisConnectionError)
        assert issubclass(error, UNREACHABLE)


@pytest.mark.parametrize("sentinels", [[], [("127.0.0.1", 26379)]], ids=["url", "sentinel"])
def test_both_clients_have_the_same_blocking_pool_and_one_retry(sentinels):
    client = connect_redis("redis://:secret@127.0.0.1:6379/3", 7, sentinels, "ihome")
    pool = client.connection_pool
    assert isinstance(pool, BlockingConnectionPool)
    assert (pool.max_connections, pool.timeout) == (7, POOL_WAIT)
    options = pool.connection_kwargs
    assert (options["db"], options["password"]) == (3, "secret")
    assert (options["socket_connect_timeout"], options["socket_timeout"]) == (CONNECT_TIMEOUT, TIMEOUT)
    assert options["retry"].get_retries() == 1
