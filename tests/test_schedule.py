"""Tests of the pure-Python slot engine ``rdv_booking/tools/schedule.py``.

The engine is compared, with hypothesis, to ``reference_slot_starts`` below: a
deliberately naive implementation of the documented rules, slot by slot, with
minute arithmetic and one conversion per slot.

The reference reads the zones from pytz, the product's one time-zone
database, like the engine, but finds the UTC instants of a wall-clock time by
brute force (every offset the zone ever uses; UTC -> local is unambiguous)
rather than with the engine's helpers (``rdv_booking/tools/clock.py``).
"""

import dataclasses
import functools
from datetime import UTC, date, datetime, time, timedelta

import pytest
import pytz
import rdv_schedule as schedule
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

Closure = schedule.Closure
CounterSchedule = schedule.CounterSchedule
ExceptionRange = schedule.ExceptionRange
ScheduleError = schedule.ScheduleError
WeekSchedule = schedule.WeekSchedule

ONE_DAY = timedelta(days=1)


# --------------------------------------------------------------------------
# Naive reference implementation
# --------------------------------------------------------------------------


@functools.cache
def zone_offsets(tz):
    """Every UTC offset the pytz zone ``tz`` ever uses."""
    zone = pytz.timezone(tz)
    infos = getattr(zone, "_transition_info", None)
    return sorted({info[0] for info in infos}) if infos else [zone.utcoffset(None)]


def wall_clock(tz, utc):
    """Local wall-clock datetime (naive) in ``tz`` of a naive-UTC datetime."""
    return utc.replace(tzinfo=UTC).astimezone(pytz.timezone(tz)).replace(tzinfo=None)


def occurrences(tz, local):
    """The sorted naive-UTC instants whose wall clock in ``tz`` reads ``local``:
    none in a DST gap, two in an ambiguous hour."""
    return sorted(
        {local - offset for offset in zone_offsets(tz) if wall_clock(tz, local - offset) == local}
    )


def plain_day(tz, day):
    """True when the clocks of ``tz`` do not change during local ``day``."""
    midnight = datetime.combine(day, time())
    offsets = set()
    for quarter in range(97):
        found = occurrences(tz, midnight + timedelta(minutes=15 * quarter))
        if len(found) != 1:
            return False
        offsets.add(midnight + timedelta(minutes=15 * quarter) - found[0])
    return len(offsets) == 1


def reference_intervals(sched, day):
    """Opening intervals of ``day`` before closures, the naive way."""
    if day < sched.valid_from or (sched.valid_to is not None and day > sched.valid_to):
        return ()
    covering = [
        (exc.date_from, index, exc)
        for index, exc in enumerate(sched.exceptions)
        if exc.date_from <= day <= exc.date_to
    ]
    if not covering:
        return sched.week.days[day.weekday()]
    winner = max(covering, key=lambda item: (item[0], item[1]))[2]
    return () if winner.week is None else winner.week.days[day.weekday()]


def reference_windows(sched, day):
    """Closure windows of ``day``, a whole-day closure being ``(0, 1440)``."""
    return [
        (0, 1440) if closure.start is None else (closure.start, closure.end)
        for closure in sched.closures
        if closure.date_from <= day <= closure.date_to
    ]


def reference_candidates(sched, day, stats=None):
    """Naive-UTC starts of the candidate slots of ``day`` (rules 1-5).

    ``stats`` (a dict), when given, counts the DST cases met: ``gap`` (local
    time skipped) and ``ambiguous`` (local time occurring twice).
    """
    windows = reference_windows(sched, day)
    out = []
    for a, b in reference_intervals(sched, day):
        s = a
        while s + sched.step <= b:
            if not any(s < c1 and c0 < s + sched.step for c0, c1 in windows):
                local = datetime.combine(day, time()) + timedelta(minutes=s)
                found = occurrences(sched.tz, local)
                if found:
                    out.append(found[0])  # the first occurrence of an ambiguous time
                    if stats is not None and len(found) > 1:
                        stats["ambiguous"] = stats.get("ambiguous", 0) + 1
                elif stats is not None:
                    stats["gap"] = stats.get("gap", 0) + 1
            s += sched.step
    return out


def reference_slot_starts(sched, date_from, date_to, stats=None):
    """Slot starts of ``date_from .. date_to`` with the DST overlap rule (rule 6).

    Candidates are collected from two days before ``date_from`` so that the
    predecessor of the first candidate of the window is known; a candidate is
    dropped when it starts before the end of the previous candidate.
    """
    candidates = []
    day = date_from - 2 * ONE_DAY
    while day <= date_to:
        candidates.extend((utc, day) for utc in reference_candidates(sched, day, stats))
        day += ONE_DAY
    candidates.sort()
    step = timedelta(minutes=sched.step)
    kept = []
    for index, (utc, day) in enumerate(candidates):
        if index and utc < candidates[index - 1][0] + step:
            if stats is not None:
                stats["overlap"] = stats.get("overlap", 0) + 1
            continue
        if day >= date_from:
            kept.append(utc)
    return kept


# --------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------

TIME_ZONES = [
    "Europe/Paris",
    "Africa/Casablanca",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
    # Transition at 23:00 local, the DST gap ends at midnight: a slot of the
    # day before may overlap the first slot of the next day.
    "America/Nuuk",
]
STEPS = [5, 10, 15, 20, 30, 45, 60]
# Offset-transition dates of 2026 (checked by test_dst_dates_are_transitions).
DST_DATES = {
    "Europe/Paris": [date(2026, 3, 29), date(2026, 10, 25)],
    "Africa/Casablanca": [date(2026, 2, 15), date(2026, 3, 22)],
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
    "Australia/Lord_Howe": [date(2026, 4, 5), date(2026, 10, 4)],
    "America/Nuuk": [date(2026, 3, 28), date(2026, 10, 24)],
}
# Local minute where the DST gap (spring) or ambiguous hour (autumn) begins
# (the shift is 60 minutes except in Lord Howe, 30 minutes).
DST_PIVOTS = {
    date(2026, 3, 29): 120,  # Paris gap 02:00-03:00
    date(2026, 10, 25): 120,  # Paris ambiguous 02:00-03:00
    date(2026, 2, 15): 120,  # Casablanca ambiguous 02:00-03:00
    date(2026, 3, 22): 120,  # Casablanca gap 02:00-03:00
    date(2026, 3, 8): 120,  # New York gap 02:00-03:00
    date(2026, 11, 1): 60,  # New York ambiguous 01:00-02:00
    date(2026, 4, 5): 90,  # Lord Howe ambiguous 01:30-02:00
    date(2026, 10, 4): 120,  # Lord Howe gap 02:00-02:30
    date(2026, 3, 28): 1380,  # Nuuk gap 23:00-24:00
    date(2026, 10, 24): 1380,  # Nuuk ambiguous 23:00-24:00
}
ALL_DST_DATES = sorted({d for dates in DST_DATES.values() for d in dates})
# Interval bounds around the DST changes (01:30 .. 03:30), noon and midnight.
INTERESTING_MINUTES = [
    0, 60, 90, 100, 105, 120, 135, 150, 165, 180, 195, 210, 240,
    510, 720, 810, 1020, 1320, 1350, 1380, 1410, 1425, 1440,
]  # fmt: skip


def _intervals_from(first, parts):
    """Turn a first start and ``(length, gap)`` parts into a day's intervals."""
    intervals = []
    position = first
    for length, gap in parts:
        if position >= 1440:
            break
        end = min(position + length, 1440)
        intervals.append((position, end))
        position = end + gap
    return tuple(intervals)


def anywhere_intervals():
    """Sorted, non-overlapping (possibly touching) intervals anywhere in a day."""
    return st.builds(
        _intervals_from,
        st.one_of(st.sampled_from(INTERESTING_MINUTES[:-1]), st.integers(0, 1439)),
        st.lists(
            st.tuples(
                st.one_of(
                    st.sampled_from([15, 30, 45, 60, 90, 120, 180, 240]),
                    st.integers(1, 600),
                ),
                st.sampled_from([0, 0, 15, 30, 60, 90, 240, 600]),
            ),
            max_size=3,
        ),
    )


def night_intervals(pivot):
    """Intervals starting up to 2.5 hours before local minute ``pivot``.

    ``pivot`` is where a DST gap or ambiguous hour begins.  Lengths and gaps
    are often not multiples of the step, so that slots straddle the DST gap
    and the overlap rule is exercised.  When the pivot is late in the evening
    the day also opens early in the morning, so that a slot of the previous
    evening may meet the first slots of the day.
    """
    parts = st.lists(
        st.tuples(
            st.one_of(st.sampled_from([15, 30, 45, 60, 75, 90, 120]), st.integers(1, 240)),
            st.sampled_from([0, 5, 15, 30, 45, 60, 75, 90]),
        ),
        min_size=1,
        max_size=4,
    )
    evening = st.builds(
        _intervals_from, st.integers(0, 150).map(lambda d: max(pivot - d, 0)), parts
    )
    if pivot < 1290:
        return evening
    morning = st.builds(_intervals_from, st.integers(0, 60), parts).map(
        lambda intervals: tuple(i for i in intervals if i[1] <= pivot - 150)
    )
    return st.builds(lambda m, e: m + e, morning, evening)


@st.composite
def straddle_intervals(draw, pivot, shift, step):
    """Intervals whose slots overlap in UTC if a ``shift``-minute DST gap
    starts at local minute ``pivot``.

    The first interval holds a slot ``[s, s + step)`` crossing ``pivot``; the
    second one starts at ``t`` with ``pivot + shift <= t < s + step + shift``
    (when possible), i.e. before the real end of the straddling slot.  For a
    late-evening pivot the second interval is the next morning's one.
    """
    before = draw(st.integers(1, max(step - 1, 1)))
    s = pivot - before
    if s + step > 1440:
        s = 1440 - step
    first = (max(s - draw(st.integers(0, 2)) * step, 0), s + step)
    if draw(st.booleans()):
        first = (first[0], min(first[1] + draw(st.integers(0, step)), 1440))
    t = pivot + shift + draw(st.integers(0, max(s + step - pivot - 1, 0)))
    length = draw(st.integers(step, 3 * step))
    if t >= 1440:
        t -= 1440
        second = (t, min(t + length, 1440))
        return (second, first) if second[1] <= first[0] else (first,)
    t = max(t, first[1])
    if t >= 1440:
        return (first,)
    return (first, (t, min(t + length, 1440)))


def weeks(day_strategy):
    """Week schedules; half of them open every day with the same intervals."""
    return st.one_of(
        st.tuples(*[day_strategy] * 7).map(WeekSchedule),
        day_strategy.map(lambda day: WeekSchedule((day,) * 7)),
    )


def offset_dates(anchor, low, high):
    return st.integers(low, high).map(lambda n: anchor + timedelta(days=n))


@st.composite
def exception_ranges(draw, anchor, week_strategy):
    # Few distinct start dates: ties between ranges are frequent.
    date_from = anchor + timedelta(days=draw(st.sampled_from([-4, -2, -1, 0, 0, 1, 3])))
    date_to = date_from + timedelta(days=draw(st.integers(0, 5)))
    week = draw(st.one_of(st.none(), week_strategy))
    return ExceptionRange(date_from, date_to, week)


@st.composite
def closures(draw, anchor, starts):
    date_from = draw(offset_dates(anchor, -6, 6))
    date_to = date_from + timedelta(days=draw(st.integers(0, 3)))
    if draw(st.booleans()):
        return Closure(date_from, date_to)
    start = draw(starts)
    end = draw(st.integers(start + 1, min(start + 300, 1440)))
    return Closure(date_from, date_to, start, end)


@st.composite
def general_cases(draw):
    """``(schedule, date_from, date_to)``, window mostly around a DST change."""
    tz = draw(st.sampled_from(TIME_ZONES))
    anchor = draw(st.sampled_from(DST_DATES.get(tz, ALL_DST_DATES)))
    date_from = draw(offset_dates(anchor, -3, 1))
    date_to = max(date_from, draw(offset_dates(anchor, -1, 4)))
    valid_from = draw(offset_dates(anchor, -12, 2))
    valid_to = draw(st.one_of(st.none(), offset_dates(valid_from, 0, 20)))
    step = draw(st.sampled_from(STEPS))
    night = st.one_of(
        st.sampled_from([90, 120, 1380]).flatmap(night_intervals),
        straddle_intervals(120, 60, step),
    )
    week_strategy = weeks(st.one_of(anywhere_intervals(), night))
    closure_starts = st.one_of(st.sampled_from(INTERESTING_MINUTES[:-1]), st.integers(0, 1439))
    sched = CounterSchedule(
        tz=tz,
        step=step,
        week=draw(week_strategy),
        valid_from=valid_from,
        valid_to=valid_to,
        exceptions=tuple(draw(st.lists(exception_ranges(anchor, week_strategy), max_size=3))),
        closures=tuple(draw(st.lists(closures(anchor, closure_starts), max_size=4))),
    )
    return sched, date_from, date_to


@st.composite
def dst_cases(draw):
    """Cases focused on a DST change: counter valid and open at night then."""
    tz = draw(st.sampled_from(sorted(DST_DATES)))
    anchor = draw(st.sampled_from(DST_DATES[tz]))
    # Sometimes the window starts the day after the change: the first slots
    # then depend on the last slot of the day before the window.
    date_from = draw(offset_dates(anchor, -2, 1))
    date_to = max(date_from, draw(offset_dates(anchor, 0, 2)))
    valid_from = draw(offset_dates(anchor, -10, 0))
    valid_to = draw(st.one_of(st.none(), offset_dates(anchor, 0, 5)))
    pivot = DST_PIVOTS[anchor]
    shift = 30 if tz == "Australia/Lord_Howe" else 60
    step = draw(st.sampled_from(STEPS))
    week_strategy = weeks(st.one_of(night_intervals(pivot), straddle_intervals(pivot, shift, step)))
    sched = CounterSchedule(
        tz=tz,
        step=step,
        week=draw(week_strategy),
        valid_from=valid_from,
        valid_to=valid_to,
        exceptions=tuple(draw(st.lists(exception_ranges(anchor, week_strategy), max_size=2))),
        closures=tuple(draw(st.lists(closures(anchor, st.integers(0, 240)), max_size=2))),
    )
    return sched, date_from, date_to


def cases():
    """Half general cases, half cases focused on a DST change."""
    return st.one_of(general_cases(), dst_cases())


PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def local_of(sched, utc):
    """Local wall-clock datetime (naive) of a naive-UTC datetime."""
    return wall_clock(sched.tz, utc)


def days_of(date_from, date_to):
    day = date_from
    while day <= date_to:
        yield day
        day += ONE_DAY


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------


def check_against_reference(case):
    sched, date_from, date_to = case
    stats = {}
    expected = reference_slot_starts(sched, date_from, date_to, stats)
    assert schedule.slot_starts(sched, date_from, date_to) == expected
    event(f"slots: {'yes' if expected else 'none'}")
    for kind in ("gap", "ambiguous", "overlap"):
        event(f"DST {kind}: {'yes' if stats.get(kind) else 'no'}")
    for day in days_of(date_from - 3 * ONE_DAY, date_to + 3 * ONE_DAY):
        assert schedule.local_intervals(sched, day) == reference_intervals(sched, day)


@PROPERTY_SETTINGS
@given(general_cases())
def test_matches_reference(case):
    check_against_reference(case)


@PROPERTY_SETTINGS
@given(dst_cases())
def test_matches_reference_at_dst_changes(case):
    check_against_reference(case)


@PROPERTY_SETTINGS
@given(cases())
def test_runs_are_sorted_disjoint_and_compact(case):
    sched, date_from, date_to = case
    step = timedelta(minutes=sched.step)
    runs = schedule.slot_runs(sched, date_from, date_to)
    for start, count in runs:
        assert isinstance(start, datetime) and start.tzinfo is None
        assert count >= 1
    for (start, count), (next_start, _) in zip(runs, runs[1:], strict=False):
        assert start + count * step <= next_start
    starts = schedule.runs_to_starts(runs, sched.step)
    assert starts == schedule.slot_starts(sched, date_from, date_to)
    for previous, current in zip(starts, starts[1:], strict=False):
        assert current - previous >= step
    # Compactness: on a day without offset change, one run per stretch of an
    # opening interval between closure windows.
    runs_per_day = {}
    for start, _count in runs:
        runs_per_day.setdefault(local_of(sched, start).date(), []).append(start)
    for day, day_runs in runs_per_day.items():
        if not plain_day(sched.tz, day):
            continue
        bound = len(reference_intervals(sched, day)) * (1 + len(reference_windows(sched, day)))
        assert len(day_runs) <= bound


@PROPERTY_SETTINGS
@given(cases())
def test_slots_lie_in_opening_hours_outside_closures(case):
    sched, date_from, date_to = case
    for utc in schedule.slot_starts(sched, date_from, date_to):
        local = local_of(sched, utc)
        day = local.date()
        assert date_from <= day <= date_to
        assert sched.valid_from <= day
        assert sched.valid_to is None or day <= sched.valid_to
        # The first occurrence of an ambiguous local time is the one offered.
        assert occurrences(sched.tz, local)[0] == utc
        minute = local.hour * 60 + local.minute
        assert any(
            a <= minute and minute + sched.step <= b and (minute - a) % sched.step == 0
            for a, b in schedule.local_intervals(sched, day)
        )
        assert not any(
            minute < c1 and c0 < minute + sched.step for c0, c1 in reference_windows(sched, day)
        )


@PROPERTY_SETTINGS
@given(cases(), st.data())
def test_idempotent_and_split_windows(case, data):
    sched, date_from, date_to = case
    runs = schedule.slot_runs(sched, date_from, date_to)
    # Idempotence, also for an equal schedule built separately.
    assert schedule.slot_runs(sched, date_from, date_to) == runs
    copy = dataclasses.replace(sched, exceptions=list(sched.exceptions))
    assert copy == sched and hash(copy) == hash(sched)
    assert schedule.slot_runs(copy, date_from, date_to) == runs
    # The union over split windows equals the whole window.
    whole = schedule.runs_to_starts(runs, sched.step)
    middle = data.draw(offset_dates(date_from, 0, (date_to - date_from).days))
    left = schedule.slot_starts(sched, date_from, middle)
    right = schedule.slot_starts(sched, middle + ONE_DAY, date_to)
    assert left + right == whole
    per_day = [
        start
        for day in days_of(date_from, date_to)
        for start in schedule.slot_starts(sched, day, day)
    ]
    assert per_day == whole


# --------------------------------------------------------------------------
# Targeted unit tests
# --------------------------------------------------------------------------


def z(year, month, day, hour, minute=0):
    """Naive UTC datetime."""
    return datetime(year, month, day, hour, minute)


def every_day(*intervals):
    return WeekSchedule((tuple(intervals),) * 7)


def counter(week, tz="Europe/Paris", step=30, **kwargs):
    kwargs.setdefault("valid_from", date(2026, 1, 1))
    return CounterSchedule(tz=tz, step=step, week=week, **kwargs)


def test_dst_dates_are_transitions():
    for tz, dates in DST_DATES.items():
        for day in dates:
            midnight = datetime.combine(day, time())
            assert not plain_day(tz, day), (tz, day)
            assert plain_day(tz, day - ONE_DAY) and plain_day(tz, day + ONE_DAY), (tz, day)
            # The pivot local time is missing (gap) or happens twice.
            pivot = midnight + timedelta(minutes=DST_PIVOTS[day])
            assert len(occurrences(tz, pivot)) != 1, (tz, day)


def test_paris_spring_forward_skips_missing_slots():
    # Sunday 2026-03-29: 02:00 CET -> 03:00 CEST.
    sched = counter(every_day((90, 210)))  # 01:30-03:30
    day = date(2026, 3, 29)
    # 01:30 CET, [02:00 and 02:30 do not exist], 03:00 CEST.
    assert schedule.slot_starts(sched, day, day) == [z(2026, 3, 29, 0, 30), z(2026, 3, 29, 1)]
    # Contiguous in UTC: one run.
    assert schedule.slot_runs(sched, day, day) == [(z(2026, 3, 29, 0, 30), 2)]
    assert schedule.slot_starts(sched, day, day) == reference_slot_starts(sched, day, day)


def test_paris_spring_forward_drops_overlapping_slot():
    sched = counter(every_day((60, 330)), step=45)  # 01:00-05:30
    day = date(2026, 3, 29)
    # 01:00 CET, 01:45 CET (00:45-01:30 UTC), [02:30 missing],
    # 03:15 CEST = 01:15 UTC overlaps the 01:45 slot -> dropped, 04:00, 04:45 CEST.
    assert schedule.slot_starts(sched, day, day) == [
        z(2026, 3, 29, 0),
        z(2026, 3, 29, 0, 45),
        z(2026, 3, 29, 2),
        z(2026, 3, 29, 2, 45),
    ]
    # An ordinary day has all 6 slots.
    assert len(schedule.slot_starts(sched, date(2026, 3, 22), date(2026, 3, 22))) == 6


def test_paris_fall_back_offers_first_occurrence_only():
    # Sunday 2026-10-25: 03:00 CEST -> 02:00 CET.
    sched = counter(every_day((90, 210)))  # 01:30-03:30
    day = date(2026, 10, 25)
    assert schedule.slot_starts(sched, day, day) == [
        z(2026, 10, 24, 23, 30),  # 01:30 CEST
        z(2026, 10, 25, 0),  # 02:00 CEST (first occurrence)
        z(2026, 10, 25, 0, 30),  # 02:30 CEST
        z(2026, 10, 25, 2),  # 03:00 CET
    ]
    assert schedule.slot_runs(sched, day, day) == [
        (z(2026, 10, 24, 23, 30), 3),
        (z(2026, 10, 25, 2), 1),
    ]


def test_casablanca_ramadan_changes():
    sched = counter(every_day((540, 600)), tz="Africa/Casablanca")  # 09:00-10:00
    # UTC+1 before Ramadan, UTC+0 from Sunday 2026-02-15 (03:00 -> 02:00).
    assert schedule.slot_starts(sched, date(2026, 2, 14), date(2026, 2, 16)) == [
        z(2026, 2, 14, 8),
        z(2026, 2, 14, 8, 30),
        z(2026, 2, 15, 9),
        z(2026, 2, 15, 9, 30),
        z(2026, 2, 16, 9),
        z(2026, 2, 16, 9, 30),
    ]
    # Back to UTC+1 on Sunday 2026-03-22 (02:00 -> 03:00).
    assert schedule.slot_starts(sched, date(2026, 3, 21), date(2026, 3, 22)) == [
        z(2026, 3, 21, 9),
        z(2026, 3, 21, 9, 30),
        z(2026, 3, 22, 8),
        z(2026, 3, 22, 8, 30),
    ]
    # Night interval on the fall-back day: 02:00 and 02:30 happen twice.
    night = counter(every_day((120, 240)), tz="Africa/Casablanca")
    day = date(2026, 2, 15)
    assert schedule.slot_starts(night, day, day) == [
        z(2026, 2, 15, 1),
        z(2026, 2, 15, 1, 30),
        z(2026, 2, 15, 3),
        z(2026, 2, 15, 3, 30),
    ]


def test_nuuk_overlap_across_midnight_uses_previous_day():
    # Nuuk, 2026-03-28 23:00 (UTC-2) -> 2026-03-29 00:00 (UTC-1).
    week = WeekSchedule.from_lines([(5, 1350, 1410), (6, 0, 120)])  # Sat 22:30-23:30, Sun 0-2
    sched = counter(week, tz="America/Nuuk", step=60)
    # Saturday 22:30 UTC-2 = 00:30-01:30 UTC; Sunday 00:00 UTC-1 = 01:00 UTC
    # overlaps it and is dropped; Sunday 01:00 UTC-1 = 02:00 UTC is kept.
    saturday, sunday = date(2026, 3, 28), date(2026, 3, 29)
    assert schedule.slot_starts(sched, saturday, sunday) == [
        z(2026, 3, 29, 0, 30),
        z(2026, 3, 29, 2),
    ]
    # Same answer for Sunday alone: the previous day is looked at.
    assert schedule.slot_starts(sched, sunday, sunday) == [z(2026, 3, 29, 2)]


def test_lunch_break_gives_two_runs_per_day():
    week = WeekSchedule.from_lines([(0, 510, 720), (0, 810, 1020)])  # Mon 08:30-12:00, 13:30-17:00
    sched = counter(week)
    monday = date(2026, 6, 15)
    assert schedule.slot_runs(sched, monday, monday + 6 * ONE_DAY) == [
        (z(2026, 6, 15, 6, 30), 7),
        (z(2026, 6, 15, 11, 30), 7),
    ]
    starts = schedule.slot_starts(sched, monday, monday)
    assert starts[0] == z(2026, 6, 15, 6, 30) and starts[6] == z(2026, 6, 15, 9, 30)
    assert starts[7] == z(2026, 6, 15, 11, 30) and starts[-1] == z(2026, 6, 15, 14, 30)


def test_full_year_is_compact():
    sched = counter(every_day((510, 720), (810, 1020)), step=15)
    runs = schedule.slot_runs(sched, date(2026, 1, 1), date(2026, 12, 31))
    assert len(runs) == 2 * 365  # DST days included: the intervals avoid 02:00-03:00
    assert {count for _, count in runs} == {14}


def test_exception_range_closing_the_counter():
    sched = counter(
        every_day((540, 720)),
        exceptions=(ExceptionRange(date(2026, 8, 3), date(2026, 8, 9), None),),
    )
    assert schedule.slot_starts(sched, date(2026, 8, 3), date(2026, 8, 9)) == []
    assert schedule.local_intervals(sched, date(2026, 8, 5)) == ()
    assert schedule.local_intervals(sched, date(2026, 8, 10)) == ((540, 720),)
    assert len(schedule.slot_starts(sched, date(2026, 8, 2), date(2026, 8, 10))) == 12


def test_exception_range_with_another_week_and_precedence():
    summer = every_day((540, 600))  # 09:00-10:00
    late = every_day((900, 960))  # 15:00-16:00
    sched = counter(
        every_day((480, 720)),
        exceptions=(
            ExceptionRange(date(2026, 7, 1), date(2026, 7, 31), summer),
            ExceptionRange(date(2026, 7, 14), date(2026, 7, 14), None),  # latest start wins
            ExceptionRange(date(2026, 7, 1), date(2026, 7, 5), late),  # tie: last wins
        ),
    )
    assert schedule.local_intervals(sched, date(2026, 6, 30)) == ((480, 720),)
    assert schedule.local_intervals(sched, date(2026, 7, 3)) == ((900, 960),)
    assert schedule.local_intervals(sched, date(2026, 7, 6)) == ((540, 600),)
    assert schedule.local_intervals(sched, date(2026, 7, 14)) == ()
    assert schedule.local_intervals(sched, date(2026, 8, 1)) == ((480, 720),)
    # Summer time: UTC+2.
    assert schedule.slot_starts(sched, date(2026, 7, 6), date(2026, 7, 6)) == [
        z(2026, 7, 6, 7),
        z(2026, 7, 6, 7, 30),
    ]
    assert schedule.slot_starts(sched, date(2026, 7, 14), date(2026, 7, 14)) == []


def test_partial_closure_removes_intersecting_slots():
    week = WeekSchedule.from_lines([(0, 510, 720)])  # Mon 08:30-12:00
    monday = date(2026, 6, 15)
    aligned = counter(week, closures=(Closure(monday, monday, 600, 660),))  # 10:00-11:00
    # 08:30 09:00 09:30 | 11:00 11:30 (local, UTC+2)
    assert schedule.slot_runs(aligned, monday, monday) == [
        (z(2026, 6, 15, 6, 30), 3),
        (z(2026, 6, 15, 9), 2),
    ]
    misaligned = counter(week, closures=(Closure(monday, monday, 615, 645),))  # 10:15-10:45
    assert schedule.slot_runs(misaligned, monday, monday) == [
        (z(2026, 6, 15, 6, 30), 3),
        (z(2026, 6, 15, 9), 2),
    ]
    # A daily window over a date range applies on each day of the range.
    ranged = counter(
        every_day((510, 720)), closures=(Closure(monday, monday + 2 * ONE_DAY, 510, 570),)
    )
    starts = schedule.slot_starts(ranged, monday, monday + 3 * ONE_DAY)
    assert [len([s for s in starts if s.date() == monday + n * ONE_DAY]) for n in range(4)] == [
        5,
        5,
        5,
        7,
    ]
    # Whole-day closure.
    holiday = counter(week, closures=(Closure(monday, monday),))
    assert schedule.slot_starts(holiday, monday, monday) == []


def test_validity_bounds_are_inclusive():
    sched = counter(every_day((540, 600)), valid_from=date(2026, 6, 16), valid_to=date(2026, 6, 18))
    starts = schedule.slot_starts(sched, date(2026, 6, 14), date(2026, 6, 20))
    assert sorted({s.date() for s in starts}) == [
        date(2026, 6, 16),
        date(2026, 6, 17),
        date(2026, 6, 18),
    ]
    assert schedule.local_intervals(sched, date(2026, 6, 19)) == ()
    assert schedule.local_intervals(sched, date(2026, 6, 15)) == ()
    assert schedule.slot_runs(sched, date(2026, 6, 19), date(2026, 6, 30)) == []
    assert schedule.slot_runs(sched, date(2026, 6, 18), date(2026, 6, 17)) == []


def test_find_overlaps():
    lines = [(0, 700, 800), (0, 510, 720), (0, 720, 900), (1, 700, 800), (1, 800, 900)]
    assert schedule.find_overlaps(lines) == [
        ((0, 510, 720), (0, 700, 800)),
        ((0, 700, 800), (0, 720, 900)),
    ]
    # Touching intervals and other weekdays never overlap.
    assert schedule.find_overlaps([(0, 510, 720), (0, 720, 900), (1, 510, 720)]) == []
    # An interval containing two others overlaps both.
    assert schedule.find_overlaps([(2, 0, 1440), (2, 60, 120), (2, 600, 700)]) == [
        ((2, 0, 1440), (2, 60, 120)),
        ((2, 0, 1440), (2, 600, 700)),
    ]
    assert schedule.find_overlaps([(3, 60, 120), (3, 60, 120)]) == [((3, 60, 120), (3, 60, 120))]


def test_from_lines_rejects_overlaps():
    with pytest.raises(ScheduleError) as info:
        WeekSchedule.from_lines([(0, 510, 720), (0, 700, 800), (2, 0, 60)])
    error = info.value
    assert isinstance(error, ValueError)
    assert error.code == "overlap"
    assert error.details["weekday"] == 0
    assert error.details["first"] == (510, 720)
    assert error.details["second"] == (700, 800)
    assert error.details["pairs"] == [((0, 510, 720), (0, 700, 800))]
    assert "08:30-12:00" in str(error) and "11:40-13:20" in str(error)
    with pytest.raises(ScheduleError) as info:
        WeekSchedule((((60, 120), (90, 150)),) + ((),) * 6)
    assert info.value.code == "overlap"


def test_from_lines_builds_sorted_days():
    week = WeekSchedule.from_lines([(0, 810, 1020), (0, 510, 720), (6, 0, 1440), (0, 720, 810)])
    assert week.intervals(0) == ((510, 720), (720, 810), (810, 1020))
    assert week.intervals(6) == ((0, 1440),)
    assert week.intervals(3) == ()
    assert week.lines()[0] == (0, 510, 720)
    assert WeekSchedule.from_lines([]) == WeekSchedule.closed()
    assert WeekSchedule([[(120, 180), (0, 60)]] + [[]] * 6).intervals(0) == ((0, 60), (120, 180))


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([(0, 600, 600)], "empty_interval"),
        ([(0, 700, 600)], "empty_interval"),
        ([(7, 0, 60)], "bad_bounds"),
        ([(-1, 0, 60)], "bad_bounds"),
        ([(0, -5, 60)], "bad_bounds"),
        ([(0, 0, 1441)], "bad_bounds"),
        ([(0, 0.5, 60)], "bad_bounds"),
        ([(0, 0)], "bad_bounds"),
    ],
)
def test_from_lines_rejects_invalid_lines(lines, code):
    with pytest.raises(ScheduleError) as info:
        WeekSchedule.from_lines(lines)
    assert info.value.code == code
    assert str(info.value)


def test_invalid_objects_are_rejected():
    week = every_day((540, 600))
    cases_ = [
        (lambda: WeekSchedule(((),) * 6), "bad_bounds"),
        (lambda: Closure(date(2026, 1, 2), date(2026, 1, 1)), "bad_bounds"),
        (lambda: Closure(date(2026, 1, 1), date(2026, 1, 1), 60, None), "bad_bounds"),
        (lambda: Closure(date(2026, 1, 1), date(2026, 1, 1), 60, 60), "empty_interval"),
        (lambda: ExceptionRange(date(2026, 1, 2), date(2026, 1, 1), None), "bad_bounds"),
        (lambda: counter(week, step=0), "bad_bounds"),
        (lambda: counter(week, step=1441), "bad_bounds"),
        (lambda: counter(week, tz="Mars/Olympus_Mons"), "unknown_timezone"),
        (
            lambda: counter(week, valid_from=date(2026, 2, 1), valid_to=date(2026, 1, 1)),
            "bad_bounds",
        ),
    ]
    for build, code in cases_:
        with pytest.raises(ScheduleError) as info:
            build()
        assert info.value.code == code


def test_misaligned_intervals():
    week = WeekSchedule.from_lines([(0, 510, 720), (0, 810, 1020), (1, 480, 600)])
    assert schedule.misaligned_intervals(week, 30) == []
    assert schedule.misaligned_intervals(week, 60) == [(0, (510, 720)), (0, (810, 1020))]
    assert schedule.misaligned_intervals(week, 45) == [
        (0, (510, 720)),
        (0, (810, 1020)),
        (1, (480, 600)),
    ]
    # The unused remainder yields no slot.
    sched = counter(week, step=60)
    assert len(schedule.slot_starts(sched, date(2026, 6, 15), date(2026, 6, 15))) == 6


def test_runs_to_starts_and_format():
    runs = [(z(2026, 1, 5, 8), 3), (z(2026, 1, 5, 13), 1)]
    assert schedule.runs_to_starts(runs, 20) == [
        z(2026, 1, 5, 8),
        z(2026, 1, 5, 8, 20),
        z(2026, 1, 5, 8, 40),
        z(2026, 1, 5, 13),
    ]
    assert schedule.runs_to_starts([], 20) == []
    assert schedule.format_minutes(510) == "08:30" and schedule.format_minutes(1440) == "24:00"
