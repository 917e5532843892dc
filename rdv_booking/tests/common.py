import contextlib
import datetime

from freezegun import freeze_time

from odoo.tests import TransactionCase, new_test_user

# Monday 2 March 2026, 08:00 in Paris (07:00 UTC): every test runs at this time.
NOW = datetime.datetime(2026, 3, 2, 7, 0, 0)


def utc(*args):
    """Shorthand for a naive UTC datetime."""
    return datetime.datetime(*args)


class RdvCase(TransactionCase):
    """A commune with one place in Paris time, a standard week with a lunch break,
    two services, two types and one counter; time frozen on Monday 2 March 2026."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.freezer = freeze_time(NOW)
        cls.freezer.start()
        cls.addClassCleanup(cls.freezer.stop)
        # A commune of its own: demo data (when installed) stays out of the way.
        cls.company = cls.env["res.company"].create(
            {
                "name": "Commune de Test",
                "country_id": cls.env.ref("base.fr").id,
                "rdv_horizon_days": 30,
            }
        )
        cls.env = cls.env(
            context=dict(
                cls.env.context, tracking_disable=True, allowed_company_ids=cls.company.ids
            )
        )
        users = {"company_id": cls.company.id, "company_ids": [(6, 0, cls.company.ids)]}
        cls.manager = new_test_user(
            cls.env,
            "rdv_manager",
            groups="rdv_booking.group_rdv_manager",
            name="Manon Manager",
            **users,
        )
        cls.agent_civil = new_test_user(
            cls.env,
            "rdv_agent_civil",
            groups="rdv_booking.group_rdv_agent",
            name="Claire Civil",
            **users,
        )
        cls.agent_id = new_test_user(
            cls.env,
            "rdv_agent_id",
            groups="rdv_booking.group_rdv_agent",
            name="Ivan Identity",
            **users,
        )
        cls.service_civil = cls.env["rdv.service"].create(
            {
                "name": "Civil status",
                "user_ids": [(6, 0, cls.agent_civil.ids)],
            }
        )
        cls.service_id = cls.env["rdv.service"].create(
            {
                "name": "ID documents",
                "user_ids": [(6, 0, cls.agent_id.ids)],
            }
        )
        cls.type_id = cls.env["rdv.appointment.type"].create(
            {
                "name": "ID card",
                "service_id": cls.service_id.id,
                "duration": 30,
                "max_persons": 3,
                "is_published": True,
                "ask_phone": "required",
                "ask_email": "optional",
                "ask_id_number": "optional",
            }
        )
        cls.type_civil = cls.env["rdv.appointment.type"].create(
            {
                "name": "Civil status record",
                "service_id": cls.service_civil.id,
                "duration": 15,
                "is_published": True,
            }
        )
        cls.place = cls.env["rdv.place"].create(
            {
                "name": "Town hall",
                "tz": "Europe/Paris",
                "street": "1 rue de l'Hôtel de Ville",
                "zip": "74000",
                "city": "Annecy",
                "latitude": 45.899,
                "longitude": 6.129,
            }
        )
        cls.week = cls._make_week("Standard week", [(0, 4, 8.5, 12.0), (0, 4, 13.5, 17.0)])
        cls.counter = cls._make_counter("Counter 1")

    def _load_french(self):
        """French, with this addon's translations (the test database may have none)."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env.ref("base.module_rdv_booking")._update_translations(["fr_FR"])

    @contextlib.contextmanager
    def assertRaisesRegex(self, exception, regex):
        """Like Odoo's assertRaises: roll back what the failed call wrote."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertRegex(str(caught.exception), regex)

    @classmethod
    def _make_counter(cls, name, place=None, types=None, week=None, **values):
        """A counter of the town hall for the ID card, with the standard week,
        15-minute slots from today, unless told otherwise."""
        return cls.env["rdv.counter"].create(
            {
                "name": name,
                "place_id": (place or cls.place).id,
                "type_ids": [(6, 0, (types or cls.type_id).ids)],
                "reference_week_id": (week or cls.week).id,
                "slot_duration": 15,
                "date_start": NOW.date(),
                **values,
            }
        )

    @classmethod
    def _make_week(cls, name, spans):
        """A reference week from (first weekday, last weekday, from hour, to hour)."""
        return cls.env["rdv.reference.week"].create(
            {
                "name": name,
                "line_ids": [
                    (0, 0, {"weekday": str(day), "hour_from": start, "hour_to": end})
                    for first, last, start, end in spans
                    for day in range(first, last + 1)
                ],
            }
        )

    def slots(self, counter=None, day=None, **filters):
        """Slots of the counter, optionally on one UTC day and in some states."""
        domain = [("counter_id", "=", (counter or self.counter).id)]
        if day:
            domain += [
                ("start", ">=", datetime.datetime.combine(day, datetime.time())),
                (
                    "start",
                    "<",
                    datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()),
                ),
            ]
        if "state" in filters:
            domain.append(("state", "=", filters["state"]))
        return self.env["rdv.slot"].search(domain)

    @classmethod
    def book(
        cls, start, counter=None, appointment_type=None, persons=1, channel="counter", **citizen
    ):
        """Book through the booking service, as an agent at the counter would."""
        values = {"lastname": "Bois", "firstname": "Jules", "phone": "06 12 34 56 78"}
        values.update(citizen)
        return cls.env["rdv.appointment"]._book(
            appointment_type or cls.type_id,
            counter or cls.counter,
            start,
            persons=persons,
            citizen=values,
            channel=channel,
        )
