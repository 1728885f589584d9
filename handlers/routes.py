"""Every URL of the service. Each resource module lists its own anchored API routes. docs/openapi.yaml
describes each of them (tests/unit/test_openapi_routes.py keeps the two in step)."""
from handlers import (apidocs, calendar, favourite, house, live, message, notification, ops, order, passport, pay,
                      profile, review)
from handlers.assets import AssetHandler, PageHandler
from handlers.base import ApiNotFoundHandler, WebRootHandler
from handlers.upload import MediaHandler
from utils.assets import VERSIONED_PATH


def routes(web_root, media_root):
    """`media_root`: the folder of uploaded images served at /media/, None when they live elsewhere."""
    media = [(r"/media/(.*)$", MediaHandler, {"path": media_root})] if media_root else []
    return [
        *passport.ROUTES,
        *profile.ROUTES,
        *house.ROUTES,
        *calendar.ROUTES,
        *favourite.ROUTES,
        *order.ROUTES,
        *review.ROUTES,
        *pay.ROUTES,
        *notification.ROUTES,
        *message.ROUTES,
        *live.ROUTES,
        *apidocs.ROUTES,
        *ops.ROUTES,
        (r"/api(?:/.*)?$", ApiNotFoundHandler),
        *media,
        (r"/(index\.html)?$", PageHandler),
        (rf"/({VERSIONED_PATH})$", AssetHandler),
        (r"/(.*)$", WebRootHandler, {"path": web_root, "default_filename": "index.html"}),
    ]
