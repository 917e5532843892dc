"""A crowd posting the booking form at the same instant to Odoo's own HTTP
workers: every citizen gets their page, none a reset connection.

Odoo's prefork server listens with a backlog of 8 x workers; past it, the
kernel answers with SYN cookies and resets the connections whose form body
came in a segment of its own (``rdv_booking_portal/http_backlog.py`` tells
the whole story). 120 citizens, each with its own session and address, post
the hold form of one of 10 times, released together, their headers and body
written apart as a browser does. With the backlog of 16 a good third of them
were reset; with the addon's backlog none is.

The cluster's version, through nginx and 500 citizens, is
``tests/cluster/test_burst.py``.
"""

import subprocess

import crowd
import pytest

pytestmark = pytest.mark.odoo_db

CITIZENS = 120
TARGETS = 10


def test_listen_backlog_holds_a_crowd(live_server):
    """The server's listening socket queues far more than 8 x workers."""
    listing = subprocess.run(
        ["ss", "-Hltn", f"sport = :{live_server.port}"], capture_output=True, text=True, check=True
    ).stdout.split()
    # For a listening socket, ss prints the backlog in the Send-Q column.
    assert int(listing[2]) >= 1024, listing


def test_burst_of_holds_loses_no_answer(live_server, portal_site, odoo_registry, capsys):
    # A day and hours no other test of the session books.
    day = portal_site.local_day(9)
    page = f"/rdv/type/{portal_site.type_id}/slots?place={portal_site.place_id}&day={day}"
    targets = [portal_site.slot_start(day, 14 + n // 4, 15 * (n % 4)) for n in range(TARGETS)]
    since = live_server.log_size()

    answers, elapsed, outcomes = crowd.hold_burst(
        live_server.url, page, CITIZENS, targets, host=portal_site.host
    )
    with capsys.disabled():  # the figures, also when the test passes
        print("\n" + crowd.summary(f"{CITIZENS} holds at once, 2 workers", answers, elapsed))
    assert set(outcomes) <= {"held", "taken"}, {o: outcomes.count(o) for o in set(outcomes)}
    assert outcomes.count("held") == TARGETS
    assert not [row for row in live_server.access(since) if row["status"] >= 500]
    assert live_server.problems(since) == []
    with odoo_registry.cursor() as cr:
        # Each time has one seat: held once, by one pending booking.
        cr.execute(
            """SELECT to_char(s.start, 'YYYY-MM-DD HH24:MI:SS'), s.state, a.state
                 FROM rdv_slot s JOIN rdv_appointment a ON a.id = s.appointment_id
                WHERE s.counter_id = %s AND s.start = ANY(%s::timestamp[])""",
            (portal_site.counter_id, targets),
        )
        assert sorted(cr.fetchall()) == [(t, "held", "pending") for t in sorted(targets)]
        cr.execute(
            "SELECT count(*) FROM rdv_appointment WHERE company_id = %s",
            (portal_site.company_id,),
        )
        assert cr.fetchone()[0] == TARGETS
