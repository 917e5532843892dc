"""A stub of the ANTS coordination API on loopback, for tests.

It keeps pre-application numbers and their appointments, answers
``GET /status``, ``POST /appointments`` and ``DELETE /appointments`` in the
shapes the hub documents, checks the ``x-rdv-opt-auth-token`` header, and
can be told to misbehave:

- ``ok``: answer;
- ``down``: HTTP 500;
- ``garbage``: HTTP 200 with an HTML page instead of JSON;
- ``slow``: answer after ``delay`` seconds;
- ``raw``: HTTP 200 with the bytes of ``raw``.
"""

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "stub-ants-token"


class AntsStub:
    def __init__(self):
        self.mode = "ok"
        self.delay = 0.0
        self.raw = b""
        # number -> {"status", "appointments": [{management_url, meeting_point,
        # meeting_point_id, appointment_date}]}
        self.numbers = {}
        self.requests = []  # {"method", "path", "query": [(key, value)], "token"}
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def _answer(self, status, body, content_type="application/json"):
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method):
                url = urllib.parse.urlparse(self.path)
                query = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
                mode = stub.mode
                with stub.lock:
                    stub.requests.append(
                        {
                            "method": method,
                            "path": url.path,
                            "query": query,
                            "token": self.headers.get("x-rdv-opt-auth-token"),
                            "mode": mode,
                        }
                    )
                if mode == "slow":
                    time.sleep(stub.delay)
                if mode == "down":
                    return self._answer(500, json.dumps({"detail": "Internal Server Error"}))
                if mode == "garbage":
                    return self._answer(200, "<html><body>Oops</body></html>", "text/html")
                if mode == "raw":
                    return self._answer(200, stub.raw)
                if self.headers.get("x-rdv-opt-auth-token") != TOKEN:
                    return self._answer(401, json.dumps({"detail": "X-RDV-OPT-AUTH-TOKEN invalid"}))
                if method == "GET" and url.path == "/api/status":
                    ids = [value for key, value in query if key == "application_ids"]
                    with stub.lock:
                        answer = {
                            number: stub.numbers.get(
                                number, {"status": "unknown", "appointments": []}
                            )
                            for number in ids
                        }
                    return self._answer(200, json.dumps(answer))
                if url.path == "/api/appointments" and method in ("POST", "DELETE"):
                    params = dict(query)
                    number = params.get("application_id")
                    with stub.lock:
                        entry = stub.numbers.setdefault(
                            number, {"status": "validated", "appointments": []}
                        )
                        key = (params.get("meeting_point_id"), params.get("appointment_date"))
                        found = [
                            item
                            for item in entry["appointments"]
                            if (item["meeting_point_id"], item["appointment_date"]) == key
                        ]
                        if method == "POST":
                            if found:
                                return self._answer(409, json.dumps({"detail": "already"}))
                            entry["appointments"].append(
                                {
                                    name: params.get(name, "")
                                    for name in (
                                        "management_url",
                                        "meeting_point",
                                        "meeting_point_id",
                                        "appointment_date",
                                    )
                                }
                            )
                            entry["status"] = "declared"
                            return self._answer(200, json.dumps({"success": True}))
                        if not found:
                            return self._answer(404, json.dumps({"detail": "not found"}))
                        entry["appointments"].remove(found[0])
                        if not entry["appointments"]:
                            entry["status"] = "validated"
                        return self._answer(200, json.dumps({"rowcount": 1}))
                return self._answer(404, json.dumps({"detail": "Not Found"}))

            def do_GET(self):
                return self._handle("GET")

            def do_POST(self):
                return self._handle("POST")

            def do_DELETE(self):
                return self._handle("DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # A client that gave up waiting (the "slow" mode) is no error of the stub.
        self.server.handle_error = lambda request, client_address: None
        self.url = "http://127.0.0.1:%s/api" % self.server.server_address[1]

    def start(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def reset(self):
        """Forget every number and request, and answer again."""
        self.mode, self.delay = "ok", 0.0
        with self.lock:
            self.numbers.clear()
            self.requests.clear()

    @classmethod
    def plug(cls, case, company, appointment_type, reason="CNI"):
        """Start a stub for the test class ``case``: ``appointment_type`` becomes
        the ``reason`` procedure of ``company``, which checks its numbers with
        the stub. Returns the stub (stopped with the class)."""
        stub = cls().start()
        case.addClassCleanup(stub.stop)
        appointment_type.ants_reason = reason
        company.sudo().write({"rdv_ants_url": stub.url, "rdv_ants_token": TOKEN})
        return stub

    def calls(self, method, path=None):
        """The requests of ``method`` (and ``path``) received, oldest first."""
        with self.lock:
            return [
                r
                for r in self.requests
                if r["method"] == method and (path is None or r["path"] == path)
            ]
