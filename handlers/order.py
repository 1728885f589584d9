"""Orders: booking, the landlord's accept/reject, the guest's review and cancel, the lists
(service: `Orders`)."""
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
        await self.application.orders.change_status(self.action, order_id, self.session["user_id"],
                                                    comment=text)
        self.ok()


class AcceptHandler(OrderActionHandler):
    action = "accept"


class RejectHandler(OrderActionHandler):
    action = "reject"
    text_field = "reject_reason"
    text_max = 256


class CommentHandler(OrderActionHandler):
    action = "comment"
    text_field = "comment"
    text_max = 1000


class CancelHandler(OrderActionHandler):
    action = "cancel"


ROUTES = [
    (r"/api/order$", PlaceOrderHandler),
    (r"/api/order/list2$", PlaceOrderHandler),  # the original API document's name for booking
    (r"/api/order/my$", MyOrdersHandler),
    (r"/api/order/accept$", AcceptHandler),
    (r"/api/order/reject$", RejectHandler),
    (r"/api/house/reject$", RejectHandler),  # the original API document's name for rejecting
    (r"/api/order/comment$", CommentHandler),
    (r"/api/order/cancel$", CancelHandler),
]
