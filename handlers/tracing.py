"""The id of each request: on its answer (`X-Request-Id`) and in every log line written while
it is handled (utils/logs.py), so that a client's report, the proxy's log and the service's log
can be matched.

Behind a proxy that `--xheaders` trusts, the proxy's `X-Request-Id` is kept (the shipped nginx
site sends its `$request_id`); otherwise, or when the one sent is malformed, the service draws
one. A client cannot choose the id of its request unless the proxy lets it.
"""
import os
import re

from utils.logs import REQUEST_ID

REQUEST_ID_HEADER = "X-Request-Id"
# What a proxy's id may look like: nginx sends 32 hex digits; nothing that could forge a log line.
PROXY_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def begin(request, trust_proxy):
    """Give `request` its id (`request.request_id`) and make it the id of the log lines written
    from here on in this task and the tasks it starts."""
    sent = request.headers.get(REQUEST_ID_HEADER, "") if trust_proxy else ""
    request.request_id = sent if PROXY_ID_RE.fullmatch(sent) else os.urandom(16).hex()
    REQUEST_ID.set(request.request_id)


class Traced:
    """Mixed into every handler: its answers, errors included, carry the request's id, and
    `errcode` is the envelope's code once one is written ('' for an answer that is no envelope:
    a page, a file, an image), which the metrics count."""
    errcode = ""

    def set_default_headers(self):
        # Also what send_error() restores (through clear()) before write_error runs.
        super().set_default_headers()
        self.set_header(REQUEST_ID_HEADER, self.request.request_id)
