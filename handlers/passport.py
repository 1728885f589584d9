"""Contract §4.1: captcha, SMS code, register, login, check_login, logout."""
import re

from handlers.base import BaseHandler
from models import passport
from utils import params
from utils.errors import RET, ApiError

CAPTCHA_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PASSWORD_MIN, PASSWORD_MAX = 8, 128


class PicCodeHandler(BaseHandler):
    async def get(self):
        captcha_id = self.query("cur")
        if not CAPTCHA_ID_RE.match(captcha_id):
            raise ApiError(RET.PARAMERR, "参数 cur 应为1-64位字母、数字、_ 或 -", status=400)
        previous_id = self.get_query_argument("pre", None)
        if previous_id is not None and not CAPTCHA_ID_RE.match(previous_id):
            previous_id = None
        png = await passport.new_captcha(self.redis, self.application.cpu_executor,
                                         captcha_id, previous_id)
        self.set_header("Content-Type", "image/png")
        self.finish(png)


class SmsCodeHandler(BaseHandler):
    async def post(self):
        mobile = params.mobile(self.args)
        answer = params.text(self.args, "piccode", max_len=16)
        captcha_id = params.text(self.args, "piccode_id", max_len=64)
        if not CAPTCHA_ID_RE.match(captcha_id):
            raise ApiError(RET.PARAMERR, "参数 piccode_id 无效")
        await passport.check_captcha(self.redis, captcha_id, answer)
        await passport.send_sms_code(self.db, self.redis, self.application.sms_backend, mobile,
                                     self.client_ip, self.application.settings["sms_ip_daily_limit"])
        self.ok("发送成功")


def password_param(args):
    """The password exactly as typed: any characters, never trimmed."""
    value = args.get("password")
    if not isinstance(value, str) or not value:
        raise ApiError(RET.PARAMERR, "缺少参数 password")
    return value


def check_password_rules(password):
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise ApiError(RET.PWDERR, f"密码长度应为{PASSWORD_MIN}-{PASSWORD_MAX}个字符")


class RegisterHandler(BaseHandler):
    async def post(self):
        mobile = params.mobile(self.args)
        password = password_param(self.args)
        check_password_rules(password)
        sms_code = params.text(self.args, "phonecode", max_len=16)
        user = await passport.register(self.db, self.redis, self.application.hasher,
                                       mobile, sms_code, password)
        await self.start_session(user)
        self.ok("注册成功")


class LoginHandler(BaseHandler):
    async def post(self):
        mobile = params.mobile(self.args)
        password = password_param(self.args)
        user = await passport.login(self.db, self.redis, self.application.hasher, mobile, password)
        await self.start_session(user)
        self.ok("OK")


class CheckLoginHandler(BaseHandler):
    async def get(self):
        self.xsrf_token  # noqa: B018 - reading it sets the _xsrf cookie (contract §2)
        session = await self.load_session()
        if session is None:
            raise ApiError(RET.LOGINERR, "false")
        self.ok("true", data={"user_id": session["user_id"], "name": session["name"]})


class LogoutHandler(BaseHandler):
    async def get(self):
        await self.end_session()
        self.ok("退出成功")

    post = get


ROUTES = [
    (r"/api/piccode$", PicCodeHandler),
    (r"/api/smscode$", SmsCodeHandler),
    (r"/api/register$", RegisterHandler),
    (r"/api/login$", LoginHandler),
    (r"/api/check_login$", CheckLoginHandler),
    (r"/api/logout$", LogoutHandler),
]
