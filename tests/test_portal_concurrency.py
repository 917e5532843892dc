"""Many citizens book the same few times at once, over HTTP, on 2 workers.

36 browsers (each with its own session, CSRF tokens and captchas) open the
day's times on the website, then all post "hold this time" at the same moment
for one of 3 times (12 per time), through the real routes of
rdv_booking_portal served by a real Odoo with 2 HTTP workers. Whoever gets a
time goes on: details, summary, code (read from the SMTP sink), verification.

Exactly one confirmed booking per time must come out; every other browser
must get the friendly "This time was just taken" page (HTTP 409, with other
times to choose), never an error; no HTTP 5xx, no traceback in the server log.
"""

import concurrent.futures
import re
import threading

import pytest
from live_odoo import PortalClient, describe, page_h1

pytestmark = pytest.mark.odoo_db

CLIENTS = 36
TIMES = ((9, 0), (9, 15), (9, 30))


def test_one_booking_per_time_and_a_friendly_answer_for_the_others(
    live_server, portal_site, smtp_sink, odoo_registry
):
    site = portal_site
    day = site.local_day(2)
    targets = [site.slot_start(day, hour, minute) for hour, minute in TIMES]
    since = live_server.log_size()
    barrier = threading.Barrier(CLIENTS, timeout=120)
    clients = []

    def citizen(index):
        client = PortalClient(live_server.url, host=site.host)
        clients.append(client)
        target = targets[index % len(targets)]
        try:
            page = client.slots_page(site.type_id, site.place_id, day)
            form = client.hold_forms(page).get(target)
        except BaseException:
            barrier.abort()  # the others stop waiting
            raise
        barrier.wait()  # everybody posts "hold" together
        assert form, f"{target} is not offered on the slots page: {page_h1(page)!r}"
        held = client.hold(form, page)
        if held.status_code == 409:
            return ("taken", target, held)
        assert (held.status_code, page_h1(held)) == (200, "Your details"), describe(held)
        email = f"charge{index}-{site.tag}@example.com"
        summary = client.details(held, f"Charge{index}", email, f"0612{index:06d}")
        assert page_h1(summary) == "Check your appointment", describe(summary)
        verify = client.send_code(summary)
        assert page_h1(verify) == "Type the code you received", describe(verify)
        done = client.verify(verify, smtp_sink.wait_code(email))
        assert page_h1(done) == "Your appointment is confirmed", describe(done)
        return ("booked", target, done)

    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(citizen, index) for index in range(CLIENTS)]
        outcomes = [future.result(timeout=300) for future in futures]

    booked = [(target, page) for kind, target, page in outcomes if kind == "booked"]
    taken = [(target, page) for kind, target, page in outcomes if kind == "taken"]
    assert sorted(target for target, _page in booked) == sorted(targets), (
        "exactly one browser per time gets it"
    )
    assert len(taken) == CLIENTS - len(targets)
    for _target, page in taken:
        assert page_h1(page) == "This time was just taken"
        assert PortalClient.hold_forms(page), "the taken page offers other times"
        assert "Traceback" not in page.text

    statuses = [status for client in clients for _label, status, _s in client.log]
    assert not [s for s in statuses if s >= 500], f"HTTP 5xx answers: {statuses}"
    assert not [row for row in live_server.access(since) if row["status"] >= 500]
    assert live_server.problems(since) == []

    with odoo_registry.cursor() as cr:
        cr.execute(
            """SELECT to_char(s.start, 'YYYY-MM-DD HH24:MI:SS'), s.state, a.state, a.name
                 FROM rdv_slot s LEFT JOIN rdv_appointment a ON a.id = s.appointment_id
                WHERE s.counter_id = %s AND s.start = ANY(%s::timestamp[])""",
            (site.counter_id, targets),
        )
        rows = cr.fetchall()
        assert sorted((start, slot, appointment) for start, slot, appointment, _n in rows) == [
            (target, "booked", "planned") for target in sorted(targets)
        ]
        cr.execute(
            """SELECT count(*) FROM rdv_appointment
                WHERE counter_id = %s AND state = 'pending' AND start = ANY(%s::timestamp[])""",
            (site.counter_id, targets),
        )
        assert cr.fetchone()[0] == 0, "no booking is left half-done"
    # Each winner's confirmation page shows its own reference.
    references = {start: name for start, _slot, _state, name in rows}
    for target, page in booked:
        assert re.search(r"\b%s\b" % re.escape(references[target]), page.text)
