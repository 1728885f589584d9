"""Users: the rows of ih_user, the rules that belong to them, and what a change to a user must
also change (their live sessions, the cached pages that show them)."""
import datetime
import unicodedata

from models.db import is_duplicate_key
from models.media import AVATAR_THUMBNAIL
from utils import params
from utils.cache import HOUSES
from utils.errors import RET, ApiError
from utils.images import ImageUse
from utils.session import USER_COLUMNS

EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)
NAME_MAX = 32
# Stored at most 512 px on a side: a decode four times that per side is plenty for any crop, and
# a camera JPEG (up to 40 million pixels) is decoded at 1/4 or 1/8 scale and passes.
AVATAR = ImageUse("avatar", max_side=512, max_decoded_pixels=2048 * 2048, thumbnails=(AVATAR_THUMBNAIL,))
ANONYMOUS = "匿名用户"


# ---- the default name: a new user is named after their mobile until they choose a name --------

def default_name(mobile):
    return mobile


def has_default_name(name, mobile):
    return name == default_name(mobile)


def reads_as_mobile(name):
    """Whether a display name reads as a mobile number to a person: its compatibility form
    (NFKC: full-width or mathematical digits become 0-9) is one."""
    return params.MOBILE_RE.fullmatch(unicodedata.normalize("NFKC", name)) is not None


# The collation of ih_user.name (0001_schema.sql), under which its unique key compares names.
NAME_COLLATION = "utf8mb4_unicode_ci"
# What a name's collation weights are read back with: the digits, and the space that a PAD SPACE
# collation ignores at the end of a string.
WEIGHED_CHARACTERS = "0123456789 "


def mobile_from_weights(weights, character_weights):
    """The mobile number a name whose collation weights are `weights` is equal to, or None.
    `character_weights` are those of WEIGHED_CHARACTERS; both as MariaDB's
    HEX(WEIGHT_STRING(...)) spells them, one weight of fixed width per character."""
    width = len(character_weights) // len(WEIGHED_CHARACTERS)
    character_of = {character_weights[i * width:(i + 1) * width]: character
                    for i, character in enumerate(WEIGHED_CHARACTERS)}
    read = "".join(character_of.get(weights[i:i + width], "?") for i in range(0, len(weights), width))
    read = read.rstrip(" ")
    return read if params.MOBILE_RE.fullmatch(read) else None


def public_name(name, mobile, *, masked=False):
    """How a user is shown to others: never by the full mobile. A user who kept the default name
    is `138****0001` where they must be recognisable (a landlord), else anonymous."""
    if not has_default_name(name, mobile):
        return name
    return f"{mobile[:3]}****{mobile[-4:]}" if masked else ANONYMOUS


def masked_id_card(id_card):
    return id_card[:3] + "*" * (len(id_card) - 7) + id_card[-4:]


class Users:
    def __init__(self, db, sessions, cache, media, clock):
        self.db = db
        self.sessions = sessions
        self.cache = cache
        self.media = media
        self.clock = clock

    async def find_by_mobile(self, mobile):
        """The user's session fields (utils/session.USER_FIELDS) and password hash, or None."""
        return await self.db.fetchone(
            f"SELECT {USER_COLUMNS}, password_hash FROM ih_user WHERE mobile = %s", (mobile,))

    async def mobile_registered(self, mobile):
        return await self.db.fetchone("SELECT 1 FROM ih_user WHERE mobile = %s", (mobile,)) is not None

    async def create(self, mobile, password_hash):
        """A new user, with the default name; returns their session fields."""
        name = default_name(mobile)
        await self._give_back_default_name(mobile)
        try:
            _, user_id = await self.db.execute(
                "INSERT INTO ih_user (name, mobile, password_hash) VALUES (%s, %s, %s)",
                (name, mobile, password_hash))
        except Exception as error:
            if is_duplicate_key(error):
                raise ApiError(RET.DATAEXIST, "该手机号已注册", param="mobile") from None
            raise
        return {"user_id": user_id, "name": name, "mobile": mobile, "avatar": None, "verified": False}

    async def _give_back_default_name(self, mobile):
        """Whoever holds a name the database takes for the default name of `mobile` (a name chosen
        before `rename` compared names as the database does) gets their own default name back:
        registering a mobile never fails on its name."""
        holder = await self.db.fetchone("SELECT id, mobile FROM ih_user WHERE name = %s AND mobile <> %s",
                                        (default_name(mobile), mobile))
        if holder is None:
            return
        own_name = default_name(holder["mobile"])
        await self.db.execute("UPDATE ih_user SET name = %s WHERE id = %s", (own_name, holder["id"]))
        await self.sessions.update_user(holder["id"], name=own_name)
        await self.cache.invalidate(HOUSES)  # landlords' names show on house pages

    async def _database_reads_as_mobile(self, name):
        """Whether the unique key on ih_user.name would take `name` for a mobile number: the
        collation ignores combining marks and trailing spaces, and reads full-width, Arabic-Indic
        or Hangzhou digits as 0-9, so the name's own weights are read back as digits."""
        weights = await self.db.fetchone(
            f"SELECT HEX(WEIGHT_STRING(CONVERT(%s USING utf8mb4) COLLATE {NAME_COLLATION})) AS name,"
            f" HEX(WEIGHT_STRING(CONVERT(%s USING utf8mb4) COLLATE {NAME_COLLATION})) AS characters",
            (name, WEIGHED_CHARACTERS))
        return mobile_from_weights(weights["name"], weights["characters"]) is not None

    async def set_password_hash(self, user_id, password_hash):
        await self.db.execute("UPDATE ih_user SET password_hash = %s WHERE id = %s",
                              (password_hash, user_id))

    # ---- profile ------------------------------------------------------------------------------

    async def identity(self, user_id):
        """The verified real name and the masked ID number, both None until verified."""
        user = await self.db.fetchone("SELECT real_name, id_card FROM ih_user WHERE id = %s", (user_id,))
        if user is None:
            raise ApiError(RET.USERERR, "用户不存在")
        return {"real_name": user["real_name"],
                "id_card": user["id_card"] and masked_id_card(user["id_card"])}

    async def set_avatar(self, user_id, data):
        """Check and store an uploaded avatar and make it the user's; returns its URL. The
        previous image is simply no longer pointed at (another row may share its file)."""
        key = await self.media.save_image(user_id, data, AVATAR)
        async with self.cache.retiring(HOUSES):  # landlords' avatars show on house pages
            await self.db.execute("UPDATE ih_user SET avatar = %s WHERE id = %s", (key, user_id))
        await self.sessions.update_user(user_id, avatar=key)
        return self.media.url(key)

    async def rename(self, user_id, mobile, name):
        """Give the user a new display name, unique among users whatever its letter case."""
        # A name that reads as a mobile number, to a person or to the unique key, would take the
        # default name that the registrant of that number is born with; only the user's own
        # default name itself is allowed (a variant of it would show the mobile unmasked).
        if not has_default_name(name, mobile) and (reads_as_mobile(name)
                                                    or await self._database_reads_as_mobile(name)):
            raise ApiError(RET.PARAMERR, "用户名不能是手机号", param="name")
        try:
            async with self.cache.retiring(HOUSES):  # landlords' names show on house pages
                await self.db.execute("UPDATE ih_user SET name = %s WHERE id = %s", (name, user_id))
        except Exception as error:
            if is_duplicate_key(error, "uq_user_name"):
                raise ApiError(RET.DATAEXIST, "该用户名已被使用", param="name") from None
            raise
        await self.sessions.update_user(user_id, name=name)

    async def verify_identity(self, user_id, real_name, id_card):
        """Record the user's real name and ID number (both read by `utils.params`), once: the
        first to arrive wins, and one ID number verifies one account."""
        birth_date = params.id_card_birth_date(id_card)
        if not EARLIEST_BIRTH_DATE <= birth_date <= self.clock.today():
            raise ApiError(RET.PARAMERR, "身份证号码中的出生日期无效", param="id_card")
        try:
            updated, _ = await self.db.execute(
                "UPDATE ih_user SET real_name = %s, id_card = %s WHERE id = %s AND real_name IS NULL",
                (real_name, id_card, user_id))
        except Exception as error:
            if is_duplicate_key(error, "uq_user_id_card"):
                raise ApiError(RET.DATAEXIST, "该身份证号码已认证过其他账号", param="id_card") from None
            raise
        if not updated:
            raise ApiError(RET.DATAEXIST, "已完成实名认证，不能修改")
        await self.sessions.update_user(user_id, verified=True)
