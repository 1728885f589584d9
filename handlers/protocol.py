"""The HTTP server: the JSON envelope even for requests Tornado refuses before any handler exists.

Tornado's HTTP/1 connection refuses a request it cannot read (a malformed request line or header,
a missing Host, more than 1,000 query fields, a malformed Content-Length or Transfer-Encoding,
bad chunked framing) by writing a bare `HTTP/1.1 400 Bad Request` with no body straight to the
socket, and it closes a connection whose head (request line and headers) or chunk-size line runs
over its limit without answering at all. Neither answer goes through a handler, so neither
through `BaseHandler.write_error`. `EnvelopeHTTPServer` reads every connection through
`EnvelopeStream`, which answers with the envelope in both places: 400 + 4103, and 431 + 4103
for a head over `max_header_size` (64 KB). Bodies over a limit never get this far: API
handlers stream their body and answer 413 themselves (handlers/base.py).
"""
import os

import orjson
import tornado.httputil
from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream, UnsatisfiableReadError

from handlers.security import SECURITY_HEADERS
from handlers.tracing import REQUEST_ID_HEADER
from utils.errors import STATUS_ERRCODES, STATUS_MESSAGES

# What tornado.http1connection writes when it cannot read a request (HTTP1Connection._read_message).
TORNADO_BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\n\r\n"


def envelope_answer(status):
    """A whole answer, ready to write, that closes the connection. The request could not be
    read, so its id is a new one, whatever a proxy sent."""
    body = orjson.dumps({"errcode": STATUS_ERRCODES[status], "errmsg": STATUS_MESSAGES[status]})
    head = [f"HTTP/1.1 {status} {tornado.httputil.responses[status]}",
            "Content-Type: application/json; charset=UTF-8", f"Content-Length: {len(body)}",
            "Cache-Control: no-store", "Connection: close", f"{REQUEST_ID_HEADER}: {os.urandom(16).hex()}",
            *(f"{name}: {value}" for name, value in SECURITY_HEADERS.items())]
    return "\r\n".join(head).encode() + b"\r\n\r\n" + body


class EnvelopeStream(IOStream):
    """A connection's stream that writes the envelope where Tornado would answer bare or not at all."""

    # The status to answer when a delimited read runs over its max_bytes (see read_until*).
    _over_limit_status = 400

    def read_until_regex(self, regex, max_bytes=None):
        # The server reads only a request's head this way, up to max_header_size.
        self._over_limit_status = 431
        return super().read_until_regex(regex, max_bytes)

    def read_until(self, delimiter, max_bytes=None):
        # ... and only the size line of a chunk this way, up to 64 bytes.
        self._over_limit_status = 400
        return super().read_until(delimiter, max_bytes)

    def write(self, data):
        return super().write(envelope_answer(400) if data == TORNADO_BAD_REQUEST else data)

    def close(self, exc_info=False):
        # A read over its max_bytes closes the stream from inside IOStream: answer before that.
        if isinstance(exc_info, UnsatisfiableReadError) and not self.closed():
            self.write(envelope_answer(self._over_limit_status))
        super().close(exc_info)


class EnvelopeHTTPServer(HTTPServer):
    def handle_stream(self, stream, address):
        # Takes the accepted socket over before a byte of it is read (plain HTTP: TLS, if any,
        # ends at the proxy in front).
        super().handle_stream(EnvelopeStream(stream.socket, max_buffer_size=self.max_buffer_size,
                                             read_chunk_size=self.read_chunk_size), address)
