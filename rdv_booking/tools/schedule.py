"""Pure-Python slot engine of the RDV counters (no Odoo import).

A counter ("guichet") opens according to a weekly *reference week* expressed
in the local wall-clock time of its place.  Over date ranges an
:class:`ExceptionRange` replaces the reference week by another week (or closes
the counter), :class:`Closure` items remove time (whole days or a daily window
over a date range) and the counter only opens inside its validity dates.

Slots of ``step`` minutes are cut from every opening interval starting at the
interval start (local wall clock) and are returned in UTC as *naive*
datetimes.  The exact rules, which the property-based tests check against a
naive slot-by-slot reference implementation, are:

1. A local day ``d`` contributes only if ``valid_from <= d`` and
   (``valid_to is None`` or ``d <= valid_to``).
2. The intervals of the day are :func:`local_intervals` ``(schedule, d)``: the
   week of the exception range covering ``d`` with the latest ``date_from``
   (ties: the last one in ``schedule.exceptions``), else the reference week;
   an exception range whose ``week`` is ``None`` closes the counter.
3. Candidate slots are the local ``[s, s + step)`` for ``s = a, a + step, ...``
   while ``s + step <= b``, for every interval ``(a, b)`` of the day.
4. A candidate is dropped if it strictly intersects
   (``s < c_end and c_start < s + step``) a closure window of that day (a
   whole-day closure is the window ``[0, 1440)``).
5. Local to UTC: ``datetime.combine(d, time()) + timedelta(minutes=s)`` in the
   place's zone with the offset in force before any change of the clocks at
   that time (Python's ``fold=0``), read from pytz, the product's one
   time-zone database (:mod:`.clock`).  A local time that does not exist (DST
   gap, i.e. the local -> UTC -> local round trip differs) is skipped; an
   ambiguous local time (DST fall back) means its first occurrence.  A slot
   always lasts ``step`` minutes of real time.
6. **DST overlap rule.**  With rule 5 the UTC starts are strictly increasing,
   but a slot that straddles a DST gap may overlap the next one in UTC (e.g.
   Paris, spring forward, 45-minute step from 01:00: the 01:45 slot is
   00:45-01:30 UTC while the next existing candidate, 03:15 CEST, starts at
   01:15 UTC).  Of two *consecutive candidates* (in UTC order, a candidate
   being a slot that survived rules 1-5, even if it was itself dropped by this
   rule) the later one is dropped when it starts before the earlier one ends.
   Kept slots therefore never overlap.  The previous candidate may belong to
   the previous local day (transition late in the evening, e.g. America/Nuuk
   whose spring gap is 23:00-24:00), so :func:`slot_runs` looks one day back:
   the result for a given day does not depend on the requested window, and
   the union of the results over a split window equals the result over the
   whole window.

Assumption: a zone has at most one UTC-offset transition per local day (true
for every IANA zone in use); days whose local midnights have different UTC
offsets take a slow per-slot path, all the other days are converted with a
single offset.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from . import clock

__all__ = [
    "MINUTES_PER_DAY",
    "Closure",
    "CounterSchedule",
    "ExceptionRange",
    "Interval",
    "Line",
    "ScheduleError",
    "WeekSchedule",
    "find_overlaps",
    "format_minutes",
    "local_intervals",
    "misaligned_intervals",
    "runs_to_starts",
    "slot_runs",
    "slot_starts",
]

MINUTES_PER_DAY = 1440

#: Minutes since local midnight, half-open ``[start, end)``,
#: ``0 <= start < end <= 1440``.
Interval = tuple[int, int]
#: An opening line ``(weekday, start_minute, end_minute)``, Monday = 0.
Line = tuple[int, int, int]

_ONE_DAY = timedelta(days=1)
#: Last day handled (the day after must still be a valid datetime).
_LAST_ORDINAL = date.max.toordinal() - 1


class ScheduleError(ValueError):
    """Invalid schedule data.

    ``code`` is machine readable so the Odoo layer can build a translated
    message: ``'overlap'``, ``'empty_interval'``, ``'bad_bounds'``,
    ``'misaligned'`` or ``'unknown_timezone'``.  ``details`` holds the values
    needed by that message (weekday, intervals, pairs...).  ``str(error)`` is
    an English message meant for logs and tests.
    """

    def __init__(
        self, code: str, message: str, details: Mapping[str, object] | None = None
    ) -> None:
        """Build the error from its ``code``, English ``message`` and ``details``."""
        super().__init__(message)
        self.code = code
        self.details: dict[str, object] = dict(details or {})


def format_minutes(minutes: int) -> str:
    """Format minutes since midnight as ``HH:MM`` (1440 gives ``24:00``)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_interval(start: object, end: object, weekday: int | None = None) -> None:
    """Raise :class:`ScheduleError` unless ``[start, end)`` is a valid interval."""
    details = {"weekday": weekday, "start": start, "end": end}
    if not (_is_int(start) and _is_int(end)):
        raise ScheduleError(
            "bad_bounds",
            f"Interval bounds must be integers: {start!r}-{end!r}",
            details,
        )
    if not (0 <= start <= MINUTES_PER_DAY and 0 <= end <= MINUTES_PER_DAY):
        raise ScheduleError(
            "bad_bounds",
            f"Interval bounds must lie between 0 and {MINUTES_PER_DAY} minutes: {start}-{end}",
            details,
        )
    if start >= end:
        raise ScheduleError(
            "empty_interval",
            f"Interval {format_minutes(start)}-{format_minutes(end)} is empty "
            "(its end must be after its start)",
            details,
        )


def _check_weekday(weekday: object) -> None:
    if not (_is_int(weekday) and 0 <= weekday <= 6):
        raise ScheduleError(
            "bad_bounds",
            f"Weekday must be an integer between 0 (Monday) and 6: {weekday!r}",
            {"weekday": weekday},
        )


def find_overlaps(lines: Iterable[Line]) -> list[tuple[Line, Line]]:
    """Return every pair of overlapping opening lines.

    Two lines overlap when they share the weekday and their intervals
    intersect; touching intervals (``end == start``) do not overlap.  Pairs are
    ``(first, second)`` with ``first`` sorting before ``second`` on
    ``(weekday, start, end)``; the list is sorted the same way.  The lines are
    not otherwise validated.
    """
    ordered = sorted(tuple(line) for line in lines)
    pairs: list[tuple[Line, Line]] = []
    active: list[Line] = []
    weekday = None
    for line in ordered:
        if line[0] != weekday:
            weekday, active = line[0], []
        active = [other for other in active if other[2] > line[1]]
        pairs.extend((other, line) for other in active if line[1] < line[2])
        if line[1] < line[2]:
            active.append(line)
    return pairs


def _overlap_error(pairs: Sequence[tuple[Line, Line]]) -> ScheduleError:
    first, second = pairs[0]
    return ScheduleError(
        "overlap",
        f"Overlapping opening hours on weekday {first[0]}: "
        f"{format_minutes(first[1])}-{format_minutes(first[2])} and "
        f"{format_minutes(second[1])}-{format_minutes(second[2])}",
        {
            "weekday": first[0],
            "first": (first[1], first[2]),
            "second": (second[1], second[2]),
            "pairs": list(pairs),
        },
    )


@dataclass(frozen=True)
class WeekSchedule:
    """Opening intervals of a week, local wall-clock time.

    ``days`` holds exactly 7 tuples of intervals, Monday = 0 .. Sunday = 6.
    Each day is normalised to a sorted tuple; intervals of a day must not
    overlap (they may touch: slots are cut from each interval separately).
    """

    days: tuple[tuple[Interval, ...], ...]

    def __post_init__(self) -> None:
        """Validate and normalise ``days`` (raises :class:`ScheduleError`)."""
        days = tuple(self.days)
        if len(days) != 7:
            raise ScheduleError(
                "bad_bounds",
                f"A week schedule needs exactly 7 days, got {len(days)}",
                {"days": len(days)},
            )
        normalised = []
        for weekday, intervals in enumerate(days):
            day = tuple(sorted(tuple(interval) for interval in intervals))
            for interval in day:
                if len(interval) != 2:
                    raise ScheduleError(
                        "bad_bounds",
                        f"An interval is a (start, end) pair: {interval!r}",
                        {"weekday": weekday, "interval": interval},
                    )
                _check_interval(interval[0], interval[1], weekday)
            pairs = find_overlaps((weekday, a, b) for a, b in day)
            if pairs:
                raise _overlap_error(pairs)
            normalised.append(day)
        object.__setattr__(self, "days", tuple(normalised))

    @classmethod
    def from_lines(cls, lines: Iterable[Line]) -> WeekSchedule:
        """Build a week from ``(weekday, start_min, end_min)`` lines.

        Raises :class:`ScheduleError` with code ``'bad_bounds'`` (weekday or
        minutes out of range), ``'empty_interval'`` (``start >= end``) or
        ``'overlap'`` (``details['pairs']`` lists every overlapping pair).
        """
        lines = [tuple(line) for line in lines]
        for line in lines:
            if len(line) != 3:
                raise ScheduleError(
                    "bad_bounds",
                    f"An opening line is (weekday, start, end): {line!r}",
                    {"line": line},
                )
            _check_weekday(line[0])
            _check_interval(line[1], line[2], line[0])
        pairs = find_overlaps(lines)
        if pairs:
            raise _overlap_error(pairs)
        days: list[list[Interval]] = [[] for _ in range(7)]
        for weekday, start, end in lines:
            days[weekday].append((start, end))
        return cls(tuple(tuple(day) for day in days))

    @classmethod
    def closed(cls) -> WeekSchedule:
        """Return a week without any opening interval."""
        return cls(((),) * 7)

    def intervals(self, weekday: int) -> tuple[Interval, ...]:
        """Return the sorted opening intervals of ``weekday`` (Monday = 0)."""
        return self.days[weekday]

    def lines(self) -> list[Line]:
        """Return the week as sorted ``(weekday, start, end)`` lines."""
        return [(wd, a, b) for wd, day in enumerate(self.days) for a, b in day]


def misaligned_intervals(week: WeekSchedule, step: int) -> list[tuple[int, Interval]]:
    """Return the ``(weekday, interval)`` whose length is not a multiple of ``step``.

    Such an interval ends with unused minutes (no slot fits in the remainder).
    The Odoo layer may report them with :class:`ScheduleError` code
    ``'misaligned'``.
    """
    return [
        (weekday, interval)
        for weekday, day in enumerate(week.days)
        for interval in day
        if (interval[1] - interval[0]) % step
    ]


def _check_dates(date_from: date, date_to: date, what: str) -> None:
    if date_to < date_from:
        raise ScheduleError(
            "bad_bounds",
            f"{what} ends ({date_to}) before it starts ({date_from})",
            {"date_from": date_from, "date_to": date_to},
        )


@dataclass(frozen=True)
class ExceptionRange:
    """Replace the reference week from ``date_from`` to ``date_to`` (inclusive).

    ``week=None`` closes the counter over the range.  When several ranges cover
    a day, the one with the latest ``date_from`` wins (ties: the last one in
    :attr:`CounterSchedule.exceptions`).
    """

    date_from: date
    date_to: date
    week: WeekSchedule | None

    def __post_init__(self) -> None:
        """Check that the range is not reversed (code ``'bad_bounds'``)."""
        _check_dates(self.date_from, self.date_to, "Exception range")


@dataclass(frozen=True)
class Closure:
    """Time removed from the counter on local days ``date_from`` .. ``date_to``.

    ``start``/``end`` both ``None``: whole days; otherwise the same daily window
    ``[start, end)`` (minutes) on each day of the range.  Any slot that
    intersects the window is removed.
    """

    date_from: date
    date_to: date
    start: int | None = None
    end: int | None = None

    def __post_init__(self) -> None:
        """Check the dates and the daily window (:class:`ScheduleError`)."""
        _check_dates(self.date_from, self.date_to, "Closure")
        if (self.start is None) != (self.end is None):
            raise ScheduleError(
                "bad_bounds",
                "A closure window needs both a start and an end (or neither)",
                {"start": self.start, "end": self.end},
            )
        if self.start is not None:
            _check_interval(self.start, self.end)

    @property
    def whole_day(self) -> bool:
        """True when the closure removes whole days."""
        return self.start is None

    @property
    def window(self) -> Interval:
        """The daily window removed, ``(0, 1440)`` for a whole-day closure."""
        if self.start is None:
            return (0, MINUTES_PER_DAY)
        return (self.start, self.end)


@dataclass(frozen=True)
class CounterSchedule:
    """Everything needed to compute the slots of one counter.

    ``tz`` is the IANA zone of the counter's place, ``step`` the slot length in
    minutes (1 .. 1440), ``week`` the reference week, ``valid_from`` ..
    ``valid_to`` (inclusive, ``None`` = open-ended) the validity.
    """

    tz: str
    step: int
    week: WeekSchedule
    valid_from: date
    valid_to: date | None = None
    exceptions: tuple[ExceptionRange, ...] = ()
    closures: tuple[Closure, ...] = ()

    def __post_init__(self) -> None:
        """Validate step, zone and validity; store exceptions/closures as tuples."""
        if not (_is_int(self.step) and 0 < self.step <= MINUTES_PER_DAY):
            raise ScheduleError(
                "bad_bounds",
                f"The slot length must be between 1 and {MINUTES_PER_DAY} minutes: {self.step!r}",
                {"step": self.step},
            )
        try:
            clock.zone(self.tz)
        except (clock.UnknownTimeZoneError, ValueError, TypeError) as exc:
            raise ScheduleError(
                "unknown_timezone", f"Unknown time zone: {self.tz!r}", {"tz": self.tz}
            ) from exc
        if self.valid_to is not None:
            _check_dates(self.valid_from, self.valid_to, "Counter validity")
        object.__setattr__(self, "exceptions", tuple(self.exceptions))
        object.__setattr__(self, "closures", tuple(self.closures))

    @property
    def zone(self) -> tzinfo:
        """The pytz zone of the place (:func:`.clock.zone`, cached by pytz)."""
        return clock.zone(self.tz)

    def is_valid_on(self, day: date) -> bool:
        """True when ``day`` lies within the validity of the counter."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def local_intervals(schedule: CounterSchedule, day: date) -> tuple[Interval, ...]:
    """Return the opening intervals in force on local ``day``, before closures.

    Empty outside the validity or when an exception range closes the counter.
    """
    if not schedule.is_valid_on(day):
        return ()
    winner: ExceptionRange | None = None
    for exc in schedule.exceptions:
        if exc.date_from <= day <= exc.date_to and (
            winner is None or exc.date_from >= winner.date_from
        ):
            winner = exc
    week = schedule.week if winner is None else winner.week
    return () if week is None else week.days[day.weekday()]


class _ExceptionSweep:
    """Winning exception range per day, for days visited in increasing order.

    A max-heap on ``(date_from, index)`` with lazy removal of expired ranges:
    O((days + ranges) log ranges) for a whole window.
    """

    def __init__(self, exceptions: Sequence[ExceptionRange], first: int, last: int) -> None:
        self._pending = sorted(
            (exc.date_from.toordinal(), index, exc)
            for index, exc in enumerate(exceptions)
            if exc.date_to.toordinal() >= first and exc.date_from.toordinal() <= last
        )
        self._next = 0
        self._heap: list[tuple[int, int, int, ExceptionRange]] = []

    def week(self, ordinal: int, default: WeekSchedule) -> WeekSchedule | None:
        pending, heap = self._pending, self._heap
        while self._next < len(pending) and pending[self._next][0] <= ordinal:
            start, index, exc = pending[self._next]
            heapq.heappush(heap, (-start, -index, exc.date_to.toordinal(), exc))
            self._next += 1
        while heap and heap[0][2] < ordinal:
            heapq.heappop(heap)
        return heap[0][3].week if heap else default


def _closure_index(closures: Iterable[Closure], first: int, last: int) -> dict[int, list[Interval]]:
    """Map each day ordinal of ``first .. last`` to its closure windows."""
    index: dict[int, list[Interval]] = {}
    for closure in closures:
        window = closure.window
        lo = max(closure.date_from.toordinal(), first)
        hi = min(closure.date_to.toordinal(), last)
        for ordinal in range(lo, hi + 1):
            index.setdefault(ordinal, []).append(window)
    return index


def _allowed_ranges(
    start: int, count: int, step: int, windows: Sequence[Interval] | None
) -> Iterator[tuple[int, int]]:
    """Yield the ``[k0, k1)`` slot-index ranges of an interval left by closures.

    Slot ``k`` is the local ``[start + k*step, start + (k+1)*step)``; it is
    removed when it strictly intersects a window ``[c0, c1)``, i.e. for
    ``floor((c0 - start) / step) <= k < ceil((c1 - start) / step)``.
    """
    if not windows:
        yield (0, count)
        return
    forbidden = []
    for c0, c1 in windows:
        lo = max((c0 - start) // step, 0)
        hi = min(-((start - c1) // step), count)
        if lo < hi:
            forbidden.append((lo, hi))
    forbidden.sort()
    k = 0
    for lo, hi in forbidden:
        if lo > k:
            yield (k, lo)
        k = max(k, hi)
    if k < count:
        yield (k, count)


@lru_cache(maxsize=256)
def _midnight_offsets(tz: str, year: int) -> tuple[timedelta, ...]:
    """UTC offsets (``fold=0``) of every local midnight of ``year`` and of the
    next 1st of January, cached per process (shared by all counters of a zone).
    """
    zone = clock.zone(tz)
    start = datetime(year, 1, 1)
    days = (date(year, 12, 31) - date(year, 1, 1)).days + (2 if year < 9999 else 1)
    return tuple(clock.utc_offset(start + timedelta(days=i), zone) for i in range(days))


def _plain_plan(intervals: Sequence[Interval], step: int) -> tuple[tuple[timedelta, int], ...]:
    """``(offset from local midnight, slot count)`` of each interval, no closure."""
    return tuple((timedelta(minutes=a), (b - a) // step) for a, b in intervals if b - a >= step)


def _closed_plan(
    intervals: Sequence[Interval], windows: Sequence[Interval], step: int
) -> list[tuple[timedelta, int]]:
    """Like :func:`_plain_plan` with the slots hit by closure ``windows`` removed."""
    plan = []
    for a, b in intervals:
        count = (b - a) // step
        if count > 0:
            for k0, k1 in _allowed_ranges(a, count, step, windows):
                plan.append((timedelta(minutes=a + k0 * step), k1 - k0))
    return plan


def _change_instant(
    day_start: datetime, offset: timedelta, next_offset: timedelta, zone: tzinfo
) -> datetime | None:
    """The naive-UTC instant the clocks change from ``offset`` to ``next_offset``
    during the local day beginning at ``day_start``, found by bisection over
    the day's instants (the zone converts UTC to wall clock unambiguously).

    ``None`` when the day does not look like one change (the offsets at its
    bounds are not the expected ones): then each slot is converted on its own.
    """

    def offset_at(instant: datetime) -> timedelta:
        return clock.to_local(instant, zone) - instant

    low = day_start - offset - timedelta(minutes=1)  # before the day: ``offset``
    high = day_start + _ONE_DAY - next_offset  # the next midnight: ``next_offset``
    if offset_at(low) != offset or offset_at(high) == offset:
        return None
    # Whole seconds from ``low``: the last one under ``offset``, the first after.
    before, after = 0, int((high - low).total_seconds())
    while after - before > 1:
        middle = (before + after) // 2
        if offset_at(low + timedelta(seconds=middle)) == offset:
            before = middle
        else:
            after = middle
    return low + timedelta(seconds=after)


def _transition_day_runs(
    day_start: datetime,
    plan: Iterable[tuple[timedelta, int]],
    step: int,
    zone: tzinfo,
    offset: timedelta,
    next_offset: timedelta,
) -> list[tuple[datetime, int]]:
    """Candidate runs of a day with a UTC-offset transition (rules 3-5).

    Each slot is converted on its own; slots in a DST gap are skipped and the
    remaining ones are grouped in runs of UTC-contiguous slots.  The instant
    of the change is looked up once: a local time is then ``local - offset``
    if that is before the change (its first occurrence when ambiguous), else
    ``local - next_offset`` if that is after it, else it does not exist.
    """
    step_td = timedelta(minutes=step)
    change = _change_instant(day_start, offset, next_offset, zone)
    runs: list[tuple[datetime, int]] = []
    for first, count in plan:
        run_start: datetime | None = None
        run_count = 0
        for k in range(count):
            local = day_start + first + k * step_td
            if change is None:
                utc = clock.to_utc_if_exists(local, zone)
            else:
                utc = local - offset
                if utc >= change:
                    utc = local - next_offset
                    if utc < change:
                        utc = None
            if utc is None:
                continue  # DST gap: this local time does not exist
            if run_start is not None and run_start + run_count * step_td == utc:
                run_count += 1
                continue
            if run_start is not None:
                runs.append((run_start, run_count))
            run_start, run_count = utc, 1
        if run_start is not None:
            runs.append((run_start, run_count))
    return runs


def slot_runs(
    schedule: CounterSchedule, date_from: date, date_to: date
) -> list[tuple[datetime, int]]:
    """Return the slots of local days ``date_from`` .. ``date_to`` as runs.

    Each run is ``(utc_start, count)``: slot ``k`` of the run starts at
    ``utc_start + k * step`` minutes (naive UTC datetimes).  Runs are sorted
    and never overlap; on a day without DST transition the consecutive slots
    of an opening interval (between closures) form one run.  See the module
    docstring for the exact rules.  Cost: O(days + exception ranges +
    closure-days within the window); the UTC offsets of local midnights are
    computed once per zone and year (process cache); on a transition day
    the instant of the change is looked up once (bisection) and the slots
    are converted with plain arithmetic.  Days after 9999-12-30 are ignored.
    """
    if date_to < date_from:
        return []
    step = schedule.step
    step_td = timedelta(minutes=step)
    emit_from = date_from.toordinal()
    # One day of look-back for the DST overlap rule (rule 6).
    first = max(emit_from - 1, schedule.valid_from.toordinal(), 1)
    last = min(date_to.toordinal(), _LAST_ORDINAL)
    if schedule.valid_to is not None:
        last = min(last, schedule.valid_to.toordinal())
    if last < first:
        return []
    zone = schedule.zone
    sweep = _ExceptionSweep(schedule.exceptions, first, last) if schedule.exceptions else None
    closures = _closure_index(schedule.closures, first, last)
    reference_week = schedule.week
    plans: dict[tuple[Interval, ...], tuple[tuple[timedelta, int], ...]] = {}

    runs: list[tuple[datetime, int]] = []
    prev_end: datetime | None = None  # UTC end of the previous candidate slot
    day_start = datetime.combine(date.fromordinal(first), time())
    offsets: tuple[timedelta, ...] = ()
    year_first = 0
    for ordinal in range(first, last + 1):
        next_start = day_start + _ONE_DAY
        index = ordinal - year_first
        if index + 1 >= len(offsets):
            year = day_start.year
            offsets = _midnight_offsets(schedule.tz, year)
            year_first = date(year, 1, 1).toordinal()
            index = ordinal - year_first
        offset, next_offset = offsets[index], offsets[index + 1]
        week = sweep.week(ordinal, reference_week) if sweep else reference_week
        intervals = week.days[(ordinal + 6) % 7] if week is not None else ()
        if intervals:
            windows = closures.get(ordinal) if closures else None
            if windows:
                plan = _closed_plan(intervals, windows, step)
            else:
                plan = plans.get(intervals)
                if plan is None:
                    plan = plans[intervals] = _plain_plan(intervals, step)
            if plan:
                if offset == next_offset:
                    base = day_start - offset
                    day_runs = [(base + first_td, count) for first_td, count in plan]
                else:
                    day_runs = _transition_day_runs(
                        day_start, plan, step, zone, offset, next_offset
                    )
                for start, count in day_runs:
                    # Rule 6: drop a slot overlapping the previous candidate.  On
                    # a day without transition only its first run can overlap.
                    end = start + count * step_td
                    if prev_end is not None and start < prev_end:
                        start, count = start + step_td, count - 1
                    prev_end = end
                    if count and ordinal >= emit_from:
                        runs.append((start, count))
        day_start = next_start
    return runs


def runs_to_starts(runs: Iterable[tuple[datetime, int]], step: int) -> list[datetime]:
    """Expand ``(utc_start, count)`` runs of ``step``-minute slots to slot starts."""
    step_td = timedelta(minutes=step)
    return [start + k * step_td for start, count in runs for k in range(count)]


def slot_starts(schedule: CounterSchedule, date_from: date, date_to: date) -> list[datetime]:
    """Return the sorted naive-UTC slot starts of local days ``date_from`` .. ``date_to``."""
    return runs_to_starts(slot_runs(schedule, date_from, date_to), schedule.step)
