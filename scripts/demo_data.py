"""Fill a database with demo data a person would believe: landlords and guests, houses in all 16
districts with that district's landmarks, streets and prices, photos, and a year of orders.

    python -m scripts.demo_data --houses=2000 [--seed=1] [--mysql_url=mysql://root:@127.0.0.1:3306/ihome]

It reads the server's own options (environment or flags: --mysql_url, --redis_url, --redis_sentinels,
--media_backend, --media_root, --media_base_url, --s3_*, --timezone, --pending_order_hours) and
applies the migrations first.

Demo users are the mobiles 19900000001-19900999999. A run replaces what an earlier run made: it
deletes the demo users and everything that is theirs (their houses, the orders on those houses,
their own orders) and loads the new data with the same ids, so the same seed on the same day gives
the same database. When nobody but demo users is left, it empties the tables instead, which is
quick at any size.

The rows are made by set-based SQL, not sent one by one: each is a function of the seed and its
number (a CRC32 of both picks district, landmark, price, stay rules, dates), read from MariaDB's
SEQUENCE tables (`seq_1_to_50000`) and inserted 50,000 houses a statement by two connections side
by side. The texts come from small temporary tables of this file's word lists. Photos are ~20
images drawn once and stored through the server's storage, shared by every house. Needs MariaDB
10.8 or later (the SEQUENCE engine, and CRC32 with two arguments).
"""
import asyncio
import collections
import dataclasses
import datetime
import hashlib
import io
import logging
import random
import sys
import time
import zlib

import aiomysql
import redis.exceptions
from PIL import Image, ImageDraw
from tornado.options import define, options, parse_command_line

import config
from models.db import CONNECT_OPTIONS, parse_mysql_url
from models.house import PHOTO
from models.media import Media
from models.migrate import migrate
from models.order import CANCELED, COMPLETE, REJECTED, WAIT_ACCEPT, WAIT_COMMENT
from models.user import AVATAR
from utils import timefmt
from utils.cache import HOUSES, Cache
from utils.params import ID_CARD_CHECK_CHARS, ID_CARD_WEIGHTS
from utils.passwords import CONTEXT as PASSWORD_CONTEXT

define("houses", default=2000, type=int, help="how many demo houses to load (what an earlier run loaded is replaced)")
define("seed", default=1, type=int, help="random seed: the same seed on the same day gives the same data")

log = logging.getLogger("ihome.demo")

DEMO_PASSWORD = "ihome demo 2024"
DEMO_MOBILE_BLOCK = "19900"  # followed by the user's number in the block, six digits
MAX_HOUSES = 3_000_000  # its landlords and guests must fit the mobile block
HOUSES_PER_LANDLORD = 20
HOUSES_PER_GUEST = 4
CHUNK_HOUSES = 50_000  # houses per INSERT ... SELECT (and per commit)
LOADERS = 2  # connections loading chunks side by side, one per core of the machine it was measured on
DERIVED_TABLE_BYTES = 256 * 1024 * 1024  # the in-memory tables of one chunk's statements
PHOTO_COUNT = 20
FACILITY_KEYS = 32  # more than the facility ids: house * FACILITY_KEYS + facility names one pair
AVATAR_COUNT = 8
# The tables the demo data fills, in the order the rows depend on each other.
DEMO_TABLES = ("ih_user", "ih_house", "ih_house_facility", "ih_house_image", "ih_order", "ih_booked_night")
# Migration 0007's counts and 0018's keyword postings, when the database has them.
SEARCH_INDEX_REBUILDS = ("ih_search_index_rebuild", "ih_house_gram_rebuild")

# Orders: a house with bookings has up to SLOTS stays, one in each stretch of SLOT_DAYS days from
# a start 60-300 days ago. A stay begins within the first SLOT_SPREAD days of its stretch and
# lasts at most LONGEST_STAY nights, so stays never overlap and the last 3 nights of every
# stretch stay free (min_days is at most 3: room for the printed guest's finished stay).
BOOKED_SHARE = 40  # percent of houses with bookings
SLOT_FILLED = 80  # percent of a booked house's stretches with a stay
SLOTS = 6
SLOT_DAYS = 26
SLOT_SPREAD = 10
LONGEST_STAY = 14
DAYS_AHEAD = 90  # the last stay begins at most this many days from today
CATALOGUE_DAYS = 730  # houses were published over the last two years, in id order


@dataclasses.dataclass(frozen=True)
class District:
    area_id: int
    name: str  # as in migration 0002
    share: int  # percent of the houses
    nightly: tuple  # yuan per night of a one-room place: cheapest, dearest
    landmarks: tuple  # each belongs to this district alone
    streets: tuple  # streets, or towns for the rural districts
    kinds: tuple  # names in KINDS


@dataclasses.dataclass(frozen=True)
class Kind:
    rooms: tuple  # fewest, most
    apartment: bool  # an address with building, entrance and flat
    price_percent: int  # of the district's price for its size


KINDS = {
    "四合院": Kind((2, 4), False, 170),
    "胡同小院": Kind((1, 2), False, 120),
    "一居室": Kind((1, 1), True, 100),
    "两居室": Kind((2, 2), True, 100),
    "公寓": Kind((1, 2), True, 95),
    "loft": Kind((1, 1), True, 110),
    "大平层": Kind((3, 4), True, 140),
    "亲子套房": Kind((2, 3), True, 110),
    "酒店式公寓": Kind((1, 1), True, 105),
    "别墅": Kind((3, 5), False, 160),
    "山景民宿": Kind((1, 3), False, 120),
    "农家院": Kind((2, 5), False, 75),
    "湖景民宿": Kind((1, 3), False, 130),
}

DISTRICTS = (
    District(1, "东城区", 7, (380, 900),
             ("南锣鼓巷", "故宫", "王府井", "雍和宫", "簋街", "天坛", "前门", "地坛", "东直门", "崇文门"),
             ("交道口南大街", "鼓楼东大街", "东四北大街", "王府井大街", "东直门内大街", "安定门内大街",
              "帽儿胡同", "史家胡同", "菊儿胡同", "东棉花胡同", "前门东大街", "崇文门外大街"),
             ("四合院", "胡同小院", "一居室", "两居室", "公寓", "loft")),
    District(2, "西城区", 6, (380, 900),
             ("什刹海", "后海", "西单", "金融街", "北海公园", "德胜门", "大栅栏", "西直门", "琉璃厂",
              "陶然亭", "白塔寺"),
             ("德胜门内大街", "地安门西大街", "西单北大街", "金融大街", "阜成门内大街", "西直门内大街",
              "宣武门外大街", "南新华街", "烟袋斜街", "护国寺街", "鼓楼西大街"),
             ("四合院", "胡同小院", "一居室", "两居室", "公寓")),
    District(3, "朝阳区", 15, (300, 800),
             ("三里屯", "国贸", "望京", "798艺术区", "亮马河", "奥林匹克公园", "鸟巢", "朝阳公园",
              "蓝色港湾", "双井", "大望路", "工人体育场"),
             ("三里屯路", "工人体育场北路", "建国门外大街", "东三环中路", "望京街", "阜通东大街",
              "酒仙桥路", "朝阳公园路", "亮马桥路", "北辰西路", "广渠路"),
             ("公寓", "loft", "一居室", "两居室", "大平层", "亲子套房", "酒店式公寓")),
    District(4, "海淀区", 12, (250, 600),
             ("中关村", "五道口", "颐和园", "圆明园", "北京大学", "清华大学", "香山公园", "魏公村",
              "西二旗", "玉渊潭", "国家图书馆"),
             ("中关村大街", "成府路", "颐和园路", "海淀大街", "学院路", "知春路", "北四环西路",
              "西三环北路", "上地信息路", "苏州街", "万泉河路"),
             ("一居室", "两居室", "公寓", "亲子套房", "大平层", "loft")),
    District(5, "昌平区", 7, (150, 380),
             ("回龙观", "天通苑", "十三陵", "小汤山", "居庸关长城", "沙河", "未来科学城", "银山塔林"),
             ("回龙观西大街", "育知东路", "立汤路", "太平庄中街", "政府街", "府学路", "十三陵镇",
              "小汤山镇", "南口镇"),
             ("两居室", "公寓", "别墅", "农家院", "山景民宿")),
    District(6, "丰台区", 8, (180, 450),
             ("丽泽商务区", "北京南站", "卢沟桥", "宛平城", "世界公园", "北京园博园", "方庄", "马家堡",
              "丰台科技园"),
             ("丰台北路", "丽泽路", "马家堡东路", "方庄路", "南三环西路", "西四环南路", "角门路"),
             ("一居室", "两居室", "公寓", "亲子套房")),
    District(7, "房山区", 4, (150, 400),
             ("十渡", "周口店", "良乡大学城", "长阳", "云居寺", "石花洞", "青龙湖", "韩村河"),
             ("拱辰大街", "西潞大街", "政通路", "十渡镇", "周口店镇", "韩村河镇", "青龙湖镇",
              "大石窝镇"),
             ("农家院", "山景民宿", "两居室", "别墅")),
    District(8, "通州区", 8, (200, 550),
             ("北京环球度假区", "大运河森林公园", "宋庄艺术区", "城市副中心", "张家湾古镇", "运河商务区",
              "梨园", "九棵树"),
             ("新华大街", "玉带河大街", "运河东大街", "九棵树西路", "通胡大街", "宋庄镇", "张家湾镇",
              "台湖镇"),
             ("公寓", "两居室", "亲子套房", "大平层", "loft")),
    District(9, "顺义区", 5, (200, 500),
             ("首都机场", "后沙峪", "新国展", "奥林匹克水上公园", "汉石桥湿地", "焦庄户", "顺义新城",
              "中央别墅区"),
             ("裕民大街", "府前街", "新顺南大街", "天竺镇", "后沙峪镇", "马坡镇", "龙湾屯镇", "李桥镇"),
             ("别墅", "两居室", "公寓", "亲子套房")),
    District(10, "大兴区", 7, (160, 420),
             ("大兴国际机场", "北京野生动物园", "亦庄", "南海子公园", "黄村", "西红门", "庞各庄",
              "旧宫"),
             ("兴华大街", "黄村西大街", "荣华南路", "欣宁街", "金星路", "庞各庄镇", "榆垡镇", "瀛海镇",
              "旧宫镇"),
             ("公寓", "两居室", "亲子套房", "别墅")),
    District(11, "怀柔区", 4, (280, 700),
             ("慕田峪长城", "红螺寺", "雁栖湖", "青龙峡", "中影怀柔影视基地", "喇叭沟门", "黄花城水长城",
              "箭扣长城"),
             ("青春路", "迎宾路", "开放路", "雁栖镇", "渤海镇", "九渡河镇", "喇叭沟门满族乡", "怀北镇"),
             ("山景民宿", "农家院", "别墅", "湖景民宿")),
    District(12, "平谷区", 3, (200, 500),
             ("金海湖", "石林峡", "京东大溶洞", "丫髻山", "挂甲峪", "桃花海", "湖洞水", "老象峰"),
             ("新平北路", "林荫北街", "金海湖镇", "黄松峪乡", "大华山镇", "刘家店镇", "山东庄镇"),
             ("农家院", "山景民宿", "湖景民宿", "别墅")),
    District(13, "密云区", 4, (300, 800),
             ("古北水镇", "司马台长城", "密云水库", "云蒙山", "黑龙潭", "南山滑雪场", "清凉谷",
              "雾灵湖"),
             ("古北口镇", "溪翁庄镇", "石城镇", "河南寨镇", "不老屯镇", "穆家峪镇", "太师屯镇"),
             ("山景民宿", "农家院", "别墅", "湖景民宿")),
    District(14, "延庆区", 3, (250, 650),
             ("八达岭长城", "龙庆峡", "北京世园公园", "野鸭湖", "百里山水画廊", "松山", "妫水公园",
              "柳沟"),
             ("妫水北街", "东外大街", "八达岭镇", "旧县镇", "千家店镇", "井庄镇", "张山营镇"),
             ("山景民宿", "农家院", "别墅", "两居室")),
    District(15, "石景山区", 4, (180, 450),
             ("八大处", "首钢园", "石景山游乐园", "模式口", "法海寺", "八宝山", "鲁谷",
              "国际雕塑公园"),
             ("石景山路", "鲁谷路", "古城大街", "阜石路", "模式口大街", "八大处路", "杨庄大街"),
             ("一居室", "两居室", "公寓", "loft")),
    District(16, "门头沟区", 3, (200, 550),
             ("潭柘寺", "戒台寺", "妙峰山", "爨底下村", "灵山", "百花山", "永定河", "门头沟新城"),
             ("新桥大街", "滨河路", "双峪路", "黑山大街", "潭柘寺镇", "斋堂镇", "妙峰山镇", "清水镇"),
             ("山景民宿", "农家院", "两居室", "别墅")),
)

TITLE_WORDS = ("温馨", "安静", "阳光", "精致", "复古", "北欧风", "日式", "轻奢", "新装修", "整套",
               "带露台的", "可做饭的")
# By room count: (unit, guests, beds, smallest and largest m²), two of each.
LAYOUTS = {
    1: (("开间", 2, "大床1张", 25, 40), ("一室一厅", 2, "双人床1张", 35, 55)),
    2: (("两室一厅", 4, "双人床2张", 55, 85), ("两室一厅", 3, "大床1张，单人床1张", 50, 80)),
    3: (("三室一厅", 6, "双人床3张", 85, 120), ("三室两厅", 5, "大床2张，单人床1张", 95, 140)),
    4: (("四室两厅", 8, "双人床3张，单人床2张", 130, 200), ("四室两厅", 7, "大床3张，单人床1张", 120, 180)),
    5: (("五室三厅", 10, "双人床4张，单人床2张", 180, 320), ("五室两厅", 9, "大床4张，单人床1张", 160, 280)),
}
STAY_RULES = ((1, 0), (1, 0), (1, 7), (1, 15), (1, 30), (2, 0), (2, 15), (2, 30), (3, 0), (3, 30))
DEPOSITS = (0, 0, 200, 500, 1000)  # yuan
# Percent of houses with each facility (ids of migration 0002): about 7.7 each.
FACILITY_SHARES = {1: 90, 2: 85, 3: 70, 4: 50, 5: 5, 6: 30, 7: 20, 8: 25, 9: 45, 10: 45, 11: 45, 12: 45,
                   13: 35, 14: 40, 15: 20, 16: 30, 17: 5, 18: 5, 19: 20, 20: 15, 21: 10, 22: 30, 23: 5}
REVIEWS = ("房间干净整洁，房东很热情。", "交通方便，离地铁很近，下次还来。", "和照片一样，性价比很高。",
           "周边吃饭方便，晚上很安静。", "设施齐全，入住体验很好。", "位置好找，房东回复及时。",
           "床很舒服，睡得很好。", "带孩子住很方便，厨房用具齐全。", "房东提前发了入住指引，自助入住很顺利。",
           "隔音一般，其他都挺好。", "窗外风景很好，早上阳光很足。", "热水很足，洗澡很舒服。",
           "房子比照片还好看，推荐！", "朋友聚会住的，空间很大。", "退房时间很灵活，房东人很好。",
           "卫生间有点小，整体满意。", "第二次入住了，依旧很满意。", "停车方便，适合自驾。")
REVIEW_STARS = (5, 5, 5, 5, 4, 4, 4, 4, 3, 5)  # drawn for each review: the reviews are mostly glad
REJECT_REASONS = ("该日期房屋维修", "房东临时有事", "入住人数超出限制", "该日期已线下预订", "暂不接待只住一晚的客人")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛"
GIVEN_NAMES = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
               "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "玉兰", "建国",
               "海燕", "晓东", "子涵", "浩然", "雨桐", "欣怡", "宇轩", "思远", "佳琪", "志强", "美玲")
# A landlord's name: one of these around their surname, then their number (names are unique).
LANDLORD_STYLES = (("", "姐的小院"), ("", "哥民宿"), ("老", "的家"), ("", "阿姨家"), ("", "先生的房子"), ("京城", "管家"))
GUEST_NICKNAMES = ("爱旅行的猫", "周末出游", "背包客", "北漂小李", "京城游客", "带娃去玩", "慢慢走",
                   "看山看水", "吃货小王", "出差狗")


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
    """Into the store the server's options name (the media folder, or the S3 bucket). Keys are
    the content's hash: every run stores (and names) the same files."""
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


def sql_time(moment):
    return f"'{moment:%Y-%m-%d %H:%M:%S}'"


@dataclasses.dataclass(frozen=True)
class Block:
    """The demo rows of one run: how many, where their ids start, and the day they are made for.

    House number n (1..houses) has id house_base + n; its landlord is number 1 + (n - 1) // 20
    and the guests follow the landlords. Every pseudo-random choice is `draw(name, key)`, a
    CRC32 of the seed, the choice's name and a number (the house's, the user's, or one for a
    house and its k-th stay): the same in every statement that needs it, and in every run with
    this seed."""
    seed: int
    houses: int
    user_base: int
    house_base: int
    image_base: int
    order_base: int
    today: datetime.date  # in the site's zone
    midnight: datetime.datetime  # today's start in the site's zone, as naive UTC
    now: datetime.datetime  # naive UTC, to the second
    pending_seconds: int  # how long a landlord has to answer a booking

    @property
    def landlords(self):
        return -(-self.houses // HOUSES_PER_LANDLORD)

    @property
    def guests(self):
        return max(3, self.houses // HOUSES_PER_GUEST)

    def draw(self, name, key):
        """A pseudo-random 32-bit number for the choice `name` about `key` (an SQL integer
        expression). The two-argument CRC32 (MariaDB 10.8) goes on from the checksum of the seed
        and the name, computed here once: a tenth of the cost of checksumming a CONCAT per row."""
        return f"CRC32({zlib.crc32(f'{self.seed},{name},'.encode())}, {key})"

    def published(self, n):
        """When house number `n` (an SQL expression) was published: in id order over the last
        CATALOGUE_DAYS, a few seconds apart at random."""
        start = self.midnight - datetime.timedelta(days=CATALOGUE_DAYS)
        step = max(1, CATALOGUE_DAYS * 86400 // self.houses)
        return (f"{sql_time(start)} + INTERVAL (({n} - 1) * {CATALOGUE_DAYS * 86400} DIV {self.houses}"
                f" + {self.draw('published', n)} % {step}) SECOND")

    def date(self, days_from_today):
        return f"'{self.today + datetime.timedelta(days=days_from_today)}'"

    def users_sql(self):
        """Landlords (verified: a real name and a valid ID number; most with an avatar), then
        guests (half of them still named after their mobile, which others see as 匿名用户).
        Everyone's password hash is @demo_password_hash."""
        d = self.draw
        span = CATALOGUE_DAYS * 86400
        published = self.midnight - datetime.timedelta(days=CATALOGUE_DAYS)
        check_sum = " + ".join(f"SUBSTRING(first17, {i + 1}, 1) * {weight}" for i, weight in enumerate(ID_CARD_WEIGHTS))
        return f"""
INSERT INTO ih_user (id, name, mobile, password_hash, avatar, real_name, id_card, created_at, updated_at)
SELECT {self.user_base} + u.number,
       CASE WHEN u.landlord THEN CONCAT(style.prefix, u.surname, style.suffix, u.number)
            WHEN u.naming % 2 = 0 THEN CONCAT(nick.name, u.number) ELSE u.mobile END,
       u.mobile, @demo_password_hash, IF(u.naming DIV 2 % 100 < IF(u.landlord, 70, 30), avatar.image, NULL),
       IF(u.landlord, CONCAT(u.surname, given.name), NULL),
       IF(u.landlord, CONCAT(u.first17, SUBSTRING('{ID_CARD_CHECK_CHARS}', 1 + ({check_sum}) % 11, 1)), NULL),
       u.created_at, u.created_at
FROM (SELECT seq AS number, seq <= {self.landlords} AS landlord,
             CONCAT('{DEMO_MOBILE_BLOCK}', LPAD(seq, 6, '0')) AS mobile,
             SUBSTRING('{SURNAMES}', 1 + {d('surname', 'seq')} % {len(SURNAMES)}, 1) AS surname,
             {d('naming', 'seq')} AS naming, {d('given name', 'seq')} AS given_name,
             -- birth dates spread over 40 years; the sequence number tells apart those born on one day
             CONCAT('110105', REPLACE('1955-01-01' + INTERVAL (seq * 7919 % 14600) DAY, '-', ''),
                    LPAD(seq DIV 14600, 3, '0')) AS first17,
             IF(seq <= {self.landlords},
                {sql_time(published)} + INTERVAL ((seq - 1) * {HOUSES_PER_LANDLORD} * {span} DIV {self.houses}) SECOND
                    - INTERVAL (3600 + {d('joined', 'seq')} % {60 * 86400}) SECOND,
                {sql_time(self.midnight)}
                    - INTERVAL (400 * 86400 + {d('joined', 'seq')} % {800 * 86400}) SECOND) AS created_at
      FROM seq_1_to_{self.landlords + self.guests}) u
JOIN demo_landlord_style style ON style.n = u.naming % {len(LANDLORD_STYLES)}
JOIN demo_given_name given ON given.n = u.given_name % {len(GIVEN_NAMES)}
JOIN demo_nickname nick ON nick.n = u.given_name % {len(GUEST_NICKNAMES)}
JOIN demo_avatar avatar ON avatar.n = u.naming DIV 200 % {AVATAR_COUNT}"""

    # ---- the statements of one chunk: houses first..last ------------------------------------

    def houses_sql(self, first, last):
        d = self.draw
        return f"""
INSERT INTO ih_house (id, user_id, area_id, title, price, address, room_count, acreage, unit, capacity,
                      beds, deposit, min_days, max_days, order_count, index_image, created_at, updated_at)
SELECT {self.house_base} + h.n, {self.user_base} + 1 + (h.n - 1) DIV {HOUSES_PER_LANDLORD}, h.area_id,
       CONCAT(ELT(1 + h.title % 3, CONCAT('近', l.name, '·'), l.name,
                  CONCAT(l.name, '步行', 3 + h.title DIV 3 % 13, '分钟·')), w.word, h.kind),
       (FLOOR((a.cheapest + h.price % (a.dearest - a.cheapest)) * h.price_percent * (7 + 3 * h.rooms) / 10000) * 10
        - ELT(1 + h.price DIV 1000 % 4, 0, 2, 2, 1)) * 100,
       CONCAT('北京市', a.name, s.name, 1 + h.address % 199, '号',
              IF(h.apartment, CONCAT('院', 1 + h.address DIV 199 % 20, '号楼', 1 + h.address DIV 3980 % 4, '单元',
                                     2 + h.address DIV 15920 % 24, LPAD(1 + h.address DIV 382080 % 4, 2, '0')), '')),
       h.rooms, lay.smallest + h.layout % (lay.largest - lay.smallest + 1), lay.unit, lay.capacity, lay.beds,
       100 * ELT(1 + h.layout DIV 1000 % {len(DEPOSITS)}, {', '.join(map(str, DEPOSITS))}),
       r.min_days, r.max_days, 0, IF(h.photos % 100 < 95, p.image, NULL), h.created_at, h.created_at
FROM (SELECT *, rooms_min + rooms_draw % (rooms_max - rooms_min + 1) AS rooms
      FROM (SELECT s.seq AS n, pick.area_id, {d('title', 's.seq')} AS title, {d('landmark', 's.seq')} AS landmark,
                   {d('title word', 's.seq')} AS title_word, {d('price', 's.seq')} AS price,
                   {d('street', 's.seq')} AS street, {d('address', 's.seq')} AS address,
                   {d('layout', 's.seq')} AS layout, {d('photos', 's.seq')} AS photos,
                   {d('rooms', 's.seq')} AS rooms_draw,
                   {self.published('s.seq')} AS created_at,
                   k.kind, k.rooms_min, k.rooms_max, k.apartment, k.price_percent
            FROM seq_{first}_to_{last} s
            JOIN demo_area_pick pick ON pick.pick = {d('area', 's.seq')} % 100
            JOIN demo_district da ON da.area_id = pick.area_id
            JOIN demo_kind k ON k.area_id = pick.area_id AND k.n = {d('kind', 's.seq')} % da.kinds) draws
     ) h
JOIN demo_district a ON a.area_id = h.area_id
JOIN demo_landmark l ON l.area_id = h.area_id AND l.n = h.landmark % a.landmarks
JOIN demo_street s ON s.area_id = h.area_id AND s.n = h.street % a.streets
JOIN demo_title_word w ON w.n = h.title_word % {len(TITLE_WORDS)}
JOIN demo_layout lay ON lay.rooms = h.rooms AND lay.variant = h.layout DIV 100 % 2
JOIN demo_stay_rule r ON r.n = h.layout DIV 10000 % {len(STAY_RULES)}
JOIN demo_photo p ON p.n = h.photos DIV 400 % {PHOTO_COUNT}"""

    def facilities_sql(self, first, last):
        return f"""
INSERT INTO ih_house_facility (house_id, facility_id)
SELECT {self.house_base} + s.seq, f.facility_id
FROM seq_{first}_to_{last} s JOIN demo_facility_share f
WHERE {self.draw('facility', f's.seq * {FACILITY_KEYS} + f.facility_id')} % 100 < f.share"""

    def facility_bits_sql(self, first, last):
        """The facilities as the bits the search filters on (migration 0015), which the bulk
        load's triggers leave alone."""
        return f"""
UPDATE ih_house h JOIN (SELECT house_id, BIT_OR(1 << facility_id) AS bits FROM ih_house_facility
                        WHERE house_id BETWEEN {self.house_base + first} AND {self.house_base + last}
                        GROUP BY house_id) f ON f.house_id = h.id
SET h.facility_bits = f.bits, h.updated_at = h.updated_at"""

    def images_sql(self, first, last):
        """The house's index image (drawn in houses_sql) and up to three more, 7 apart among the
        photos so that they differ."""
        return f"""
INSERT INTO ih_house_image (id, house_id, image, created_at)
SELECT {self.image_base} + (h.n - 1) * 4 + j.seq + 1, {self.house_base} + h.n, p.image,
       h.published + INTERVAL j.seq MINUTE
FROM (SELECT seq AS n, {self.draw('photos', 'seq')} AS photos, {self.published('seq')} AS published
      FROM seq_{first}_to_{last}) h
JOIN seq_0_to_3 j ON j.seq <= h.photos DIV 100 % 4
JOIN demo_photo p ON p.n = (h.photos DIV 400 + 7 * j.seq) % {PHOTO_COUNT}
WHERE h.photos % 100 < 95"""

    def orders_sql(self, first, last):
        """Past stays reviewed, rejected or cancelled; the stay under way accepted; coming ones
        waiting, accepted or cancelled. A waiting one was placed within the first half of the
        landlord's time to answer, so it stays open for at least the other half."""
        d = self.draw
        midnight = sql_time(self.midnight)
        # A site date's midnight in UTC is TIMESTAMP(date) + utc_shift seconds.
        utc_shift = int((self.midnight - datetime.datetime.combine(self.today, datetime.time())).total_seconds())
        today = self.date(0)
        slot = f"h.n * {SLOTS} + k.seq"
        return f"""
INSERT INTO ih_order (id, user_id, house_id, begin_date, end_date, days, house_price, amount, status, comment,
                      stars, created_at, updated_at)
SELECT id, user_id, house_id, begin_date, end_date, days, price, days * price, status,
       CASE status WHEN {COMPLETE} THEN (SELECT text FROM demo_review WHERE n = chance % {len(REVIEWS)})
                   WHEN {REJECTED} THEN (SELECT text FROM demo_reject_reason WHERE n = chance % {len(REJECT_REASONS)})
       END,
       IF(status = {COMPLETE}, ELT(1 + chance DIV 7 % 10, {', '.join(map(str, REVIEW_STARS))}), NULL),
       created_at,
       CASE status WHEN {WAIT_ACCEPT} THEN created_at
                   WHEN {COMPLETE} THEN LEAST({midnight}, GREATEST(created_at, TIMESTAMP(end_date)
                        + INTERVAL ({86400 + utc_shift + 36000} + chance DIV 100 % 43200) SECOND))
                   ELSE LEAST({midnight}, created_at + INTERVAL (1 + chance DIV 100 % 47) HOUR) END
FROM (SELECT *, GREATEST(house_created, IF(status = {WAIT_ACCEPT},
                    {sql_time(self.now)} - INTERVAL (chance DIV 10 % {max(1, self.pending_seconds // 2)}) SECOND,
                    LEAST({midnight}, TIMESTAMP(begin_date) + INTERVAL {utc_shift} SECOND
                                      - INTERVAL (1 + chance DIV 10 % 30) DAY)
                    - INTERVAL (chance DIV 1000 % 86400) SECOND)) AS created_at
      FROM (SELECT *, begin_date + INTERVAL (days - 1) DAY AS end_date,
                   CASE WHEN begin_date > {today}
                            THEN ELT(1 + chance % 4, {WAIT_ACCEPT}, {WAIT_COMMENT}, {WAIT_COMMENT}, {CANCELED})
                        WHEN begin_date + INTERVAL (days - 1) DAY < {today}
                            THEN ELT(1 + chance % 5, {COMPLETE}, {COMPLETE}, {COMPLETE}, {REJECTED}, {CANCELED})
                        ELSE {WAIT_COMMENT} END + 0 AS status
            FROM (SELECT {self.order_base} + (h.n - 1) * {SLOTS} + k.seq + 1 AS id, h.id AS house_id, h.price,
                         h.created_at AS house_created,
                         {self.user_base + self.landlords} + 1 + {d('guest', slot)} % {self.guests} AS user_id,
                         {d('status', slot)} AS chance,
                         {today} - INTERVAL h.window_days DAY
                             + INTERVAL ({SLOT_DAYS} * k.seq + {d('slot', slot)} % {SLOT_SPREAD}) DAY AS begin_date,
                         LEAST({LONGEST_STAY}, h.min_days + {d('nights', slot)}
                               % (IF(h.max_days = 0, h.min_days + 6, h.max_days) - h.min_days + 1)) AS days
                  FROM (SELECT id, n, price, created_at, min_days, max_days,
                               60 + {d('window', 'n')} % 241 AS window_days
                        FROM (SELECT id, id - {self.house_base} AS n, price, created_at, min_days, max_days
                              FROM ih_house
                              WHERE id BETWEEN {self.house_base + first} AND {self.house_base + last}) house
                        WHERE {d('booked', 'n')} % 100 < {BOOKED_SHARE}) h
                  JOIN seq_0_to_{SLOTS - 1} k
                  WHERE {d('filled', slot)} % 100 < {SLOT_FILLED}) slot
            WHERE begin_date > DATE(house_created) AND begin_date <= {self.date(DAYS_AHEAD)}) stay
     ) placed"""

    def chunk_statements(self):
        """(table, statement of houses first..last), in the order they must run."""
        return [("ih_house", self.houses_sql), ("ih_house_facility", self.facilities_sql),
                ("ih_house facility_bits", self.facility_bits_sql),
                ("ih_house_image", self.images_sql), ("ih_order", self.orders_sql),
                ("ih_booked_night", self.booked_nights_sql), ("ih_house order_count and rating", self.order_count_sql)]

    def order_ids(self, first, last):
        return self.order_base + (first - 1) * SLOTS + 1, self.order_base + last * SLOTS

    def booked_nights_sql(self, first, last):
        low, high = self.order_ids(first, last)
        return f"""
INSERT INTO ih_booked_night (house_id, night, area_id, order_id)
SELECT o.house_id, o.begin_date + INTERVAL night.seq DAY, h.area_id, o.id
FROM ih_order o JOIN ih_house h ON h.id = o.house_id JOIN seq_0_to_{LONGEST_STAY - 1} night ON night.seq < o.days
WHERE o.id BETWEEN {low} AND {high} AND o.status IN ({WAIT_ACCEPT}, {WAIT_COMMENT})"""

    def order_count_sql(self, first, last):
        """Accepted orders and rated reviews per house (its `rating` follows, migration 0014).
        updated_at is set to itself, or ON UPDATE would make it now."""
        low, high = self.order_ids(first, last)
        return f"""
UPDATE ih_house h JOIN (SELECT house_id, COUNT(*) AS accepted, COUNT(stars) AS rated, COALESCE(SUM(stars), 0) AS stars
                        FROM ih_order WHERE id BETWEEN {low} AND {high} AND status IN ({WAIT_COMMENT}, {COMPLETE})
                        GROUP BY house_id) o ON o.house_id = h.id
SET h.order_count = o.accepted, h.rating_count = o.rated, h.rating_sum = o.stars, h.updated_at = h.updated_at"""


# ---- the reference tables the statements join, from the word lists above ---------------------

def reference_rows(photos, avatars):
    kinds = [(district.area_id, n, kind, *KINDS[kind].rooms, KINDS[kind].apartment, KINDS[kind].price_percent)
             for district in DISTRICTS for n, kind in enumerate(district.kinds)]
    picks = [district.area_id for district in DISTRICTS for _ in range(district.share)]
    assert len(picks) == 100, "district shares must add up to 100"
    return {
        "demo_district (area_id INT PRIMARY KEY, name VARCHAR(32), cheapest INT, dearest INT, landmarks INT,"
        " streets INT, kinds INT)":
            [(d.area_id, d.name, *d.nightly, len(d.landmarks), len(d.streets), len(d.kinds)) for d in DISTRICTS],
        "demo_area_pick (pick INT PRIMARY KEY, area_id INT)": list(enumerate(picks)),
        "demo_landmark (area_id INT, n INT, name VARCHAR(32), PRIMARY KEY (area_id, n))":
            [(d.area_id, n, name) for d in DISTRICTS for n, name in enumerate(d.landmarks)],
        "demo_street (area_id INT, n INT, name VARCHAR(32), PRIMARY KEY (area_id, n))":
            [(d.area_id, n, name) for d in DISTRICTS for n, name in enumerate(d.streets)],
        "demo_kind (area_id INT, n INT, kind VARCHAR(32), rooms_min INT, rooms_max INT, apartment BOOL,"
        " price_percent INT, PRIMARY KEY (area_id, n))": kinds,
        "demo_title_word (n INT PRIMARY KEY, word VARCHAR(32))": list(enumerate(TITLE_WORDS)),
        "demo_layout (rooms INT, variant INT, unit VARCHAR(32), capacity INT, beds VARCHAR(64), smallest INT,"
        " largest INT, PRIMARY KEY (rooms, variant))":
            [(rooms, variant, *layout) for rooms, layouts in LAYOUTS.items() for variant, layout in enumerate(layouts)],
        "demo_stay_rule (n INT PRIMARY KEY, min_days INT, max_days INT)":
            [(n, *rule) for n, rule in enumerate(STAY_RULES)],
        "demo_facility_share (facility_id INT PRIMARY KEY, share INT)": list(FACILITY_SHARES.items()),
        "demo_photo (n INT PRIMARY KEY, image VARCHAR(128))": list(enumerate(photos)),
        "demo_review (n INT PRIMARY KEY, text VARCHAR(255))": list(enumerate(REVIEWS)),
        "demo_reject_reason (n INT PRIMARY KEY, text VARCHAR(255))": list(enumerate(REJECT_REASONS)),
        "demo_landlord_style (n INT PRIMARY KEY, prefix VARCHAR(8), suffix VARCHAR(8))":
            [(n, *style) for n, style in enumerate(LANDLORD_STYLES)],
        "demo_given_name (n INT PRIMARY KEY, name VARCHAR(8))": list(enumerate(GIVEN_NAMES)),
        "demo_nickname (n INT PRIMARY KEY, name VARCHAR(16))": list(enumerate(GUEST_NICKNAMES)),
        "demo_avatar (n INT PRIMARY KEY, image VARCHAR(128))": list(enumerate(avatars)),
    }


async def prepare_session(cur, seed, photos, avatars):
    """The word lists as temporary tables, the password hash, and the settings of the load.
    Every session that writes sets @ih_bulk_load: the search index's triggers then skip its
    writes, and the index is rebuilt once at the end (search_index_rebuild)."""
    for definition, rows in reference_rows(photos, avatars).items():
        name = definition.split(" ", 1)[0]
        await cur.execute(f"CREATE TEMPORARY TABLE {definition}"
                          " ENGINE=MEMORY DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci")
        placeholders = ", ".join(["%s"] * len(rows[0]))
        await cur.executemany(f"INSERT INTO {name} VALUES ({placeholders})", rows)
    # One hash for every demo user, salted from the seed so that a second run writes the same.
    salt = hashlib.sha256(f"ihome demo {seed}".encode()).digest()[:16]
    await cur.execute("SET @demo_password_hash = %s",
                      (PASSWORD_CONTEXT.handler().using(salt=salt).hash(DEMO_PASSWORD),))
    # Each step of a statement (a draw, an order's dates, its status) is a column of a derived
    # table that the next level uses several times. Merged into the outer query (the default),
    # MariaDB computes it again at every use: the orders took 1.5 times the CPU. Materialised,
    # each is computed once, in memory.
    await cur.execute("SET SESSION optimizer_switch = 'derived_merge=off',"
                      f" tmp_table_size = {DERIVED_TABLE_BYTES}, max_heap_table_size = {DERIVED_TABLE_BYTES}")
    # Every row refers to rows made before it in this run.
    await cur.execute("SET FOREIGN_KEY_CHECKS = 0")
    # The loaders read the rows they have committed (houses for their orders, orders for their
    # nights) while another inserts the next chunk: under REPEATABLE READ, INSERT ... SELECT
    # would lock the gaps after the rows it reads and make the other loader wait.
    await cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    await cur.execute("SET @ih_bulk_load = 1")


# ---- replacing an earlier run ------------------------------------------------------------------

DEMO_USERS = f"SELECT id FROM ih_user WHERE mobile LIKE '{DEMO_MOBILE_BLOCK}%'"


async def scalar(cur, sql, args=None):
    await cur.execute(sql, args)
    return (await cur.fetchone())[0]


async def tables_referring_to_demo_tables(cur):
    """The demo tables and every table whose rows refer to theirs, directly or through others
    (by a foreign key)."""
    await cur.execute("SELECT table_name, referenced_table_name FROM information_schema.referential_constraints"
                      " WHERE constraint_schema = DATABASE()")
    references = await cur.fetchall()
    found = set(DEMO_TABLES)
    while True:
        more = {table for table, referenced in references if referenced in found} - found
        if not more:
            return found
        found |= more


async def remove_earlier_run(cur):
    """Delete what an earlier run made, with what refers to it; with foreign key checks on, so
    that rows of other tables that refer to demo rows stop the run rather than dangle."""
    if not await scalar(cur, f"SELECT COUNT(*) FROM ih_user WHERE mobile NOT LIKE '{DEMO_MOBILE_BLOCK}%'"):
        # Only demo users: every row of these tables is the demo's, or refers to it.
        await cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        for table in sorted(await tables_referring_to_demo_tables(cur)):
            await cur.execute(f"TRUNCATE TABLE `{table}`")
        # the keyword postings (0018) are houses' rows that no foreign key names
        if await scalar(cur, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"
                             " AND table_name = 'ih_house_gram'"):
            await cur.execute("TRUNCATE TABLE ih_house_gram")
        await cur.execute("SET FOREIGN_KEY_CHECKS = 1")
        return
    # Houses that keep their place but lose orders of demo guests: their counts and ratings are redone.
    await cur.execute("CREATE TEMPORARY TABLE demo_recount (house_id INT UNSIGNED PRIMARY KEY)"
                      f" SELECT DISTINCT o.house_id FROM ih_order o WHERE o.user_id IN ({DEMO_USERS})")
    await cur.execute(f"DELETE FROM ih_order WHERE user_id IN ({DEMO_USERS})"
                      f" OR house_id IN (SELECT id FROM ih_house WHERE user_id IN ({DEMO_USERS}))")
    await cur.execute(f"DELETE FROM ih_house WHERE user_id IN ({DEMO_USERS})")
    await cur.execute(f"DELETE FROM ih_user WHERE mobile LIKE '{DEMO_MOBILE_BLOCK}%'")
    await cur.execute(f"UPDATE ih_house h JOIN demo_recount r ON r.house_id = h.id SET h.order_count ="
                      f" (SELECT COUNT(*) FROM ih_order o WHERE o.house_id = h.id"
                      f"  AND o.status IN ({WAIT_COMMENT}, {COMPLETE})),"
                      f" h.rating_count = (SELECT COUNT(o.stars) FROM ih_order o WHERE o.house_id = h.id),"
                      f" h.rating_sum = (SELECT COALESCE(SUM(o.stars), 0) FROM ih_order o WHERE o.house_id = h.id)")
    await cur.execute("DROP TEMPORARY TABLE demo_recount")


async def plan_block(cur, house_count, seed):
    """The ids continue after what is left once the earlier demo rows are gone."""
    bases = {}
    for table in ("ih_user", "ih_house", "ih_house_image", "ih_order"):
        bases[table] = await scalar(cur, f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    clock = timefmt.SiteClock(options.timezone)
    now = clock.now()
    today = now.date()
    midnight = datetime.datetime.combine(today, datetime.time(), now.tzinfo).astimezone(timefmt.UTC)
    return Block(seed=seed, houses=house_count, user_base=bases["ih_user"], house_base=bases["ih_house"],
                 image_base=bases["ih_house_image"], order_base=bases["ih_order"], today=today,
                 midnight=midnight.replace(tzinfo=None),
                 now=now.astimezone(timefmt.UTC).replace(tzinfo=None, microsecond=0),
                 pending_seconds=int(options.pending_order_hours * 3600))


# ---- what the printed guest can try -------------------------------------------------------------

async def showcase(cur, block):
    """The accounts to try: a house among the first thousand with reviews, its landlord, and a
    finished stay there awaiting the first guest's review, in the free nights just after its
    latest past stay (every stretch ends with at least 3, and min_days is at most 3). Preferred:
    a landlord with a booking to answer, then a recent past stay, then many reviews. Without any
    review yet (a handful of houses), the first landlord and guest."""
    guest_id = block.user_base + block.landlords + 1
    accounts = {"password": DEMO_PASSWORD}
    await cur.execute(
        f"SELECT h.id, past.reviews FROM ih_house h"
        f" JOIN (SELECT house_id, SUM(status = {COMPLETE}) AS reviews, MAX(end_date) AS latest FROM ih_order"
        f"       WHERE house_id BETWEEN {block.house_base + 1} AND {block.house_base + min(block.houses, 1000)}"
        f"       AND end_date < {block.date(-3)} GROUP BY house_id) past ON past.house_id = h.id"
        f" WHERE past.reviews > 0"
        f" ORDER BY EXISTS (SELECT 1 FROM ih_house mine JOIN ih_order waiting ON waiting.house_id = mine.id"
        f"                  WHERE mine.user_id = h.user_id AND waiting.status = {WAIT_ACCEPT}) DESC,"
        f" past.latest >= {block.date(-30)} DESC, past.reviews DESC, h.id LIMIT 1")
    row = await cur.fetchone()
    if row is None:
        await cur.execute("SELECT mobile FROM ih_user WHERE id IN (%s, %s) ORDER BY id",
                          (block.user_base + 1, guest_id))
        accounts["landlord"], accounts["guest"] = [row[0] for row in await cur.fetchall()]
        return accounts
    house_id, reviews = row
    order_id = block.order_base + block.houses * SLOTS + 1
    # The free nights right after the latest past stay: the stay plus min_days nights end before today.
    await cur.execute(
        "SELECT o.end_date + INTERVAL 1 DAY, h.min_days, h.price, h.area_id, h.user_id FROM ih_order o"
        " JOIN ih_house h ON h.id = o.house_id WHERE o.house_id = %s AND o.end_date + INTERVAL h.min_days DAY < %s"
        " ORDER BY o.end_date DESC LIMIT 1", (house_id, block.today))
    first, days, price, area_id, landlord_id = await cur.fetchone()
    last = first + datetime.timedelta(days=days - 1)
    booked = datetime.datetime.combine(first, datetime.time(9)) - datetime.timedelta(days=12)
    await cur.execute(
        "INSERT INTO ih_order (id, user_id, house_id, begin_date, end_date, days, house_price, amount, status,"
        " created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (order_id, guest_id, house_id, first, last, days, price, days * price, WAIT_COMMENT, booked,
         booked + datetime.timedelta(hours=3)))
    await cur.executemany("INSERT INTO ih_booked_night (house_id, night, area_id, order_id) VALUES (%s, %s, %s, %s)",
                          [(house_id, first + datetime.timedelta(days=night), area_id, order_id)
                           for night in range(days)])
    await cur.execute("UPDATE ih_house SET order_count = order_count + 1, updated_at = updated_at WHERE id = %s",
                      (house_id,))
    await cur.execute("SELECT mobile FROM ih_user WHERE id IN (%s, %s) ORDER BY id", (landlord_id, guest_id))
    accounts["landlord"], accounts["guest"] = [row[0] for row in await cur.fetchall()]
    return {**accounts, "house with reviews": house_id, "reviews": reviews, "stay to review": order_id}


# ---- the run -------------------------------------------------------------------------------

class Progress:
    def __init__(self):
        self.started = time.monotonic()

    def elapsed(self):
        return time.monotonic() - self.started

    def note(self, what):
        log.info("%-40s %6.1fs", what, self.elapsed())


async def search_index_rebuild(cur):
    """The search's counts (0007) and keyword postings (0018), rebuilt from the tables once they
    are loaded (the bulk load set @ih_bulk_load, so their triggers did nothing)."""
    for procedure in SEARCH_INDEX_REBUILDS:
        if await scalar(cur, "SELECT COUNT(*) FROM information_schema.routines WHERE routine_schema = DATABASE()"
                             " AND routine_name = %s", (procedure,)):
            await cur.execute(f"CALL {procedure}()")


async def connect():
    return await aiomysql.connect(**parse_mysql_url(options.mysql_url), **CONNECT_OPTIONS)


async def load_houses(block, photos, avatars, progress):
    """Every chunk of houses with what hangs off them, LOADERS chunks at a time; the row counts."""
    rows = collections.Counter()
    chunks = iter(range(1, block.houses + 1, CHUNK_HOUSES))  # shared: each loader takes the next

    async def loader():
        conn = await connect()
        try:
            async with conn.cursor() as cur:
                await prepare_session(cur, block.seed, photos, avatars)
                for first in chunks:
                    last = min(block.houses, first + CHUNK_HOUSES - 1)
                    for table, statement in block.chunk_statements():
                        inserted = await cur.execute(statement(first, last))
                        rows[table] += inserted
                    progress.note(f"houses {first}-{last}")
        finally:
            conn.close()
    async with asyncio.TaskGroup() as loaders:
        for _ in range(LOADERS):
            loaders.create_task(loader())
    return rows


async def load(house_count, seed):
    progress = Progress()
    await migrate(options.mysql_url)
    photos, avatars = await store_images()
    conn = await connect()
    try:
        async with conn.cursor() as cur:
            await cur.execute("SET @ih_bulk_load = 1")
            await remove_earlier_run(cur)
            progress.note("earlier demo data removed")
            block = await plan_block(cur, house_count, seed)
            await prepare_session(cur, seed, photos, avatars)
            # Nothing reads the users before the end: they are loaded beside the houses.
            async with asyncio.TaskGroup() as group:
                users = group.create_task(cur.execute(block.users_sql()))
                houses = group.create_task(load_houses(block, photos, avatars, progress))
            rows = houses.result()
            rows["ih_user"] = users.result()
            accounts = await showcase(cur, block)
            await cur.execute("SET FOREIGN_KEY_CHECKS = 1")
            await search_index_rebuild(cur)
            progress.note("search index rebuilt")
            # Fresh statistics at once, rather than when InnoDB gets round to it: with stale row
            # counts the optimizer can choose poor plans for the first searches.
            await cur.execute(f"ANALYZE TABLE {', '.join(DEMO_TABLES)}")
            await cur.fetchall()
            progress.note("tables analysed")
    finally:
        conn.close()
    await retire_house_caches()
    log.info("loaded %d houses in %.1fs: %s", house_count, progress.elapsed(),
             ", ".join(f"{table} {rows[table]} rows" for table in DEMO_TABLES))
    return accounts


async def retire_house_caches():
    client = config.redis_client()
    try:
        await Cache(client).invalidate(HOUSES)
    except redis.exceptions.RedisError as error:
        log.warning("could not retire the house caches (%s): pages cached in the last hour may show "
                    "the earlier data", error)
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
    if not 1 <= options.houses <= MAX_HOUSES:
        raise SystemExit(f"--houses must be 1 to {MAX_HOUSES}")
    accounts = asyncio.run(load(options.houses, options.seed))
    print("Log in with (README, \"Demo data\"):")
    for key in ("landlord", "guest", "password", "house with reviews", "reviews", "stay to review"):
        if key in accounts:
            print(f"  {key}: {accounts[key]}")


if __name__ == "__main__":
    main()
