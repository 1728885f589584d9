"""Notifications: the list with the unread count, and read marks (service: `Notifications`;
live delivery: handlers/live.py). Their parameters and answers: docs/openapi.yaml, tag `live`."""
from handlers.base import BaseHandler, login_required
from utils import params
from utils.errors import RET, ApiError


class NotificationsHandler(BaseHandler):
    @login_required
    async def get(self):
        """A page of the user's notifications, newest first; or with `since`, those after that
        number, oldest first (what a client without its socket polls for)."""
        notifications = self.application.notifications
        user_id = self.session["user_id"]
        since = params.integer(self.args, "since", required=False, minimum=0)
        if since is not None:
            self.ok(notifications=await notifications.since(user_id, since),
                    unread=await notifications.unread(user_id))
            return
        page = params.integer(self.args, "p", required=False, minimum=1, default=1)
        listed, total_page = await notifications.page(user_id, page)
        self.ok(notifications=listed, total_page=total_page, unread=await notifications.unread(user_id))


class ReadNotificationsHandler(BaseHandler):
    @login_required
    async def post(self):
        ids = params.id_list(self.args, "ids")
        up_to = params.integer(self.args, "up_to", required=False, minimum=0)
        if not ids and up_to is None:
            raise ApiError(RET.PARAMERR, "缺少参数 ids 或 up_to", param="ids")
        unread = await self.application.notifications.mark_read(self.session["user_id"], ids, up_to)
        self.ok(unread=unread)


ROUTES = [
    (r"/api/notifications$", NotificationsHandler),
    (r"/api/notifications/read$", ReadNotificationsHandler),
]
