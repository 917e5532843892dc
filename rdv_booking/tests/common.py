import contextlib
import datetime
import importlib.util
from pathlib import Path
from types import SimpleNamespace

from freezegun import freeze_time

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, new_test_user

AGENT = "rdv_booking.group_rdv_agent"
MANAGER = "rdv_booking.group_rdv_manager"

# The place of a second commune, for the rules that cross communes.
SEYNOD_TOWN_HALL = {
    "name": "Seynod town hall",
    "street": "Place de l'Hôtel de Ville",
    "zip": "74600",
    "city": "Seynod",
}

# Monday 2 March 2026, 08:00 in Paris (07:00 UTC): every test runs at this time.
NOW = datetime.datetime(2026, 3, 2, 7, 0, 0)


def utc(*args):
    """Shorthand for a naive UTC datetime."""
    return datetime.datetime(*args)


def load_migration(addon, version):
    """The post-migrate script of ``addon`` to ``version``, as a module whose
    ``migrate(cr, version)`` a test can run on its database."""
    path = Path(get_module_path(addon)) / "migrations" / version / "post-migrate.py"
    spec = importlib.util.spec_from_file_location(f"{addon}_migration_{version}", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


class RdvCommuneCase(TransactionCase):
    """Builds test communes: a company of its own with its users, a place with a
    full address, a reference week, an appointment type and a counter (whose
    slots are generated on creation). Combined with ``HttpCase`` for the
    website's tests: ``class TestX(RdvCommuneCase, HttpCase)``."""

    @classmethod
    def _make_commune(
        cls,
        name,
        country="base.fr",
        company=None,
        users=(),
        service=None,
        appointment_type=None,
        place=None,
        week=("Every day", ((0, 6, 8.0, 20.0),)),
        counter=None,
    ):
        """A commune of its own, created in an environment where it is the only
        allowed company (demo data, when installed, stays out of the way).

        ``company``: more values of the company; ``users``: (login, groups,
        values) of its users, created in that order; ``service``: the name of a
        service staffed by the commune's agents; ``appointment_type``: values of
        its type (none, and no counter, if not given); ``place``: values of its
        place; ``week``: the name and spans of its reference week (see
        :meth:`_make_week`); ``counter``: values of its counter. Returns a namespace of the records
        and of ``env``, the commune's environment.
        """
        commune = SimpleNamespace(
            company=cls.env["res.company"].create(
                {"name": name, "country_id": cls.env.ref(country).id, **(company or {})}
            )
        )
        commune.env = env = cls.env(
            context=dict(cls.env.context, allowed_company_ids=commune.company.ids)
        )
        commune.users = [
            cls._make_user(login, commune.company, groups=groups, env=env, **values)
            for login, groups, values in users
        ]
        commune.service = commune.type = commune.counter = None
        if service:
            agents = [
                user.id
                for user, (_, groups, _) in zip(commune.users, users, strict=True)
                if groups == AGENT
            ]
            commune.service = env["rdv.service"].create(
                {"name": service, "user_ids": [(6, 0, agents)]}
            )
        if appointment_type:
            if service:
                appointment_type = {"service_id": commune.service.id, **appointment_type}
            commune.type = env["rdv.appointment.type"].create(appointment_type)
        commune.place = cls._make_place(env=env, **(place or {"name": "Mairie de %s" % name}))
        commune.week = cls._make_week(*week, env=env)
        if appointment_type:
            commune.counter = cls._make_counter(
                **{"name": "Counter 1", **(counter or {})},
                place=commune.place,
                types=commune.type,
                week=commune.week,
                env=env,
            )
        return commune

    @classmethod
    def _share_test_transaction(cls):
        """Let the cursors the code opens of its own (rate limits, code
        attempts, the PDF renderer's requests to this server) see the test's
        transaction, rolled back after each test."""
        if cls.registry.test_cr is None:
            cls.registry.enter_test_mode(cls.cr)
            cls.addClassCleanup(cls.registry.leave_test_mode)

    @classmethod
    def _make_user(cls, login, company, groups=AGENT, env=None, **values):
        """A user of ``company`` only (their active company), in ``groups``."""
        return new_test_user(
            env or cls.env,
            login,
            groups=groups,
            company_id=company.id,
            company_ids=[(6, 0, company.ids)],
            **values,
        )

    @classmethod
    def _make_place(cls, name, env=None, **values):
        """A place with the full address the website needs (street, a zip code
        of at least three letters or digits, city, time zone)."""
        return (env or cls.env)["rdv.place"].create(
            {
                "name": name,
                "tz": "Europe/Paris",
                "street": "1 place de la Mairie",
                "zip": "74000",
                "city": "Annecy",
                **values,
            }
        )

    @classmethod
    def _make_week(cls, name, spans, env=None, **values):
        """A reference week from (first weekday, last weekday, from hour, to hour)."""
        return (env or cls.env)["rdv.reference.week"].create(
            {
                "name": name,
                "line_ids": [
                    (0, 0, {"weekday": str(day), "hour_from": start, "hour_to": end})
                    for first, last, start, end in spans
                    for day in range(first, last + 1)
                ],
                **values,
            }
        )

    @classmethod
    def _make_counter(cls, name, place, types, week, env=None, **values):
        """A counter of 15-minute slots from the place's today, unless told otherwise."""
        return (env or cls.env)["rdv.counter"].create(
            {
                "name": name,
                "place_id": place.id,
                "type_ids": [(6, 0, types.ids)],
                "reference_week_id": week.id,
                "slot_duration": 15,
                "date_start": place._today(),
                **values,
            }
        )


class RdvCase(RdvCommuneCase):
    """A commune with one place in Paris time, a standard week with a lunch break,
    two services, two types and one counter; time frozen on Monday 2 March 2026."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.freezer = freeze_time(NOW)
        cls.freezer.start()
        cls.addClassCleanup(cls.freezer.stop)
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        commune = cls._make_commune(
            "Commune de Test",
            company={"rdv_horizon_days": 30},
            users=[
                ("rdv_manager", MANAGER, {"name": "Manon Manager"}),
                ("rdv_agent_civil", AGENT, {"name": "Claire Civil"}),
                ("rdv_agent_id", AGENT, {"name": "Ivan Identity"}),
            ],
            place={
                "name": "Town hall",
                "street": "1 rue de l'Hôtel de Ville",
                "latitude": 45.899,
                "longitude": 6.129,
            },
            week=("Standard week", [(0, 4, 8.5, 12.0), (0, 4, 13.5, 17.0)]),
        )
        cls.env = commune.env
        cls.company, cls.place, cls.week = commune.company, commune.place, commune.week
        cls.manager, cls.agent_civil, cls.agent_id = commune.users
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
        return super()._make_counter(
            name,
            place or cls.place,
            types or cls.type_id,
            week or cls.week,
            **{"date_start": NOW.date(), **values},
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
