"""Reading and validating request arguments: one reader for each kind of field.

Each reader takes the request's arguments (a dict) and the field's name, and returns the value in
the form the services use (integer fen for money, `datetime.date` for dates, …). A missing or
malformed field raises ApiError(PARAMERR) whose message names the field and whose `param` is
its name, so a handler states its fields in one line each and a form can mark the bad field.
These are rules of form only; rules about the data (a district that exists, a stay that starts
today or later) belong to the service that owns the data.
"""
import datetime
import decimal
import re
import unicodedata

from utils.errors import RET, ApiError

# Every pattern is matched whole (fullmatch) and spells digits [0-9]: Python's \d also accepts
# full-width and Arabic-Indic digits, which the database reads as the same number while Redis keys
# (quotas, lockouts) would see another string.
MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
SMS_CODE_RE = re.compile(r"[0-9]{6}")
CAPTCHA_ANSWER_RE = re.compile(r"[!-~]{1,16}")  # printable ASCII
_INT_RE = re.compile(r"[+-]?[0-9]{1,18}")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YUAN_RE = re.compile(r"[0-9]{1,9}(?:\.[0-9]+)?")
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")

LINE_BREAKS = "\n\r\t"
FEN_PER_YUAN = 100
MAX_YUAN = decimal.Decimal(1_000_000)
PASSWORD_MIN, PASSWORD_MAX = 8, 128

# GB 11643: 17 digits, then the ISO 7064 MOD 11-2 check of those digits (0-9 or X).
ID_CARD_LENGTH = 18
ID_CARD_RE = re.compile(r"[0-9]{17}[0-9X]")
ID_CARD_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CARD_CHECK_CHARS = "10X98765432"

# Chinese characters (the basic block and extensions A to G, where rare name characters live)
# or Latin letters, in words that a middle dot may join (ethnic and transliterated names).
_NAME_LETTER = r"[A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
REAL_NAME_RE = re.compile(rf"{_NAME_LETTER}+(?:·{_NAME_LETTER}+)*")
# What people type for the middle dot, read as U+00B7.
MIDDLE_DOTS = str.maketrans({"・": "·", "•": "·", "‧": "·"})
REAL_NAME_MIN, REAL_NAME_MAX = 2, 32


def missing(name, status=200):
    return ApiError(RET.PARAMERR, f"缺少参数 {name}", status=status, param=name)


def invalid(name, why, status=200):
    return ApiError(RET.PARAMERR, f"参数 {name} 无效：{why}", status=status, param=name)


def has_control_chars(value, allowed=""):
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch not in allowed for ch in value)


def text(args, name, *, required=True, min_len=1, max_len=255, strip=True, single_line=True):
    """A string field. Empty after trimming counts as missing."""
    value = args.get(name)
    if value is None or (isinstance(value, str) and not (value.strip() if strip else value)):
        if required:
            raise missing(name)
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise invalid(name, "应为字符串")
    if strip:
        value = value.strip()
    if not min_len <= len(value) <= max_len:
        raise invalid(name, f"长度应为 {min_len}-{max_len} 个字符")
    if has_control_chars(value, allowed="" if single_line else LINE_BREAKS):
        raise invalid(name, "不能包含控制字符")
    return value


def integer(args, name, *, required=True, minimum=None, maximum=None, default=None):
    """An integer given as a JSON number or as a numeric string (HTML forms send strings)."""
    value = args.get(name)
    if value is None or value == "":
        if required:
            raise missing(name)
        return default
    if isinstance(value, bool):
        raise invalid(name, "应为整数")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int):
        raise invalid(name, "应为整数")
    if minimum is not None and value < minimum:
        raise invalid(name, f"不能小于 {minimum}")
    if maximum is not None and value > maximum:
        raise invalid(name, f"不能大于 {maximum}")
    return value


def id_list(args, name):
    """Unique positive ids: a JSON list, a repeated form field, or one value; absent is []."""
    value = args.get(name)
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else [value]
    ids = [integer({name: item}, name, minimum=1) for item in items]
    if len(set(ids)) != len(ids):
        raise invalid(name, "包含重复的编号")
    return ids


def id_set(args, name, *, most, required=False):
    """Positive ids as `1,5,7` (a query string or a form) or a JSON list, at most `most`, sorted
    and each once (a repeat changes nothing); absent is () unless `required`."""
    value = args.get(name)
    if value is None or value == "":
        if required:
            raise missing(name)
        return ()
    if isinstance(value, str):
        value = [item.strip() for item in value.split(",")]
        if not all(_INT_RE.fullmatch(item) for item in value):
            raise invalid(name, "应为以逗号分隔的编号，如 1,5,7")
    items = value if isinstance(value, list) else [value]
    if len(items) > most:
        raise invalid(name, f"最多 {most} 个编号")
    return tuple(sorted({integer({name: item}, name, minimum=1) for item in items}))


def fen(args, name, *, allow_zero):
    """An amount in yuan (a JSON number or a string, at most two decimals) as integer fen."""
    value = args.get(name)
    if value is None or value == "":
        raise missing(name)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise invalid(name, "应为金额")
    # str() of a JSON float is its shortest exact spelling, so 19.99 stays 19.99 and never 19.989999…
    spelled = str(value).strip()
    if not _YUAN_RE.fullmatch(spelled):
        raise invalid(name, "应为金额（元），如 199 或 199.50")
    yuan = decimal.Decimal(spelled)
    if yuan != yuan.quantize(decimal.Decimal("0.01")):
        raise invalid(name, "最多两位小数")
    if yuan > MAX_YUAN or (yuan == 0 and not allow_zero):
        raise invalid(name, f"应{'不小于' if allow_zero else '大于'} 0 且不超过 {MAX_YUAN} 元")
    return int(yuan * FEN_PER_YUAN)


def mobile(args, name="mobile"):
    value = text(args, name, max_len=11)
    if not MOBILE_RE.fullmatch(value):
        raise invalid(name, "应为11位中国大陆手机号")
    return value


def sms_code(args, name="phonecode"):
    """The code sent by SMS: exactly 6 ASCII digits (a malformed one costs no attempt)."""
    value = text(args, name, max_len=16)
    if not SMS_CODE_RE.fullmatch(value):
        raise invalid(name, "应为6位数字")
    return value


def captcha_answer(args, name="piccode"):
    """What the user read on a captcha: printable ASCII, compared without case (so that no
    Unicode case mapping turns another character into a letter: ﬀ upper-cases to FF)."""
    value = text(args, name, max_len=16)
    if not CAPTCHA_ANSWER_RE.fullmatch(value):
        raise invalid(name, "应为图片中的字母或数字")
    return value


def password(args, name="password", *, new=False):
    """A password exactly as typed: any characters, never trimmed. A `new` one (registration)
    must also have an acceptable length, 4106 otherwise."""
    value = args.get(name)
    if not isinstance(value, str) or not value:
        raise missing(name)
    if new and not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        raise ApiError(RET.PWDERR, f"密码长度应为{PASSWORD_MIN}-{PASSWORD_MAX}个字符", param=name)
    return value


def token(args, name, *, status=200):
    """An identifier chosen by the client (a captcha id): 1-64 letters, digits, _ or -."""
    value = args.get(name)
    if value is None or value == "":
        raise missing(name, status=status)
    if not isinstance(value, str) or not TOKEN_RE.fullmatch(value):
        raise invalid(name, "应为1-64位字母、数字、_ 或 -", status=status)
    return value


def date(args, name, *, required=True):
    """A calendar date written `YYYY-MM-DD`."""
    value = text(args, name, required=required, max_len=10)
    if value is None:
        return None
    try:
        if not _DATE_RE.fullmatch(value):
            raise ValueError
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise invalid(name, "应为 YYYY-MM-DD 格式的日期") from None


def real_name(args, name="real_name"):
    """A person's legal name: Chinese characters or Latin letters, words joined by `·`."""
    value = text(args, name, max_len=REAL_NAME_MAX).translate(MIDDLE_DOTS)
    if not REAL_NAME_MIN <= len(value) <= REAL_NAME_MAX or not REAL_NAME_RE.fullmatch(value):
        raise ApiError(RET.PARAMERR,
                       f"真实姓名应为{REAL_NAME_MIN}-{REAL_NAME_MAX}个汉字或英文字母（可含间隔号·）",
                       param=name)
    return value


def id_card_check_char(first17):
    """The GB 11643 check character of the first 17 digits of a resident ID number."""
    return ID_CARD_CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, ID_CARD_WEIGHTS)) % 11]


def id_card_birth_date(id_card):
    """The birth date written in an ID number (digits 7-14), or None when it is no date."""
    try:
        return datetime.datetime.strptime(id_card[6:14], "%Y%m%d").date()
    except ValueError:
        return None


def id_card(args, name="id_card"):
    """An 18-character resident ID number with a valid check character (`x` read as `X`) and a
    real calendar date of birth; the messages never repeat the number."""
    value = text(args, name, max_len=ID_CARD_LENGTH).upper()
    if not ID_CARD_RE.fullmatch(value):
        raise ApiError(RET.PARAMERR, "身份证号码应为18位：17位数字加1位数字或X", param=name)
    if id_card_birth_date(value) is None:
        raise ApiError(RET.PARAMERR, "身份证号码中的出生日期无效", param=name)
    if id_card_check_char(value[:17]) != value[17]:
        raise ApiError(RET.PARAMERR, "身份证号码校验位不正确，请核对", param=name)
    return value


def boolean(args, name, *, required=True):
    """true or false: a JSON boolean, or as a form sends it, `true`/`false` or `1`/`0`."""
    value = args.get(name)
    if value is None or value == "":
        if required:
            raise missing(name)
        return None
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "false", "0"):
        return value.strip().lower() in ("true", "1")
    if not isinstance(value, bool):
        raise invalid(name, "应为 true 或 false")
    return value
