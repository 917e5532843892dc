"""The replica serves the read-only pages; a time is taken on the primary only.

A slot page is read from the streaming replica (the route is declared
``readonly=True`` and the web nodes have ``db_replica_host``), so it may show
a time that was taken a moment ago.  Holding that time is a write: it is done
on the primary, where the time is already gone, and the citizen gets the
friendly "just taken" page, never a second booking.  The replica is held back
on purpose (``recovery_min_apply_delay``) so that the stale page is certain,
not a matter of luck.

If the replica is down, the read-only pages are read from the primary.
"""

import concurrent.futures
import contextlib
import subprocess
import threading
import time

import pytest
from conftest import citizen, local_day, slot_start
from live_odoo import describe, page_h1

pytestmark = pytest.mark.cluster

DELAY = "120s"
# Through nginx, every citizen of these tests comes from 127.0.0.1.
SITE_LIMITS = {"rdv_live_holds_per_ip": 20, "rdv_posts_per_ip_minute": 60}


@contextlib.contextmanager
def lagging(cluster):
    """The replica applies what the primary commits DELAY later."""
    cluster.pg_admin(f"ALTER SYSTEM SET recovery_min_apply_delay = '{DELAY}'", replica=True)
    cluster.pg_admin("SELECT pg_reload_conf()", replica=True)
    try:
        yield
    finally:
        cluster.pg_admin("ALTER SYSTEM RESET recovery_min_apply_delay", replica=True)
        cluster.pg_admin("SELECT pg_reload_conf()", replica=True)
        cluster.wait_replica(timeout=60)


@pytest.fixture
def lagging_replica(cluster):
    with lagging(cluster):
        yield


def _taken_seats(cluster, site, start):
    """Appointments holding or booking ``start`` at the site's counter (primary)."""
    return cluster.query(
        """
        SELECT count(*) FROM rdv_appointment
         WHERE counter_id = %s AND start = %s AND state NOT IN ('cancelled')
        """,
        (site.counter_id, start),
    )[0][0]


def test_a_time_seen_free_on_a_lagging_replica_is_booked_once(
    cluster, cluster_site, lagging_replica
):
    site = cluster_site
    day = local_day(3)
    first, second = slot_start(day, 10, 0), slot_start(day, 10, 15)

    # Two citizens open the day through nginx: both times are offered.
    early, late = citizen(cluster.url, site), citizen(cluster.url, site)
    early_page = early.slots_page(site.type_id, site.place_id, day)
    assert first in early.hold_forms(early_page), describe(early_page)

    # The first holds the time: on the primary.
    held = early.hold(early.hold_forms(early_page)[first], early_page)
    assert (held.status_code, page_h1(held)) == (200, "Your details"), describe(held)

    # The second opens the day after that: the page comes from the replica,
    # which has not applied the hold yet, so the time is still offered...
    late_page = late.slots_page(site.type_id, site.place_id, day)
    assert first in late.hold_forms(late_page), (
        "the slot page did not come from the lagging replica: " + describe(late_page)
    )
    # ...and holding it is refused on the primary, kindly.
    lost = late.hold(late.hold_forms(late_page)[first], late_page)
    assert lost.status_code == 409, describe(lost)
    assert page_h1(lost) == "This time was just taken", describe(lost)
    assert _taken_seats(cluster, site, first) == 1

    # Two more citizens race for another time seen free, at the same instant.
    racers = [citizen(cluster.url, site) for _i in range(2)]
    pages = [r.slots_page(site.type_id, site.place_id, day) for r in racers]
    barrier = threading.Barrier(len(racers), timeout=60)

    def race(index):
        racer, page = racers[index], pages[index]
        form = racer.hold_forms(page)[second]
        barrier.wait()
        return racer.hold(form, page)

    with concurrent.futures.ThreadPoolExecutor(len(racers)) as pool:
        answers = list(pool.map(race, range(len(racers))))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 409], [describe(a) for a in answers]
    assert _taken_seats(cluster, site, second) == 1
    # The replica still lags: what it shows is not what was taken.
    (on_replica,) = cluster.query(
        "SELECT count(*) FROM rdv_appointment WHERE counter_id = %s",
        (site.counter_id,),
        replica=True,
    )[0]
    assert on_replica == 0


def _every_page_from_the_replica(cluster, site, day, hour):
    """A time is held while the replica lags: every one of many slot pages
    (spread over both nodes and their workers by nginx) still offers it."""
    start = slot_start(day, hour, 0)
    with lagging(cluster):
        holder = citizen(cluster.url, site)
        page = holder.slots_page(site.type_id, site.place_id, day)
        held = holder.hold(holder.hold_forms(page)[start], page)
        assert (held.status_code, page_h1(held)) == (200, "Your details"), describe(held)
        for _i in range(12):
            reader = citizen(cluster.url, site)
            page = reader.slots_page(site.type_id, site.place_id, day)
            assert start in reader.hold_forms(page), "read from the primary: " + describe(page)


def test_read_only_pages_use_the_replica(cluster, cluster_site):
    _every_page_from_the_replica(cluster, cluster_site, local_day(2), 9)


def test_the_replica_down_pages_are_read_from_the_primary(cluster, cluster_site):
    site = cluster_site
    version_and_name = cluster.pg_admin("SHOW cluster_name", replica=True)
    version, name = version_and_name.split("/")
    subprocess.run(["pg_ctlcluster", version, name, "stop", "-m", "fast"], check=True)
    try:
        day = local_day(4)
        for _i in range(6):  # every worker of both nodes, whatever the balancing
            browser = citizen(cluster.url, site)
            page = browser.slots_page(site.type_id, site.place_id, day)
            assert page.status_code == 200, describe(page)
            assert slot_start(day, 11, 0) in browser.hold_forms(page), describe(page)
        held = browser.hold(browser.hold_forms(page)[slot_start(day, 11, 0)], page)
        assert (held.status_code, page_h1(held)) == (200, "Your details"), describe(held)
    finally:
        subprocess.run(["pg_ctlcluster", version, name, "start"], check=True)
        cluster.wait_replica(timeout=60)
        # Each worker that fell back reads the primary until it restarts.
        cluster.run("rolling-restart")
    # Back on the replica.
    _every_page_from_the_replica(cluster, site, local_day(8), 9)


def test_readers_see_no_error_when_the_replica_stops_under_them(cluster, cluster_site):
    """Citizens reading slot pages while the replica stops and starts again:
    a request whose replica connection dies under it is served again from
    the primary (it is read-only), so nobody gets the maintenance page (an
    operator saw 3 of them at that instant)."""
    site = cluster_site
    version, name = cluster.pg_admin("SHOW cluster_name", replica=True).split("/")
    day = local_day(5)
    statuses = []
    stop = threading.Event()

    def reader():
        browser = citizen(cluster.url, site)
        while not stop.is_set():
            try:
                statuses.append(browser.slots_page(site.type_id, site.place_id, day).status_code)
            except Exception as error:  # noqa: BLE001 - a lost answer is counted, not raised
                statuses.append(type(error).__name__)

    readers = [threading.Thread(target=reader) for _i in range(6)]
    for thread in readers:
        thread.start()
    try:
        for _round in range(2):
            # Pages read from the replica, each worker with its connection.
            time.sleep(3)
            subprocess.run(["pg_ctlcluster", version, name, "stop", "-m", "fast"], check=True)
            time.sleep(2)
            subprocess.run(["pg_ctlcluster", version, name, "start"], check=True)
            cluster.wait_replica(timeout=60)
            # Back on the replica after the primary stood in (20 s).
            time.sleep(22)
    finally:
        stop.set()
        for thread in readers:
            thread.join(60)
    assert len(statuses) > 50
    assert set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
