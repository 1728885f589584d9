"""Every URL of the service. Each resource module lists its own anchored API routes."""
from handlers import house, order, passport, profile
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
        *order.ROUTES,
        (r"/api(?:/.*)?$", ApiNotFoundHandler),
        *media,
        (r"/(index\.html)?$", PageHandler),
        (rf"/({VERSIONED_PATH})$", AssetHandler),
        (r"/(.*)$", WebRootHandler, {"path": web_root, "default_filename": "index.html"}),
    ]
