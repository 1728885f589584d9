"""Reviews: the guest's review with stars, its edit, the landlord's reply (service: `Reviews`).
Their parameters and answers: docs/openapi.yaml, tag `orders`."""
from handlers.base import BaseHandler, login_required
from utils import params

TEXT_MAX = 1000


class ReviewHandler(BaseHandler):
    """The guest's review of a stay; EditReviewHandler rewrites it with the same fields."""
    # The original clients send no stars: their review counts in no average.
    stars_required = False

    @login_required
    async def post(self):
        order_id = params.integer(self.args, "order_id", minimum=1)
        comment = params.text(self.args, "comment", max_len=TEXT_MAX, single_line=False)
        stars = params.integer(self.args, "stars", required=self.stars_required, minimum=1, maximum=5)
        await self.store(order_id, comment, stars)
        self.ok()

    def store(self, order_id, comment, stars):
        return self.application.reviews.review(order_id, self.session["user_id"], comment, stars)


class EditReviewHandler(ReviewHandler):
    stars_required = True

    def store(self, order_id, comment, stars):
        return self.application.reviews.edit(order_id, self.session["user_id"], comment, stars)


class ReplyHandler(BaseHandler):
    @login_required
    async def post(self):
        order_id = params.integer(self.args, "order_id", minimum=1)
        reply = params.text(self.args, "reply", max_len=TEXT_MAX, single_line=False)
        await self.application.reviews.reply(order_id, self.session["user_id"], reply)
        self.ok()


ROUTES = [
    (r"/api/order/comment$", ReviewHandler),
    (r"/api/order/comment/edit$", EditReviewHandler),
    (r"/api/order/reply$", ReplyHandler),
]
