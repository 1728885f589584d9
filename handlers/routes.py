"""Every URL of the service. API routes are anchored regexes (contract §4)."""
from tornado.web import StaticFileHandler

from handlers import passport
from handlers.base import ApiNotFoundHandler, WebRootHandler


def routes(web_root, media_root):
    return [
        (r"/api/piccode$", passport.PicCodeHandler),
        (r"/api/smscode$", passport.SmsCodeHandler),
        (r"/api/register$", passport.RegisterHandler),
        (r"/api/login$", passport.LoginHandler),
        (r"/api/check_login$", passport.CheckLoginHandler),
        (r"/api/logout$", passport.LogoutHandler),
        (r"/api(?:/.*)?$", ApiNotFoundHandler),
        (r"/media/(.*)$", StaticFileHandler, {"path": media_root}),
        (r"/(.*)$", WebRootHandler, {"path": web_root, "default_filename": "index.html"}),
    ]
