"""What Odoo's HTTP server answers a request line too long to read.

Python's HTTP server reads a request line of at most 65,536 bytes (a URL with
its query string) and answers a longer one "414 Request-URI Too Long"; Odoo's
request handler then fails while writing that answer (its ``send_header``
and ``end_headers`` read the request's headers, not read yet), and the connection is closed
without a word: the ANTS hub, whose search for many places makes long URLs,
would see an editor that does not answer. Here the handler answers: the rest
of the request is read (within a bound) so that the answer is not lost in a
reset connection, then a 414, in JSON on the hub's routes.

Behind a reverse proxy, the proxy's own limit applies first (nginx answers
414 beyond ``large_client_header_buffers``): configure its answer there.
"""

import http.client
import json

from odoo.service import server

ANTS_PREFIX = b"/api/ants/"
API_PREFIX = b"/api/v1/"
# What is read of a request too long before answering it: the rest of a
# hub's URL, not any amount a client sends.
DRAIN_LIMIT = 1024 * 1024
DRAIN_TIMEOUT = 2.0
MESSAGE = (
    "The request line (the address with its query string) is longer than 65,536 bytes: "
    "ask for fewer meeting_point_ids or application_ids per call."
)

API_MESSAGE = (
    "The request line (the address with its query string) is longer than 65,536 bytes: "
    "send the data in the body of a POST, or fewer parameters."
)

_send_error = server.RequestHandler.send_error


def _drain(handler):
    """Read what is left of the request's line and headers, up to
    :data:`DRAIN_LIMIT` bytes: closing a socket with unread bytes resets the
    connection, and the client may then lose the answer."""
    try:
        handler.connection.settimeout(DRAIN_TIMEOUT)
        read, line = 0, handler.raw_requestline
        while read < DRAIN_LIMIT:
            complete = line.endswith(b"\n")
            line = handler.rfile.readline(DRAIN_LIMIT - read)
            read += len(line)
            if not line or (complete and line in (b"\r\n", b"\n")):
                return
    except OSError:
        return


def send_error(self, code, message=None, explain=None):
    """A request line too long: read the rest, then answer; in JSON, naming
    the problem, on the hub's routes."""
    if code != 414:
        return _send_error(self, code, message, explain)
    if not hasattr(self, "headers"):
        # Odoo's handler reads the request's headers while answering (is it
        # a websocket?): a request line too long has none yet.
        self.headers = http.client.HTTPMessage()
    _drain(self)
    # A client's mistake, not the server's: logged as a request, not an error.
    self.log_error = lambda format, *args: self.log("info", format, *args)
    parts = (getattr(self, "raw_requestline", b"") or b"").split(b" ", 2)
    if len(parts) < 2 or not parts[1].startswith((ANTS_PREFIX, API_PREFIX)):
        return _send_error(self, code, message, explain)
    if parts[1].startswith(ANTS_PREFIX):
        body = json.dumps({"error": {"code": 414, "message": MESSAGE}}).encode()
    else:  # the public API's shape of a refusal
        body = json.dumps(
            {"detail": {"field": None, "reason": API_MESSAGE, "code": "uri_too_long"}}
        ).encode()
    self.close_connection = True
    self.send_response(414)
    self.send_header("Content-Type", "application/json; charset=utf-8")
    self.send_header("Content-Length", str(len(body)))
    self.send_header("Connection", "close")
    self.end_headers()
    if self.command != "HEAD":
        self.wfile.write(body)


server.RequestHandler.send_error = send_error
