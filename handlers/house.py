"""Contract §4.3: areas, publishing, photos, the detail, my houses, the home page and the search."""
import decimal
import re

import orjson

from handlers.base import BaseHandler, login_required
from handlers.upload import UploadHandler
from models import house as houses
from utils import params
from utils.errors import RET, ApiError
from utils.images import prepare_image

MAX_YUAN = decimal.Decimal(1_000_000)
YUAN_RE = re.compile(r"^[0-9]{1,9}(?:\.[0-9]+)?$")
FEN_PER_YUAN = 100
PHOTO_MAX_SIDE = 1600

# (field, smallest, largest) of the whole-number fields of a house
HOUSE_NUMBERS = [("room_count", 1, 100), ("acreage", 1, 100_000), ("capacity", 1, 100),
                 ("min_days", 1, 365)]
HOUSE_TEXTS = [("title", 64), ("address", 512), ("unit", 32), ("beds", 64)]


def fen_param(args, name, *, allow_zero):
    """An amount in yuan (a JSON number or a string, at most two decimals) as integer fen."""
    value = args.get(name)
    if value is None or value == "":
        raise ApiError(RET.PARAMERR, f"缺少参数 {name}")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ApiError(RET.PARAMERR, f"参数 {name} 无效：应为金额")
    # str() of a JSON float is its shortest exact spelling, so 19.99 stays 19.99 and never 19.989999…
    text = str(value).strip()
    if not YUAN_RE.match(text):
        raise ApiError(RET.PARAMERR, f"参数 {name} 无效：应为金额（元），如 199 或 199.50")
    yuan = decimal.Decimal(text)
    if yuan != yuan.quantize(decimal.Decimal("0.01")):
        raise ApiError(RET.PARAMERR, f"参数 {name} 无效：最多两位小数")
    if yuan > MAX_YUAN or (yuan == 0 and not allow_zero):
        raise ApiError(RET.PARAMERR, f"参数 {name} 无效：应{'不小于' if allow_zero else '大于'} 0 且不超过 {MAX_YUAN} 元")
    return int(yuan * FEN_PER_YUAN)


def facility_ids_param(args):
    """The facility ids, unique: a JSON list, a repeated form field, or one value."""
    value = args.get("facility")
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else [value]
    ids = [params.integer({"facility": item}, "facility", minimum=1) for item in items]
    if len(set(ids)) != len(ids):
        raise ApiError(RET.PARAMERR, "参数 facility 无效：设施重复")
    return ids


def search_param(args):
    first, last = params.date(args, "sd", required=False), params.date(args, "ed", required=False)
    first, last = first or last, last or first  # either date alone is a single night
    if first is not None and last < first:
        raise ApiError(RET.PARAMERR, "离店日期不能早于入住日期")
    sort = params.text(args, "sk", required=False, max_len=16) or houses.DEFAULT_SORT
    if sort not in houses.SORT_ORDERS:
        raise ApiError(RET.PARAMERR, f"参数 sk 无效：应为 {' / '.join(houses.SORT_ORDERS)}")
    return houses.Search(area_id=params.integer(args, "aid", required=False, minimum=1),
                         first_night=first, last_night=last, sort=sort,
                         page=params.integer(args, "p", required=False, minimum=1, default=1))


class HouseHandler(BaseHandler):
    def media_url(self, key):
        return self.application.storage.url(key)

    def ok_encoded(self, payload_json, **extra):
        """`ok(**payload, **extra)` for a payload already encoded as a JSON object (a cached one):
        its bytes are spliced into the envelope, never decoded."""
        head = orjson.dumps({"errcode": RET.OK, "errmsg": "OK", **extra})
        self.finish(head[:-1] + b"," + payload_json[1:])


class AreaHandler(HouseHandler):
    async def get(self):
        self.ok_encoded(await houses.cached_areas(self.db, self.redis))


class HouseInfoHandler(HouseHandler):
    async def get(self):
        house_id = params.integer({"house_id": self.query("house_id")}, "house_id", minimum=1)
        data = await houses.cached_detail(self.db, self.redis, self.media_url, house_id)
        session = await self.load_session()
        self.ok_encoded(data, user_id=session["user_id"] if session else -1)

    @login_required
    async def post(self):
        house = {name: params.text(self.args, name, max_len=max_len) for name, max_len in HOUSE_TEXTS}
        house |= {name: params.integer(self.args, name, minimum=low, maximum=high)
                  for name, low, high in HOUSE_NUMBERS}
        house["max_days"] = params.integer(self.args, "max_days", minimum=0, maximum=365)
        if 0 < house["max_days"] < house["min_days"]:
            raise ApiError(RET.PARAMERR, "参数 max_days 无效：应为 0（不限）或不小于 min_days")
        house["area_id"] = params.integer(self.args, "area_id", minimum=1)
        house["price"] = fen_param(self.args, "price", allow_zero=False)
        house["deposit"] = fen_param(self.args, "deposit", allow_zero=True)
        house_id = await houses.publish(self.db, self.redis, self.session["user_id"], house,
                                        facility_ids_param(self.args))
        self.ok("发布成功", house_id=house_id)


class HouseImageHandler(UploadHandler):
    @login_required
    async def post(self):
        house_id = params.integer(self.args, "house_id", minimum=1)
        await houses.check_owner(self.db, self.session["user_id"], house_id)
        image = await prepare_image(self.uploaded_file("house_image"), self.application.cpu_executor,
                                    max_side=PHOTO_MAX_SIDE)
        storage = self.application.storage
        key = await storage.save(image.content, image.extension)
        await houses.add_image(self.db, self.redis, house_id, key)
        self.ok(url=storage.url(key))


class MyHousesHandler(HouseHandler):
    @login_required
    async def get(self):
        self.ok(houses=await houses.landlord_houses(self.db, self.media_url, self.session["user_id"]))


class HomePageHandler(HouseHandler):
    async def get(self):
        self.ok_encoded(await houses.cached_home_page(self.db, self.redis, self.media_url))


class SearchHandler(HouseHandler):
    async def get(self):
        self.ok(**await houses.search(self.db, self.media_url, search_param(self.args)))

    post = get


class CachedSearchHandler(HouseHandler):
    async def get(self):
        self.ok_encoded(await houses.cached_search(self.db, self.redis, self.media_url,
                                                   search_param(self.args)))

    post = get


ROUTES = [
    (r"/api/house/area$", AreaHandler),
    (r"/api/house/info$", HouseInfoHandler),
    (r"/api/house/image$", HouseImageHandler),
    (r"/api/house/my$", MyHousesHandler),
    (r"/api/house/index$", HomePageHandler),
    (r"/api/house/list$", SearchHandler),
    (r"/api/house/list2$", CachedSearchHandler),
]
