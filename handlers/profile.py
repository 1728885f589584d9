"""Contract §4.2: the user's profile, avatar, display name and real-name verification."""
from handlers.base import BaseHandler, login_required
from handlers.upload import UploadHandler
from models import user as users
from utils import cache, params
from utils.images import prepare_image

AVATAR_MAX_SIDE = 512
NAME_MAX = 32


class ProfileHandler(BaseHandler):
    @login_required
    async def get(self):
        # Answered from the session, which every profile change updates (utils/session.py).
        session = self.session
        avatar = session["avatar"] and self.application.storage.url(session["avatar"])
        self.ok(data={"user_id": session["user_id"], "name": session["name"], "mobile": session["mobile"],
                      "avatar": avatar, "real_name_verified": session["verified"]})


class AvatarHandler(UploadHandler):
    @login_required
    async def post(self):
        image = await prepare_image(self.uploaded_file("avatar"), self.application.cpu_executor,
                                    max_side=AVATAR_MAX_SIDE)
        storage = self.application.storage
        # Stored before the row points at it: a failure leaves at most an unused file.
        key = await storage.save(image.content, image.extension)
        await users.set_avatar(self.db, self.session["user_id"], key)
        await self.sessions.update_user(self.session["user_id"], avatar=key)
        await cache.invalidate(self.redis, cache.HOUSES)  # landlords' avatars show on house pages
        self.ok(data=storage.url(key))


class NameHandler(BaseHandler):
    @login_required
    async def post(self):
        name = params.text(self.args, "name", max_len=NAME_MAX)
        user_id = self.session["user_id"]
        await users.rename(self.db, user_id, self.session["mobile"], name)
        await self.sessions.update_user(user_id, name=name)
        await cache.invalidate(self.redis, cache.HOUSES)  # landlords' names show on house pages
        self.ok()


class AuthHandler(BaseHandler):
    @login_required
    async def get(self):
        user = await users.profile(self.db, self.session["user_id"])
        id_card = user["id_card"] and users.masked_id_card(user["id_card"])
        self.ok(data={"real_name": user["real_name"], "id_card": id_card})

    @login_required
    async def post(self):
        await users.verify_identity(self.db, self.session["user_id"],
                                    params.text(self.args, "real_name", max_len=users.REAL_NAME_MAX),
                                    params.text(self.args, "id_card", max_len=users.ID_CARD_LENGTH))
        await self.sessions.update_user(self.session["user_id"], verified=True)
        self.ok()


ROUTES = [
    (r"/api/profile$", ProfileHandler),
    (r"/api/profile/avatar$", AvatarHandler),
    (r"/api/profile/name$", NameHandler),
    (r"/api/profile/auth$", AuthHandler),
]
