"""Per-person limits hold under concurrency, against a real PostgreSQL.

Rounds of three bookers race through the booking service, each in its own
database connection and transaction, for a type allowing ONE active booking
per person. In a round, every two bookers share exactly one detail (phone,
e-mail or ID document number) and nothing else: they are one person, and
exactly one of them may book. Each aims at a time of its own, so that only the
person's limit, not a slot, decides. A booker whose transaction PostgreSQL
refuses (serialization failure, deadlock) tries again, as Odoo's HTTP layer
does.

Runs on the database `make test` prepares (RDV_TEST_DB); data are created in a
company of their own and removed afterwards.
"""

import threading
import uuid

import pytest

pytestmark = pytest.mark.odoo_db

ROUNDS = 8
ATTEMPTS = 40


def round_people(number):
    """Three bookers, every two sharing exactly one detail: A and B the phone,
    A and C the e-mail, B and C the ID number."""
    phone = [f"+3367{number:02d}{k:05d}" for k in range(3)]
    email = [f"round{number}.{k}@example.com" for k in range(3)]
    ids = [f"R{number:02d}ID{k}" for k in range(3)]
    return [
        {"phone": phone[0], "email": email[0], "id_number": ids[0]},
        {"phone": phone[0], "email": email[1], "id_number": ids[1]},
        {"phone": phone[2], "email": email[0], "id_number": ids[1]},
    ]


@pytest.fixture(scope="module")
def limits_setup(race_commune):
    """A commune of its own, one counter of 28 fifteen-minute slots, a type
    of one active booking per person."""
    tag = uuid.uuid4().hex[:8]
    with race_commune(
        f"Limits {tag}",
        procedure_code=f"limits-{tag}",
        ask_phone="optional",
        ask_email="optional",
        ask_id_number="optional",
    ) as commune:
        starts = commune.starts
        assert len(starts) >= 3 * ROUNDS, f"the fixture needs {3 * ROUNDS} slots"
        yield {
            "context": commune.context,
            "company": commune.company_id,
            "type": commune.type_id,
            "counter": commune.counter_id,
            "starts": starts,
        }


def test_one_person_sharing_one_detail_books_once_in_parallel(odoo_registry, limits_setup):
    from psycopg2.errors import DeadlockDetected, SerializationFailure

    from odoo import SUPERUSER_ID, api

    from odoo.addons.rdv_booking.models.rdv_appointment import BookingError

    bookers = [(number, person) for number in range(ROUNDS) for person in round_people(number)]
    barrier = threading.Barrier(len(bookers))
    outcomes = {}
    lock = threading.Lock()

    def booker(index, number, person):
        result = "gave up"
        barrier.wait()
        for _attempt in range(ATTEMPTS):
            with odoo_registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, limits_setup["context"])
                try:
                    env["rdv.appointment"]._book(
                        env["rdv.appointment.type"].browse(limits_setup["type"]),
                        env["rdv.counter"].browse(limits_setup["counter"]),
                        limits_setup["starts"][index],
                        channel="phone",
                        citizen={"lastname": f"Round {number}", **person},
                    )
                    cr.commit()
                    result = "booked"
                    break
                except BookingError as error:
                    cr.rollback()
                    result = error.code
                    break
                except (SerializationFailure, DeadlockDetected):
                    cr.rollback()  # what Odoo's HTTP layer runs again
        with lock:
            outcomes.setdefault(number, []).append(result)

    threads = [
        threading.Thread(target=booker, args=(index, number, person))
        for index, (number, person) in enumerate(bookers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(not thread.is_alive() for thread in threads), "a booker hung"

    for number in range(ROUNDS):
        assert sorted(outcomes[number]) == ["booked", "limit", "limit"], (
            f"round {number}: one person, one booking: {outcomes}"
        )
    with odoo_registry.cursor() as cr:
        cr.execute(
            "SELECT count(*) FROM rdv_appointment WHERE company_id = %s AND state = 'planned'",
            (limits_setup["company"],),
        )
        assert cr.fetchone()[0] == ROUNDS
