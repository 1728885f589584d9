"""Houses: areas, publishing, photos, the detail, my houses, the home page and the search
(service: `Houses`). Their parameters and answers: docs/openapi.yaml, tag `houses`."""
import string

from handlers.base import BaseHandler, login_required
from handlers.upload import UploadHandler
from models.house import DEFAULT_SORT, NUMBER_FIELDS, SORT_ORDERS, TEXT_FIELDS, Search
from utils import params
from utils.errors import RET, ApiError

# Facility ids are bits of a 64-bit column (migration 0015).
MOST_FACILITIES = 63
KEYWORD_LONGEST = 32
CAPACITY_MOST = next(high for name, _, high in NUMBER_FIELDS if name == "capacity")
# Latin letters match in either case (the collation): one spelling names the cache entry.
LOWER_LATIN = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def price_range(args):
    """price_min..price_max in fen per night, either open; a minimum of 0 is no minimum."""
    most = int(params.MAX_YUAN * params.FEN_PER_YUAN)
    low = params.integer(args, "price_min", required=False, minimum=0, maximum=most) or None
    high = params.integer(args, "price_max", required=False, minimum=0, maximum=most)
    if low is not None and high is not None and high < low:
        raise params.invalid("price_max", "不能小于 price_min")
    return low, high


def search_param(args):
    first, last = params.date(args, "sd", required=False), params.date(args, "ed", required=False)
    first, last = first or last, last or first  # either date alone is a single night
    if first is not None and last < first:
        raise ApiError(RET.PARAMERR, "离店日期不能早于入住日期", param="ed")
    sort = params.text(args, "sk", required=False, max_len=16) or DEFAULT_SORT
    if sort not in SORT_ORDERS:
        raise params.invalid("sk", f"应为 {' / '.join(SORT_ORDERS)}")
    price_min, price_max = price_range(args)
    keyword = params.text(args, "keyword", required=False, max_len=KEYWORD_LONGEST)
    return Search(area_id=params.integer(args, "aid", required=False, minimum=1),
                  first_night=first, last_night=last, sort=sort,
                  page=params.integer(args, "p", required=False, minimum=1, default=1),
                  price_min=price_min, price_max=price_max,
                  capacity=params.integer(args, "capacity", required=False, minimum=1, maximum=CAPACITY_MOST),
                  facilities=params.id_set(args, "facility", most=MOST_FACILITIES),
                  keyword=keyword and keyword.translate(LOWER_LATIN))


class AreaHandler(BaseHandler):
    async def get(self):
        self.ok_encoded(await self.application.houses.cached_areas())


class HouseInfoHandler(BaseHandler):
    async def get(self):
        house_id = params.integer({"house_id": self.query("house_id")}, "house_id", minimum=1)
        data = await self.application.houses.cached_detail(house_id)
        session = await self.load_session()
        hearted = session is not None and await self.application.favourites.hearted(session["user_id"], [house_id])
        self.ok_encoded(data, user_id=session["user_id"] if session else -1, favourite=bool(hearted))

    @login_required
    async def post(self):
        house = {name: params.text(self.args, name, max_len=longest) for name, longest in TEXT_FIELDS}
        house |= {name: params.integer(self.args, name, minimum=low, maximum=high)
                  for name, low, high in NUMBER_FIELDS}
        house["price"] = params.fen(self.args, "price", allow_zero=False)
        house["deposit"] = params.fen(self.args, "deposit", allow_zero=True)
        house_id = await self.application.houses.publish(self.session["user_id"], house,
                                                         params.id_list(self.args, "facility"))
        self.ok("发布成功", house_id=house_id)


class HouseImageHandler(UploadHandler):
    @login_required
    async def post(self):
        house_id = params.integer(self.args, "house_id", minimum=1)
        url = await self.application.houses.add_photo(self.session["user_id"], house_id,
                                                      self.uploaded_file("house_image"))
        self.ok(url=url)


class MyHousesHandler(BaseHandler):
    @login_required
    async def get(self):
        self.ok(houses=await self.application.houses.landlord_houses(self.session["user_id"]))


class TakedownHandler(BaseHandler):
    @login_required
    async def post(self):
        await self.application.houses.take_down(self.session["user_id"],
                                                params.integer(self.args, "house_id", minimum=1))
        self.ok("已下架")


class HomePageHandler(BaseHandler):
    async def get(self):
        self.ok_encoded(await self.application.houses.cached_home_page())


class SearchHandler(BaseHandler):
    async def get(self):
        self.ok(**await self.application.houses.search(search_param(self.args)))

    post = get


class CachedSearchHandler(BaseHandler):
    async def get(self):
        self.ok_encoded(await self.application.houses.cached_search(search_param(self.args)))

    post = get


ROUTES = [
    (r"/api/house/area$", AreaHandler),
    (r"/api/house/info$", HouseInfoHandler),
    (r"/api/house/image$", HouseImageHandler),
    (r"/api/house/my$", MyHousesHandler),
    (r"/api/house/takedown$", TakedownHandler),
    (r"/api/house/index$", HomePageHandler),
    (r"/api/house/list$", SearchHandler),
    (r"/api/house/list2$", CachedSearchHandler),
]
