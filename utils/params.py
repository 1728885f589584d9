"""Reading and validating request arguments. Each reader raises ApiError(PARAMERR) with a message
naming the field, so handlers state their rules in one line each."""
import datetime
import re
import unicodedata

from utils.errors import RET, ApiError

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_INT_RE = re.compile(r"^[+-]?\d{1,18}$")


def _missing(name):
    return ApiError(RET.PARAMERR, f"缺少参数 {name}")


def _invalid(name, why):
    return ApiError(RET.PARAMERR, f"参数 {name} 无效：{why}")


LINE_BREAKS = "\n\r\t"


def has_control_chars(value, allowed=""):
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch not in allowed for ch in value)


def text(args, name, *, required=True, min_len=1, max_len=255, strip=True, single_line=True):
    """A string field. Empty after trimming counts as missing."""
    value = args.get(name)
    if value is None or (isinstance(value, str) and not (value.strip() if strip else value)):
        if required:
            raise _missing(name)
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _invalid(name, "应为字符串")
    if strip:
        value = value.strip()
    if not min_len <= len(value) <= max_len:
        raise _invalid(name, f"长度应为 {min_len}-{max_len} 个字符")
    if has_control_chars(value, allowed="" if single_line else LINE_BREAKS):
        raise _invalid(name, "不能包含控制字符")
    return value


def integer(args, name, *, required=True, minimum=None, maximum=None, default=None):
    """An integer given as a JSON number or as a numeric string (HTML forms send strings)."""
    value = args.get(name)
    if value is None or value == "":
        if required:
            raise _missing(name)
        return default
    if isinstance(value, bool):
        raise _invalid(name, "应为整数")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and _INT_RE.match(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int):
        raise _invalid(name, "应为整数")
    if minimum is not None and value < minimum:
        raise _invalid(name, f"不能小于 {minimum}")
    if maximum is not None and value > maximum:
        raise _invalid(name, f"不能大于 {maximum}")
    return value


def mobile(args, name="mobile"):
    value = text(args, name, max_len=11)
    if not MOBILE_RE.match(value):
        raise _invalid(name, "应为11位中国大陆手机号")
    return value


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def date(args, name, *, required=True):
    """A calendar date written `YYYY-MM-DD`."""
    value = text(args, name, required=required, max_len=10)
    if value is None:
        return None
    try:
        if not _DATE_RE.match(value):
            raise ValueError
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise _invalid(name, "应为 YYYY-MM-DD 格式的日期") from None
