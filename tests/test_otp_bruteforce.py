"""Brute force on one one-time code, over HTTP, spread over 2 workers.

A citizen holds a time and has a code sent (read from the SMTP sink). Then
wrong guesses for that code arrive in parallel, each in a connection of its
own with the citizen's session cookie, so that both HTTP workers of the live
server take some. After the company's 5 attempts (the default, checked here)
the code is dead: the 6th attempt is refused with a clear message even with
the right code, and so is every later one, whichever worker takes it. The
booking is never confirmed.

The attempts are counted in PostgreSQL (rdv.rate.limit): a per-process count
would let each worker allow 5, which this test would see.
"""

import live_odoo
import pytest
from live_odoo import PortalClient, describe, page_alert, page_h1

pytestmark = pytest.mark.odoo_db

DEAD = "This code can no longer be used. Ask for a new code."


def guesses_in_parallel(live_server, site, session, verify_page, codes):
    """POST each of ``codes`` to /rdv/booking/verify at once, each from a
    connection of its own in ``session``; returns the answers in order."""
    return live_odoo.guesses_in_parallel(
        live_server.url, site.host, session, codes, lambda c, code: c.verify(verify_page, code)
    )


def test_one_code_is_dead_after_5_attempts_across_workers(
    live_server, portal_site, smtp_sink, odoo_registry
):
    site = portal_site
    with odoo_registry.cursor() as cr:
        cr.execute("SELECT rdv_otp_max_attempts FROM res_company WHERE id = %s", (site.company_id,))
        assert cr.fetchone()[0] == 5, "the default: 5 attempts per code"
    since = live_server.log_size()

    # The citizen's booking, up to the code.
    citizen = PortalClient(live_server.url, host=site.host)
    day = site.local_day(3)
    start = site.slot_start(day, 10, 0)
    page = citizen.slots_page(site.type_id, site.place_id, day)
    held = citizen.hold(citizen.hold_forms(page)[start], page)
    email = f"victime-{site.tag}@example.com"
    summary = citizen.details(held, "Victime", email, "0611223344")
    verify = citizen.send_code(summary)
    assert page_h1(verify) == "Type the code you received", describe(verify)
    code = smtp_sink.wait_code(email)
    wrong = ["%06d" % ((int(code) + shift) % 10**6) for shift in range(1, 20)]

    # 5 wrong guesses at once: each is counted, none is lost to a race.
    first = guesses_in_parallel(live_server, site, citizen.session, verify, wrong[:5])
    assert [r.status_code for r in first] == [400] * 5
    assert sorted(page_alert(r) for r in first) == sorted(
        ["Wrong code. Attempts left: %s." % left for left in (4, 3, 2, 1)]
        + ["Wrong code, and no attempt left. Ask for a new code."]
    )

    # The 6th attempt, with the right code: refused, clearly.
    sixth = citizen.verify(verify, code)
    assert (sixth.status_code, page_h1(sixth)) == (400, "Type the code you received")
    assert page_alert(sixth) == DEAD

    # More at once, the right code among them: all refused, on every worker.
    later = guesses_in_parallel(
        live_server, site, citizen.session, verify, wrong[5:12] + [code, code]
    )
    assert [(r.status_code, page_alert(r)) for r in later] == [(400, DEAD)] * 9

    verify_lines = live_server.access(since, r"^/rdv/booking/verify$")
    posts = [row for row in verify_lines if row["method"] == "POST"]
    assert len(posts) == 5 + 1 + 9
    assert len({row["pid"] for row in posts}) == 2, "both workers took guesses"
    assert live_server.problems(since) == []

    with odoo_registry.cursor() as cr:
        cr.execute(
            """SELECT a.state, s.state, o.consumed_at IS NULL
                 FROM rdv_appointment a
                 JOIN rdv_slot s ON s.appointment_id = a.id
                 JOIN rdv_otp o ON o.appointment_id = a.id
                WHERE a.counter_id = %s AND a.email = %s""",
            (site.counter_id, email),
        )
        assert cr.fetchall() == [("pending", "held", True)], "the booking is not confirmed"
