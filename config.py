"""Service configuration: built-in defaults < IHOME_* environment variables < command-line flags.

Every setting is a `tornado.options` option; its default is read from the environment at import
time, so `parse_command_line()` in server.py gives flags the last word.
"""
import os
import re
import secrets

from cryptography.exceptions import UnsupportedAlgorithm
from tornado.options import define, options

from utils import alipay, cache
from utils.redis_client import connect_redis, parse_sentinels
from utils.storage import LocalStorage, S3Storage

_BOOL_WORDS = {"1": True, "true": True, "yes": True, "on": True,
               "0": False, "false": False, "no": False, "off": False, "": False}


def _env(name, default, kind=str):
    raw = os.environ.get("IHOME_" + name.upper())
    if raw is None:
        return default
    if kind is bool:
        try:
            return _BOOL_WORDS[raw.strip().lower()]
        except KeyError:
            raise SystemExit(f"IHOME_{name.upper()}={raw!r} is not a boolean") from None
    try:
        return kind(raw)
    except ValueError:
        raise SystemExit(f"IHOME_{name.upper()}={raw!r} is not a valid {kind.__name__}") from None


def _define(name, default, kind, help_text):
    define(name, default=_env(name, default, kind), type=kind, help=help_text)


_define("port", 8000, int, "TCP port to listen on")
_define("address", "", str, "address to bind (empty: all interfaces)")
_define("processes", 1, int, "worker processes sharing the port (0 = one per CPU)")
_define("debug", False, bool, "Tornado debug mode (autoreload, tracebacks in logs)")
_define("xheaders", False, bool, "trust X-Real-IP / X-Forwarded-For / X-Forwarded-Proto from a reverse proxy")
_define("mysql_url", "mysql://root:@127.0.0.1:3306/ihome", str, "MariaDB/MySQL URL")
_define("mysql_pool_size", 10, int, "connections in the MySQL pool of each process")
_define("mysql_replica_url", "", str, "MariaDB replica URL for the public reads (empty: every read on the primary)")
_define("redis_url", "redis://127.0.0.1:6379/0", str, "Redis URL (sessions, codes, caches)")
_define("redis_pool_size", 64, int, "Redis connections of each process; more requests wait")
_define("redis_sentinels", "", str, "sentinels host:port,host:port naming the Redis master (empty: redis_url's server)")
_define("redis_master", "ihome", str, "the master's name in the sentinels' configuration")
_define("redis_sentinel_password", "", str, "password of the sentinels (empty: none)")
_define("cookie_secret", "", str, "secret that signs cookies (required in production)")
_define("sms_backend", "console", str, "SMS backend: 'console' or 'package.module:Class'")
_define("sms_ip_daily_limit", 50, int, "SMS codes one client IP may request per day")
_define("login_ip_failures", 20, int, "failed logins one client IP may make per 10 minutes (0 = no limit)")
_define("captcha_ip_per_minute", 20, int, "captcha images one client IP may fetch per minute (0 = no limit)")
_define("web_root", "static/", str, "folder of the single-page frontend, served at /")
_define("media_root", "media/", str, "folder of uploaded images, served at /media/")
_define("media_base_url", "/media/", str, "URL prefix of uploaded images in responses")
_define("media_backend", "local", str, "where uploaded images are stored: 'local' (media_root) or 's3'")
_define("s3_endpoint_url", "", str, "S3-compatible endpoint, e.g. http://127.0.0.1:8333 (empty: AWS S3)")
_define("s3_bucket", "ihome-media", str, "bucket of uploaded images (made at start when missing)")
_define("s3_region", "us-east-1", str, "region of the bucket")
_define("s3_access_key", "", str, "S3 access key (empty: AWS_ACCESS_KEY_ID and botocore's other sources)")
_define("s3_secret_key", "", str, "S3 secret key (empty: AWS_SECRET_ACCESS_KEY and botocore's other sources)")
_define("s3_signed_urls", False, bool, "answer presigned URLs of a private bucket instead of media_base_url + key")
_define("s3_signed_url_expiry", 86400, int, "seconds a signed image URL stays valid")
_define("max_image_bytes", 10 * 1024 * 1024, int, "largest accepted image upload in bytes")
_define("image_decoders", 0, int, "images each process decodes at once; more wait (0 = one per CPU)")
_define("uploads_per_hour", 100, int, "images one user may upload per hour (0 = no limit)")
_define("guest_pending_orders", 5, int, "waiting orders one guest may have at once (0 = no limit)")
_define("guest_pending_nights", 60, int, "nights one guest's waiting orders may hold together (0 = no limit)")
_define("pending_order_hours", 24.0, float, "hours a landlord has to answer a booking before it expires")
_define("pending_sweep_seconds", 60.0, float, "seconds between two looks for expired bookings")
_define("payment", "off", str, "online payment: 'off' (an accepted booking is confirmed) or 'alipay'")
_define("unpaid_order_minutes", 30.0, float, "minutes a guest has to pay an accepted booking before it expires")
_define("full_refund_hours", 48.0, float,
        "a paid stay cancelled this many hours or more before its first night is refunded in full, later not at all")
_define("public_url", "", str, "the site's address as browsers and the payment gateway reach it (https://...)")
_define("alipay_gateway", "https://openapi.alipay.com/gateway.do", str, "Alipay's gateway URL")
_define("alipay_app_id", "", str, "the merchant app's id at Alipay")
_define("alipay_seller_id", "", str, "the merchant's Alipay account id (2088...), which notifications must name")
_define("alipay_private_key_file", "", str, "PEM file of our RSA private key, which signs our requests")
_define("alipay_public_key_file", "", str, "PEM file of Alipay's RSA public key, which verifies what it sends")
_define("messages_per_minute", 20, int, "messages one user may send per minute, all orders together (0 = no limit)")
_define("live_sockets_per_user", 10, int, "live sockets (/api/ws) one user may hold on each process")
_define("live_ping_seconds", 25.0, float, "seconds between the server's pings on each live socket")
_define("page_size", 10, int, "houses per page of /api/house/list")
_define("keyword_houses", 20_000, int, "a search keyword whose rarest piece more houses hold (in the district, or "
        "in all) is refused as too broad: its count would read each of them")
_define("timezone", "Asia/Shanghai", str, "the site's time zone for dates and timestamps")
_define("uvloop", True, bool, "run on uvloop's event loop instead of asyncio's default one")
_define("hash_workers", 1, int, "threads hashing passwords (bounds argon2's CPU use)")
_define("shutdown_timeout", 10.0, float, "seconds to let in-flight requests finish on SIGTERM")
_define("log_format", "text", str, "log lines as 'text' or 'json' (one object per line)")
_define("metrics_token", "", str, "lets requests from other hosts read /metrics with 'Authorization: Bearer <token>'")
_define("metrics_dir", "", str, "folder the worker processes count metrics in, emptied at start (empty: a new "
        "temporary folder)")


def cookie_secret():
    """The configured secret, or one random per start (sessions then end when the server restarts)."""
    return options.cookie_secret or _random_secret


# Made at import, before server.py forks, so that every worker signs with the same key.
_random_secret = secrets.token_urlsafe(32)


def redis_client():
    """The Redis client the options name: `--redis_url`'s server, or with `--redis_sentinels` the
    master they know as `--redis_master` (README, "Redis with Sentinel")."""
    try:
        return connect_redis(options.redis_url, options.redis_pool_size, parse_sentinels(options.redis_sentinels),
                             options.redis_master, options.redis_sentinel_password)
    except ValueError as error:
        raise SystemExit(f"--redis_sentinels: {error}") from None


def media_storage():
    """The store of uploaded images that the options name (README, "Configuration")."""
    if options.media_backend == "local":
        return LocalStorage(options.media_root, options.media_base_url)
    if options.media_backend != "s3":
        raise SystemExit(f"--media_backend={options.media_backend!r}: use local or s3")
    expiry = None
    if options.s3_signed_urls:
        expiry = options.s3_signed_url_expiry
        # Cached pages hold the URLs signed when they were built, up to cache.TTL ago: every URL
        # a client receives must still have at least as long again to live.
        if expiry < 2 * cache.TTL:
            raise SystemExit(f"--s3_signed_url_expiry must be at least {2 * cache.TTL} seconds "
                             f"(twice the {cache.TTL} s that cached pages live)")
    try:
        return S3Storage(bucket=options.s3_bucket, base_url=options.media_base_url,
                         endpoint_url=options.s3_endpoint_url or None, region=options.s3_region,
                         access_key=options.s3_access_key or None, secret_key=options.s3_secret_key or None,
                         signed_url_expiry=expiry)
    except ValueError as error:
        raise SystemExit(f"--media_backend=s3: {error}") from None


def payment_provider(executor):
    """The payment provider `--payment` names, None when off (README, "Payment"). `executor`:
    where it signs, off the event loop."""
    if options.payment == "off":
        return None
    if options.payment != "alipay":
        raise SystemExit(f"--payment={options.payment!r}: use off or alipay")
    needed = ["public_url", "alipay_app_id", "alipay_seller_id", "alipay_private_key_file", "alipay_public_key_file"]
    missing = [f"--{name}" for name in needed if not options[name]]
    if missing:
        raise SystemExit(f"--payment=alipay needs {', '.join(missing)}")
    public_url = options.public_url.rstrip("/")
    for name, url in (("public_url", public_url), ("alipay_gateway", options.alipay_gateway)):
        if not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", url):
            raise SystemExit(f"--{name}={url!r} is not an http(s) URL")
    keys = {}
    for name, load in (("alipay_private_key_file", alipay.load_private_key),
                       ("alipay_public_key_file", alipay.load_public_key)):
        try:
            keys[name] = load(options[name])
        except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as error:
            raise SystemExit(f"--{name}={options[name]!r}: {error}") from None
    return alipay.AlipayProvider(
        gateway_url=options.alipay_gateway, app_id=options.alipay_app_id, seller_id=options.alipay_seller_id,
        private_key=keys["alipay_private_key_file"], gateway_public_key=keys["alipay_public_key_file"],
        notify_url=f"{public_url}/api/pay/notify",
        return_url=lambda order_id: f"{public_url}/api/pay/return?order_id={order_id}", executor=executor)
