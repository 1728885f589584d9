"""`python -m scripts.end_stay <order id>`: let an accepted stay be over now, as if its nights
had passed.

A guest reviews a stay only once its last night is over (README, "Orders"). To show that without
waiting, in a demonstration or the README's walkthrough, this moves the order back in time so
that its last night was yesterday: its dates and its nights in ih_booked_night move by the same
number of days, in one transaction under the house's row lock (held nights are deleted and
inserted again, never updated: the search's counts follow them, migration 0007), and the cached
house pages are retired (the search shows those nights free again). Only an accepted order (status 3) whose stay is not over yet; the
nights it moves onto must be free. It reads the server's options (IHOME_* or --mysql_url,
--redis_url, --timezone, ...).
"""
import asyncio
import datetime

import pymysql
from tornado.options import options, parse_command_line

import config
from models.db import Database
from models.order import WAIT_COMMENT, lock_order
from utils.cache import HOUSES, Cache
from utils.timefmt import SiteClock


async def end_stay(order_id):
    """Move the order's nights back so that the last was yesterday; the new first and last nights."""
    db = await Database.connect(options.mysql_url, 1)
    redis = config.redis_client()
    cache = Cache(redis, db)
    yesterday = SiteClock(options.timezone).today() - datetime.timedelta(days=1)
    try:
        # As every change of a house's held nights (models/order.py): the house's row locked, at
        # READ COMMITTED.
        async with cache.retiring(HOUSES), db.transaction(isolation="READ COMMITTED") as cur:
            order = await lock_order(cur, order_id)
            if order is None:
                raise SystemExit(f"order {order_id} does not exist")
            if order["status"] != WAIT_COMMENT:
                raise SystemExit(f"order {order_id} has status {order['status']}: only an accepted order (3) has a "
                                 "stay to end")
            days = (order["end_date"] - yesterday).days
            if days <= 0:
                raise SystemExit(f"order {order_id}'s stay is already over")
            await cur.execute("UPDATE ih_order SET begin_date = begin_date - INTERVAL %s DAY,"
                              " end_date = end_date - INTERVAL %s DAY WHERE id = %s", (days, days, order_id))
            await cur.execute("SELECT house_id, night - INTERVAL %s DAY AS night, area_id, order_id"
                              " FROM ih_booked_night WHERE order_id = %s", (days, order_id))
            moved = await cur.fetchall()
            await cur.execute("DELETE FROM ih_booked_night WHERE order_id = %s", (order_id,))
            await cur.executemany("INSERT INTO ih_booked_night (house_id, night, area_id, order_id)"
                                  " VALUES (%(house_id)s, %(night)s, %(area_id)s, %(order_id)s)", moved)
    except pymysql.err.IntegrityError:
        raise SystemExit(f"order {order_id}: another order holds some of the nights before it") from None
    finally:
        await redis.aclose()
        await db.close()
    return order["start_date"] - datetime.timedelta(days=days), yesterday


def main():
    arguments = parse_command_line()
    if len(arguments) != 1 or not arguments[0].isascii() or not arguments[0].isdigit():
        raise SystemExit("usage: python -m scripts.end_stay <order id>")
    first, last = asyncio.run(end_stay(int(arguments[0])))
    print(f"order {arguments[0]}: nights {first} to {last}, over; the guest may review it now")


if __name__ == "__main__":
    main()
