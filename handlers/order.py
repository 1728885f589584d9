"""Orders: booking, the landlord's accept/reject, the guest's cancel (with payments, refunded
under the rule), the lists (service: `Orders`; reviews: handlers/review.py). Their parameters and answers:
docs/openapi.yaml, tag `orders`."""
from handlers.base import BaseHandler, login_required
from models.order import GUEST, LANDLORD
from utils import params

ROLES = {"custom": GUEST, "landlord": LANDLORD}


class PlaceOrderHandler(BaseHandler):
    @login_required
    async def post(self):
        house_id = params.integer(self.args, "house_id", minimum=1)
        start = params.date(self.args, "start_date")
        end = params.date(self.args, "end_date")
        order_id = await self.application.orders.place(self.session["user_id"], house_id, start, end)
        self.ok("预订成功", order_id=order_id)


class MyOrdersHandler(BaseHandler):
    @login_required
    async def get(self):
        role = self.get_query_argument("role", "custom")
        if role not in ROLES:
            raise params.invalid("role", "应为 custom 或 landlord")
        # Pages only when asked for: a client that sends no `p` gets every order, as it always has.
        page = params.integer(self.args, "p", required=False, minimum=1)
        orders = await self.application.orders.list_for(ROLES[role], self.session["user_id"], page)
        self.application.reviews.describe(orders, ROLES[role])
        if page is None:
            self.ok(orders=orders)
        else:
            self.ok(orders=orders, total_page=await self.application.orders.page_count(ROLES[role],
                                                                                       self.session["user_id"]))


class OrderActionHandler(BaseHandler):
    """One status transition; subclasses name the action and the text it needs, if any."""
    action = None
    text_field = None
    text_max = None

    @login_required
    async def post(self):
        order_id = params.integer(self.args, "order_id", minimum=1)
        text = (params.text(self.args, self.text_field, max_len=self.text_max, single_line=False)
                if self.text_field else None)
        added = await self.application.orders.change_status(self.action, order_id, self.session["user_id"],
                                                            comment=text, **self.payment_fields())
        self.ok(**(added or {}))

    def payment_fields(self):
        return {}


class AcceptHandler(OrderActionHandler):
    action = "accept"


class RejectHandler(OrderActionHandler):
    action = "reject"
    text_field = "reject_reason"
    text_max = 256


class CancelHandler(OrderActionHandler):
    action = "cancel"

    def payment_fields(self):
        """With payments, the refund the guest was shown (fen), if the client says: a cancel
        that would refund another amount is refused."""
        if self.application.payments is None:
            return {}
        return {"refund_amount": params.integer(self.args, "refund_amount", required=False, minimum=0)}


ROUTES = [
    (r"/api/order$", PlaceOrderHandler),
    (r"/api/order/list2$", PlaceOrderHandler),  # the original API document's name for booking
    (r"/api/order/my$", MyOrdersHandler),
    (r"/api/order/accept$", AcceptHandler),
    (r"/api/order/reject$", RejectHandler),
    (r"/api/house/reject$", RejectHandler),  # the original API document's name for rejecting
    (r"/api/order/cancel$", CancelHandler),
]
