"""Houses: publishing, photos, the detail, the home page and the search, and the never-stale
Redis caches in front of them. Money is integer fen here; images leave as full URLs.
"""
import asyncio
import dataclasses
import datetime

import orjson

from models.media import AVATAR_THUMBNAIL, CARD_THUMBNAIL, ROW_THUMBNAIL
from models.order import ACTIVE, COMPLETE, REVIEW_TIME
from models.review import rating_of
from models.user import public_name
from utils.cache import HOUSES, Uncached
from utils.errors import HOUSE_GONE, RET, ApiError
from utils.images import ImageUse

# Each order is served by an index of ih_house, one for a district and one for all (0007),
# that also holds the stay rule; the id breaks ties.
SORT_ORDERS = {
    "new": ("h.created_at DESC, h.id DESC", "new"),
    "booking": ("h.order_count DESC, h.id DESC", "booking"),
    "price-inc": ("h.price ASC, h.id ASC", "price"),
    "price-des": ("h.price DESC, h.id DESC", "price"),
    "rating-des": ("h.rating DESC, h.id DESC", "rating"),  # unrated houses (0) last
}
DEFAULT_SORT = "new"
HOME_PAGE_HOUSES = 5
DETAIL_COMMENTS = 30
# Stored at most 1600 px on a side. Decoding up to 4096 x 4096 still takes a screenshot of any
# screen up to 5K; a camera JPEG (up to 40 million pixels) is decoded at 1/2 to 1/8 scale and passes.
PHOTO = ImageUse("house_image", max_side=1600, max_decoded_pixels=4096 * 4096,
                 thumbnails=(ROW_THUMBNAIL, CARD_THUMBNAIL))

# The fields of a house as published: (name, longest) texts and (name, smallest, largest) numbers.
TEXT_FIELDS = [("title", 64), ("address", 512), ("unit", 32), ("beds", 64)]
NUMBER_FIELDS = [("room_count", 1, 100), ("acreage", 1, 100_000), ("capacity", 1, 100),
                 ("min_days", 1, 365), ("max_days", 0, 365), ("area_id", 1, None)]


@dataclasses.dataclass(frozen=True)
class Search:
    """A validated search: the area, the nights first..last (both or neither), order, page, and
    the filters: the listed price per night in fen (price_min..price_max, either open), at
    least `capacity` guests, every one of `facilities` (sorted ids), and `keyword` in the title
    or the address (trimmed, Latin letters in lower case)."""
    area_id: int | None
    first_night: datetime.date | None
    last_night: datetime.date | None
    sort: str
    page: int
    price_min: int | None = None
    price_max: int | None = None
    capacity: int | None = None
    facilities: tuple[int, ...] = ()
    keyword: str | None = None

    @property
    def nights(self):
        return (self.last_night - self.first_night).days + 1

    @property
    def filtered(self):
        return bool(self.price_min is not None or self.price_max is not None or self.capacity is not None
                    or self.facilities or self.keyword is not None)

    def cache_name(self, page_size):
        nights = f"{self.first_night}..{self.last_night}" if self.first_night else ""
        name = f"search:{self.area_id or ''}:{nights}:{self.sort}:{self.page}:{page_size}"
        if not self.filtered:
            return name
        # The keyword goes last, so that no keyword (which may hold a colon) reads as other fields.
        price = f"{'' if self.price_min is None else self.price_min}..{'' if self.price_max is None else self.price_max}"
        return (f"{name}:{price}:{self.capacity or ''}:{','.join(map(str, self.facilities))}:"
                f"{self.keyword or ''}")


def stay_fits(table, days):
    """The condition that the stay rule of `table`'s rows admits a stay of `days` nights."""
    return f"{table}.min_days <= {days:d} AND ({table}.max_days = 0 OR {table}.max_days >= {days:d})"


def facility_bits(facility_ids):
    """The facilities as ih_house.facility_bits holds them (migration 0015)."""
    return sum(1 << facility_id for facility_id in facility_ids)


def escaped(text):
    """`text` in a LIKE pattern with ESCAPE '!': its % and _ taken literally."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def like_pattern(text):
    """A LIKE pattern (with ESCAPE '!') matching `text` anywhere."""
    return f"%{escaped(text)}%"


# A keyword is looked for through its grams (migration 0018): the houses holding its rarest gram,
# each probed for every other by primary key, rarest first, then checked with the LIKE of
# filter_conditions. Probing them all is cheaper than reading the row of a house that one of
# them would have dropped (docs/performance-analysis.md, "Keyword search").
def keyword_grams(keyword):
    """The grams every title or address holding `keyword` holds (0018): its distinct bigrams,
    or a gram beginning with it, for a single character."""
    if len(keyword) == 1:
        return [keyword]
    return list(dict.fromkeys(keyword[i:i + 2] for i in range(len(keyword) - 1)))


def gram_condition(table, gram):
    """The condition, and its argument, that a posting of `table` is of `gram`."""
    if len(gram) == 1:
        return f"{table}.gram LIKE %s ESCAPE '!'", escaped(gram) + "%"
    return f"{table}.gram = %s", gram


def gram_counts_query(query, grams, most):
    """The SQL and arguments of how many postings each of `grams` has in the search's district
    (all, without one), up to `most`, as `houses` by `piece`, its place in `grams`; and, as
    piece -1, how many listed houses the district has (0007's counts)."""
    in_area = " AND area_id = %s" if query.area_id is not None else ""
    area_args = [query.area_id] if query.area_id is not None else []
    parts = [f"SELECT -1 AS piece, COALESCE(SUM(houses), 0) AS houses FROM ih_search_rule WHERE TRUE{in_area}"]
    args = [*area_args]
    for piece, gram in enumerate(grams):
        condition, arg = gram_condition("g", gram)
        parts.append(f"SELECT {piece:d}, COUNT(*) FROM (SELECT 1 FROM ih_house_gram g WHERE {condition}{in_area}"
                     f" LIMIT {most:d}) p")
        args += [arg, *area_args]
    return " UNION ALL ".join(parts), args


@dataclasses.dataclass(frozen=True)
class KeywordPlan:
    """How a search finds its keyword's houses: the grams to probe, rarest first, the rarest's
    postings in the district (counted up to Houses.keyword_houses) and the district's listed houses."""
    grams: tuple[str, ...]
    postings: int
    houses: int

    def walks(self, query, page_size, found):
        """Whether the page is found along the sort index rather than among the candidates,
        given the `found` houses of the search (its count). The walk passes about the page's
        depth times houses / found houses, reading the row of each that fits but for the
        keyword; the candidates are about `postings` rows. So it walks only where matches are
        dense and the page near the start: a rare keyword's walk could pass every house of the
        district (the rarest gram's share alone can be far above the keyword's)."""
        return found * self.postings > self.houses * query.page * page_size


def keyword_plan(grams, counts):
    """The plan for `grams` (keyword_grams) from the rows of gram_counts_query."""
    counted = {row["piece"]: int(row["houses"]) for row in counts}
    ranked = sorted(range(len(grams)), key=lambda piece: counted[piece])
    return KeywordPlan(tuple(grams[piece] for piece in ranked), counted[ranked[0]], counted[-1])


def keyword_candidates(query, plan):
    """The FROM clause, and its arguments, of the houses `h` of the district holding every gram
    of `plan`: the rarest gram's postings there, in house order, each probed for the others by
    primary key."""
    first, *others = plan.grams
    condition, arg = gram_condition("g", first)
    in_area = " AND g.area_id = %s" if query.area_id is not None else ""
    # a single character's range holds a house once per gram beginning with it
    distinct = "DISTINCT " if len(first) == 1 else ""
    sql = f"(SELECT {distinct}g.area_id, g.house_id FROM ih_house_gram g WHERE {condition}{in_area}) k0"
    args = [arg] + ([query.area_id] if query.area_id is not None else [])
    for number, gram in enumerate(others, 1):
        sql += (f" JOIN ih_house_gram k{number} ON k{number}.gram = %s AND k{number}.area_id = k0.area_id"
                f" AND k{number}.house_id = k0.house_id")
        args.append(gram)
    return sql + " JOIN ih_house h ON h.id = k0.house_id", args


def filter_conditions(query):
    """The filters, as conditions on a house's row: all but the keyword on the columns every
    sort index carries (0015), so a walk reads no row for them."""
    conditions, args = [], []
    if query.price_min is not None:
        conditions.append("h.price >= %s")
        args.append(query.price_min)
    if query.price_max is not None:
        conditions.append("h.price <= %s")
        args.append(query.price_max)
    if query.capacity is not None:
        conditions.append("h.capacity >= %s")
        args.append(query.capacity)
    if query.facilities:
        conditions.append("h.facility_bits & %s = %s")
        args += [facility_bits(query.facilities)] * 2
    if query.keyword is not None:
        # a collation _ci: Latin letters match in either case
        conditions.append("(h.title LIKE %s ESCAPE '!' OR h.address LIKE %s ESCAPE '!')")
        args += [like_pattern(query.keyword)] * 2
    return conditions, args


def sort_index(query, key):
    """The index of ih_house for a sort key of SORT_ORDERS, with the district or without."""
    return f"idx_house_area_{key}" if query.area_id is not None else f"idx_house_{key}"


def fitting_houses(query):
    """The conditions, and their arguments, on a row of ih_house `h` that the search admits
    but for its held nights: listed, the district, the stay rule and the filters. `listed` leads
    every sort index (0016): a walk never passes a house taken down."""
    conditions, args = ["h.listed = 1"], []
    if query.area_id is not None:
        conditions.append("h.area_id = %s")
        args.append(query.area_id)
    if query.first_night is not None:
        conditions.append(stay_fits("h", query.nights))
    filters, filter_args = filter_conditions(query)
    return conditions + filters, args + filter_args


def where(conditions):
    return " WHERE " + " AND ".join(conditions) if conditions else ""


def held_probe(query):
    """The LEFT JOIN of a house's held nights in the stay, its arguments and the condition that
    it found none: a probe of ih_booked_night for each house, in the order they come."""
    if query.first_night is None:
        return "", [], []
    return (" LEFT JOIN ih_booked_night n ON n.house_id = h.id AND n.night BETWEEN %s AND %s",
            [query.first_night, query.last_night], ["n.house_id IS NULL"])


def page_query(query, page_size, plan=None, found=None):
    """The SQL and arguments of the ids of a search's page, in order; `plan` is the keyword's
    (keyword_plan), if it has one, and `found` then the search's count.

    It walks the sort's index, which holds the stay rule and the filtered columns, from the
    start until the page is full, and probes each house that fits for a held night
    (ih_booked_night holds exactly the nights of active orders): the cost follows the page's
    depth, and a filter's share of the houses divides how far that is. The index is named, and
    the probe is a LEFT JOIN, which MariaDB runs house by house in the index's order; as NOT
    EXISTS it would first collect every house held in those nights.

    A keyword takes its houses from their postings instead (keyword_candidates) and sorts those
    that fit: the cost follows the houses holding its rarest gram, however far its matches lie
    along the sort index; but for a keyword so common that the walk is the shorter
    (KeywordPlan.walks)."""
    order, key = SORT_ORDERS[query.sort]
    held, held_args, free = held_probe(query)
    conditions, fit_args = fitting_houses(query)
    paging = [page_size, (query.page - 1) * page_size]
    if query.keyword is not None and not plan.walks(query, page_size, found):
        source, source_args = keyword_candidates(query, plan)
        return (f"SELECT STRAIGHT_JOIN h.id FROM {source}{held}{where(conditions + free)}"
                f" ORDER BY {order} LIMIT %s OFFSET %s", [*source_args, *held_args, *fit_args, *paging])
    return (f"SELECT h.id FROM ih_house h FORCE INDEX ({sort_index(query, key)}){held}{where(conditions + free)}"
            f" ORDER BY {order} LIMIT %s OFFSET %s", [*held_args, *fit_args, *paging])


def count_query(query, plan=None):
    """The SQL and arguments of a search's number of houses; `plan` is the keyword's
    (keyword_plan), if it has one.

    Unfiltered, from the counts of migration 0007: the houses whose stay rule fits, less the
    runs of held nights in the stay, plus the free stretches between two of them (a house with
    k runs there has k - 1). Those counts know nothing of prices, capacities, facilities or
    titles: a filtered search without a keyword counts the houses that fit on the price index,
    which carries every filtered column (0015), from the first price in range to the last,
    leaving out those held in the stay. These are collected first, from the held nights (a few
    percent of the houses a night), into an in-memory hash table that each house is looked up
    in (MariaDB's subquery materialization, made the only strategy): probing ih_booked_night
    for each house instead, or reading each held house's row, cost several times more
    (docs/performance-analysis.md, "Filtered search").

    With a keyword, the houses holding its grams (keyword_candidates), common or not, are
    counted, each read by id and probed for a held night: they come in the order of their ids,
    so their rows are read in the order they are stored, never the whole district's."""
    if query.keyword is not None:
        conditions, args = fitting_houses(query)
        source, source_args = keyword_candidates(query, plan)
        held, held_args, free = held_probe(query)
        return (f"SELECT STRAIGHT_JOIN COUNT(*) AS houses FROM {source}{held}{where(conditions + free)}",
                [*source_args, *held_args, *args])
    if query.filtered:
        conditions, args = fitting_houses(query)
        if query.first_night is not None:
            in_area = "area_id = %s AND " if query.area_id is not None else ""
            conditions.append("h.id NOT IN (SELECT house_id FROM ih_booked_night"
                              f" WHERE {in_area}night BETWEEN %s AND %s)")
            args += [query.area_id] if query.area_id is not None else []
            args += [query.first_night, query.last_night]
        return ("SET STATEMENT optimizer_switch = 'in_to_exists=off' FOR SELECT COUNT(*) AS houses"
                f" FROM ih_house h FORCE INDEX ({sort_index(query, 'price')}){where(conditions)}", args)
    in_area = " AND area_id = %s" if query.area_id is not None else ""
    area_args = [query.area_id] if query.area_id is not None else []
    if query.first_night is None:
        return f"SELECT COALESCE(SUM(houses), 0) AS houses FROM ih_search_rule WHERE TRUE{in_area}", area_args
    fits = stay_fits("c", query.nights)
    first, last = query.first_night, query.last_night
    return (f"SELECT (SELECT COALESCE(SUM(houses), 0) FROM ih_search_rule c WHERE {fits}{in_area})"
            " - (SELECT COALESCE(SUM(IF(night = %s, booked, starts)), 0) FROM ih_search_night c"
            f"   WHERE night BETWEEN %s AND %s AND {fits}{in_area})"
            " + (SELECT COALESCE(SUM(gaps), 0) FROM ih_search_gap c"
            "   WHERE night > %s AND night < %s AND nights <= DATEDIFF(%s, night)"
            f"   AND {fits}{in_area}) AS houses",
            [*area_args, first, first, last, *area_args, first, last, last, *area_args])


# The columns of a house's card in a list (`dress_card`), read as `h` joined with its landlord `u`.
CARD_COLUMNS = ("h.id AS house_id, h.title, h.price, h.room_count, h.address, h.order_count, h.rating_count,"
                " h.rating_sum, u.avatar, h.index_image")


def dress_card(media, house):
    """A row of CARD_COLUMNS as a card of the search's answer: its rating, its images as URLs."""
    house["rating"] = rating_of(house.pop("rating_sum"), house["rating_count"])
    house["avatar_thumb"] = media.url(house["avatar"], AVATAR_THUMBNAIL)
    house["avatar"] = media.url(house["avatar"])
    house["image_thumb"] = media.url(house["index_image"], CARD_THUMBNAIL)
    house["image_url"] = media.url(house.pop("index_image"))


def known_facilities_query(facility_ids):
    """The SQL and arguments of how many of `facility_ids` (unique) exist, as `known`."""
    listed = ", ".join(["%s"] * len(facility_ids))
    return f"SELECT COUNT(*) AS known FROM ih_facility WHERE id IN ({listed})", facility_ids


def check_known_facilities(row, facility_ids):
    """4103 on `facility` unless `row` (of known_facilities_query) found every one."""
    if row["known"] != len(facility_ids):
        raise ApiError(RET.PARAMERR, "参数 facility 无效：包含不存在的设施", param="facility")


async def _encoded(**fields):
    """The JSON bytes of an answer's payload object, each field awaited first."""
    return orjson.dumps({name: await value for name, value in fields.items()})


class Houses:
    def __init__(self, db, cache, media, clock, *, page_size, keyword_houses):
        self.db = db
        self.cache = cache
        self.media = media
        self.clock = clock
        self.page_size = page_size
        # Every house holding a keyword's rarest piece is read to count the search: a keyword
        # more houses hold than this is refused, so that no search reads the catalogue.
        self.keyword_houses = keyword_houses

    # ---- reading ------------------------------------------------------------------------------
    # The public pages read through `db`, reads that may go to the replica (Database.reading).

    async def areas(self, db):
        return await db.fetchall("SELECT id AS area_id, name FROM ih_area ORDER BY id")

    async def cached_areas(self):
        """The payload of /api/house/area as a JSON object's bytes."""
        return await self.cache.get_or_build(HOUSES, "areas", lambda db: _encoded(data=self.areas(db)))

    async def home_page_houses(self, db):
        """The most-booked houses that have a photo."""
        houses = await db.fetchall(
            "SELECT id AS house_id, title, index_image FROM ih_house WHERE listed = 1 AND index_image IS NOT NULL"
            " ORDER BY order_count DESC, id DESC LIMIT %s", (HOME_PAGE_HOUSES,))
        for house in houses:
            house["img_thumb"] = self.media.url(house["index_image"], CARD_THUMBNAIL)
            house["img_url"] = self.media.url(house.pop("index_image"))
        return houses

    async def cached_home_page(self):
        """The payload of /api/house/index as a JSON object's bytes."""
        return await self.cache.get_or_build(
            HOUSES, "home", lambda db: _encoded(houses=self.home_page_houses(db), areas=self.areas(db)))

    async def detail(self, house_id, db):
        house = await db.fetchone(
            "SELECT h.id AS hid, h.user_id, h.title, h.price, h.deposit, h.address, h.area_id,"
            " a.name AS area_name, h.room_count, h.acreage, h.unit, h.capacity, h.beds, h.min_days,"
            " h.max_days, h.order_count, h.listed, h.rating_count, h.rating_sum, u.name AS user_name, u.mobile,"
            " u.avatar AS user_avatar"
            " FROM ih_house h JOIN ih_area a ON a.id = h.area_id JOIN ih_user u ON u.id = h.user_id"
            " WHERE h.id = %s", (house_id,))
        if house is None or not house.pop("listed"):
            raise ApiError(RET.NODATA, HOUSE_GONE)
        images, facilities, comments = await asyncio.gather(
            db.fetchall("SELECT image FROM ih_house_image WHERE house_id = %s ORDER BY id", (house_id,)),
            db.fetchall("SELECT facility_id FROM ih_house_facility WHERE house_id = %s"
                        " ORDER BY facility_id", (house_id,)),
            db.fetchall(f"SELECT u.name, u.mobile, o.comment, o.stars, {REVIEW_TIME} AS commented_at, o.reply,"
                        " o.replied_at FROM ih_order o JOIN ih_user u ON u.id = o.user_id"
                        " WHERE o.house_id = %s AND o.status = %s ORDER BY commented_at DESC, o.id DESC LIMIT %s",
                        (house_id, COMPLETE, DETAIL_COMMENTS)))
        # A house page is public: a landlord is shown masked, a reviewer anonymous, never by mobile.
        house["user_name"] = public_name(house["user_name"], house.pop("mobile"), masked=True)
        house["user_avatar_thumb"] = self.media.url(house["user_avatar"], AVATAR_THUMBNAIL)
        house["user_avatar"] = self.media.url(house["user_avatar"])
        house["images"] = [self.media.url(row["image"]) for row in images]
        house["image_thumbs"] = [self.media.url(row["image"], ROW_THUMBNAIL) for row in images]
        house["facilities"] = [row["facility_id"] for row in facilities]
        house["rating"] = rating_of(house.pop("rating_sum"), house["rating_count"])
        house["comments"] = [{"user_name": public_name(row["name"], row["mobile"]),
                              "content": row["comment"],
                              "ctime": self.clock.show_timestamp(row["commented_at"]),
                              "stars": row["stars"], "reply": row["reply"],
                              "reply_ctime": row["replied_at"] and self.clock.show_timestamp(row["replied_at"])}
                             for row in comments]
        return house

    async def cached_detail(self, house_id):
        """The payload of GET /api/house/info as a JSON object's bytes, but the visitor's `user_id`."""
        return await self.cache.get_or_build(HOUSES, f"detail:{house_id}",
                                             lambda db: _encoded(data=self.detail(house_id, db)))

    async def landlord_houses(self, user_id):
        """The landlord's houses, newest first."""
        houses = await self.db.fetchall(
            "SELECT h.id AS house_id, h.title, h.price, a.name AS area_name, h.index_image,"
            " h.created_at, h.order_count, h.listed, h.taken_down_at"
            " FROM ih_house h JOIN ih_area a ON a.id = h.area_id"
            " WHERE h.user_id = %s ORDER BY h.created_at DESC, h.id DESC", (user_id,))
        for house in houses:
            house["img_thumb"] = self.media.url(house["index_image"], ROW_THUMBNAIL)
            house["img_url"] = self.media.url(house.pop("index_image"))
            house["ctime"] = self.clock.show_timestamp(house.pop("created_at"))
            house["listed"] = bool(house["listed"])
            taken_down = house.pop("taken_down_at")
            house["taken_down_time"] = self.clock.show_timestamp(taken_down) if taken_down else None
        return houses

    async def search(self, query):
        """The payload of /api/house/list: one page of houses and the number of pages."""
        return await self.search_in(query, await self.cache.reading())

    async def search_in(self, query, db):
        """`search` read through `db`."""
        if query.facilities:
            check_known_facilities(await db.fetchone(*known_facilities_query(query.facilities)), query.facilities)
        plan = None
        if query.keyword is not None:
            grams = keyword_grams(query.keyword)
            plan = keyword_plan(grams, await db.fetchall(*gram_counts_query(query, grams, self.keyword_houses)))
            if plan.postings >= self.keyword_houses:
                where = "本城区" if query.area_id is not None else "全部城区"
                raise ApiError(RET.PARAMERR, f"关键词“{query.keyword}”在{where}的房源中太常见，"
                               "请换一个更具体的关键词，或先选择城区", param="keyword")
        count = int((await db.fetchone(*count_query(query, plan)))["houses"])
        houses = []
        if (query.page - 1) * self.page_size < count:
            ids, args = page_query(query, self.page_size, plan, count)
            # only the page's own rows are read
            houses = await db.fetchall(
                f"SELECT {CARD_COLUMNS} FROM ({ids}) page JOIN ih_house h ON h.id = page.id"
                f" JOIN ih_user u ON u.id = h.user_id ORDER BY {SORT_ORDERS[query.sort][0]}", args)
        for house in houses:
            dress_card(self.media, house)
        return {"data": houses, "total_page": (count + self.page_size - 1) // self.page_size}

    async def cached_search(self, query):
        """The payload of /api/house/list2 as a JSON object's bytes. Only a page that exists is
        kept: a page past the end is empty whatever its number, and keeping one entry per number
        asked for would let anyone fill Redis."""
        async def build(db):
            found = await self.search_in(query, db)
            encoded = orjson.dumps(found)
            return encoded if query.page <= max(found["total_page"], 1) else Uncached(encoded)
        return await self.cache.get_or_build(HOUSES, query.cache_name(self.page_size), build)

    # ---- writing ------------------------------------------------------------------------------

    async def publish(self, landlord_id, house, facility_ids):
        """Insert `house` (the ih_house columns of TEXT_FIELDS, NUMBER_FIELDS, price and deposit)
        and its facilities; returns its id. Only a verified landlord may publish."""
        if 0 < house["max_days"] < house["min_days"]:
            raise ApiError(RET.PARAMERR, "参数 max_days 无效：应为 0（不限）或不小于 min_days",
                           param="max_days")
        async with self.cache.retiring(HOUSES), self.db.transaction() as cur:
            await cur.execute("SELECT real_name FROM ih_user WHERE id = %s", (landlord_id,))
            landlord = await cur.fetchone()
            if landlord is None or landlord["real_name"] is None:
                raise ApiError(RET.ROLEERR, "请先完成实名认证再发布房源")
            await cur.execute("SELECT 1 FROM ih_area WHERE id = %s", (house["area_id"],))
            if await cur.fetchone() is None:
                raise ApiError(RET.PARAMERR, "参数 area_id 无效：区域不存在", param="area_id")
            if facility_ids:
                await cur.execute(*known_facilities_query(facility_ids))
                check_known_facilities(await cur.fetchone(), facility_ids)
            await cur.execute(
                "INSERT INTO ih_house (user_id, area_id, title, price, address, room_count, acreage, unit,"
                " capacity, beds, deposit, min_days, max_days) VALUES (%(user_id)s, %(area_id)s,"
                " %(title)s, %(price)s, %(address)s, %(room_count)s, %(acreage)s, %(unit)s,"
                " %(capacity)s, %(beds)s, %(deposit)s, %(min_days)s, %(max_days)s)",
                {**house, "user_id": landlord_id})
            house_id = cur.lastrowid
            if facility_ids:
                await cur.executemany("INSERT INTO ih_house_facility (house_id, facility_id) VALUES (%s, %s)",
                                      [(house_id, facility_id) for facility_id in facility_ids])
        return house_id

    async def take_down(self, user_id, house_id):
        """The landlord takes the house down for good: gone from every public place, its row
        and its orders kept. Refused while an order of it is active; its remaining held nights
        (blocked ones) go with it. Taking down a house already down changes nothing.

        At READ COMMITTED under the house's row lock, as every change of its held nights
        (models/order.py): no booking of it can start before this commits, and none after."""
        async with self.cache.retiring(HOUSES), self.db.transaction(isolation="READ COMMITTED") as cur:
            await cur.execute("SELECT user_id, listed FROM ih_house WHERE id = %s FOR UPDATE", (house_id,))
            house = await cur.fetchone()
            if house is None:
                raise ApiError(RET.NODATA, "房屋不存在", param="house_id")
            if house["user_id"] != user_id:
                raise ApiError(RET.ROLEERR, "只有房东本人可以下架房屋")
            if not house["listed"]:
                return
            await cur.execute("SELECT COUNT(*) AS active FROM ih_order WHERE house_id = %s"
                              f" AND status IN ({', '.join(['%s'] * len(ACTIVE))})", (house_id, *ACTIVE))
            active = (await cur.fetchone())["active"]
            if active:
                raise ApiError(RET.DATAERR, f"该房屋还有{active}个进行中的订单（待接单、待支付、已支付或待评价），"
                                            "请先处理完这些订单再下架")
            await cur.execute("DELETE FROM ih_booked_night WHERE house_id = %s", (house_id,))
            await cur.execute("DELETE FROM ih_favourite WHERE house_id = %s", (house_id,))
            await cur.execute("UPDATE ih_house SET listed = 0, taken_down_at = UTC_TIMESTAMP() WHERE id = %s",
                              (house_id,))

    async def check_owner(self, user_id, house_id):
        """Only the landlord may change a house: 4002 for an unknown house, 4105 for anyone else."""
        house = await self.db.fetchone("SELECT user_id FROM ih_house WHERE id = %s", (house_id,))
        if house is None:
            raise ApiError(RET.NODATA, "房屋不存在", param="house_id")
        if house["user_id"] != user_id:
            raise ApiError(RET.ROLEERR, "只有房东本人可以上传房屋图片")

    async def add_photo(self, user_id, house_id, data):
        """Check, store and append an uploaded photo to the landlord's house; returns its URL.
        The first photo becomes the house's index image."""
        await self.check_owner(user_id, house_id)
        key = await self.media.save_image(user_id, data, PHOTO)
        async with self.cache.retiring(HOUSES), self.db.transaction() as cur:
            # Uploads to one house take turns, so "first" is the first one committed.
            await cur.execute("SELECT index_image FROM ih_house WHERE id = %s FOR UPDATE", (house_id,))
            index_image = (await cur.fetchone())["index_image"]
            await cur.execute("INSERT INTO ih_house_image (house_id, image) VALUES (%s, %s)",
                              (house_id, key))
            if index_image is None:
                await cur.execute("UPDATE ih_house SET index_image = %s WHERE id = %s", (key, house_id))
        return self.media.url(key)
