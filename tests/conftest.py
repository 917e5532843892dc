"""Pytest configuration of the tests of tests/.

The repository root is put on ``sys.path``.  ``rdv_booking/__init__.py`` imports
the Odoo models, so ``rdv_booking/tools`` (pure Python) is loaded from its path
as the package ``rdv_tools``, and the slot engine is registered as the module
``rdv_schedule`` (tests do ``import rdv_schedule as schedule``), the clock it
converts with as ``rdv_clock``
(and the slot pickers' search text reader as ``rdv_when``, the right-to-left
text of PDFs as ``rdv_bidi``, phone numbers as ``rdv_phone``, form answers as
``rdv_answers``, strict parsing of input as ``rdv_parse``, e-mail masking as
``rdv_contact``; the website's distances as ``rdv_geo`` and calendar files as
``rdv_ics``, from ``rdv_booking_portal/tools``).

The database tests (marker ``odoo_db``) share the fixtures below: the registry
of the database ``make test`` prepared (RDV_TEST_DB), a commune with a website
of its own in it, an SMTP sink and a live Odoo server with 2 workers
(``live_odoo.py``).
"""

import contextlib
import datetime
import functools
import importlib.util
import os
import sys
import uuid
import zoneinfo
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import settings

# CI sends the same examples at each run (a fixed seed): a landing does not
# depend on a draw. Elsewhere hypothesis explores anew each time.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _load(name: str, path: Path) -> None:
    """Load ``path`` as module ``name`` and register it in ``sys.modules``."""
    if name in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    # Registered before execution: dataclasses look their module up while the
    # module body runs.
    sys.modules[name] = module
    spec.loader.exec_module(module)


def _load_tools() -> None:
    """Load ``rdv_booking/tools`` as the package ``rdv_tools`` (its modules
    import each other), the engine as ``rdv_schedule``, the clock as ``rdv_clock``."""
    if "rdv_tools" not in sys.modules:
        tools = ROOT / "rdv_booking" / "tools"
        spec = importlib.util.spec_from_file_location(
            "rdv_tools", tools / "__init__.py", submodule_search_locations=[str(tools)]
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules["rdv_tools"] = package
        spec.loader.exec_module(package)
    sys.modules.setdefault("rdv_schedule", importlib.import_module("rdv_tools.schedule"))
    sys.modules.setdefault("rdv_clock", importlib.import_module("rdv_tools.clock"))


_load_tools()
_load("rdv_when", ROOT / "rdv_booking" / "tools" / "when.py")
_load("rdv_bidi", ROOT / "rdv_booking" / "tools" / "bidi.py")
_load("rdv_phone", ROOT / "rdv_booking" / "tools" / "phone.py")
_load("rdv_answers", ROOT / "rdv_booking" / "tools" / "answers.py")
_load("rdv_parse", ROOT / "rdv_booking" / "tools" / "parse.py")
_load("rdv_contact", ROOT / "rdv_booking" / "tools" / "contact.py")
_load("rdv_geo", ROOT / "rdv_booking_portal" / "tools" / "geo.py")
_load("rdv_ics", ROOT / "rdv_booking_portal" / "tools" / "ics.py")


# ----------------------------------------------------------------------
# Database tests (marker odoo_db): the database `make test` prepared
# ----------------------------------------------------------------------

LOG_DIR = ROOT / "var" / "log"
# Every client of the tests below comes from 127.0.0.1, so the per-IP limits
# of the website would throttle them: the test commune raises them (and only
# them; the per-code attempts, per-destination sends and captcha stay on).
LOAD_LIMITS = {
    "rdv_posts_per_ip_minute": 100000,
    "rdv_otp_sends_per_ip_hour": 100000,
    "rdv_live_holds_per_ip": 100000,
    "rdv_holds_per_ip_hour": 100000,
    # The cheapest proof of work the settings allow: the clients solve it in
    # Python, on the machine that also runs the server.
    "rdv_captcha_difficulty": 1000,
}


@pytest.fixture(scope="session")
def odoo_registry():
    """The registry of RDV_TEST_DB, in this process (to prepare data and check it)."""
    db = os.environ.get("RDV_TEST_DB")
    if not db:
        pytest.fail("RDV_TEST_DB is not set: run the database tests through `make test`.")
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(
        [
            "--addons-path=%s" % _addons_path(),
            "-d",
            db,
            "--db_maxconn=80",
        ]
    )
    return Registry(db)


def _addons_path():
    return os.environ.get("RDV_FULL_ADDONS_PATH") or os.environ["RDV_ADDONS_PATH"]


@pytest.fixture(scope="session")
def live_commune(odoo_registry):
    """``with live_commune(name, **values) as commune:`` a commune of its own
    (``live_odoo.build_commune``; ``website``: values of a website of its own,
    in English)
    committed to RDV_TEST_DB while inside, then removed. ``commune`` holds the
    ids, the context of an environment working in it and the sorted starts of
    its counter's slots."""
    return functools.partial(_live_commune, odoo_registry)


@pytest.fixture(scope="session")
def race_commune(live_commune):
    """``with race_commune(name, **type_values) as commune:`` a live commune
    whose one counter has 28 fifteen-minute slots (Tuesday and Wednesday of
    the coming week, 08:30-12:00) for one person each, and a type of one
    active booking per person: what parallel bookers race for."""

    def race(name, **type_values):
        today = datetime.date.today()
        return live_commune(
            name,
            company={"rdv_horizon_days": 14},
            appointment_type={
                "name": f"{name} type",
                "duration": 15,
                "max_persons": 1,
                "max_active_per_person": 1,
                **type_values,
            },
            place={"name": f"{name} place"},
            week=(f"{name} week", [(1, 2, 8.5, 12.0)]),
            counter={
                "name": f"{name} counter",
                "date_start": today + datetime.timedelta(days=1),
                "date_end": today + datetime.timedelta(days=7),
            },
        )

    return race


@contextlib.contextmanager
def _live_commune(registry, name, website=None, **values):
    from live_odoo import build_commune

    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        records = build_commune(env, name, **values)
        commune = SimpleNamespace(
            company_id=records.company.id,
            type_id=records.type.id,
            place_id=records.place.id,
            counter_id=records.counter.id,
            website_id=None,
            # What a booker's environment works in: this commune alone.
            context={"tracking_disable": True, "allowed_company_ids": records.company.ids},
            starts=sorted(records.counter.slot_ids.mapped("start")),
        )
        if website is not None:
            lang_en = env.ref("base.lang_en")
            commune.website_id = (
                env["website"]
                .create(
                    {
                        "company_id": commune.company_id,
                        "language_ids": [(6, 0, lang_en.ids)],
                        "default_lang_id": lang_en.id,
                        "rdv_company_ids": [(6, 0, records.company.ids)],
                        **website,
                    }
                )
                .id
            )
    yield commune
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute("DELETE FROM rdv_slot WHERE counter_id = %s", (commune.counter_id,))
        cr.execute("DELETE FROM rdv_appointment WHERE company_id = %s", (commune.company_id,))
        env["rdv.counter"].browse(commune.counter_id).unlink()
        env["website"].browse(commune.website_id).unlink()


@pytest.fixture(scope="session")
def portal_site(live_commune):
    """A commune of its own with a website of its own (chosen by the Host header).

    One appointment type (15 minutes, one person, e-mail required), one place,
    one counter of capacity 1 open every day 08:00-20:00 (the server runs in
    real time, whatever the day), slots for 20 days. Removed afterwards.
    """
    from live_odoo import identity_card_commune

    tag = uuid.uuid4().hex[:8]
    host = f"rdv-load-{tag}.test"
    with live_commune(
        f"Commune Charge {tag}",
        website={"name": f"RDV load {tag}", "domain": host},
        **identity_card_commune(tag, LOAD_LIMITS),
    ) as commune:
        assert len(commune.starts) > 900
        yield SimpleNamespace(
            local_day=_local_day,
            slot_start=_slot_start,
            host=host,
            tag=tag,
            company_id=commune.company_id,
            website_id=commune.website_id,
            type_id=commune.type_id,
            place_id=commune.place_id,
            counter_id=commune.counter_id,
        )


PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _local_day(days):
    """The date in Paris (the test place's zone) ``days`` from today."""
    return datetime.datetime.now(PARIS).date() + datetime.timedelta(days=days)


def _slot_start(day, hour, minute=0):
    """The UTC start, as the slot pages write it, of ``hour:minute`` in Paris on ``day``."""
    local = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)
    return local.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture(scope="session")
def smtp_sink():
    """A real SMTP server on loopback; the live server sends its mail there."""
    from live_odoo import SmtpSink

    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def live_server(odoo_registry, portal_site, smtp_sink):
    """Odoo serving RDV_TEST_DB with 2 HTTP workers on a free loopback port."""
    from live_odoo import OdooServer

    server = OdooServer(
        odoo_registry.db_name,
        _addons_path(),
        LOG_DIR / f"live-server-{portal_site.tag}.log",
        workers=2,
        smtp_port=smtp_sink.port,
    )
    server.start()
    yield server
    server.stop()


def pytest_ignore_collect(collection_path, config):
    """tests/cluster/ needs a running cluster of scripts/cluster.sh: only
    ``make test-cluster`` (RDV_CLUSTER_TESTS=1) collects it."""
    if collection_path == ROOT / "tests" / "cluster" and not os.environ.get("RDV_CLUSTER_TESTS"):
        return True
    return None
