#!/usr/bin/env python3
"""Reminders processed per second by the cron, through a real HTTP SMS gateway.

Dataset: one commune sending SMS through an HTTP gateway (the stub of
rdv_booking_sms/tests/gateway_stub.py, on loopback, answering at once), and
5,000 planned appointments whose 48-hour reminders are all due now, each with
its own French mobile number.

Runs what the crons run, in their context (one commit per message sent):
  1. the reminder cron: queue the due reminders (SQL, guarded by a unique index);
  2. the outbox cron, batch after batch, until everything is sent: render each
     SMS in the citizen's language, create its sms.sms, post it to the gateway,
     count it in the SMS budget, note it on the appointment.

Prints the time and SQL queries of each step, reminders per second, p50/p95
of the time per reminder (per batch of 200), and checks that the gateway got
each reminder exactly once.

Usage: python3 bench/bench_reminders.py [--db rdv_bench_sms] [--count 5000] [--keep]
"""

import argparse
import collections
import datetime
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.dirname(os.path.abspath(__file__)), os.path.join(ROOT, "tests")]
from bench_slots import (  # noqa: E402
    addons_path,
    describe_machine,
    percentile,
    run_odoo_install,
)
from live_odoo import build_commune  # noqa: E402

BATCH = 200


def build_dataset(env, stub, count):
    """A commune with SMS through the stub and ``count`` appointments due for a reminder."""
    commune = build_commune(
        env,
        "Commune du banc d'essai",
        company={"rdv_sms_enabled": True},
        appointment_type={"name": "Carte d'identite", "duration": 15},
        place={"name": "Hotel de ville"},
        week=("Semaine", [(0, 0, 8, 9)]),
        counter={"name": "Guichet"},
    )
    company, rdv_type, place, counter = (
        commune.company,
        commune.type,
        commune.place,
        commune.counter,
    )
    gateway = env["rdv.sms.gateway"].create(stub.gateway_values(company_id=company.id))
    company.rdv_sms_gateway_id = gateway
    partner = env["res.partner"].create({"name": "BOIS Jules"})
    now = datetime.datetime.utcnow().replace(microsecond=0)
    env.flush_all()
    env.cr.execute(
        """
        INSERT INTO rdv_appointment (name, type_id, counter_id, place_id, company_id,
            start, stop, persons, duration, channel, state, partner_id, lastname, phone,
            cancel_rate, no_show_rate, create_uid, create_date, write_uid, write_date)
        SELECT 'BENCH' || lpad(i::text, 6, '0'), %(type)s, %(counter)s, %(place)s, %(company)s,
               %(first)s + i * interval '10 milliseconds',
               %(first)s + i * interval '10 milliseconds' + interval '15 minutes',
               1, 15, 'counter', 'planned', %(partner)s, 'Bois',
               '+3361' || lpad(i::text, 7, '0'), 0, 0, 1, %(created)s, 1, %(created)s
          FROM generate_series(1, %(count)s) AS i
        """,
        {
            "type": rdv_type.id,
            "counter": counter.id,
            "place": place.id,
            "company": company.id,
            "first": now + datetime.timedelta(hours=47, minutes=59),
            "partner": partner.id,
            "created": now - datetime.timedelta(days=7),
            "count": count,
        },
    )
    return company


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="rdv_bench_sms")
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    print(
        f"== rdv_booking_sms reminder bench (database {args.db}, {args.count} reminders; "
        f"{describe_machine()})"
    )
    t0 = time.perf_counter()
    run_odoo_install(args.db, "rdv_booking_sms")
    print(f"install rdv_booking_sms: {time.perf_counter() - t0:.1f} s")

    import odoo
    from odoo import SUPERUSER_ID, api

    sys.path.insert(0, os.path.join(ROOT, "rdv_booking_sms", "tests"))
    from gateway_stub import SmsGatewayStub

    odoo.tools.config.parse_config([f"--addons-path={addons_path()}", "-d", args.db])
    registry = odoo.modules.registry.Registry(args.db)
    stub = SmsGatewayStub().start()
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            build_dataset(env, stub, args.count)
            cr.commit()
            reminder_cron = env.ref("rdv_booking_sms.ir_cron_rdv_reminders")
            outbox_cron = env.ref("rdv_booking.ir_cron_rdv_notifications")

            # 1. The reminder cron queues what is due.
            Notification = env["rdv.notification"].with_context(cron_id=reminder_cron.id)
            q0, t0 = cr.sql_log_count, time.perf_counter()
            queued = Notification._cron_reminders()
            cr.commit()
            queue_seconds, queue_queries = time.perf_counter() - t0, cr.sql_log_count - q0
            print(
                f"queue: {queued} reminders in {queue_seconds * 1000:.0f} ms, "
                f"{queue_queries} queries"
            )

            # 2. The outbox cron sends them, one commit per message.
            Notification = env["rdv.notification"].with_context(cron_id=outbox_cron.id)
            per_reminder = []
            q0, t0 = cr.sql_log_count, time.perf_counter()
            while True:
                env.invalidate_all()
                b0 = time.perf_counter()
                done = Notification._process(limit=BATCH)
                if not done:
                    break
                per_reminder.append((time.perf_counter() - b0) / done)
            send_seconds, send_queries = time.perf_counter() - t0, cr.sql_log_count - q0
            cr.execute(
                "SELECT state, count(*) FROM rdv_notification WHERE kind = 'reminder' GROUP BY 1"
            )
            states = dict(cr.fetchall())
    finally:
        stub.stop()

    received = collections.Counter(m["to"] for m in stub.messages)
    ok = states == {"done": args.count} and len(received) == args.count
    ok = ok and max(received.values()) == 1
    rate = args.count / send_seconds
    print(
        f"send: {args.count} reminders in {send_seconds:.1f} s, "
        f"{send_queries / args.count:.1f} queries each"
    )
    p50, p95 = statistics.median(per_reminder), percentile(per_reminder, 95)
    print(
        f"time per reminder (batches of {BATCH}): p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"
    )
    print(
        f"reminders processed by the cron: {rate:.0f} /s (queue and send: "
        f"{args.count / (send_seconds + queue_seconds):.0f} /s)"
    )
    print(
        f"gateway received {sum(received.values())} SMS for {len(received)} numbers; "
        f"rows: {states}; each exactly once: {'yes' if ok else 'NO'}"
    )

    if not args.keep:
        odoo.sql_db.close_db(args.db)  # the registry's connections, or dropdb refuses
        subprocess.run(["dropdb", "--if-exists", args.db], check=False)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
