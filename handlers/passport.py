"""Passport: captcha, SMS code, register, login, check_login, logout (service: `Passport`).
Their parameters and answers: docs/openapi.yaml, tag `passport`."""
from handlers.base import BaseHandler
from utils import params
from utils.errors import RET, ApiError


class PicCodeHandler(BaseHandler):
    async def get(self):
        captcha_id = params.token({"cur": self.get_query_argument("cur", None)}, "cur", status=400)
        previous_id = self.get_query_argument("pre", None)
        if previous_id is not None and not params.TOKEN_RE.fullmatch(previous_id):
            previous_id = None  # a stale or odd `pre` only costs the old captcha its early end
        png = await self.application.passport.new_captcha(captcha_id, previous_id, self.client_ip)
        self.set_header("Content-Type", "image/png")
        self.finish(png)


class SmsCodeHandler(BaseHandler):
    async def post(self):
        mobile = params.mobile(self.body_args)
        answer = params.captcha_answer(self.body_args)
        captcha_id = params.token(self.body_args, "piccode_id")
        passport = self.application.passport
        await passport.check_captcha(captcha_id, answer)
        await passport.send_sms_code(mobile, self.client_ip)
        self.ok("发送成功")


class RegisterHandler(BaseHandler):
    async def post(self):
        mobile = params.mobile(self.body_args)
        password = params.password(self.body_args, new=True)
        sms_code = params.sms_code(self.body_args)
        user = await self.application.passport.register(mobile, sms_code, password)
        await self.start_session(user)
        self.ok("注册成功")


class LoginHandler(BaseHandler):
    async def post(self):
        mobile = params.mobile(self.body_args)
        password = params.password(self.body_args)
        user = await self.application.passport.login(mobile, password, self.client_ip)
        await self.start_session(user)
        self.ok("OK")


class CheckLoginHandler(BaseHandler):
    async def get(self):
        self.xsrf_token  # noqa: B018 - reading it sets the _xsrf cookie that writes need
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
