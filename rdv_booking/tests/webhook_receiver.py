"""A client system's webhook receiver on loopback, for tests: a real HTTP
server in a thread that checks each call's signature the way the README
tells receivers to, keeps what it received, and misbehaves on demand.

``modes`` is a list of answers to give, one per call, then ``ok``:

- ``ok``: HTTP 200;
- ``500``, ``503``, ``404``, ``429``, ``302``...: that status (a 429 or
  503 with ``retry_after`` as its Retry-After header, if set);
- ``slow``: processes the call, then answers after ``delay`` seconds (the
  sender has given up by then: an answer lost).

:meth:`stop` closes the port (connection refused); :meth:`start` opens it
again on the same port.
"""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..tools import webhook


class WebhookReceiver:
    def __init__(self, secret=""):
        self.secret = secret
        self.modes = []
        self.delay = 11.0  # Odoo's test runner raises every timeout to 10 s
        self.calls = []  # {"headers", "body", "valid", "mode"}
        self.retry_after = ""  # the Retry-After header of a 429 or 503
        self.lock = threading.Lock()
        self.port = 0
        self.server = None

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = dict(self.headers)
                valid = webhook.verify(
                    receiver.secret,
                    headers.get(webhook.TIMESTAMP_HEADER),
                    body,
                    headers.get(webhook.SIGNATURE_HEADER),
                    now=time.time(),
                )
                with receiver.lock:
                    mode = receiver.modes.pop(0) if receiver.modes else "ok"
                    receiver.calls.append(
                        {"headers": headers, "body": body, "valid": valid, "mode": mode}
                    )
                if mode == "slow":
                    time.sleep(receiver.delay)
                status = 200 if mode in ("ok", "slow") else int(mode)
                answer = b'{"received": true}' if status < 300 else b'{"error": "on purpose"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                if status in (429, 503) and receiver.retry_after:
                    self.send_header("Retry-After", receiver.retry_after)
                if status in (301, 302):
                    self.send_header("Location", "http://127.0.0.1:%s/elsewhere" % receiver.port)
                self.end_headers()
                self.wfile.write(answer)

        return Handler

    def start(self):
        class Server(ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request, client_address):
                pass  # the sender gave up waiting ("slow")

        self.server = Server(("127.0.0.1", self.port), self._handler())
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self):
        return "http://127.0.0.1:%s/hook" % self.port
