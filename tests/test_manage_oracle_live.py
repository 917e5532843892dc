"""Managing by reference, over HTTP on 2 workers: the attempts of a code asked
for by reference are counted in PostgreSQL, for an unknown pair as for the
right one.

For each pair (a reference that does not exist; the right reference and
e-mail), a citizen asks for a code, then wrong guesses arrive in parallel,
each in a connection of its own with the citizen's session cookie, so that
both HTTP workers of the live server take some. The answers are the same for
both pairs: the company's 5 attempts counted down, none lost to a race, then
the lock, whichever worker answers. The code is made and sent after the
answer (here by calling the sender as its cron would: the live server runs
no cron), and even the right code is refused once the attempts are spent.
"""

import datetime
import statistics

import live_odoo
import pytest
from live_odoo import PortalClient, describe, page_alert, page_h1

pytestmark = pytest.mark.odoo_db

DEAD = "This code can no longer be used. Ask for a new code."
COUNTDOWN = sorted(
    ["Wrong code. Attempts left: %s." % left for left in (4, 3, 2, 1)]
    + ["Wrong code, and no attempt left. Ask for a new code."]
)


def guesses_in_parallel(live_server, site, session, page, codes):
    """POST each of ``codes`` to /rdv/manage/verify at once, each from a
    connection of its own in ``session``; returns the answers in order."""

    def send(client, code):
        return client.post("/rdv/manage/verify", {"code": code}, page, label="POST verify")

    return live_odoo.guesses_in_parallel(live_server.url, site.host, session, codes, send)


def ask_code(live_server, site, reference, contact):
    client = PortalClient(live_server.url, host=site.host)
    form = client.get("/rdv/manage/find")
    page = client.post(
        "/rdv/manage/find",
        {"reference": reference, "contact": contact, "rdv_captcha": client.captcha(form)},
        form,
        label="POST find",
    )
    assert (page.status_code, page_h1(page)) == (200, "Type the code you received"), describe(page)
    return client, page


def test_attempts_by_reference_are_counted_in_postgresql_for_any_pair(
    live_server, portal_site, smtp_sink, odoo_registry, monkeypatch
):
    import odoo
    from odoo import SUPERUSER_ID, api

    site = portal_site
    email = f"reference-{site.tag}@example.com"
    with odoo_registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env["res.company"].browse(site.company_id)
        assert company.rdv_otp_max_attempts == 5, "the default: 5 attempts per code"
        start = datetime.datetime.strptime(
            site.slot_start(site.local_day(6), 11), "%Y-%m-%d %H:%M:%S"
        )
        appointment = env["rdv.appointment"]._book(
            env["rdv.appointment.type"].browse(site.type_id),
            env["rdv.counter"].browse(site.counter_id),
            start,
            channel="phone",
            citizen={"lastname": "Reference", "phone": "0611223344", "email": email},
        )
        reference = appointment.name
    since = live_server.log_size()
    sent_before = len(smtp_sink.codes(email))

    answers = {}
    for name, pair in (("unknown", ("ZZZZ-ZZZZ", email)), ("right", (reference, email))):
        client, page = ask_code(live_server, site, *pair)
        assert len(smtp_sink.codes(email)) == sent_before, "no code sent within the request"
        wrong = ["%06d" % n for n in range(100000, 100012)]
        first = guesses_in_parallel(live_server, site, client.session, page, wrong[:5])
        later = guesses_in_parallel(live_server, site, client.session, page, wrong[5:])
        answers[name] = (
            [r.status_code for r in first],
            sorted(page_alert(r) for r in first),
            [(r.status_code, page_alert(r)) for r in later],
        )
        answers[name + " client"] = (client, page)
    assert answers["unknown"] == answers["right"]
    assert answers["right"] == ([400] * 5, COUNTDOWN, [(400, DEAD)] * 7)

    # The code of the right pair goes after the answer (the cron's work),
    # through the SMTP sink as the live server's mail does.
    monkeypatch.setitem(odoo.tools.config.options, "smtp_server", "127.0.0.1")
    monkeypatch.setitem(odoo.tools.config.options, "smtp_port", smtp_sink.port)
    with odoo_registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        assert env["rdv.otp"]._cron_send_codes() >= 1
    code = smtp_sink.wait_code(email, known=sent_before)
    client, page = answers["right client"]
    refused = client.post("/rdv/manage/verify", {"code": code}, page)
    assert (refused.status_code, page_alert(refused)) == (400, DEAD), describe(refused)

    posts = [
        row for row in live_server.access(since, r"^/rdv/manage/verify$") if row["method"] == "POST"
    ]
    assert len(posts) == 2 * 12 + 1
    assert len({row["pid"] for row in posts}) == 2, "both workers took guesses"
    assert live_server.problems(since) == []


def test_asking_takes_as_long_for_any_pair(live_server, portal_site, odoo_registry):
    """Figures, not a bound (the machine is shared): the server time of
    POST /rdv/manage/find for an unknown pair and for the right one, each
    time a new code (no resend delay), alternately."""
    from odoo import SUPERUSER_ID, api

    site = portal_site
    email = f"timing-{site.tag}@example.com"
    with odoo_registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env["res.company"].browse(site.company_id)
        delay = company.rdv_otp_resend_seconds
        company.rdv_otp_resend_seconds = 0
        start = datetime.datetime.strptime(
            site.slot_start(site.local_day(6), 12), "%Y-%m-%d %H:%M:%S"
        )
        reference = (
            env["rdv.appointment"]
            ._book(
                env["rdv.appointment.type"].browse(site.type_id),
                env["rdv.counter"].browse(site.counter_id),
                start,
                channel="phone",
                citizen={"lastname": "Timing", "phone": "0611223355", "email": email},
            )
            .name
        )
    try:
        times = {"unknown": [], "right": []}
        for _round in range(15):
            for name, pair in (("unknown", ("ZZZZ-ZZZZ", email)), ("right", (reference, email))):
                client, _page = ask_code(live_server, site, *pair)
                times[name] += [
                    seconds for label, _status, seconds in client.log if label == "POST find"
                ]
    finally:
        with odoo_registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["res.company"].browse(site.company_id).rdv_otp_resend_seconds = delay
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    print(
        "POST /rdv/manage/find, median of %d: unknown pair %.1f ms, right pair %.1f ms"
        % (len(times["right"]), medians["unknown"], medians["right"])
    )
