#!/usr/bin/env python3
"""Take the README screenshots of the back office from a running demo server.

Start a demo server first (it creates the database with the demo data the
first time), then run this script against it:

    DEMO_DB=rdv_shots DEMO_PORT=8096 make demo          # in another terminal
    python3 scripts/screenshots.py --url http://localhost:8096
    python3 scripts/screenshots.py --url http://localhost:8096 --only dashboard

It drives Debian's Chromium headless over the DevTools protocol (the
``websocket-client`` package, a test dependency of the project), logs in as
the demo manager (``responsable`` / ``responsable``) and writes 1280x800 PNG
files into ``docs/screenshots/``.  Browser console errors and error dialogs are
reported; an error dialog or a view that does not render fails the script.
"""

import argparse
import base64
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

try:
    import websocket  # websocket-client
except ImportError:  # pragma: no cover
    sys.exit("screenshots.py needs websocket-client: python3 -m pip install websocket-client")

ROOT = pathlib.Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1280, 800
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
    "--mute-audio",
    f"--window-size={WIDTH},{HEIGHT}",
]

# JavaScript: the web client is idle (no loading indicator, no blocked UI).
JS_IDLE = """(() => !document.querySelector('.o_loading_indicator, .o_blockUI, .o_spinner')
    && !document.body.classList.contains('o_ui_blocked'))()"""
JS_ERROR_DIALOG = """(() => {
    const el = document.querySelector('.o_error_dialog, .o_dialog .modal-title');
    const title = el && (el.closest('.modal') || el).innerText;
    return title && /error|erreur|warning|avertissement/i.test(title) ? title.slice(0, 500) : '';
})()"""

JS_CLOSE_NOTIFICATIONS = """(() => {
    const notes = [...document.querySelectorAll('.o_notification')];
    const texts = notes.map(n => n.innerText.replace(/\\s+/g, ' ').trim());
    notes.forEach(n => n.querySelector('.o_notification_close')?.click());
    return texts;
})()"""


class Browser:
    """A minimal synchronous DevTools client for one page."""

    def __init__(self, executable, timeout=60):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="rdv_shots_")
        self.process = subprocess.Popen(
            [
                executable,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={self.profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = pathlib.Path(self.profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.time() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError(f"{executable} did not start (no DevToolsActivePort)")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as response:
            targets = json.load(response)
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=timeout, suppress_origin=True
        )
        self.next_id = 0
        self.console_errors = []
        self.notifications = []
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Log.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.send("Emulation.setTimezoneOverride", timezoneId="Europe/Paris")

    def _event(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            self.console_errors.append(f"exception: {text}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = " ".join(
                str(arg.get("value", arg.get("description", ""))) for arg in params["args"]
            )
            self.console_errors.append(f"console.{params['type']}: {args}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            self.console_errors.append(f"log: {entry.get('text')} {entry.get('url', '')}")

    def send(self, method, **params):
        self.next_id += 1
        call_id = self.next_id
        self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._event(message)

    def evaluate(self, expression):
        result = self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, what, timeout=None):
        """Poll a JavaScript expression until it is truthy (e.g. an element is there)."""
        deadline = time.time() + (timeout or self.timeout)
        while time.time() < deadline:
            error = self.evaluate(JS_ERROR_DIALOG)
            if error:
                raise RuntimeError(f"error dialog while waiting for {what}: {error}")
            if self.evaluate(f"!!({expression})"):
                return True
            time.sleep(0.25)
        raise RuntimeError(f"timeout waiting for {what} ({expression})")

    def goto(self, url):
        self.send("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'", f"page {url}")

    def settle(self, delay=1.0):
        """Wait for the web client to be idle, then for animations to end."""
        self.wait_for(JS_IDLE, "the web client to be idle")
        time.sleep(delay)
        self.wait_for(JS_IDLE, "the web client to be idle")

    def screenshot(self, path):
        data = self.send(
            "Page.captureScreenshot",
            format="png",
            clip={"x": 0, "y": 0, "width": WIDTH, "height": HEIGHT, "scale": 1},
        )["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self):
        try:
            if getattr(self, "ws", None):
                self.ws.close()
        finally:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


def rpc(browser, model, method, args, **kwargs):
    """Call the ORM from the logged-in page (JSON-RPC, as the web client does)."""
    payload = json.dumps(
        {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs},
        }
    )
    result = browser.evaluate(
        f"""fetch('/web/dataset/call_kw/{model}/{method}', {{
            method: 'POST',
            headers: {{'Content-Type': 'application/json'}},
            body: {json.dumps(payload)},
        }}).then(r => r.json())"""
    )
    if result.get("error"):
        raise RuntimeError(f"{model}.{method}: {result['error'].get('data', {}).get('message')}")
    return result["result"]


def first_id(browser, model, *domains, order=None):
    """The id of the first record matching the first domain that matches one."""
    for domain in domains:
        records = rpc(browser, model, "search_read", [domain, ["id"]], limit=1, order=order)
        if records:
            return records[0]["id"]
    raise RuntimeError(f"no {model} record found for {domains}")


def login(browser, base_url, user, password, db):
    url = f"{base_url}/web/login" + (f"?db={db}" if db else "")
    browser.goto(url)
    browser.wait_for("document.querySelector('form.oe_login_form')", "the login form")
    browser.evaluate(
        f"""(() => {{
            const form = document.querySelector('form.oe_login_form');
            form.querySelector('input[name=login]').value = {json.dumps(user)};
            form.querySelector('input[name=password]').value = {json.dumps(password)};
            form.submit();
        }})()"""
    )
    time.sleep(1)
    browser.wait_for(
        "document.readyState === 'complete' && !!document.querySelector('.o_main_navbar')",
        f"the web client after logging in as {user}",
    )


# Names of the screenshots to take (--only); empty: every one.
ONLY = set()


def shoot(browser, base_url, out_dir, name, path, ready, actions=(), delay=1.5):
    """Open ``path``, wait for ``ready`` (JavaScript), run ``actions``, save the PNG."""
    if ONLY and name not in ONLY:
        return None
    browser.goto(base_url + path)
    browser.wait_for(ready, f"{name}: {ready}")
    for action, condition in actions:
        browser.evaluate(action)
        browser.wait_for(condition, f"{name}: {condition}")
    browser.settle(delay)
    # Close the notifications (e.g. "The page is out of date" right after the
    # server generated its asset bundles): they would hide part of the view.
    notes = browser.evaluate(JS_CLOSE_NOTIFICATIONS)
    if notes:
        browser.notifications.extend(f"{name}: {note}" for note in notes)
        browser.settle(0.5)
    target = out_dir / f"{name}.png"
    browser.screenshot(target)
    print(f"[screenshots] {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return target


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url",
        default=os.environ.get(
            "RDV_URL", "http://localhost:%s" % os.environ.get("DEMO_PORT", 8069)
        ),
        help="base URL of the running demo server (default: http://localhost:$DEMO_PORT)",
    )
    parser.add_argument("--db", default=os.environ.get("DEMO_DB"), help="database (optional)")
    parser.add_argument("--login", default="responsable")
    parser.add_argument("--password", default="responsable")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument(
        "--only", default="", help="comma-separated names of the screenshots to take (default: all)"
    )
    options = parser.parse_args()
    ONLY.update(name for name in options.only.split(",") if name)
    base_url = options.url.rstrip("/")
    out_dir = pathlib.Path(options.out)
    out_dir.mkdir(parents=True, exist_ok=True)

    browser = Browser(options.chromium)
    try:
        login(browser, base_url, options.login, options.password, options.db)

        # 1. The agents' board, in French: every counter side by side, on the
        #    next day with appointments (the demo is created on the real today).
        uid = first_id(browser, "res.users", [("login", "=", options.login)])
        lang = rpc(browser, "res.users", "read", [[uid], ["lang"]])[0]["lang"]
        rpc(browser, "res.users", "write", [[uid], {"lang": "fr_FR"}])
        try:
            shoot(
                browser,
                base_url,
                out_dir,
                "slot-calendar",
                "/odoo/action-rdv_booking.rdv_board_action",
                "document.querySelector('.o_rdv_board .o_rdv_slot')",
                actions=[
                    (
                        "(async () => { for (let i = 0; i < 10; i++) {"
                        " if (document.querySelectorAll('.o_rdv_slot_booked').length >= 3)"
                        " return true;"
                        " document.querySelector('.o_rdv_board_next').click();"
                        " await new Promise((r) => setTimeout(r, 1000)); } return true; })()",
                        "document.querySelector('.o_rdv_slot_booked')",
                    ),
                ],
            )
        finally:
            rpc(browser, "res.users", "write", [[uid], {"lang": lang}])

        # 2. An appointment's form: a planned one, booked online if possible.
        appointment_id = first_id(
            browser,
            "rdv.appointment",
            [
                ("state", "=", "planned"),
                ("is_past", "=", False),
                ("channel", "=", "web"),
                ("type_id.max_persons", ">", 1),
                ("email", "!=", False),
            ],
            [("state", "=", "planned"), ("is_past", "=", False)],
            [],
            order="start asc",
        )
        shoot(
            browser,
            base_url,
            out_dir,
            "appointment-form",
            f"/odoo/action-rdv_booking.rdv_appointment_action_planned/{appointment_id}",
            "document.querySelector('.o_form_view .o_field_widget[name=partner_id]')"
            " && document.querySelector('.o_statusbar_status .o_arrow_button_current')",
        )

        # 3. The queue of appointments to reschedule.
        shoot(
            browser,
            base_url,
            out_dir,
            "to-reschedule",
            "/odoo/action-rdv_booking.rdv_appointment_action_to_reschedule",
            "document.querySelector('.o_list_view .o_data_row')"
            " || document.querySelector('.o_view_nocontent')",
        )

        # 4. The appointment analysis (pivot).
        shoot(
            browser,
            base_url,
            out_dir,
            "appointment-analysis",
            "/odoo/action-rdv_booking.rdv_appointment_action_analysis",
            "document.querySelector('.o_pivot table .o_pivot_cell_value')",
        )

        # 5. The manager's dashboard, this week.
        shoot(
            browser,
            base_url,
            out_dir,
            "dashboard",
            "/odoo/action-rdv_booking.rdv_dashboard_action",
            "document.querySelector('.o_rdv_dashboard .o_rdv_tile')"
            " && document.querySelector('.o_rdv_lead_times tbody tr')",
        )

        # 6. A counter whose opening hours have an exception range.
        counter_id = first_id(
            browser, "rdv.counter", [("exception_ids", "!=", False)], [], order="id"
        )
        shoot(
            browser,
            base_url,
            out_dir,
            "counter-form",
            f"/odoo/action-rdv_booking.rdv_counter_action/{counter_id}",
            "document.querySelector("
            "'.o_form_view .o_field_widget[name=exception_ids] .o_data_row')",
        )
    finally:
        browser.close()

    if browser.notifications:
        print("[screenshots] notifications closed before the screenshots:", file=sys.stderr)
        for note in browser.notifications:
            print(f"  {note}", file=sys.stderr)
    if browser.console_errors:
        print("[screenshots] browser console errors:", file=sys.stderr)
        for error in browser.console_errors:
            print(f"  {error}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
