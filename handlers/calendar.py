"""The availability calendar of a house: each night's status and price for anyone, blocks and
night prices for its landlord (service: `Calendar`). Parameters and answers: docs/openapi.yaml,
tag `houses`."""
from handlers.base import BaseHandler, login_required
from models.calendar import MAX_MONTHS, UNCHANGED
from utils import params


class CalendarHandler(BaseHandler):
    async def get(self):
        house_id = params.integer(self.args, "house_id", minimum=1)
        first = params.date(self.args, "from", required=False)
        months = params.integer(self.args, "months", required=False, minimum=1, maximum=MAX_MONTHS, default=1)
        self.ok(data=await self.application.calendar.nights(house_id, first, months))

    @login_required
    async def post(self):
        house_id = params.integer(self.args, "house_id", minimum=1)
        start = params.date(self.args, "start_date")
        end = params.date(self.args, "end_date")
        blocked = params.boolean(self.args, "blocked", required=False)
        # Given as null (or empty, from a form): the nights go back to the house's price.
        price = (UNCHANGED if "price" not in self.args
                 else None if self.args["price"] in (None, "") else params.fen(self.args, "price", allow_zero=False))
        if blocked is None and price is UNCHANGED:
            raise params.missing("blocked")
        await self.application.calendar.change(self.session["user_id"], house_id, start, end, blocked, price)
        self.ok()


ROUTES = [
    (r"/api/house/calendar$", CalendarHandler),
]
