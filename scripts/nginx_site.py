"""Render nginx's site for iHome from deploy/nginx-site.conf.template, on standard output.

    python -m scripts.nginx_site --upstreams=10.0.0.11:8000,10.0.0.12:8000 \
        [--server_name=ihome.example.com] [--listen=80] > /etc/nginx/sites-available/ihome

It reads the server's own options (IHOME_* variables or flags) for what nginx must agree on:
--web_root (served from disk), --media_root (served at /media/), --max_image_bytes (the largest
body). Relative folders are taken from the current directory, as the server takes them.
"""
import os
import pathlib
import re
import sys

from tornado.options import define, options, parse_command_line

import config  # noqa: F401 - defines the server's options read below
from models.media import MULTIPART_OVERHEAD

TEMPLATE = pathlib.Path(__file__).resolve().parent.parent / "deploy" / "nginx-site.conf.template"
PLACEHOLDER = re.compile(r"@([A-Z_]+)@")
# max_fails/fail_timeout: a server that fails a request is left out for 10 s (README).
UPSTREAM_SERVER = "    server {address} max_fails=1 fail_timeout=10s;"

define("upstreams", type=str, multiple=True, help="the app servers, host:port, comma-separated")
define("listen", default="80", help="nginx's listen parameters (port, or address:port)")
define("server_name", default="_", help="the site's host names, space-separated (_: any)")


def render(*, upstreams, listen, server_name, web_root, media_root, max_image_bytes):
    """The site configuration, every placeholder of the template filled in."""
    if not upstreams:
        raise ValueError("at least one app server is needed")
    values = {
        "UPSTREAM_SERVERS": "\n".join(UPSTREAM_SERVER.format(address=address) for address in upstreams),
        "LISTEN": listen,
        "SERVER_NAME": server_name,
        "WEB_ROOT": os.path.abspath(web_root),
        "MEDIA_ROOT": os.path.abspath(media_root),
        # the app's own limit on a body (Media.upload_body_limit)
        "CLIENT_MAX_BODY_SIZE": str(max_image_bytes + MULTIPART_OVERHEAD),
    }
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], TEMPLATE.read_text(encoding="utf-8"))


def main():
    parse_command_line()
    try:
        site = render(upstreams=options.upstreams, listen=options.listen, server_name=options.server_name,
                      web_root=options.web_root, media_root=options.media_root,
                      max_image_bytes=options.max_image_bytes)
    except ValueError as error:
        raise SystemExit(f"nginx_site: {error}; give --upstreams=host:port,host:port") from None
    sys.stdout.write(site)


if __name__ == "__main__":
    main()
