"""A real HTTP SMS gateway on loopback, for tests, tours and benchmarks.

It speaks the JSON API the gateway record is configured for
(``{"to", "text", "from", "reference"}`` in, ``{"status": "accepted", "id"}``
out), keeps the messages it accepted, and can be told to misbehave:

- ``ok``: accept (HTTP 200, JSON);
- ``down``: HTTP 503;
- ``slow``: answer after ``delay`` seconds;
- ``garbage``: HTTP 200 with an HTML page instead of JSON;
- ``reject``: HTTP 400 (the operator refuses the number).

``GET /messages`` lists what was accepted (``?to=`` filters by number), with
CORS headers, so that a browser tour can read the code it was sent.
``GET /status/<reference>`` answers about one message by the reference it
carried: HTTP 200 ``{"id", "status"}`` when accepted, 404 when not (503 when
``down``), as an operator's status API; ``status_answer`` (status, body)
replaces its answer.
"""

import contextlib
import json
import re
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SmsGatewayStub:
    def __init__(self):
        self.mode = "ok"
        self.delay = 0.0
        self.messages = []  # accepted: {"to", "text", "from", "reference", "id"}
        self.requests = []  # every request: {"path", "headers", "payload", "mode"}
        self.lookups = []  # references asked at /status/
        self.status_answer = None  # (HTTP status, body) to answer any /status/ with
        self.connections = set()  # open client connections, cut by stop()
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body in one packet, sent at once: without these, each
            # answer waits for TCP's delayed acknowledgement.
            disable_nagle_algorithm = True
            wbufsize = 64 * 1024

            def log_message(self, *args):  # numbers must not reach any log
                pass

            def setup(self):
                super().setup()
                with stub.lock:
                    stub.connections.add(self.connection)

            def finish(self):
                with stub.lock:
                    stub.connections.discard(self.connection)
                super().finish()

            def _answer(self, status, body, content_type="application/json"):
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/messages":
                    with stub.lock:
                        found = [
                            m
                            for m in stub.messages
                            if not query.get("to") or m["to"] == query["to"]
                        ]
                    return self._answer(200, json.dumps(found))
                if url.path.startswith("/status/"):
                    return self._status(urllib.parse.unquote(url.path[len("/status/") :]))
                return self._send(query)

            def _status(self, reference):
                with stub.lock:
                    stub.lookups.append(reference)
                    found = [m for m in stub.messages if m.get("reference") == reference]
                if stub.status_answer is not None:
                    return self._answer(*stub.status_answer)
                if stub.mode == "down":
                    return self._answer(503, json.dumps({"error": "maintenance"}))
                if not found:
                    return self._answer(404, json.dumps({"error": "unknown reference"}))
                return self._answer(200, json.dumps({"id": found[0]["id"], "status": "accepted"}))

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    payload = json.loads(raw)
                else:
                    payload = dict(urllib.parse.parse_qsl(raw))
                return self._send(payload)

            def _send(self, payload):
                mode = stub.mode
                with stub.lock:
                    stub.requests.append(
                        {
                            "path": self.path,
                            "headers": dict(self.headers),
                            "payload": payload,
                            "mode": mode,
                        }
                    )
                if mode == "down":
                    return self._answer(503, json.dumps({"error": "maintenance"}))
                if mode == "garbage":
                    return self._answer(200, "<html><body>Oops</body></html>", "text/html")
                if mode == "reject":
                    return self._answer(400, json.dumps({"error": "invalid destination"}))
                if mode == "slow":
                    time.sleep(stub.delay)
                with stub.lock:
                    message_id = "msg-%s" % (len(stub.messages) + 1)
                    stub.messages.append({**payload, "id": message_id})
                return self._answer(200, json.dumps({"status": "accepted", "id": message_id}))

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a client that gave up waiting (the "slow" mode): nothing to report

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%s" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        """Down as a stopped server is: no new connection, and the kept-alive
        ones cut (a client reusing one would otherwise still be answered)."""
        self.server.shutdown()
        self.server.server_close()
        with self.lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # closed by its client already
                connection.shutdown(socket.SHUT_RDWR)

    def texts(self, to=None):
        """Texts of the accepted messages (optionally to one number), oldest first."""
        with self.lock:
            return [m["text"] for m in self.messages if to is None or m["to"] == to]

    def last_code(self, to=None):
        """The 6-digit code of the last code message accepted."""
        for text in reversed(self.texts(to)):
            found = re.match(r"(\d{6}) ", text)
            if found:
                return found.group(1)
        raise AssertionError("no code received by the SMS gateway stub")

    def gateway_values(self, **values):
        """Values of an ``rdv.sms.gateway`` pointed at this stub."""
        return {
            "name": "Gateway stub",
            "provider": "http",
            "url": self.url + "/send",
            "auth_type": "bearer",
            "secret": "stub-token",
            "sender": "RDV",
            "payload_template": '{"to": "{number}", "text": "{message}", '
            '"from": "{sender}", "reference": "{uuid}"}',
            "success_path": "status",
            "success_value": "accepted",
            "message_id_path": "id",
            "status_url": self.url + "/status/{uuid}",
            **values,
        }
