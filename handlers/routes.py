"""Every URL of the service. Each resource module lists its own anchored API routes."""
from handlers import house, order, passport, profile
from handlers.base import ApiNotFoundHandler, WebRootHandler
from handlers.upload import MediaHandler


def routes(web_root, media_root):
    return [
        *passport.ROUTES,
        *profile.ROUTES,
        *house.ROUTES,
        *order.ROUTES,
        (r"/api(?:/.*)?$", ApiNotFoundHandler),
        (r"/media/(.*)$", MediaHandler, {"path": media_root}),
        (r"/(.*)$", WebRootHandler, {"path": web_root, "default_filename": "index.html"}),
    ]
