"""Crons run once, whatever the number of cron nodes.

A second cron node is started beside the cluster's one: both are woken by
the same PostgreSQL notifications and both try every job, which PostgreSQL
gives to one of them at a time.  Appointments booked at the counter send a
confirmation (e-mail, to an SMTP sink on loopback) and a "booked" webhook (to
a receiver on loopback), then their reminders fall due: each message reaches
its receiver exactly once.
"""

import http.server
import json
import os
import subprocess
import threading
import time
import uuid
from collections import Counter

import pytest
from conftest import CLUSTER_SH, ROOT, cluster_env, local_day, slot_start
from live_odoo import free_port

pytestmark = pytest.mark.cluster

APPOINTMENTS = 16
SITE_LIMITS = {"rdv_reminder_hours": 48}


class WebhookReceiver:
    """An HTTP server on loopback that answers 200 and keeps the calls' ids."""

    def __init__(self):
        self.calls = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.calls.append(
                        (self.headers.get("X-RDV-Delivery"), json.loads(body)["event"])
                    )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = "http://127.0.0.1:%s/hook" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def second_cron_node(cluster):
    cluster.run("start-node", "cron2")
    try:
        yield
    finally:
        cluster.run("stop-node", "cron2")


@pytest.fixture
def receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


def _wait_sent(cluster, site, tag, what, timeout=120):
    """Wait until the site's notifications, their e-mails (to addresses
    holding ``tag``) and webhook calls are all processed."""
    deadline = time.monotonic() + timeout
    while True:
        (left,) = cluster.query(
            """
            SELECT (SELECT count(*) FROM rdv_notification
                     WHERE company_id = %(company)s AND state = 'pending')
                 + (SELECT count(*) FROM rdv_webhook_delivery d
                      JOIN rdv_appointment a ON a.id = d.appointment_id
                     WHERE a.company_id = %(company)s AND d.state = 'pending')
                 + (SELECT count(*) FROM mail_mail
                     WHERE state = 'outgoing' AND email_to LIKE %(emails)s)
            """,
            {"company": site.company_id, "emails": f"%-{tag}@example.com%"},
        )[0]
        if not left:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{left} {what} still to send after {timeout} s")
        time.sleep(0.5)


def test_two_cron_nodes_send_each_message_once(
    cluster, cluster_registry, cluster_site, smtp_sink, receiver, second_cron_node
):
    from odoo import fields

    site = cluster_site
    tag = uuid.uuid4().hex[:6]
    day = local_day(1)
    emails = [f"rappel{i}-{tag}@example.com" for i in range(APPOINTMENTS)]
    with cluster_env(cluster_registry) as env:
        env = env(context=dict(env.context, allowed_company_ids=[site.company_id]))
        client = env["rdv.api.client"].create(
            {
                "name": f"Case system {tag}",
                "company_id": site.company_id,
                "type_ids": [(6, 0, [site.type_id])],
            }
        )
        env["rdv.webhook.subscription"].create({"client_id": client.id, "url": receiver.url})
        rdv_type = env["rdv.appointment.type"].browse(site.type_id)
        counter = env["rdv.counter"].browse(site.counter_id)
        for index, email in enumerate(emails):
            start = slot_start(day, 8 + index // 4, (index % 4) * 15)
            env["rdv.appointment"]._book(
                rdv_type,
                counter,
                fields.Datetime.to_datetime(start),
                citizen={"lastname": f"Rappel{index}", "firstname": "Lou", "email": email},
                channel="counter",
            )
    _wait_sent(cluster, site, tag, "confirmations and webhooks")

    # The reminders fall due: the citizens were told the time long ago.
    with cluster_env(cluster_registry) as env:
        env.cr.execute(
            "UPDATE rdv_appointment SET time_told_at = now() at time zone 'UTC' - interval '3 days'"
            " WHERE company_id = %s",
            (site.company_id,),
        )
        env.ref("rdv_booking_sms.ir_cron_rdv_reminders")._trigger()
    deadline = time.monotonic() + 120
    while True:
        (queued,) = cluster.query(
            "SELECT count(*) FROM rdv_notification WHERE company_id = %s AND kind = 'reminder'",
            (site.company_id,),
        )[0]
        if queued >= APPOINTMENTS or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert queued == APPOINTMENTS
    _wait_sent(cluster, site, tag, "reminders")
    # Room for a second sending, were there one.
    time.sleep(3)

    with smtp_sink.condition:
        received = Counter(
            recipient for recipients, _subject in smtp_sink.messages for recipient in recipients
        )
    assert {email: received[email] for email in emails} == dict.fromkeys(emails, 2)
    with receiver.lock:
        calls = list(receiver.calls)
    assert len(calls) == APPOINTMENTS
    assert {event for _id, event in calls} == {"booked"}
    assert len({delivery for delivery, _event in calls}) == APPOINTMENTS
    # Both cron nodes were there to take the jobs.
    assert cluster.dir.joinpath("run", "cron2.pid").exists()


def test_a_cron_node_started_again_runs_the_jobs_due_at_once(cluster):
    """A cron node started again (after a crash, an upgrade) runs the jobs
    left due at once: Odoo's cron process sleeps 60-70 s before its first
    look for jobs, unless rdv_booking is one of its server-wide modules
    (rdv_booking/cron_worker.py, deploy/odoo-cron.conf)."""
    ((cron_id,),) = cluster.query(
        "SELECT res_id FROM ir_model_data"
        " WHERE module = 'rdv_booking' AND name = 'ir_cron_rdv_notifications'"
    )
    cluster.run("stop-node", "cron")
    try:
        # Due, with no trigger to wake a cron process (as a job a crash interrupted).
        conn = cluster.connect()
        try:
            with conn, conn.cursor() as cr:
                cr.execute(
                    "UPDATE ir_cron SET nextcall = now() at time zone 'UTC' - interval '1 minute'"
                    " WHERE id = %s",
                    (cron_id,),
                )
                cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", (cron_id,))
                cr.execute(
                    "SELECT coalesce(max(id), 0) FROM ir_cron_progress WHERE cron_id = %s",
                    (cron_id,),
                )
                (last_run,) = cr.fetchone()
        finally:
            conn.close()
    finally:
        started = time.monotonic()
        cluster.run("start-node", "cron")

    def ran():
        ((runs,),) = cluster.query(
            "SELECT count(*) FROM ir_cron_progress WHERE cron_id = %s AND id > %s",
            (cron_id, last_run),
        )
        return runs

    while not ran() and time.monotonic() - started < 120:
        time.sleep(0.2)
    waited = time.monotonic() - started
    assert ran(), "the job due did not run in 120 s"
    # The process starts in a few seconds; Odoo alone looks after 60 s at least.
    assert waited < 40, f"the job due ran {waited:.0f} s after the cron node started"


def _session(sid):
    """The live processes of session ``sid`` (not the zombies)."""
    found = subprocess.run(
        ["ps", "-o", "pid=,stat=", "-s", str(sid)], capture_output=True, text=True
    ).stdout
    return sorted(
        int(pid)
        for pid, stat in (line.split()[:2] for line in found.splitlines())
        if not stat.startswith("Z")
    )


def test_the_processes_a_killed_cron_master_leaves_are_shown_and_stopped(cluster):
    """kill -9 of the cron node's master alone: its cron processes run on
    (each ends its job first), which the status says, and which start-node
    stops before it starts the node again (as systemd does before a restart)."""
    master = int((cluster.dir / "run" / "cron.pid").read_text())
    deadline = time.monotonic() + 60
    while len(_session(master)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)  # its cron processes (just started by an earlier test)
    workers = [pid for pid in _session(master) if pid != master]
    assert workers, "the cron node runs no cron process"
    os.kill(master, 9)
    try:
        time.sleep(0.5)
        assert set(workers) <= set(_session(master)), "the cron processes run on"
        status = subprocess.run(
            [str(CLUSTER_SH), "status"], capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout
        [line] = [line for line in status.splitlines() if line.split()[1:2] == ["cron"]]
        assert "stopped, but" in line and str(workers[0]) in line, line
    finally:
        cluster.run("start-node", "cron")
    assert not _session(master), "start-node left the old cron processes running"
    assert int((cluster.dir / "run" / "cron.pid").read_text()) != master
