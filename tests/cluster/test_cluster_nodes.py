"""One citizen's requests spread over both web nodes, straight to their ports.

What a booking keeps between requests lives in PostgreSQL (rate limits,
one-time codes and their attempts, holds, spent captcha challenges) or in the
session files of the shared data_dir: whichever node answers, the same limits
hold, and a session outlives the node that made it.  Each test comes from an
address of its own (X-Forwarded-For, as nginx sends it).
"""

import subprocess
import time
import uuid

import pytest
from conftest import citizen, local_day, slot_start
from live_odoo import describe, page_alert, page_h1

pytestmark = pytest.mark.cluster


def _address():
    """An address of the documentation range (RFC 5737), new for each test."""
    number = uuid.uuid4().int
    return f"198.51.{number % 250}.{(number >> 8) % 250 + 1}"


def _listen_backlog(port):
    """The backlog of the socket listening on ``port``, as the kernel reports it
    (the Send-Q column of ``ss`` for a listening socket)."""
    out = subprocess.run(
        ["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(out[2]) if out else None


def test_a_started_node_listens_with_the_backlog_on_both_ports(cluster):
    """Right after a node starts, before any request reached its gevent
    process: the HTTP port and the websocket (gevent) port listen with
    listen_backlog (deploy/odoo-web.conf), not Odoo's 8 x workers and gevent's
    128 (the addon is one of the nodes' server-wide modules)."""
    cluster.run("stop-node", "web2")
    cluster.run("start-node", "web2")
    cluster.wait_node("web2")
    http_port = int(cluster.nodes["web2"].rsplit(":", 1)[1])
    gevent_port = http_port + 2  # scripts/cluster.sh: web1 +3, web2 +4 from nginx's
    # The gevent process is started by the node's master after its workers.
    deadline = time.monotonic() + 60
    while _listen_backlog(gevent_port) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (_listen_backlog(http_port), _listen_backlog(gevent_port)) == (2048, 2048)


def _on(client, cluster, node):
    """Send ``client``'s next requests to ``node``; returns the client."""
    client.base_url = cluster.nodes[node]
    return client


def test_a_booking_goes_on_whichever_node_answers_and_survives_its_node(
    cluster, cluster_site, smtp_sink
):
    site = cluster_site
    day = local_day(5)
    start = slot_start(day, 9, 30)
    browser = citizen(cluster.nodes["web1"], site, _address())

    # The session, its CSRF token and the page come from web1...
    page = browser.slots_page(site.type_id, site.place_id, day)
    assert "session_id" in browser.session.cookies, describe(page)
    # ...the hold is made on web2 (the CSRF token checks against the shared session).
    held = _on(browser, cluster, "web2").hold(browser.hold_forms(page)[start], page)
    assert (held.status_code, page_h1(held)) == (200, "Your details"), describe(held)
    email = f"noeuds-{site.tag}@example.com"
    summary = _on(browser, cluster, "web1").details(held, "Noeud", email, "")
    assert page_h1(summary) == "Check your appointment", describe(summary)
    # The captcha challenge made by web1 is solved and spent on web2.
    captcha = browser.captcha(summary)
    verify = _on(browser, cluster, "web2").post(
        "/rdv/booking/code", {"rdv_captcha": captcha}, summary
    )
    assert page_h1(verify) == "Type the code you received", describe(verify)
    code = smtp_sink.wait_code(email, timeout=60)
    # The same solution again, on web1: spent, refused.
    summary_again = _on(browser, cluster, "web1").get("/rdv/booking/summary")
    replayed = browser.post("/rdv/booking/code", {"rdv_captcha": captcha}, summary_again)
    assert "anti-robot check failed" in page_alert(replayed), describe(replayed)
    assert len(smtp_sink.codes(email)) == 1

    # The node that made the session stops; the other one finishes the booking.
    cluster.run("stop-node", "web1")
    try:
        verify_page = _on(browser, cluster, "web2").get("/rdv/booking/verify")
        assert page_h1(verify_page) == "Type the code you received", describe(verify_page)
        done = browser.verify(verify_page, code)
        assert page_h1(done) == "Your appointment is confirmed", describe(done)
    finally:
        cluster.run("start-node", "web1")
        cluster.wait_node("web1")
    (state,) = cluster.query(
        "SELECT state FROM rdv_appointment WHERE counter_id = %s AND start = %s",
        (site.counter_id, start),
    )[0]
    assert state == "planned"


def test_wrong_codes_count_on_both_nodes(cluster, cluster_site, smtp_sink):
    """rdv_otp_max_attempts = 3: three wrong codes, spread over the nodes,
    and the right code no longer works on either."""
    site = cluster_site
    day = local_day(6)
    browser = citizen(cluster.nodes["web1"], site, _address())
    page = browser.slots_page(site.type_id, site.place_id, day)
    held = browser.hold(browser.hold_forms(page)[slot_start(day, 14, 0)], page)
    email = f"codes-{site.tag}@example.com"
    summary = browser.details(held, "Codes", email, "")
    verify = _on(browser, cluster, "web2").send_code(summary)
    assert page_h1(verify) == "Type the code you received", describe(verify)
    code = smtp_sink.wait_code(email, timeout=60)
    wrong = "%06d" % ((int(code) + 1) % 1000000)
    for node in ("web1", "web2", "web1"):
        verify = _on(browser, cluster, node).verify(verify, wrong)
        assert verify.status_code == 400, describe(verify)
    right = _on(browser, cluster, "web2").verify(verify, code)
    assert page_h1(right) != "Your appointment is confirmed", describe(right)
    assert "no longer be used" in page_alert(right) or "no attempt left" in page_alert(right), (
        describe(right)
    )


def test_the_rate_limit_of_an_address_counts_on_both_nodes(cluster, cluster_site):
    """rdv_posts_per_ip_minute = 8: the ninth form of a minute is refused,
    whichever node gets it."""
    site = cluster_site
    browser = citizen(cluster.nodes["web1"], site, _address())
    page = browser.slots_page(site.type_id, site.place_id, local_day(2))
    statuses = []
    for index in range(9):
        _on(browser, cluster, ("web1", "web2")[index % 2])
        # A time that is not offered: refused after the rate limit is counted.
        answer = browser.post(
            "/rdv/hold", {"type_id": site.type_id, "counter_id": "0", "start": "x"}, page
        )
        statuses.append(answer.status_code)
    assert statuses == [400] * 8 + [429], statuses


def test_live_holds_of_an_address_count_on_both_nodes(cluster, cluster_site):
    """rdv_live_holds_per_ip = 2: a third browser of the same address is
    refused its hold, though each node saw at most two holds."""
    site = cluster_site
    day = local_day(7)
    address = _address()
    answers = []
    for index, (node, minute) in enumerate((("web1", 0), ("web2", 15), ("web1", 30))):
        browser = citizen(cluster.nodes[node], site, address)
        page = browser.slots_page(site.type_id, site.place_id, day)
        form = browser.hold_forms(page)[slot_start(day, 16, minute)]
        answers.append(browser.hold(form, page))
        assert answers[-1].status_code != 500, (index, describe(answers[-1]))
    assert [a.status_code for a in answers] == [200, 200, 429], [describe(a) for a in answers]
    (holds,) = cluster.query(
        "SELECT count(*) FROM rdv_appointment WHERE counter_id = %s AND state = 'pending'",
        (site.counter_id,),
    )[0]
    assert holds == 2
