"""Fill a database with demo data: landlords, guests, houses in every area, photos and orders.

    python -m scripts.demo_data --houses 2000 [--mysql_url=mysql://root:@127.0.0.1:3306/ihome] [--seed=1]

It reads the server's own options (environment or flags: --mysql_url, --redis_url, --redis_sentinels,
--media_backend, --media_root, --media_base_url, --s3_*), applies the migrations first, and adds to
whatever the database holds. Every demo user's mobile starts with 199 and their password is DEMO_PASSWORD. The
photos are ~20 images drawn once and stored through the server's storage (the media folder or the
S3 bucket), shared by all houses. The whole load is one transaction, and the house caches are
retired after it commits.
"""
import asyncio
import datetime
import io
import logging
import random
import sys
import time

import aiomysql
import redis.exceptions
from PIL import Image, ImageDraw
from tornado.options import define, options, parse_command_line

import config
from models.db import CONNECT_OPTIONS, parse_mysql_url
from models.house import PHOTO
from models.media import Media
from models.migrate import migrate
from models.order import ACTIVE, CANCELED, COMPLETE, REJECTED, WAIT_ACCEPT, WAIT_COMMENT
from models.user import AVATAR
from utils import timefmt
from utils.cache import HOUSES, Cache
from utils.params import id_card_check_char
from utils.passwords import CONTEXT as PASSWORD_CONTEXT

define("houses", default=2000, type=int, help="how many demo houses to add")
define("seed", default=1, type=int, help="random seed (same seed, same empty database: same data)")

log = logging.getLogger("ihome.demo")

DEMO_PASSWORD = "ihome demo 2024"
DEMO_MOBILE_PREFIX = "199"
HOUSES_PER_LANDLORD = 20
HOUSES_PER_GUEST = 50
PHOTO_COUNT = 20
AVATAR_COUNT = 8
AREA_COUNT = 16
FACILITY_COUNT = 23
ORDERED_SHARE = 0.4  # of houses that have orders
BATCH_ROWS = 5000

TITLE_PLACES = ["后海", "三里屯", "国贸", "五道口", "中关村", "望京", "798艺术区", "南锣鼓巷", "颐和园",
                "奥林匹克公园", "天坛", "什刹海", "亮马河", "鸟巢", "香山", "古北水镇"]
TITLE_KINDS = ["温馨两居", "阳光一居", "精品公寓", "四合院小院", "loft复式", "江景大床房", "亲子套房",
               "北欧风单间", "近地铁整租", "设计师民宿"]
UNITS = ["一室一厅", "两室一厅", "三室一厅", "三室两厅", "开间", "四室两厅"]
BEDS = ["双人床1张", "双人床2张", "大床1张，单人床1张", "榻榻米", "上下铺2张", "单人床2张"]
STREETS = ["胡同", "路", "街", "大街", "里", "巷"]
REVIEWS = ["房间干净整洁，房东很热情。", "交通方便，离地铁很近，下次还来。", "和照片一样，性价比很高。",
           "周边吃饭方便，晚上很安静。", "设施齐全，入住体验很好。", "位置好找，房东回复及时。"]
REJECT_REASONS = ["该日期房屋维修", "房东临时有事", "入住人数超出限制"]
GUEST_NAMES = ["旅行者", "背包客", "小李", "周末出游", "爱家租客", "北漂"]


def id_card(serial):
    """A valid mainland ID number, distinct for each serial: birth date and sequence encode it."""
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=serial // 1000)
    first17 = f"110105{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + id_card_check_char(first17)


def draw_photo(number, size=(800, 600)):
    """A picture of a house, different for each number, as JPEG bytes."""
    rng = random.Random(number)
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    sky, ground = [tuple(rng.randrange(40, 230) for _ in range(3)) for _ in range(2)]
    for y in range(height):
        share = y / height
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * share) for a, b in zip(sky, ground)))
    left, top = rng.randrange(60, 300), rng.randrange(200, 320)
    right, bottom = left + rng.randrange(260, 440), height - rng.randrange(40, 100)
    wall = tuple(rng.randrange(120, 255) for _ in range(3))
    draw.rectangle([left, top, right, bottom], fill=wall)
    draw.polygon([(left - 30, top), ((left + right) // 2, top - rng.randrange(80, 160)), (right + 30, top)],
                 fill=tuple(rng.randrange(60, 200) for _ in range(3)))
    for column in range(rng.randrange(2, 5)):
        x = left + 30 + column * 70
        if x + 40 < right:
            draw.rectangle([x, top + 40, x + 40, top + 90], fill=(250, 240, 180))
    door_x = (left + right) // 2 - 25
    draw.rectangle([door_x, bottom - 100, door_x + 50, bottom], fill=(90, 60, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def draw_avatar(number, side=256):
    rng = random.Random(1000 + number)
    image = Image.new("RGB", (side, side), tuple(rng.randrange(150, 255) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    face = tuple(rng.randrange(60, 200) for _ in range(3))
    draw.ellipse([side * 0.3, side * 0.15, side * 0.7, side * 0.55], fill=face)
    draw.ellipse([side * 0.15, side * 0.6, side * 0.85, side * 1.2], fill=face)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


async def store_images():
    """Into the store the server's options name (the media folder, or the S3 bucket)."""
    storage = config.media_storage()
    await storage.start()
    media = Media(None, storage, None, max_image_bytes=options.max_image_bytes, image_decoders=1,
                  uploads_per_hour=0)
    try:
        photos = [await storage.save(draw_photo(n), "jpg") for n in range(PHOTO_COUNT)]
        avatars = [await storage.save(draw_avatar(n), "jpg") for n in range(AVATAR_COUNT)]
        for keys, use in ((photos, PHOTO), (avatars, AVATAR)):
            for key in keys:
                await media.add_thumbnails(key, use)
    finally:
        await storage.close()
    return photos, avatars


class DemoData:
    """The rows to insert, generated in memory with ids continuing the database's own."""

    def __init__(self, rng, first_ids, first_mobile, photos, avatars, house_count):
        self.rng = rng
        self.next_id = dict(first_ids)
        self.next_mobile = first_mobile
        self.photos, self.avatars = photos, avatars
        self.now = datetime.datetime.now(timefmt.UTC).replace(tzinfo=None, microsecond=0)
        self.today = timefmt.SiteClock(options.timezone).today()
        self.password_hash = PASSWORD_CONTEXT.hash(DEMO_PASSWORD)
        self.rows = {table: [] for table in COLUMNS}
        landlords = [self.add_user(landlord=True)
                     for _ in range(max(1, house_count // HOUSES_PER_LANDLORD))]
        self.guests = [self.add_user(landlord=False)
                       for _ in range(max(3, house_count // HOUSES_PER_GUEST))]
        for number in range(house_count):
            self.add_house(landlords[number % len(landlords)], area_id=1 + number % AREA_COUNT)

    def take_id(self, table):
        self.next_id[table] += 1
        return self.next_id[table] - 1

    def add_user(self, landlord):
        user_id = self.take_id("ih_user")
        mobile = f"{DEMO_MOBILE_PREFIX}{self.next_mobile:08d}"
        self.next_mobile += 1
        rng = self.rng
        if landlord:
            name, real_name, card = f"房东{mobile[3:]}", "演示房东", id_card(int(mobile[3:]))
            avatar = rng.choice(self.avatars) if rng.random() < 0.6 else None
        else:
            # a guest still named after their mobile is shown as 匿名用户 under their reviews
            name = f"{rng.choice(GUEST_NAMES)}{mobile[3:]}" if rng.random() < 0.5 else mobile
            real_name = card = avatar = None
        created = self.now - datetime.timedelta(days=rng.randrange(400, 800))
        self.rows["ih_user"].append((user_id, name, mobile, self.password_hash, avatar, real_name, card,
                                     created, created))
        return user_id

    def add_house(self, landlord_id, area_id):
        rng = self.rng
        house_id = self.take_id("ih_house")
        min_days = rng.choice([1, 1, 1, 2, 3])
        max_days = rng.choice([0, 0, 7, 15, 30])
        max_days = max_days and max(max_days, min_days)
        price = rng.randrange(80, 1500) * 100 + rng.choice([0, 0, 50, 99])
        photos = rng.sample(self.photos, rng.randrange(1, 5)) if rng.random() < 0.95 else []
        created = self.now - datetime.timedelta(seconds=rng.randrange(0, 730 * 24 * 3600))
        orders = (self.add_orders(house_id, area_id, price, min_days, max_days, created)
                  if rng.random() < ORDERED_SHARE else [])
        title = rng.choice(TITLE_PLACES) + rng.choice(TITLE_KINDS)
        address = (f"北京市{rng.choice(TITLE_PLACES)}{rng.randrange(1, 300)}号"
                   f"{rng.choice(STREETS)}{rng.randrange(1, 40)}号")
        self.rows["ih_house"].append((
            house_id, landlord_id, area_id, title, price, address, rng.randrange(1, 6),
            rng.randrange(15, 220), rng.choice(UNITS), rng.randrange(1, 9), rng.choice(BEDS),
            rng.choice([0, 20000, 50000, 100000]),
            min_days, max_days, sum(status in (WAIT_COMMENT, COMPLETE) for status in orders),
            photos[0] if photos else None, created, created))
        facilities = rng.sample(range(1, FACILITY_COUNT + 1), rng.randrange(3, 12))
        self.rows["ih_house_facility"] += [(house_id, facility) for facility in sorted(facilities)]
        self.rows["ih_house_image"] += [(self.take_id("ih_house_image"), house_id, key, created)
                                        for key in photos]

    def stay_days(self, min_days, max_days):
        return self.rng.randrange(min_days, (max_days or min_days + 6) + 1)

    def add_orders(self, house_id, area_id, price, min_days, max_days, house_created):
        """Past orders (reviewed, cancelled, rejected) and upcoming ones (waiting, accepted) that
        never share a night; returns their statuses."""
        rng = self.rng
        statuses = []
        start = max(self.today - datetime.timedelta(days=rng.randrange(60, 300)),
                    house_created.date() + datetime.timedelta(days=1))
        while start < self.today + datetime.timedelta(days=90) and len(statuses) < 6:
            days = self.stay_days(min_days, max_days)
            end = start + datetime.timedelta(days=days - 1)
            if end >= self.today + datetime.timedelta(days=120):
                break
            if start > self.today:
                status = rng.choice([WAIT_ACCEPT, WAIT_COMMENT, WAIT_COMMENT, CANCELED])
            elif end < self.today:
                status = rng.choice([COMPLETE, COMPLETE, COMPLETE, REJECTED, CANCELED])
            else:
                status = WAIT_COMMENT  # a stay in progress: accepted, not reviewed yet
            order_id = self.take_id("ih_order")
            if status == WAIT_ACCEPT:  # within the landlord's time to answer, or it would have expired
                answer_within = max(1, int(options.pending_order_hours * 3600))
                created = self.now - datetime.timedelta(seconds=rng.randrange(answer_within))
            else:
                created = (datetime.datetime.combine(start, datetime.time())
                           - datetime.timedelta(days=rng.randrange(1, 30)))
            created = max(house_created, created)
            comment = (rng.choice(REVIEWS) if status == COMPLETE
                       else rng.choice(REJECT_REASONS) if status == REJECTED else None)
            updated = (datetime.datetime.combine(end, datetime.time(12)) if status == COMPLETE
                       else created + datetime.timedelta(hours=rng.randrange(1, 48)))
            self.rows["ih_order"].append((order_id, rng.choice(self.guests), house_id, start, end, days,
                                          price, days * price, status, comment, created,
                                          min(updated, self.now)))
            if status in ACTIVE:
                self.rows["ih_booked_night"] += [
                    (house_id, start + datetime.timedelta(days=night), area_id, order_id)
                    for night in range(days)]
            statuses.append(status)
            start = end + datetime.timedelta(days=rng.randrange(1, 25))
        return statuses


COLUMNS = {  # in insertion order, which the foreign keys need
    "ih_user": ("id", "name", "mobile", "password_hash", "avatar", "real_name", "id_card", "created_at",
                "updated_at"),
    "ih_house": ("id", "user_id", "area_id", "title", "price", "address", "room_count", "acreage", "unit",
                 "capacity", "beds", "deposit", "min_days", "max_days", "order_count", "index_image",
                 "created_at", "updated_at"),
    "ih_house_facility": ("house_id", "facility_id"),
    "ih_house_image": ("id", "house_id", "image", "created_at"),
    "ih_order": ("id", "user_id", "house_id", "begin_date", "end_date", "days", "house_price", "amount",
                 "status", "comment", "created_at", "updated_at"),
    "ih_booked_night": ("house_id", "night", "area_id", "order_id"),
}


def insert_sql(table):
    columns = COLUMNS[table]
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"


async def next_values(cur):
    """The first free id of each table with generated ids, and the first free demo mobile number."""
    first_ids = {}
    for table in ("ih_user", "ih_house", "ih_house_image", "ih_order"):
        await cur.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        first_ids[table] = (await cur.fetchone())[0]
    await cur.execute("SELECT MAX(mobile) FROM ih_user WHERE mobile LIKE %s",
                      (DEMO_MOBILE_PREFIX + "%",))
    last_mobile = (await cur.fetchone())[0]
    return first_ids, int(last_mobile[len(DEMO_MOBILE_PREFIX):]) + 1 if last_mobile else 1


async def load(house_count, seed):
    started = time.monotonic()
    await migrate(options.mysql_url)
    photos, avatars = await store_images()
    conn = await aiomysql.connect(**parse_mysql_url(options.mysql_url),
                                  **{**CONNECT_OPTIONS, "autocommit": False})
    try:
        async with conn.cursor() as cur:
            first_ids, first_mobile = await next_values(cur)
            data = DemoData(random.Random(seed), first_ids, first_mobile, photos, avatars, house_count)
            log.info("generated in %.1fs", time.monotonic() - started)
            for table, rows in data.rows.items():
                for start in range(0, len(rows), BATCH_ROWS):
                    await cur.executemany(insert_sql(table), rows[start:start + BATCH_ROWS])
                log.info("%-18s %8d rows  (%.1fs)", table, len(rows), time.monotonic() - started)
        await conn.commit()
        async with conn.cursor() as cur:
            # Fresh statistics at once, rather than when InnoDB gets round to it: with stale row
            # counts the optimizer can choose poor plans for the first searches.
            await cur.execute(f"ANALYZE TABLE {', '.join(COLUMNS)}")
            await cur.fetchall()
    finally:
        conn.close()
    await retire_house_caches()
    users = data.rows["ih_user"]
    log.info("added %d houses and %d users in %.1fs; log in as %s (a landlord) or %s (a guest), password %r",
             house_count, len(users), time.monotonic() - started, users[0][2], users[-1][2], DEMO_PASSWORD)


async def retire_house_caches():
    client = config.redis_client()
    try:
        await Cache(client).invalidate(HOUSES)
    except redis.exceptions.RedisError as error:
        log.warning("could not retire the house caches (%s): pages cached in the last hour may miss "
                    "the demo houses", error)
    finally:
        await client.aclose()


def equals_form(argv):
    """`--name value` as `--name=value`, the only form tornado.options reads."""
    joined = []
    for arg in argv:
        previous = joined[-1] if joined else ""
        if previous.startswith("--") and "=" not in previous and not arg.startswith("-"):
            joined[-1] = f"{previous}={arg}"
        else:
            joined.append(arg)
    return joined


def main():
    parse_command_line(equals_form(sys.argv))
    if options.houses < 1:
        raise SystemExit("--houses must be at least 1")
    asyncio.run(load(options.houses, options.seed))


if __name__ == "__main__":
    main()
