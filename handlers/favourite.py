"""Favourites: a user's hearts on houses, and the list of them (service: `Favourites`).
Their parameters and answers: docs/openapi.yaml, tag `favourites`."""
from handlers.base import BaseHandler, login_required
from models.favourite import MAX_ASKED
from utils import params


class FavouriteHandler(BaseHandler):
    @login_required
    async def get(self):
        house_ids = params.id_set(self.args, "house_id", most=MAX_ASKED, required=True)
        self.ok(favourites=await self.application.favourites.hearted(self.session["user_id"], house_ids))

    @login_required
    async def post(self):
        await self.application.favourites.add(self.session["user_id"], params.integer(self.args, "house_id", minimum=1))
        self.ok("已收藏")

    # Its house_id in a JSON body, or in the query string for clients that send no DELETE body.
    @login_required
    async def delete(self):
        await self.application.favourites.remove(self.session["user_id"],
                                                 params.integer(self.args, "house_id", minimum=1))
        self.ok("已取消收藏")


class MyFavouritesHandler(BaseHandler):
    @login_required
    async def get(self):
        page = params.integer(self.args, "p", required=False, minimum=1, default=1)
        self.ok(**await self.application.favourites.page(self.session["user_id"], page))


ROUTES = [
    (r"/api/house/favourite$", FavouriteHandler),
    (r"/api/user/favourites$", MyFavouritesHandler),
]
