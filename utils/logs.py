"""Log lines that say which request they belong to, as text (the default) or as JSON objects
(`--log_format=json`, one per line, for a log collector).

The request being handled is a context variable: set when the request arrives
(handlers/tracing.py), it is what every task started for that request sees, so every line
logged while handling it carries its id, whichever logger writes it.
"""
import contextvars
import datetime
import logging

import orjson
from tornado.log import LogFormatter

REQUEST_ID = contextvars.ContextVar("request_id", default="")

# Tornado's own layout, with the request's id after the source position.
TEXT_FORMAT = "%(color)s[%(levelname)1.1s %(asctime)s %(module)s:%(lineno)d]%(end_color)s %(request_tag)s%(message)s"
LOG_FORMATS = ("text", "json")


class RequestContext(logging.Filter):
    """Adds the current request's id to every record (`request_id`, '' outside a request)."""

    def filter(self, record):
        record.request_id = REQUEST_ID.get()
        record.request_tag = f"[{record.request_id}] " if record.request_id else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, the `http`
    fields of an access line, and the traceback of an exception."""

    def format(self, record):
        line = {"time": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc)
                .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.request_id:
            line["request_id"] = record.request_id
        if hasattr(record, "http"):
            line["http"] = record.http
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


def configure(log_format):
    """Give the handlers Tornado's option parsing installed (stderr, --log_file_prefix) the
    request's id and the chosen format."""
    if log_format not in LOG_FORMATS:
        raise SystemExit(f"--log_format={log_format!r}: use {' or '.join(LOG_FORMATS)}")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestContext())
        handler.setFormatter(JsonFormatter() if log_format == "json" else
                             LogFormatter(fmt=TEXT_FORMAT, color=not isinstance(handler, logging.FileHandler)))
