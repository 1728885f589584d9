"""Users: the rows of ih_user and the rules that belong to them."""
import datetime
import re
import unicodedata

from models.db import is_duplicate_key
from utils import params, timefmt
from utils.errors import RET, ApiError


async def find_by_mobile(db, mobile):
    """The user's session fields (utils/session.USER_FIELDS) and password hash, or None."""
    return await db.fetchone(
        "SELECT id AS user_id, name, mobile, avatar, real_name IS NOT NULL AS verified, password_hash"
        " FROM ih_user WHERE mobile = %s", (mobile,))


async def mobile_registered(db, mobile):
    return await db.fetchone("SELECT 1 FROM ih_user WHERE mobile = %s", (mobile,)) is not None


async def create(db, mobile, password_hash):
    """A new user, named after their mobile until they choose a name."""
    try:
        _, user_id = await db.execute(
            "INSERT INTO ih_user (name, mobile, password_hash) VALUES (%s, %s, %s)",
            (mobile, mobile, password_hash))
    except Exception as error:
        if is_duplicate_key(error):
            raise ApiError(RET.DATAEXIST, "该手机号已注册") from None
        raise
    return {"user_id": user_id, "name": mobile, "mobile": mobile, "avatar": None, "verified": False}


async def set_password_hash(db, user_id, password_hash):
    await db.execute("UPDATE ih_user SET password_hash = %s WHERE id = %s", (password_hash, user_id))


# ---- profile --------------------------------------------------------------------------------

# GB 11643: the 18th character is the ISO 7064 MOD 11-2 check of the first 17 digits.
ID_CARD_LENGTH = 18
ID_CARD_RE = re.compile(r"^[0-9]{17}[0-9X]$")
ID_CARD_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CARD_CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)

# Chinese characters (the basic block and extensions A to G, where rare name characters live)
# or Latin letters, in words that a middle dot may join (ethnic and transliterated names).
_NAME_LETTER = r"[A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
REAL_NAME_RE = re.compile(rf"^{_NAME_LETTER}+(?:·{_NAME_LETTER}+)*$")
# What people type for the middle dot, read as U+00B7.
MIDDLE_DOTS = str.maketrans({"・": "·", "•": "·", "‧": "·"})
REAL_NAME_MIN, REAL_NAME_MAX = 2, 32


async def profile(db, user_id):
    """The user's row as the profile shows it: `avatar` is a storage key, `id_card` unmasked."""
    user = await db.fetchone(
        "SELECT id AS user_id, name, mobile, avatar, real_name, id_card FROM ih_user WHERE id = %s",
        (user_id,))
    if user is None:
        raise ApiError(RET.USERERR, "用户不存在")
    return user


async def set_avatar(db, user_id, key):
    """Point the user at the stored image `key`; the previous key is simply no longer used."""
    await db.execute("UPDATE ih_user SET avatar = %s WHERE id = %s", (key, user_id))


async def rename(db, user_id, mobile, name):
    """Give the user a new display name, unique among users whatever its letter case."""
    # New users are named after their mobile: a name that reads as another mobile number would
    # take the name a future registrant of that number is born with.
    if params.MOBILE_RE.match(unicodedata.normalize("NFKC", name)) and name != mobile:
        raise ApiError(RET.PARAMERR, "用户名不能是他人的手机号")
    try:
        await db.execute("UPDATE ih_user SET name = %s WHERE id = %s", (name, user_id))
    except Exception as error:
        if is_duplicate_key(error, "uq_user_name"):
            raise ApiError(RET.DATAEXIST, "该用户名已被使用") from None
        raise


def normalized_real_name(value):
    value = value.translate(MIDDLE_DOTS)
    if not REAL_NAME_MIN <= len(value) <= REAL_NAME_MAX or not REAL_NAME_RE.match(value):
        raise ApiError(RET.PARAMERR,
                       f"真实姓名应为{REAL_NAME_MIN}-{REAL_NAME_MAX}个汉字或英文字母（可含间隔号·）")
    return value


def normalized_id_card(value):
    """An 18-character resident ID number with a real past birth date and a valid check
    character (`x` read as `X`); the messages never repeat the number."""
    value = value.upper()
    if not ID_CARD_RE.match(value):
        raise ApiError(RET.PARAMERR, "身份证号码应为18位：17位数字加1位数字或X")
    try:
        birth_date = datetime.datetime.strptime(value[6:14], "%Y%m%d").date()
    except ValueError:
        birth_date = None
    if birth_date is None or not EARLIEST_BIRTH_DATE <= birth_date <= timefmt.today():
        raise ApiError(RET.PARAMERR, "身份证号码中的出生日期无效")
    if id_card_check_char(value[:17]) != value[17]:
        raise ApiError(RET.PARAMERR, "身份证号码校验位不正确，请核对")
    return value


def id_card_check_char(first17):
    """The GB 11643 check character of the first 17 digits of a resident ID number."""
    return ID_CARD_CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, ID_CARD_WEIGHTS)) % 11]


def masked_id_card(id_card):
    return id_card[:3] + "*" * (len(id_card) - 7) + id_card[-4:]


async def verify_identity(db, user_id, real_name, id_card):
    """Record the user's real name and ID number, once: the first to arrive wins, and one ID
    number verifies one account."""
    real_name, id_card = normalized_real_name(real_name), normalized_id_card(id_card)
    try:
        updated, _ = await db.execute(
            "UPDATE ih_user SET real_name = %s, id_card = %s WHERE id = %s AND real_name IS NULL",
            (real_name, id_card, user_id))
    except Exception as error:
        if is_duplicate_key(error, "uq_user_id_card"):
            raise ApiError(RET.DATAEXIST, "该身份证号码已认证过其他账号") from None
        raise
    if not updated:
        raise ApiError(RET.DATAEXIST, "已完成实名认证，不能修改")
