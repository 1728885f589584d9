"""The error codes (README, "Error codes") and the one exception that carries them to `write_error`."""
from tornado.web import HTTPError


class RET:
    OK = "0"
    DBERR = "4001"
    NODATA = "4002"
    DATAEXIST = "4003"
    DATAERR = "4004"
    SESSIONERR = "4101"
    LOGINERR = "4102"
    PARAMERR = "4103"
    USERERR = "4104"
    ROLEERR = "4105"
    PWDERR = "4106"
    REQERR = "4201"
    IPERR = "4202"
    THIRDERR = "4301"
    IOERR = "4302"
    SERVERERR = "4500"
    UNKOWNERR = "4501"


# A house that never existed or that its landlord took down: a visitor cannot tell them apart.
HOUSE_GONE = "房屋不存在或已下架"

DEFAULT_MESSAGES = {
    RET.OK: "成功",
    RET.DBERR: "数据库错误",
    RET.NODATA: "数据不存在",
    RET.DATAEXIST: "数据已存在",
    RET.DATAERR: "数据错误",
    RET.SESSIONERR: "会话异常",
    RET.LOGINERR: "用户未登录",
    RET.PARAMERR: "参数错误",
    RET.USERERR: "用户不存在或未激活",
    RET.ROLEERR: "没有权限",
    RET.PWDERR: "密码不符合要求",
    RET.REQERR: "请求过于频繁",
    RET.IPERR: "IP受限",
    RET.THIRDERR: "第三方系统错误",
    RET.IOERR: "文件读写错误",
    RET.SERVERERR: "内部错误",
    RET.UNKOWNERR: "未知错误",
}

# The errcode that a protocol-level failure (raised by Tornado itself) is reported with.
STATUS_ERRCODES = {
    400: RET.PARAMERR,
    403: RET.SESSIONERR,
    404: RET.NODATA,
    405: RET.PARAMERR,
    413: RET.PARAMERR,
    431: RET.PARAMERR,
    503: RET.DBERR,
}

STATUS_MESSAGES = {
    400: "请求格式错误",
    404: "接口不存在",
    405: "不支持该请求方法",
    413: "请求体过大",
    431: "请求头过大",
}


class ApiError(HTTPError):
    """An answer other than success. Raised anywhere below a handler; `write_error` writes it.

    Most outcomes a user should see travel as HTTP 200 with their errcode (docs/openapi.yaml, "The
    envelope"), so the status defaults to 200; `retry_after` adds the header that rate limits
    promise. `param` names the one request field the error is about, so that a form can mark that
    field without reading the message.
    """

    def __init__(self, errcode, errmsg=None, status=200, retry_after=None, param=None):
        super().__init__(status)
        self.errcode = errcode
        self.errmsg = errmsg or DEFAULT_MESSAGES[errcode]
        self.retry_after = retry_after
        self.param = param

    def __str__(self):
        return f"{self.errcode} {self.errmsg}"
