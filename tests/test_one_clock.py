"""One clock: RDV converts wall-clock time with pytz only, in one place.

The addons' Python source is read (the syntax tree, not the text): no module
may import another time-zone database than pytz (``zoneinfo``, ``dateutil.tz``,
``backports.zoneinfo``, ``tzdata``, ``pendulum``, ``arrow``, ``tzlocal``...) or
read the system's local time; and only ``rdv_booking/tools/clock.py`` imports
pytz or converts (``astimezone``, ``localize``, ``context_timestamp``, a zone
given to ``now()``), so that every other part goes through its helpers.  The
addons' own tests (``*/tests/``) may use other databases, to compare.

Then the helpers of ``clock`` themselves, against a brute-force reading of
pytz, with hypothesis: the offsets before a change of the clocks, the first
occurrence of an ambiguous time, no time in a gap.
"""

import ast
import datetime
from pathlib import Path

import babel.dates
import pytest
import pytz
import rdv_clock as clock
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("rdv_booking", "rdv_booking_portal", "rdv_booking_sms")
CLOCK = Path("rdv_booking") / "tools" / "clock.py"

#: Modules that read another time-zone database than pytz, or the system's.
OTHER_SOURCES = (
    "zoneinfo",
    "backports.zoneinfo",
    "dateutil.tz",
    "dateutil.zoneinfo",
    "tzdata",
    "tzlocal",
    "pendulum",
    "arrow",
    "pytz_deprecation_shim",
)
#: Calls that convert between wall-clock time and UTC: only in clock.py.
CONVERSIONS = ("astimezone", "localize", "context_timestamp")
#: Formatting calls that convert when given a zone: Odoo's format_datetime(env,
#: value, tz) and format_time(env, value, tz), Babel's format_datetime(value,
#: format, tzinfo) and format_time(value, format, tzinfo).
ZONED_FORMATS = ("format_datetime", "format_time")
#: Calls that read the system's local time zone.
SYSTEM_TIME = ("localtime", "mktime", "tzset")
#: What may tag a datetime as UTC in a call like now(tz) or fromtimestamp(t, tz).
UTC_NAMES = ("UTC", "utc")


def _module_matches(name, modules):
    return any(name == module or name.startswith(module + ".") for module in modules)


def _formats_in_a_zone(node):
    """Whether a formatting call is given a zone (keyword or third argument)."""
    return len(node.args) >= 3 or any(k.arg in ("tz", "tzinfo") for k in node.keywords)


def violations(source, filename="<source>", is_clock=False):
    """The lines of ``source`` (Python) that convert time outside the one clock."""
    found = []

    def report(node, message):
        found.append("%s:%s: %s" % (filename, node.lineno, message))

    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                module = node.module or ""
                names = [module] + ["%s.%s" % (module, alias.name) for alias in node.names]
            for name in names:
                if _module_matches(name, OTHER_SOURCES):
                    report(node, "imports %s: another time-zone source than pytz" % name)
                elif _module_matches(name, ("pytz",)) and not is_clock:
                    report(node, "imports %s: convert through rdv_booking/tools/clock.py" % name)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in SYSTEM_TIME:
                report(node, "%s(): the system's local time" % name)
            elif name in CONVERSIONS and not is_clock:
                report(node, "%s(): convert through rdv_booking/tools/clock.py" % name)
            elif name in ZONED_FORMATS and not is_clock and _formats_in_a_zone(node):
                report(node, "%s() in a zone: use clock.format_local()" % name)
            elif name in ("now", "fromtimestamp"):
                zone_args = node.args[1:] if name == "fromtimestamp" else node.args
                zone_args = list(zone_args) + [k.value for k in node.keywords if k.arg == "tz"]
                if name == "fromtimestamp" and not zone_args:
                    report(node, "fromtimestamp() without a zone: the system's local time")
                for arg in zone_args:
                    arg_name = (
                        arg.attr if isinstance(arg, ast.Attribute) else getattr(arg, "id", "")
                    )
                    if arg_name not in UTC_NAMES and not is_clock:
                        report(node, "%s() in a zone: use clock.today() or clock.to_local()" % name)
    return found


def addon_sources():
    for addon in ADDONS:
        for path in sorted((ROOT / addon).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "tests" in relative.parts:
                continue
            yield relative


def test_the_addons_convert_time_with_pytz_through_the_clock_only():
    sources = list(addon_sources())
    assert CLOCK in sources and len(sources) > 50
    found = []
    for relative in sources:
        found += violations((ROOT / relative).read_text(), str(relative), relative == CLOCK)
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "line",
    [
        "import zoneinfo",
        "from zoneinfo import ZoneInfo",
        "from backports.zoneinfo import ZoneInfo",
        "from dateutil import tz",
        "import dateutil.tz",
        "from dateutil.tz import gettz",
        "import tzdata",
        "import pendulum",
        "import pytz",
        "from pytz import timezone",
        "local = start.astimezone(zone)",
        "local = zone.localize(start)",
        "local = fields.Datetime.context_timestamp(self, start)",
        "today = datetime.datetime.now(zone).date()",
        "today = datetime.datetime.now(tz=zone).date()",
        "moment = datetime.datetime.fromtimestamp(epoch)",
        "moment = time.localtime()",
        "label = format_datetime(self.env, start, tz=tz, dt_format='HH:mm')",
        "label = format_datetime(self.env, start, place.tz)",
        "label = babel.dates.format_datetime(start, 'HH:mm', tzinfo=zone)",
        "label = format_time(self.env, start, tz=tz)",
    ],
)
def test_the_scan_finds_a_second_source(line):
    assert violations(line), line


@pytest.mark.parametrize(
    "line",
    [
        "from ..tools import clock",
        "today = clock.today(place.tz, fields.Datetime.now())",
        "moment = datetime.datetime.fromtimestamp(epoch, datetime.UTC)",
        "now = datetime.datetime.now(datetime.UTC)",
        "from dateutil.relativedelta import relativedelta",
    ],
)
def test_the_scan_lets_the_clock_be_used(line):
    assert not violations(line), line


def test_the_clock_itself_may_use_pytz():
    assert not violations((ROOT / CLOCK).read_text(), str(CLOCK), is_clock=True)
    assert violations((ROOT / CLOCK).read_text(), str(CLOCK), is_clock=False)


# --------------------------------------------------------------------------
# The helpers, against a brute-force reading of pytz
# --------------------------------------------------------------------------

ZONES = [
    "Europe/Paris",
    "Africa/Casablanca",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Nuuk",
    "America/Santiago",
    "Asia/Kolkata",
    "Pacific/Apia",
    "UTC",
]


def wall_clock(tz, utc):
    return utc.replace(tzinfo=datetime.UTC).astimezone(pytz.timezone(tz)).replace(tzinfo=None)


def occurrences(tz, local):
    """The sorted UTC instants whose wall clock in ``tz`` reads ``local``."""
    zone = pytz.timezone(tz)
    infos = getattr(zone, "_transition_info", None)
    offsets = {info[0] for info in infos} if infos else {zone.utcoffset(None)}
    return sorted({local - off for off in offsets if wall_clock(tz, local - off) == local})


local_times = st.datetimes(
    min_value=datetime.datetime(1990, 1, 1), max_value=datetime.datetime(2040, 12, 31)
).map(lambda dt: dt.replace(second=0, microsecond=0))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(ZONES), local_times)
def test_wall_clock_to_utc_is_the_first_occurrence_or_none(tz, local):
    found = occurrences(tz, local)
    assert clock.to_utc_if_exists(local, tz) == (found[0] if found else None)
    if found:
        assert clock.to_utc(local, tz) == found[0]
        assert clock.to_local(found[0], tz) == local
        assert clock.utc_offset(local, tz) == local - found[0]


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.datetimes(
        min_value=datetime.datetime(1990, 1, 1), max_value=datetime.datetime(2040, 12, 31)
    ),
)
def test_utc_to_wall_clock_and_today(tz, utc):
    local = clock.to_local(utc, tz)
    assert local == wall_clock(tz, utc)
    assert clock.to_local(utc, tz, aware=True).replace(tzinfo=None) == local
    assert clock.today(tz, utc) == local.date()
    assert utc in occurrences(tz, local)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.datetimes(
        min_value=datetime.datetime(1990, 1, 1), max_value=datetime.datetime(2040, 12, 31)
    ),
    st.sampled_from(["en_US", "fr_FR", "ar_001"]),
)
def test_a_time_is_written_as_the_wall_clock_reads_it(tz, utc, locale):
    """The pages, e-mails and PDF write the wall-clock time of the place, in
    the reader's language (the day and month names, the digits of the locale)."""
    local = wall_clock(tz, utc)
    assert clock.format_local(utc, tz, "y-MM-dd HH:mm", "en_US") == local.strftime("%Y-%m-%d %H:%M")
    written = clock.format_local(utc, tz, "EEEE d MMMM y, HH:mm", locale)
    assert written == babel.dates.format_datetime(local, "EEEE d MMMM y, HH:mm", locale=locale)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.datetimes(
        min_value=datetime.datetime(1990, 1, 2), max_value=datetime.datetime(2040, 12, 30)
    ),
    st.integers(min_value=-400, max_value=400),
)
def test_a_lists_date_is_short_and_whole(tz, utc, days_ago):
    """A list's date and time: the day, the month and the time of the wall
    clock, in a dozen characters; the year only when it is not this one."""
    now = utc + datetime.timedelta(days=days_ago)
    local = wall_clock(tz, utc)
    written = clock.format_short(utc, tz, "fr_FR", now)
    this_year = local.year == wall_clock(tz, now).year
    expected = local.strftime("%d/%m %H:%M" if this_year else "%d/%m/%Y %H:%M")
    assert written == expected
    assert len(clock.format_short(utc, tz, "en_US", now)) <= len(expected)


def test_changes_of_the_clocks():
    paris = "Europe/Paris"
    # 2026-03-29 02:30 does not exist in Paris: the offset before the jump.
    gap = datetime.datetime(2026, 3, 29, 2, 30)
    assert clock.to_utc_if_exists(gap, paris) is None
    assert clock.utc_offset(gap, paris) == datetime.timedelta(hours=1)
    # 2026-10-25 02:30 happens twice: the first time, in summer time.
    fold = datetime.datetime(2026, 10, 25, 2, 30)
    assert clock.to_utc(fold, paris) == datetime.datetime(2026, 10, 25, 0, 30)
    # Santiago: the clocks jump at midnight, the day starts at 01:00.
    day = datetime.date(2026, 9, 6)
    start = clock.day_start_utc(day, "America/Santiago")
    assert clock.to_local(start, "America/Santiago") == datetime.datetime(2026, 9, 6, 1, 0)
    assert clock.to_local(None, paris) is None and clock.to_utc(False, paris) is False


def test_unknown_zones():
    for name in ("Mars/Olympus_Mons", "", None, 42):
        with pytest.raises(clock.UnknownTimeZoneError):
            clock.zone(name)
    assert clock.zone(pytz.utc) is pytz.utc
