#!/usr/bin/env python3
"""Check that the first pages of a freshly started demo load without Odoo's
"The page is out of date" notice.

Odoo's web client shows that notice when, its bus connected again, the last
bus notification of the page no longer exists on the server (the daily
auto-vacuum deleted it: the page may have missed some). A page that had
received none asked about none and was told so too, on every page of a fresh
demo (rdv_booking/static/src/js/outdated_page_watcher.js); and ``make demo``
builds the asset bundles and runs the due auto-vacuum before it serves, so that
nothing changes under the first pages either.

Run it right after the demo server started, against a fresh database:

    RESET=1 DEMO_DB=rdv_fresh DEMO_PORT=8097 make demo        # in another terminal
    python3 scripts/check_fresh_pages.py --url http://localhost:8097 --minutes 3

It drives Chromium headless (``scripts/screenshots.py``'s client), logs in as
the demo manager and opens the back office's main screens again and again for
``--minutes``, then reloads each one: any notice of stale page, console error
or error dialog fails it (exit code 1).
"""

import argparse
import os
import re
import shutil
import sys
import time

from screenshots import Browser, login

# The notice's title and text, in the languages of the demo users.
STALE = re.compile(r"out of date|outdated|obsol[eè]t|قديم|محدث", re.IGNORECASE)
PAGES = (
    "/odoo/action-rdv_booking.rdv_board_action",
    "/odoo/action-rdv_booking.rdv_dashboard_action",
    "/odoo/action-rdv_booking.rdv_appointment_action_to_reschedule",
    "/odoo/action-rdv_booking.rdv_counter_action",
)
JS_NOTIFICATIONS = """[...document.querySelectorAll('.o_notification')]
    .map(n => n.innerText.replace(/\\s+/g, ' ').trim())"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:%s" % os.environ.get("DEMO_PORT", 8069))
    parser.add_argument("--db", default=os.environ.get("DEMO_DB"))
    parser.add_argument("--login", default="responsable")
    parser.add_argument("--password", default="responsable")
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    options = parser.parse_args()
    base_url = options.url.rstrip("/")

    browser = Browser(options.chromium, timeout=180)
    seen, loads = [], 0
    try:
        started = time.time()
        login(browser, base_url, options.login, options.password, options.db)
        deadline = started + options.minutes * 60
        while True:
            for path in PAGES:
                browser.goto(base_url + path)
                browser.wait_for("!!document.querySelector('.o_action')", path)
                browser.settle(0.5)
                loads += 1
                # Stay on the page a little: the notice comes from the bus.
                for _second in range(5):
                    time.sleep(1)
                    seen += [
                        f"{path} ({time.time() - started:.0f} s): {text}"
                        for text in browser.evaluate(JS_NOTIFICATIONS)
                        if STALE.search(text)
                    ]
            if time.time() > deadline:
                break
    finally:
        errors = list(browser.console_errors)
        browser.close()
    print(f"[fresh-pages] {loads} page loads in {time.time() - started:.0f} s")
    for line in dict.fromkeys(errors):
        print(f"[fresh-pages] console: {line}")
    for line in dict.fromkeys(seen):
        print(f"[fresh-pages] STALE NOTICE: {line}")
    if seen or errors:
        sys.exit(1)
    print("[fresh-pages] no notice of a stale page, no console error")


if __name__ == "__main__":
    main()
