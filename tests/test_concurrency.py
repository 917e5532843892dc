"""No double booking under concurrency, against a real PostgreSQL.

50 bookers race for the 28 slots of one counter through the booking service,
each in its own database connection and transaction, all aiming at the
earliest free slot (the worst case). Exactly 28 bookings must come out, one
per slot, and every booker must end with a booking or a clean "taken"
answer, never an error.

Runs on the database `make test` prepares (RDV_TEST_DB); data are created in a
company of their own and removed afterwards.
"""

import datetime
import threading
import uuid

import pytest

pytestmark = pytest.mark.odoo_db

BOOKERS = 50
ATTEMPTS = 40


@pytest.fixture(scope="module")
def counter_setup(race_commune):
    """A commune of its own with one counter of 28 fifteen-minute slots."""
    with race_commune(f"Race {uuid.uuid4().hex[:8]}") as commune:
        slots = commune.starts
        assert len(slots) == 28, f"the fixture expects 28 slots, got {len(slots)}"
        yield {
            "context": commune.context,
            "company": commune.company_id,
            "type": commune.type_id,
            "counter": commune.counter_id,
        }


def test_parallel_bookers_never_share_a_slot(odoo_registry, counter_setup):
    from psycopg2.errors import SerializationFailure

    from odoo import SUPERUSER_ID, api

    from odoo.addons.rdv_booking.models.rdv_appointment import SlotTakenError

    barrier = threading.Barrier(BOOKERS)
    outcomes = []
    lock = threading.Lock()

    def booker(number):
        result = "no slot left"
        barrier.wait()
        for _attempt in range(ATTEMPTS):
            with odoo_registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, counter_setup["context"])
                rdv_type = env["rdv.appointment.type"].browse(counter_setup["type"])
                counter = env["rdv.counter"].browse(counter_setup["counter"])
                now = datetime.datetime.now()
                free = env["rdv.slot"]._free_starts(
                    rdv_type,
                    now,
                    now + datetime.timedelta(days=14),
                    counters=counter,
                    limit=1,
                )
                if not free:
                    break
                try:
                    appointment = env["rdv.appointment"]._book(
                        rdv_type,
                        counter,
                        free[0][1],
                        channel="phone",
                        citizen={"lastname": f"Booker {number}", "phone": f"+3361{number:07d}"},
                    )
                    cr.commit()
                    result = ("booked", appointment.id, free[0][1])
                    break
                except SlotTakenError:
                    cr.rollback()
                except SerializationFailure:
                    # What Odoo's HTTP layer retries: the snapshot was older
                    # than a concurrent booking of the same row.
                    cr.rollback()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=booker, args=(n,)) for n in range(BOOKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(not thread.is_alive() for thread in threads), "a booker hung"

    booked = [o for o in outcomes if o != "no slot left"]
    assert len(outcomes) == BOOKERS
    assert len(booked) == 28, f"28 slots, {len(booked)} bookings: {outcomes}"
    assert len({start for _tag, _id, start in booked}) == 28, "two bookers share a start"

    with odoo_registry.cursor() as cr:
        cr.execute(
            """SELECT count(*), count(DISTINCT appointment_id),
                      count(*) FILTER (WHERE state = 'booked')
                 FROM rdv_slot WHERE counter_id = %s""",
            (counter_setup["counter"],),
        )
        total, distinct_appointments, booked_slots = cr.fetchone()
        assert (total, distinct_appointments, booked_slots) == (28, 28, 28)
        cr.execute(
            "SELECT count(*) FROM rdv_appointment WHERE counter_id = %s AND state = 'planned'",
            (counter_setup["counter"],),
        )
        assert cr.fetchone()[0] == 28
