"""An SMS is sent exactly once whatever moment its sender dies at, against a
real PostgreSQL and a real gateway on loopback.

The outbox's cron commits each row's mark "under way" before handing it to
the gateway, and its outcome after. A process can die at any point in
between: before the gateway hears of it, or after the gateway took it and
before our commit (a node killed, its connection cut). Each example here
plays a plan of runs, each in its own transaction, each dying (an exception
no handler catches, so that nothing of the run is committed) at a chosen
point, the gateway's status answer sometimes unavailable, then runs until
the row is settled:

- with the gateway's status URL: the gateway got the message exactly once,
  the row says "sent" once it has it and never before, the budget counted it
  once;
- without (an operator with no status API): at least once, every copy with
  the same reference (which an operator keeping client references drops),
  one more copy per death after the gateway's acceptance and no other.

Runs on the database `make test` prepares (RDV_TEST_DB), in a commune of its
own removed afterwards.
"""

import datetime
import sys
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.odoo_db

ROOT = Path(__file__).resolve().parent.parent

# Where a run dies: before the gateway hears of the SMS, or after it took it
# and before our commit; "down": the run lives but the gateway answers 503
# (its status too); None: a run that goes to its end.
DEATHS = ("before_gateway", "after_gateway", "down", None)


class Death(BaseException):
    """The process dies here: nothing of its transaction is committed."""


@pytest.fixture(scope="module")
def sms_commune(odoo_registry, race_commune):
    """A commune sending SMS through a gateway stub on loopback, with one
    appointment of a citizen reachable by SMS only."""
    sys.path.insert(0, str(ROOT / "rdv_booking_sms" / "tests"))
    from gateway_stub import SmsGatewayStub

    from odoo import SUPERUSER_ID, api

    stub = SmsGatewayStub().start()
    tag = uuid.uuid4().hex[:8]
    with race_commune(f"Interrupted {tag}", ask_phone="required") as commune:
        with odoo_registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, commune.context)
            if "rdv.sms.gateway" not in env:
                pytest.fail("rdv_booking_sms is not installed in RDV_TEST_DB")
            gateway = env["rdv.sms.gateway"].create(
                stub.gateway_values(name=f"Interrupted {tag}", company_id=commune.company_id)
            )
            env["res.company"].browse(commune.company_id).write(
                {"rdv_sms_enabled": True, "rdv_sms_gateway_id": gateway.id, "rdv_sms_attempts": 5}
            )
            appointment = env["rdv.appointment"]._book(
                env["rdv.appointment.type"].browse(commune.type_id),
                env["rdv.counter"].browse(commune.counter_id),
                commune.starts[0],
                citizen={"lastname": "Coupure", "phone": "06 12 34 56 78"},
            )
            # Its confirmation is not this test's: settled out of the way.
            appointment.notification_ids.write({"state": "done"})
            ids = {"gateway": gateway.id, "appointment": appointment.id}
        yield {**ids, "stub": stub, "context": commune.context}
        with odoo_registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["res.company"].browse(commune.company_id).write(
                {"rdv_sms_enabled": False, "rdv_sms_gateway_id": False}
            )
            env["rdv.sms.gateway"].browse(ids["gateway"]).unlink()
    stub.stop()


@pytest.fixture
def dying(monkeypatch):
    """``dying.at``: where the next run dies (see DEATHS)."""
    from odoo.addons.rdv_booking_sms.models.rdv_sms_gateway import RdvSmsGateway

    state = type("Dying", (), {"at": None})()
    post_one = RdvSmsGateway._post_one

    def dying_post_one(self, session, number, message, reference):
        if state.at == "before_gateway":
            raise Death
        result = post_one(self, session, number, message, reference)
        if state.at == "after_gateway":
            raise Death
        return result

    monkeypatch.setattr(RdvSmsGateway, "_post_one", dying_post_one)
    return state


def _run(odoo_registry, context, row_id):
    """One run of the outbox's cron over this row, in its own transaction,
    committed as the cron commits (a Death leaves what was committed)."""
    from odoo import SUPERUSER_ID, api

    with odoo_registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {**context, "cron_id": 1})
        env["rdv.notification"].browse(row_id)._process()


def _row(odoo_registry, row_id):
    from odoo import SUPERUSER_ID, api

    with odoo_registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        row = env["rdv.notification"].browse(row_id)
        return {
            "state": row.state,
            "status": row.status,
            "in_doubt": bool(row.attempt_started_at),
            "reference": row.sms_id.uuid,
            "usage": env["rdv.sms.usage"].search_count(
                [("appointment_id", "=", row.appointment_id.id), ("kind", "=", "changed")]
            ),
        }


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(plan=st.lists(st.sampled_from(DEATHS), max_size=4), status_url=st.booleans())
def test_an_sms_goes_once_whatever_moment_its_sender_dies(
    odoo_registry, sms_commune, dying, plan, status_url
):
    from odoo import SUPERUSER_ID, api

    stub = sms_commune["stub"]
    with odoo_registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        gateway = env["rdv.sms.gateway"].browse(sms_commune["gateway"])
        gateway.status_url = status_url and stub.url + "/status/{uuid}"
        row = env["rdv.notification"].create(
            {"appointment_id": sms_commune["appointment"], "kind": "changed", "channel": "sms"}
        )
        row_id, reference = row.id, row._rdv_sms_key()
    usage_before = _row(odoo_registry, row_id)["usage"]

    def copies():
        with stub.lock:
            return [m for m in stub.messages if m.get("reference") == reference]

    accepted_then_died = 0
    for death in [*plan, None, None]:
        before = len(copies())
        dying.at = death if death != "down" else None
        stub.mode = "down" if death == "down" else "ok"
        try:
            _run(odoo_registry, sms_commune["context"], row_id)
        except Death:
            pass
        finally:
            stub.mode = "ok"
        if death == "after_gateway" and len(copies()) > before:
            accepted_then_died += 1
        seen = _row(odoo_registry, row_id)
        # Never "sent" before the gateway has it.
        if seen["status"] == "sent":
            assert copies(), "said sent while the gateway has nothing"
        # The back-off's delay has passed: the next run finds the row due.
        with odoo_registry.cursor() as cr:
            cr.execute(
                "UPDATE rdv_notification SET next_attempt_at = %s WHERE id = %s",
                (datetime.datetime.utcnow() - datetime.timedelta(seconds=1), row_id),
            )

    seen = _row(odoo_registry, row_id)
    assert (seen["state"], seen["status"], seen["in_doubt"]) == ("done", "sent", False), seen
    assert seen["reference"] == reference
    assert {m["reference"] for m in copies()} == {reference}
    if status_url:
        assert len(copies()) == 1, f"sent {len(copies())} times with the plan {plan}"
    else:
        assert len(copies()) == 1 + accepted_then_died, plan
    assert seen["usage"] - usage_before == 1, "counted once in the SMS budget"
