"""Messages between the guest and the landlord of an order (service: `Messages`). Their
parameters and answers: docs/openapi.yaml, tag `live`."""
from handlers.base import BaseHandler, login_required
from models.message import BODY_MAX
from utils import params


class MessagesHandler(BaseHandler):
    @login_required
    async def get(self):
        order_id = params.integer(self.args, "order_id", minimum=1)
        before = params.integer(self.args, "before", required=False, minimum=1)
        after = params.integer(self.args, "after", required=False, minimum=0)
        messages, more = await self.application.messages.list(order_id, self.session["user_id"],
                                                              before=before, after=after)
        self.ok(messages=messages, more=more)

    @login_required
    async def post(self):
        order_id = params.integer(self.args, "order_id", minimum=1)
        body = params.text(self.args, "body", max_len=BODY_MAX, single_line=False)
        message = await self.application.messages.send(order_id, self.session["user_id"], body)
        self.ok(message=message)


class ReadMessagesHandler(BaseHandler):
    @login_required
    async def post(self):
        order_id = params.integer(self.args, "order_id", minimum=1)
        self.ok(unread=await self.application.messages.mark_read(order_id, self.session["user_id"]))


ROUTES = [
    (r"/api/order/messages$", MessagesHandler),
    (r"/api/order/messages/read$", ReadMessagesHandler),
]
