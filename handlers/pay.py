"""Payment (service: `Payments`, with --payment=alipay): the guest's checkout and result page, and
the gateway's notifications and the browser's way back from the gateway.

With --payment=off these routes answer exactly as unknown /api/ paths do.
"""
from handlers.base import UNREACHABLE, BaseHandler, login_required, unknown_path
from models.payment import METHODS
from utils import params
from utils.errors import ApiError
from utils.payment_provider import UntrustedMessage


class PaymentHandler(BaseHandler):
    def check_xsrf_cookie(self):
        if self.application.payments is not None:  # else answered as an unknown path, whatever the method
            super().check_xsrf_cookie()

    def prepare(self):
        super().prepare()
        if self.application.payments is None:
            raise unknown_path(self.request)


class CheckoutHandler(PaymentHandler):
    @login_required
    async def post(self):
        order_id = params.integer(self.args, "order_id", minimum=1)
        method = self.args.get("method", "page")
        if method not in METHODS:
            raise params.invalid("method", "应为 page 或 qr")
        self.ok(**await self.application.payments.checkout(order_id, self.session["user_id"], method))


class PayStatusHandler(PaymentHandler):
    @login_required
    async def get(self):
        order_id = params.integer(self.args, "order_id", minimum=1)
        self.ok(data=await self.application.payments.status(order_id, self.session["user_id"]))


class NotifyHandler(PaymentHandler):
    """The gateway's asynchronous notification: a form, proven by its signature (the gateway has
    no XSRF token), answered with the gateway's own words: `success` once what it says is stored,
    `fail` otherwise, and the gateway sends it again later."""

    def check_xsrf_cookie(self):
        """The signature is the proof of origin."""

    async def post(self):
        try:
            await self.application.payments.notified(self.body_args)
        except UntrustedMessage:
            self.set_status(400)
            self._answer("fail")
            return
        self._answer("success")

    def _answer(self, word):
        self.set_header("Content-Type", "text/plain; charset=UTF-8")
        self.finish(word)

    def write_error(self, status_code, **kwargs):
        if self.application.payments is None:
            super().write_error(status_code, **kwargs)
            return
        if isinstance(kwargs.get("exc_info", (None, None, None))[1], UNREACHABLE):
            self.set_status(503)
        self._answer("fail")


class ReturnHandler(PaymentHandler):
    """Where the gateway sends the browser back after paying, with its own fields added to the
    query. Nothing of them is trusted or stored: the browser goes on to the result page, which
    asks /api/pay/status."""

    def get(self):
        try:
            order_id = params.integer(self.args, "order_id", minimum=1)
        except ApiError:
            self.redirect("/#/orders")
            return
        self.redirect(f"/#/payment/{order_id}")


ROUTES = [
    (r"/api/pay$", CheckoutHandler),
    (r"/api/pay/status$", PayStatusHandler),
    (r"/api/pay/notify$", NotifyHandler),
    (r"/api/pay/return$", ReturnHandler),
]
