"""Bursts through the cluster: a crowd at the same instant loses no answer.

When a commune opens its planning, hundreds of citizens post the booking form
in the same second. Through nginx and the two web nodes, each citizen (its
own session, its own address, the form's body sent after its headers as a
browser sends it) must get their page: the time held for them (303 to the
details step) or "just taken" (409, with the next free times). Never a reset
connection, a timeout, a 5xx or a proxy's error page; and in the database no
time has more appointments than its seats.

Then the same for the public API (``/api/v1``, OCA fastapi): a client system
books and reads availability in one burst; every call is answered (201 or
409 for the bookings, 200 for the reads).

Figures printed: time to answer all, p50/p95/p99, answers by kind. The cause
of the resets this guards against and the settings that queue a burst are in
``rdv_booking_portal/http_backlog.py`` and ``deploy/nginx/rdv.conf``.
"""

import asyncio
import datetime
import uuid

import crowd
import pytest
from conftest import cluster_env, local_day, slot_start

pytestmark = pytest.mark.cluster

CITIZENS = 500
TARGETS = 40  # times of one day, each one seat: 40 held, 460 "just taken"
API_BOOKINGS = 300
API_READS = 200
API_TARGETS = 20

# Every citizen comes from an address of its own: the commune's limits per
# address stay low, as a commune sets them.
SITE_LIMITS = {"rdv_posts_per_ip_minute": 30, "rdv_live_holds_per_ip": 4}


def by_kind(outcomes):
    return {kind: outcomes.count(kind) for kind in sorted(set(outcomes))}


def seats_overbooked(cluster, counter_id):
    """Times of the counter whose active appointments outnumber its seats."""
    return cluster.query(
        """SELECT a.start, count(DISTINCT a.id), (
                      SELECT count(*) FROM rdv_slot s
                       WHERE s.counter_id = a.counter_id AND s.start = a.start)
             FROM rdv_appointment a
            WHERE a.counter_id = %s AND a.state IN ('pending', 'planned')
         GROUP BY a.counter_id, a.start
           HAVING count(DISTINCT a.id) > (
                      SELECT count(*) FROM rdv_slot s
                       WHERE s.counter_id = a.counter_id AND s.start = a.start)""",
        (counter_id,),
    )


def test_burst_of_bookings(cluster, cluster_site, capsys):
    day = local_day(2)
    page = f"/rdv/type/{cluster_site.type_id}/slots?place={cluster_site.place_id}&day={day}"
    targets = [slot_start(day, 8 + n // 4, 15 * (n % 4)) for n in range(TARGETS)]

    answers, elapsed, outcomes = crowd.hold_burst(
        cluster.url, page, CITIZENS, targets, host=cluster_site.host
    )
    with capsys.disabled():  # the figures, also when the test passes
        print("\n" + crowd.summary(f"{CITIZENS} citizens post at once", answers, elapsed))
    assert set(outcomes) <= {"held", "taken"}, by_kind(outcomes)
    assert outcomes.count("held") == TARGETS, by_kind(outcomes)
    rows = cluster.query(
        """SELECT to_char(s.start, 'YYYY-MM-DD HH24:MI:SS'), s.state, a.state
             FROM rdv_slot s JOIN rdv_appointment a ON a.id = s.appointment_id
            WHERE s.counter_id = %s AND s.start = ANY(%s::timestamp[])""",
        (cluster_site.counter_id, targets),
    )
    assert sorted(rows) == [(t, "held", "pending") for t in sorted(targets)]
    assert seats_overbooked(cluster, cluster_site.counter_id) == []
    (count,) = cluster.query(
        "SELECT count(*) FROM rdv_appointment WHERE company_id = %s", (cluster_site.company_id,)
    )[0]
    assert count == TARGETS


@pytest.fixture
def api_key(cluster_registry, cluster_site):
    """A trusted client system of the test commune (it books at once), whose
    calls per minute allow the burst: its limit is not what is tested."""
    with cluster_env(cluster_registry) as env:
        client = env["rdv.api.client"].create(
            {
                "name": f"Burst {cluster_site.tag}",
                "company_id": cluster_site.company_id,
                "trusted": True,
                "rate_limit": 100000,
            }
        )
        key, client_id = client._rdv_new_key(), client.id
    yield key
    with cluster_env(cluster_registry) as env:
        env.cr.execute("DELETE FROM rdv_api_log WHERE client_id = %s", (client_id,))
        env["rdv.appointment"].search([("api_client_id", "=", client_id)]).write(
            {"api_client_id": False}
        )
        env["rdv.api.client"].browse(client_id).unlink()


def test_burst_of_api_calls(cluster, cluster_site, api_key, capsys):
    day = local_day(3)
    targets = [slot_start(day, 8 + n // 4, 15 * (n % 4)) for n in range(API_TARGETS)]
    headers = {"X-API-Key": api_key, "Host": cluster_site.host}
    run_tag = uuid.uuid4().hex[:6]
    block = crowd.fresh_block()

    async def book(number, go):
        start = datetime.datetime.fromisoformat(targets[number % API_TARGETS])
        body = {
            "type_id": cluster_site.type_id,
            "counter_id": cluster_site.counter_id,
            "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "persons": 1,
            "citizen": {
                "lastname": f"Rafale{number}",
                "email": f"rafale-{run_tag}-{number}@example.com",
            },
        }
        await go.wait()
        return await crowd.request(
            cluster.url + "/api/v1/appointments",
            "POST",
            json_body=body,
            headers=headers,
            source=crowd.source_address(number, block),
        )

    async def read(number, go):
        await go.wait()
        return await crowd.request(
            cluster.url
            + f"/api/v1/availability?type_id={cluster_site.type_id}&date_from={day}&limit=50",
            headers=headers,
            source=crowd.source_address(API_BOOKINGS + number, block),
        )

    async def run():
        go = asyncio.Event()
        tasks = [asyncio.ensure_future(book(n, go)) for n in range(API_BOOKINGS)]
        tasks += [asyncio.ensure_future(read(n, go)) for n in range(API_READS)]
        await asyncio.sleep(0.2)
        started = asyncio.get_running_loop().time()
        go.set()
        answers = await asyncio.gather(*tasks)
        return answers, asyncio.get_running_loop().time() - started

    answers, elapsed = asyncio.run(run())

    def outcome(answer):
        return answer.kind if answer.kind != "http" else f"http {answer.status}"

    bookings, reads = answers[:API_BOOKINGS], answers[API_BOOKINGS:]
    with capsys.disabled():
        print("\n" + crowd.summary(f"{API_BOOKINGS} API bookings", bookings, elapsed, outcome))
        print(crowd.summary(f"{API_READS} API availability reads", reads, elapsed, outcome))
    booked = [outcome(a) for a in bookings]
    assert set(booked) <= {"http 201", "http 409"}, by_kind(booked)
    assert booked.count("http 201") == API_TARGETS, by_kind(booked)
    answered = [outcome(a) for a in reads]
    assert set(answered) == {"http 200"}, by_kind(answered)
    assert seats_overbooked(cluster, cluster_site.counter_id) == []
