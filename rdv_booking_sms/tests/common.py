import logging

from odoo.addons.rdv_booking.tests.common import NOW, RdvCase, utc

from .gateway_stub import SmsGatewayStub

TUESDAY_9 = utc(2026, 3, 3, 8, 0)  # 09:00 in Paris, the day after NOW


class LogCapture(logging.Handler):
    """Every record the server logs while installed, at the levels it runs with."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))

    def __enter__(self):
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger().removeHandler(self)


def plug_gateway_stub(case, shared=False, **company_values):
    """Start an SMS gateway stub on loopback for the test class ``case``
    (stopped after it) and make it its commune's gateway, of that commune
    only unless ``shared``; ``company_values``: more settings of the commune."""
    case.stub = SmsGatewayStub().start()
    case.addClassCleanup(case.stub.stop)
    owner = {} if shared else {"company_id": case.company.id}
    case.gateway = case.env["rdv.sms.gateway"].create(case.stub.gateway_values(**owner))
    case.company.write(
        {"rdv_sms_enabled": True, "rdv_sms_gateway_id": case.gateway.id, **company_values}
    )


class SmsCase(RdvCase):
    """The commune of RdvCase (France) sending SMS through a gateway stub on loopback."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # E-mails carry a PDF: wkhtmltopdf fetches its assets from this server.
        cls._share_test_transaction()
        plug_gateway_stub(cls, email="mairie@test.example")

    def setUp(self):
        super().setUp()
        self.stub.mode = "ok"
        self.stub.messages.clear()
        self.stub.requests.clear()
        self.stub.lookups.clear()
        self.stub.status_answer = None

    def deliver(self):
        """Run the outbox once, as its cron does."""
        return self.env["rdv.notification"]._process()

    def rows(self, appointment, kind=None):
        """(kind, channel, state) of the appointment's notifications (reminders only
        if ``kind`` says so), in order."""
        return [
            (n.kind, n.channel, n.state)
            for n in appointment.notification_ids.sorted("id")
            if n.kind == kind or (kind is None and n.kind != "reminder")
        ]


__all__ = ["NOW", "TUESDAY_9", "LogCapture", "SmsCase", "plug_gateway_stub", "utc"]
