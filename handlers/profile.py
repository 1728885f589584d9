"""Profile: the user's profile, avatar, display name and real-name verification (service: `Users`)."""
from handlers.base import BaseHandler, login_required
from handlers.upload import UploadHandler
from models.media import AVATAR_THUMBNAIL
from models.user import NAME_MAX
from utils import params


class ProfileHandler(BaseHandler):
    @login_required
    async def get(self):
        # Answered from the session, which every profile change updates (models/user.py).
        session = self.session
        self.ok(data={"user_id": session["user_id"], "name": session["name"], "mobile": session["mobile"],
                      "avatar": self.application.media.url(session["avatar"]),
                      "avatar_thumb": self.application.media.url(session["avatar"], AVATAR_THUMBNAIL),
                      "real_name_verified": session["verified"]})


class AvatarHandler(UploadHandler):
    @login_required
    async def post(self):
        self.ok(data=await self.application.users.set_avatar(self.session["user_id"],
                                                             self.uploaded_file("avatar")))


class NameHandler(BaseHandler):
    @login_required
    async def post(self):
        name = params.text(self.args, "name", max_len=NAME_MAX)
        await self.application.users.rename(self.session["user_id"], self.session["mobile"], name)
        self.ok()


class AuthHandler(BaseHandler):
    @login_required
    async def get(self):
        self.ok(data=await self.application.users.identity(self.session["user_id"]))

    @login_required
    async def post(self):
        await self.application.users.verify_identity(self.session["user_id"], params.real_name(self.body_args),
                                                     params.id_card(self.body_args))
        self.ok()


ROUTES = [
    (r"/api/profile$", ProfileHandler),
    (r"/api/profile/avatar$", AvatarHandler),
    (r"/api/profile/name$", NameHandler),
    (r"/api/profile/auth$", AuthHandler),
]
