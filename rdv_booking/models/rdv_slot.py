import datetime

import babel.dates

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools.misc import babel_locale_parse, get_lang

from ..tools import actions, clock
from ..tools import when as when_parser
from .rdv_appointment import BookingError, SlotTakenError

SLOT_STATES = [
    ("free", "Free"),
    ("held", "Held"),
    ("booked", "Booked"),
    ("reserved", "Reserved for the administration"),
    ("suspended", "Suspended"),
]

# The slots an agent can give to an appointment of ``type_id`` (at
# ``place_id`` if set): the domain of the slot pickers of the agents' wizards.
PICKABLE_DOMAIN = (
    "[('state', 'in', ('free', 'reserved')), ('is_past', '=', False), "
    "('type_ids', 'in', type_id or []), ('place_id', '=?', place_id)]"
)


def takeable(alias, states, now):
    """SQL condition: slot ``alias`` can be taken now.

    A held slot whose hold expired is as good as free: every query looking for
    free slots uses this condition, so an expired hold never blocks a citizen,
    even before the cron releases it.
    """
    # Written as "state IN (...)" so that it implies the predicate of the
    # partial index on free and held slots.
    return SQL(
        "(%(a)s.state IN %(states)s AND (%(a)s.state != 'held' OR %(a)s.hold_expiry < %(now)s))",
        a=SQL.identifier(alias),
        states=tuple(states) + ("held",),
        now=now,
    )


class RdvSlot(models.Model):
    """A materialised slot ("créneau") of a counter: one row per time and seat.

    Rows are written in bulk by :meth:`_apply_wanted_slots` and taken by
    :meth:`_take` with one conditional UPDATE, so that two citizens can never
    get the same seat, whatever the number of Odoo workers.
    """

    _name = "rdv.slot"
    _description = "Slot"
    _order = "start, counter_id, seat"
    _rec_names_search = ["counter_id", "appointment_id"]

    counter_id = fields.Many2one(
        "rdv.counter", required=True, ondelete="cascade", readonly=True, index=False
    )
    # Not stored: a year of slots is a million rows, and every stored foreign
    # key is checked on each of them when they are generated.
    place_id = fields.Many2one(related="counter_id.place_id", string="Place")
    company_id = fields.Many2one(related="counter_id.company_id", string="Company")
    start = fields.Datetime(required=True, readonly=True)
    stop = fields.Datetime(required=True, readonly=True)
    seat = fields.Integer(
        required=True,
        default=1,
        readonly=True,
        help="Counters with a parallel capacity have one slot per seat at each time.",
    )
    state = fields.Selection(SLOT_STATES, required=True, default="free", readonly=True)
    appointment_id = fields.Many2one(
        "rdv.appointment", readonly=True, index="btree_not_null", ondelete="set null"
    )
    hold_expiry = fields.Datetime(readonly=True)
    partner_id = fields.Many2one(related="appointment_id.partner_id", string="Citizen")
    type_ids = fields.Many2many(related="counter_id.type_ids", string="Appointment types")
    color = fields.Integer(compute="_compute_color")
    is_past = fields.Boolean(compute="_compute_is_past", search="_search_is_past")

    _sql_constraints = [
        (
            "seat_unique",
            "UNIQUE(counter_id, start, seat)",
            "A counter has one slot per seat and start time.",
        ),
        (
            "appointment_state",
            "CHECK((state IN ('booked', 'held')) = (appointment_id IS NOT NULL))",
            "Only booked and held slots belong to an appointment.",
        ),
        ("stop_after_start", "CHECK(stop > start)", "A slot ends after it starts."),
    ]

    def init(self):
        # Availability reads one place's free slots over a month: keep that an
        # index range scan, whatever the size of the table.
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS rdv_slot_counter_free_idx
                ON rdv_slot (counter_id, start) WHERE state IN ('free', 'held');
            -- An appointment holds one seat at a time: the database refuses
            -- a second one rather than let a booking take a whole row of seats.
            CREATE UNIQUE INDEX IF NOT EXISTS rdv_slot_appointment_start_uniq
                ON rdv_slot (appointment_id, start) WHERE appointment_id IS NOT NULL
        """)

    @api.depends("state", "appointment_id.citizen_name", "start", "counter_id")
    @api.depends_context("rdv_slot_label")
    def _compute_display_name(self):
        labels = dict(self._fields["state"]._description_selection(self.env))
        picker = self.env.context.get("rdv_slot_label") == "time"
        for slot in self:
            place = slot.counter_id.place_id
            if picker:
                # In a slot picker: the day, the time, the counter and its place
                # (a town's counters may share a name across places), and if it
                # is kept for the administration.
                label = "%s · %s · %s" % (
                    place._format_local(slot.start, "EEE d MMM HH:mm"),
                    slot.counter_id.name,
                    place.name,
                )
                if slot.state == "reserved":
                    label += " (%s)" % labels["reserved"]
                slot.display_name = label
                continue
            # In calendars, whose short events only have room for the title:
            # the time, who or what, and the counter (several counters share
            # the agent's calendar, side by side in the day view).
            who = (
                slot.appointment_id.citizen_name or slot.appointment_id.name
                if slot.state in ("booked", "held") and slot.appointment_id
                else labels[slot.state]
            )
            slot.display_name = "%s %s · %s" % (
                place._format_local(slot.start, "HH:mm"),
                who,
                slot.counter_id.name,
            )

    @api.model
    def _search_display_name(self, operator, value):
        """What an agent types in a slot picker: a day, a date, a time ("jeu
        14h", "26/11 9:30"), in their language, and the rest in the counter's
        or the appointment's name."""
        if operator not in ("ilike", "=ilike") or not isinstance(value, str):
            return super()._search_display_name(operator, value)
        when = when_parser.parse(value, *when_parser.locale_names(self.env.lang or "en_US"))
        if not when.has_time_criteria:
            return super()._search_display_name(operator, value)
        # "14h" is 14:00 where the slot is, as its label says, whatever the
        # agent's own time zone: one set of windows per time zone of places.
        self.env["rdv.place"].flush_model(["tz"])
        self.env.cr.execute("SELECT DISTINCT tz FROM rdv_place WHERE tz IS NOT NULL")
        zones = [row[0] for row in self.env.cr.fetchall()] or [self.env.user.tz or "UTC"]
        by_zone = []
        for zone in zones:
            tz = clock.zone(zone)
            today = clock.today(tz, fields.Datetime.now())
            last_day = today + datetime.timedelta(days=self.env.company.rdv_horizon_days)
            windows = expression.OR(
                [("start", ">=", clock.to_utc(start, tz)), ("start", "<", clock.to_utc(end, tz))]
                for start, end in when_parser.windows(when, today, last_day)
            )
            if windows and len(zones) > 1:
                windows = expression.AND([[("counter_id.place_id.tz", "=", zone)], windows])
            by_zone.append(windows)
        domain = expression.OR(by_zone) or expression.FALSE_DOMAIN
        if when.words:
            domain = expression.AND(
                [domain, super()._search_display_name(operator, " ".join(when.words))]
            )
        return domain

    @api.model
    def name_search(self, name="", args=None, operator="ilike", limit=100):
        """In a slot picker, one line per time and counter: the seats of a
        counter receiving several citizens at once are one choice. With the
        context's ``rdv_slot_place`` (the place the citizen chose), its times
        come first, then those of the other places."""
        if self.env.context.get("rdv_slot_label") != "time":
            return super().name_search(name, args, operator, limit)
        domain = expression.AND([[("display_name", operator, name)], args or []])
        place_id = self.env.context.get("rdv_slot_place")
        if not isinstance(place_id, int) or isinstance(place_id, bool):
            return self._pick_times(domain, limit)
        choices = self._pick_times(expression.AND([domain, [("place_id", "=", place_id)]]), limit)
        if limit and len(choices) >= limit:
            return choices
        others = expression.AND([domain, [("place_id", "!=", place_id)]])
        return choices + self._pick_times(others, limit and limit - len(choices))

    def _pick_times(self, domain, limit):
        """The (id, label) of the slots of ``domain``, one per time and counter."""
        choices, seen, offset, page = [], set(), 0, max(limit or 0, 8) * 2
        while True:
            slots = self.search_fetch(
                domain, ["display_name", "counter_id", "start"], offset=offset, limit=page
            )
            for slot in slots:
                if (slot.counter_id, slot.start) not in seen:
                    seen.add((slot.counter_id, slot.start))
                    choices.append((slot.id, slot.display_name))
                    if len(choices) == limit:
                        return choices
            if len(slots) < page:
                return choices
            offset += page

    @api.depends("state")
    def _compute_color(self):
        colors = {"free": 10, "held": 3, "booked": 4, "reserved": 2, "suspended": 1}
        for slot in self:
            slot.color = colors.get(slot.state, 0)

    @api.depends("stop")
    def _compute_is_past(self):
        now = fields.Datetime.now()
        for slot in self:
            slot.is_past = slot.start < now

    def _search_is_past(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on 'is past'."))
        past = (operator == "=") == value
        return [("start", "<" if past else ">=", fields.Datetime.now())]

    # ------------------------------------------------------------------
    # Set-based generation (called by rdv.counter._generate_slots)
    # ------------------------------------------------------------------

    @api.model
    def _apply_wanted_slots(self, runs, windows):
        """Make the slots inside each counter's window match the wanted runs.

        :param runs: {"counter", "start", "count", "step"} parallel lists: slot
            k of a run starts at start + k * step minutes
        :param windows: {"counter", "start", "end", "cap", "trim"} parallel
            lists: the UTC window each counter is regenerated in, its capacity,
            and whether free slots after the window go (the horizon's end)
        :return: (ids of the appointments that lost slots, ids of the
            to-reschedule appointments whose own time has free slots again)
        """
        cr = self.env.cr
        now = fields.Datetime.now()
        # Three round trips whatever the size: load the wanted slots, apply the
        # difference, insert what is missing.
        cr.execute(
            """
            CREATE TEMP TABLE IF NOT EXISTS rdv_slot_window (
                counter_id int, win_start timestamp, win_end timestamp, cap int, trim bool
            ) ON COMMIT DROP;
            CREATE TEMP TABLE IF NOT EXISTS rdv_slot_wanted (
                counter_id int, start timestamp, stop timestamp, seat int
            ) ON COMMIT DROP;
            CREATE TEMP TABLE IF NOT EXISTS rdv_slot_unwanted (
                id int, counter_id int, start timestamp, stop timestamp, seat int,
                state varchar, appointment_id int, hold_expiry timestamp
            ) ON COMMIT DROP;
            TRUNCATE rdv_slot_window, rdv_slot_wanted, rdv_slot_unwanted;
            INSERT INTO rdv_slot_window
            SELECT * FROM unnest(
                %s::int[], %s::timestamp[], %s::timestamp[], %s::int[], %s::bool[]
            );
            INSERT INTO rdv_slot_wanted (counter_id, start, stop, seat)
            SELECT r.counter_id,
                   r.start + g.i * make_interval(mins => r.step),
                   r.start + (g.i + 1) * make_interval(mins => r.step),
                   s.seat
              FROM unnest(%s::int[], %s::timestamp[], %s::int[], %s::int[])
                   AS r(counter_id, start, cnt, step)
              JOIN rdv_slot_window w ON w.counter_id = r.counter_id
             CROSS JOIN LATERAL generate_series(0, r.cnt - 1) AS g(i)
             CROSS JOIN LATERAL generate_series(1, w.cap) AS s(seat)
             WHERE r.start + g.i * make_interval(mins => r.step) >= w.win_start
               AND r.start + g.i * make_interval(mins => r.step) < w.win_end;
            CREATE INDEX IF NOT EXISTS rdv_slot_wanted_key
                ON rdv_slot_wanted (counter_id, start, seat);
            ANALYZE rdv_slot_window;
            ANALYZE rdv_slot_wanted;
            """,
            (
                windows["counter"],
                windows["start"],
                windows["end"],
                windows["cap"],
                windows["trim"],
                runs["counter"],
                runs["start"],
                runs["count"],
                runs["step"],
            ),
        )
        cr.execute(
            """
            -- The existing slots of the windows that the schedule no longer has.
            INSERT INTO rdv_slot_unwanted
            SELECT s.id, s.counter_id, s.start, s.stop, s.seat, s.state, s.appointment_id,
                   s.hold_expiry
              FROM rdv_slot s
              JOIN rdv_slot_window w ON s.counter_id = w.counter_id
                   AND s.start >= w.win_start AND s.start < w.win_end
             WHERE NOT EXISTS (SELECT 1 FROM rdv_slot_wanted x
                                WHERE x.counter_id = s.counter_id AND x.start = s.start
                                  AND x.seat = s.seat AND x.stop = s.stop);
            -- 1. Those nobody holds are deleted.
            DELETE FROM rdv_slot WHERE id IN (
                SELECT id FROM rdv_slot_unwanted
                 WHERE state NOT IN ('booked', 'held')
                    OR (state = 'held' AND hold_expiry < %(now)s));
            -- 2. Booked or held ones (a smaller capacity) move to a free seat at
            --    the same time, when there is one.
            WITH loose AS (
                SELECT u.*, row_number() OVER (PARTITION BY u.counter_id, u.start, u.stop
                                               ORDER BY u.seat) AS rn
                  FROM rdv_slot_unwanted u
                 WHERE u.state = 'booked' OR (u.state = 'held' AND u.hold_expiry >= %(now)s)
            ), spare AS (
                SELECT s.id, s.counter_id, s.start, s.stop,
                       row_number() OVER (PARTITION BY s.counter_id, s.start, s.stop
                                          ORDER BY s.seat) AS rn
                  FROM rdv_slot s
                  JOIN (SELECT DISTINCT counter_id, start FROM loose) l
                       ON l.counter_id = s.counter_id AND l.start = s.start
                 WHERE s.state = 'free'
                   AND s.id NOT IN (SELECT id FROM rdv_slot_unwanted)
            ), pairs AS (
                SELECT loose.id AS old_id, spare.id AS new_id, loose.state,
                       loose.appointment_id, loose.hold_expiry
                  FROM loose JOIN spare USING (counter_id, start, stop, rn)
            ), freed AS (
                UPDATE rdv_slot SET state = 'free', appointment_id = NULL, hold_expiry = NULL
                  FROM pairs WHERE rdv_slot.id = pairs.old_id
                RETURNING pairs.*
            )
            UPDATE rdv_slot
               SET state = freed.state, appointment_id = freed.appointment_id,
                   hold_expiry = freed.hold_expiry
              FROM freed WHERE rdv_slot.id = freed.new_id;
            -- Past a horizon that shrank, free slots go; bookings there stay valid.
            DELETE FROM rdv_slot s USING rdv_slot_window w
             WHERE w.trim AND s.counter_id = w.counter_id AND s.start >= w.win_end
               AND (s.state NOT IN ('booked', 'held')
                    OR (s.state = 'held' AND s.hold_expiry < %(now)s));
            -- 3. The rest has nowhere to go: its appointment loses its slots.
            DELETE FROM rdv_slot WHERE id IN (SELECT id FROM rdv_slot_unwanted)
            RETURNING appointment_id;
            """,
            {"now": now},
        )
        lost = {row[0] for row in cr.fetchall() if row[0]}
        # 4. New slots. Generated rows carry no user: a foreign key checked per
        #    row costs as much as the insert itself on a year of slots.
        cr.execute(
            """
            INSERT INTO rdv_slot (counter_id, start, stop, seat, state, create_date, write_date)
            SELECT x.counter_id, x.start, x.stop, x.seat, 'free', %(now)s, %(now)s
              FROM rdv_slot_wanted x
             WHERE NOT EXISTS (SELECT 1 FROM rdv_slot s
                                WHERE s.counter_id = x.counter_id AND s.start = x.start
                                  AND s.seat = x.seat)
            ON CONFLICT (counter_id, start, seat) DO NOTHING;
            -- 5. To-reschedule appointments of the windows whose time is free
            --    again (a closure deleted...): rdv.appointment._restore_own_time.
            SELECT a.id
              FROM rdv_appointment a
              JOIN rdv_slot_window w ON a.counter_id = w.counter_id
                   AND a.start >= w.win_start AND a.start < w.win_end
             WHERE a.state = 'to_reschedule'
               AND EXISTS (SELECT 1 FROM rdv_slot s
                            WHERE s.counter_id = a.counter_id AND s.start = a.start
                              AND s.state = 'free')
             ORDER BY a.start, a.id
            """,
            {"now": now},
        )
        reopened = [row[0] for row in cr.fetchall()]
        self.invalidate_model()
        self.env["rdv.appointment"].invalidate_model(["slot_ids"])
        return list(lost), reopened

    # ------------------------------------------------------------------
    # Taking and releasing (called by the booking service only)
    # ------------------------------------------------------------------

    @api.model
    def _take(
        self, appointment, counter, starts, state="booked", hold_expiry=None, allow_reserved=False
    ):
        """Atomically give ``appointment`` one seat at each of ``starts``.

        One conditional UPDATE: a seat is taken only if it is still free (or
        held with an expired hold) when the row is locked, and rows locked by
        another booking in progress are skipped, so concurrent bookings never
        share a seat. Returns the slots taken, which may be fewer than asked:
        the caller rolls back its savepoint in that case.
        """
        states = ["free", "reserved"] if allow_reserved else ["free"]
        now = fields.Datetime.now()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                -- The seats are picked once: as a subquery of the UPDATE, a
                -- nested-loop plan re-ran the "first free seat" search per row,
                -- skipped the seat this statement had just taken, and gave one
                -- booking every seat of its times.
                WITH picked AS MATERIALIZED (
                    SELECT pick.id
                      FROM unnest(%(starts)s::timestamp[]) AS t(start)
                     CROSS JOIN LATERAL (
                        SELECT rdv_slot.id FROM rdv_slot
                         WHERE rdv_slot.counter_id = %(counter)s AND rdv_slot.start = t.start
                           AND rdv_slot.start > %(now)s AND %(takeable)s
                         ORDER BY rdv_slot.seat LIMIT 1
                           FOR UPDATE SKIP LOCKED
                     ) pick
                )
                UPDATE rdv_slot
                   SET state = %(state)s, appointment_id = %(appointment)s,
                       hold_expiry = %(expiry)s, write_uid = %(uid)s, write_date = %(now)s
                  FROM picked
                 WHERE rdv_slot.id = picked.id
             RETURNING rdv_slot.id
                """,
                state=state,
                appointment=appointment.id,
                expiry=hold_expiry or None,
                uid=self.env.uid,
                now=now,
                starts=list(starts),
                counter=counter.id,
                takeable=takeable("rdv_slot", states, now),
            ),
            # A seat taken by a booking committed after this transaction began
            # raises a serialization failure (REPEATABLE READ): expected under
            # load, and Odoo replays the whole request; not an error to log.
            log_exceptions=False,
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        self.invalidate_model(["state", "appointment_id", "hold_expiry"])
        appointment.invalidate_recordset(["slot_ids"])
        return self.browse(ids)

    @api.model
    def _short_take_error(self, counter, starts, allow_reserved=False):
        """Why :meth:`_take` gave fewer seats than ``starts``, as the error to raise.

        Offered, but a seat was taken (held or booked) meanwhile: a
        :class:`SlotTakenError`. Never offered (a closed day, a time off the
        grid, a break or the closing time within a booking of several
        persons) or no longer offered (suspended, reserved for the
        administration): a :class:`BookingError` of code ``not_offered``;
        nobody took it, and saying so would be untrue.
        """
        offered = ["free", "held", "booked"] + (["reserved"] if allow_reserved else [])
        self.env.cr.execute(
            "SELECT start, bool_or(state = ANY(%s)) FROM rdv_slot "
            "WHERE counter_id = %s AND start = ANY(%s) GROUP BY start",
            (offered, counter.id, list(starts)),
        )
        existing = dict(self.env.cr.fetchall())
        if len(starts) > 1 and len(existing) < len(starts) and starts[0] in existing:
            return BookingError(
                _(
                    "This booking needs %(count)s consecutive slots from this time, and "
                    "%(counter)s is not open that long (a break or the closing time comes "
                    "first): choose an earlier time.",
                    count=len(starts),
                    counter=counter.display_name,
                ),
                code="not_offered",
            )
        if not all(existing.get(start) for start in starts):
            return BookingError(
                _(
                    "This time is not offered at %(counter)s (closed then, or not one of "
                    "its times): choose one of the times shown.",
                    counter=counter.display_name,
                ),
                code="not_offered",
            )
        if len(starts) > 1:
            return SlotTakenError(
                _(
                    "This booking needs %(count)s consecutive slots from this time, and they "
                    "are no longer all free.",
                    count=len(starts),
                )
            )
        return SlotTakenError(_("This time is no longer available: someone booked it meanwhile."))

    def _release(self):
        """Free these slots (cancelled appointment, released hold)."""
        if not self:
            return
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE rdv_slot SET state = 'free', appointment_id = NULL, hold_expiry = NULL, "
            "write_uid = %s, write_date = %s WHERE id = ANY(%s)",
            (self.env.uid, fields.Datetime.now(), self.ids),
        )
        self.invalidate_recordset(["state", "appointment_id", "hold_expiry"])
        self.env["rdv.appointment"].invalidate_model(["slot_ids"])

    # ------------------------------------------------------------------
    # Availability (read path of the website and of agents)
    # ------------------------------------------------------------------

    @api.model
    def _free_runs_sql(
        self, appointment_types, date_from, date_to, persons, places, counters, website
    ):
        """SQL of the free starts: rows (counter_id, place_id, type_id, start, stop).

        Free seats per counter and start, then a window function keeps the
        starts followed by enough consecutive free times (several persons, or a
        type longer than one slot). With ``website``, only counters visible on
        the website, and each type's minimum notice and horizon.
        """
        now = fields.Datetime.now()
        conditions = [SQL("s.start >= %s AND s.start < %s", max(date_from, now), date_to)]
        if places is not None:
            conditions.append(SQL("c.place_id = ANY(%s)", list(places.ids)))
        if counters is not None:
            conditions.append(SQL("s.counter_id = ANY(%s)", list(counters.ids)))
        if website:
            conditions.append(
                SQL(
                    """c.website_visible AND t.is_published
                       AND s.start >= %(now)s + make_interval(hours => t.min_notice_hours)
                       AND s.start < %(now)s + make_interval(days => t.max_horizon_days)""",
                    now=now,
                )
            )
        return SQL(
            """
            WITH free AS (
                SELECT DISTINCT s.counter_id, c.place_id, t.id AS type_id, s.start,
                       c.slot_duration, %(persons)s * (t.duration / c.slot_duration) AS needed
                  FROM rdv_slot s
                  JOIN rdv_counter c ON c.id = s.counter_id AND c.active
                  JOIN rdv_counter_type_rel r ON r.counter_id = s.counter_id
                  JOIN rdv_appointment_type t ON t.id = r.type_id AND t.id = ANY(%(types)s)
                 WHERE %(takeable)s AND %(conditions)s
            ), runs AS (
                SELECT counter_id, place_id, type_id, start, slot_duration, needed,
                       lead(start, needed - 1) OVER w AS last_start
                  FROM free
                WINDOW w AS (PARTITION BY counter_id, type_id ORDER BY start)
            )
            SELECT counter_id, place_id, type_id, start,
                   last_start + make_interval(mins => slot_duration) AS stop
              FROM runs
             WHERE last_start = start + (needed - 1) * make_interval(mins => slot_duration)
            """,
            persons=persons,
            types=list(appointment_types.ids),
            takeable=takeable("s", ["free"], now),
            conditions=SQL(" AND ").join(conditions),
        )

    def _fitting_types(self, persons=1, allow_reserved=True):
        """The types of this slot's counter that a booking of ``persons`` can
        take from this time: each needs its consecutive slots (a type longer
        than one slot, several persons) all open and takeable, as :meth:`_take`
        will want them. Reserved times count for agents (``allow_reserved``)."""
        self.ensure_one()
        counter = self.counter_id
        starts_by_type = {
            rdv_type: counter._slot_starts_for(rdv_type, self.start, max(persons or 1, 1))
            for rdv_type in counter.type_ids
        }
        every_start = sorted({start for starts in starts_by_type.values() for start in starts})
        if not every_start:
            return self.env["rdv.appointment.type"]
        self.env.flush_all()
        states = ["free", "reserved"] if allow_reserved else ["free"]
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT start FROM rdv_slot s WHERE s.counter_id = %s "
                "AND s.start = ANY(%s) AND s.start > %s AND %s",
                counter.id,
                every_start,
                now,
                takeable("s", states, now),
            )
        )
        open_starts = {row[0] for row in self.env.cr.fetchall()}
        return counter.type_ids.filtered(
            lambda rdv_type: open_starts.issuperset(starts_by_type[rdv_type])
        )

    @api.model
    def _free_starts(
        self,
        appointment_type,
        date_from,
        date_to,
        persons=1,
        places=None,
        counters=None,
        website=False,
        limit=None,
    ):
        """Start times at which ``persons`` can book ``appointment_type``.

        One query, whatever the number of slots. ``appointment_type`` may hold
        several types (the same procedure in several communes).
        Returns [(counter id, start, stop)] ordered by start.

        :param website: only counters visible on the website, and the types'
            minimum notice and horizon
        """
        # Raw SQL below: write what the ORM still holds in memory first.
        self.env.flush_all()
        query = self._free_runs_sql(
            appointment_type, date_from, date_to, persons, places, counters, website
        )
        self.env.cr.execute(
            SQL(
                "SELECT counter_id, start, stop FROM (%s) runs ORDER BY start, counter_id %s",
                query,
                SQL("LIMIT %s", limit) if limit else SQL(""),
            )
        )
        return self.env.cr.fetchall()

    @api.model
    def _free_starts_by_place(self, appointment_types, date_from, date_to, persons, places):
        """{place id: [(start, type id)]}: the start times at which ``persons``
        can book one of ``appointment_types`` at each of ``places``, with the
        website's rules (:meth:`_free_runs_sql`), each time once per place
        (of its types, the first), in time order. One query for all the
        places: the ANTS hub asks for the places of a whole search at once."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (place_id, start) place_id, start, type_id
                  FROM (%s) runs
                 ORDER BY place_id, start, type_id
                """,
                self._free_runs_sql(
                    appointment_types, date_from, date_to, persons, places, None, True
                ),
            )
        )
        found = {}
        for place_id, start, type_id in self.env.cr.fetchall():
            found.setdefault(place_id, []).append((start, type_id))
        return found

    @api.model
    def _earliest_by_place(
        self, appointment_types, date_from, date_to, persons=1, places=None, website=True
    ):
        """{place id: (start, counter id, type id)}: each place's first free start.

        Same rules as :meth:`_free_runs_sql`, but it does not list every free
        start of the horizon to keep the first: for each counter and type, a
        lateral scan of the index of free slots, in time order, stops at the
        first start followed by enough free times: a few index rows per
        counter instead of every free slot (bench/bench_portal.py measures
        the places page of a whole département).
        """
        self.env.flush_all()
        now = fields.Datetime.now()
        date_from = max(date_from, now)
        conditions = [SQL("c.active")]
        if places is not None:
            conditions.append(SQL("c.place_id = ANY(%s)", list(places.ids)))
        if website:
            conditions.append(SQL("c.website_visible AND t.is_published"))
            # Each type's minimum notice and horizon.
            lower = SQL(
                "GREATEST(%s::timestamp,"
                " %s::timestamp + make_interval(hours => t.min_notice_hours))",
                date_from,
                now,
            )
            upper = SQL(
                "LEAST(%s::timestamp, %s::timestamp + make_interval(days => t.max_horizon_days))",
                date_to,
                now,
            )
        else:
            lower, upper = SQL("%s::timestamp", date_from), SQL("%s::timestamp", date_to)
        needed = SQL("(%s * (t.duration / c.slot_duration))", persons)
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (c.place_id) c.place_id, first.start, c.id, t.id
                  FROM rdv_counter c
                  JOIN rdv_counter_type_rel r ON r.counter_id = c.id
                  JOIN rdv_appointment_type t ON t.id = r.type_id AND t.id = ANY(%(types)s)
                 CROSS JOIN LATERAL (
                    SELECT runs.start FROM (
                        SELECT free.start,
                               lead(free.start, %(needed)s - 1) OVER (ORDER BY free.start)
                                   AS last_start
                          FROM (SELECT DISTINCT s.start FROM rdv_slot s
                                 WHERE s.counter_id = c.id AND %(takeable)s
                                   AND s.start >= %(lower)s AND s.start < %(upper)s) free
                    ) runs
                     WHERE runs.last_start = runs.start
                           + (%(needed)s - 1) * make_interval(mins => c.slot_duration)
                     ORDER BY runs.start
                     LIMIT 1
                 ) first
                 WHERE %(conditions)s
                 ORDER BY c.place_id, first.start, c.id
                """,
                types=list(appointment_types.ids),
                needed=needed,
                takeable=takeable("s", ["free"], now),
                lower=lower,
                upper=upper,
                conditions=SQL(" AND ").join(conditions),
            )
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    # ------------------------------------------------------------------
    # Agent actions: assign, suspend, reserve, release
    # ------------------------------------------------------------------

    def _set_state(self, state):
        """Suspend, reserve or release slots; booked ones lose their appointment."""
        # Raw SQL below: check the user's rights (ACL and record rules) first.
        self.check_access("write")
        self.env.flush_all()
        appointments = self.filtered(lambda s: s.state in ("booked", "held")).appointment_id
        self.env.cr.execute(
            "UPDATE rdv_slot SET state = %s, appointment_id = NULL, hold_expiry = NULL, "
            "write_uid = %s, write_date = %s WHERE id = ANY(%s)",
            (state, self.env.uid, fields.Datetime.now(), self.ids),
        )
        self.invalidate_recordset(["state", "appointment_id", "hold_expiry"])
        self.env["rdv.appointment"].invalidate_model(["slot_ids"])
        return appointments

    def _check_future(self):
        if any(slot.start < fields.Datetime.now() for slot in self):
            raise UserError(_("Past slots cannot be changed."))

    def action_suspend(self):
        """Block the slots for everyone (agent and citizen)."""
        self._check_future()
        appointments = self._set_state("suspended")
        appointments._lose_slots("suspended", self.env.user.name)
        return self._moved_notice(appointments)

    def action_reserve(self):
        """Keep the slots for the administration: agents can still assign them."""
        self._check_future()
        appointments = self._set_state("reserved")
        appointments._lose_slots("reserved", self.env.user.name)
        return self._moved_notice(appointments)

    @api.model
    def _moved_notice(self, appointments):
        """The agent's notice when ``appointments`` lost their slot: how many
        move to 'To reschedule', and whose citizens cannot be told."""
        moved = appointments.filtered(lambda appointment: appointment.state == "to_reschedule")
        if not moved:
            return True
        return self.env["rdv.notification"]._told_notification(
            moved,
            _("Appointments moved to 'To reschedule': %s.", len(moved)),
            next_action=actions.RELOAD,
        )

    def action_release(self):
        """Make suspended or reserved slots free again; the appointments they
        had sent to "to reschedule" get their own time back."""
        self._check_future()
        to_free = self.filtered(lambda slot: slot.state in ("suspended", "reserved"))
        if to_free != self:
            raise UserError(_("Only suspended or reserved slots can be released."))
        to_free._set_state("free")
        restored = (
            self.env["rdv.appointment"]
            .search(
                [
                    ("state", "=", "to_reschedule"),
                    ("counter_id", "in", to_free.counter_id.ids),
                    ("start", "in", to_free.mapped("start")),
                ],
                order="start, id",
            )
            ._restore_own_time()
        )
        if not restored:
            return False  # nothing to say (and the bulk action's server action returns it)
        Notification = self.env["rdv.notification"]
        who = Notification._semicolon_list(
            [Notification._citizen_item(appointment) for appointment in restored]
        )
        return Notification._told_notification(
            restored,
            _("Back at its own time: %s.", who)
            if len(restored) == 1
            else _("Back at their own time: %s.", who),
            next_action=actions.RELOAD,
        )

    def action_assign(self):
        """Open the assignment wizard on this slot (agent booking)."""
        self.ensure_one()
        if self.state not in ("free", "reserved"):
            raise UserError(_("Only a free or reserved slot can be assigned."))
        self._check_future()
        return {
            "type": "ir.actions.act_window",
            "name": _("Assign the slot"),
            "res_model": "rdv.slot.assign",
            "view_mode": "form",
            "target": "new",
            "context": {"default_slot_id": self.id},
        }

    def action_open_appointment(self):
        """Open the appointment holding this slot."""
        self.ensure_one()
        return self.appointment_id._form_action()

    @api.autovacuum
    def _gc_expired_holds(self):
        """Release slots whose hold expired and drop the unverified bookings."""
        self.env["rdv.appointment"]._expire_holds()

    # ------------------------------------------------------------------
    # The agents' board: every counter side by side (client action
    # rdv_booking.board, static/src/board/)
    # ------------------------------------------------------------------

    # What each board action may act on (the form's buttons show the same).
    BOARD_ACTIONS = {
        "suspend": ("free", "reserved", "booked"),
        "reserve": ("free", "suspended", "booked"),
        "release": ("suspended", "reserved"),
    }

    @api.model
    def _board_counters(self, place_ids=None, service_ids=None, type_ids=None):
        """The counters the board shows for these filters (ids; empty or None:
        no filter), in a stable order: place, then name."""
        types = self.env["rdv.appointment.type"].search(
            expression.AND(
                [
                    [("service_id", "in", service_ids)] if service_ids else [],
                    [("id", "in", type_ids)] if type_ids else [],
                ]
            )
        )
        counters = self.env["rdv.counter"].search(
            expression.AND(
                [
                    [("type_ids", "in", types.ids)],
                    [("place_id", "in", place_ids)] if place_ids else [],
                ]
            )
        )
        return counters.sorted(
            lambda counter: (counter.place_id.name or "", counter.name or "", counter.id)
        )

    @api.model
    def _board_filter_ids(self, value, model):
        """Ids of ``model`` from what the web client sent: a list of ints, else
        refused with a clear message (the board is a public JSON-RPC method)."""
        if value in (None, False):
            return []
        if not isinstance(value, list) or not all(
            isinstance(item, int) and not isinstance(item, bool) and 0 < item < 2**31
            for item in value
        ):
            raise UserError(_("The board's filters must be lists of record ids."))
        return self.env[model].browse(value).exists().ids

    @api.model
    def get_board_data(self, day=None, scale="day", filters=None):
        """What the board draws: one column per counter, the times of ``day``
        (``scale`` "day") or of its week (``scale`` "week", a block per day)
        aligned on the hours the shown counters open, every slot with its
        state in words and its citizen.

        :param day: ISO date (default: today where the agent is)
        :param filters: {"place_ids", "service_ids", "type_ids"}; None: the
            agent's services (every service when they have none)
        """
        # Public (the web client calls it): only who may read slots, agents.
        self.check_access("read")
        if scale not in ("day", "week"):
            raise UserError(_("The board shows a day or a week."))
        tz = self.env.user.tz or "UTC"
        today = clock.today(tz, fields.Datetime.now())
        try:
            day = fields.Date.to_date(day) if day else today
        except (TypeError, ValueError):
            raise UserError(_("The board's day must be a date (YYYY-MM-DD).")) from None
        if not isinstance(day, datetime.date) or not (1 < day.year < 9999):
            raise UserError(_("The board's day must be a date (YYYY-MM-DD)."))
        if filters is None:
            mine = self.env["rdv.service"].search([("user_ids", "in", self.env.uid)])
            filters = {"service_ids": mine.ids}
        if not isinstance(filters, dict):
            raise UserError(_("The board's filters must be lists of record ids."))
        place_ids = self._board_filter_ids(filters.get("place_ids"), "rdv.place")
        service_ids = self._board_filter_ids(filters.get("service_ids"), "rdv.service")
        type_ids = self._board_filter_ids(filters.get("type_ids"), "rdv.appointment.type")
        counters = self._board_counters(place_ids, service_ids, type_ids)
        first = day - datetime.timedelta(days=day.weekday()) if scale == "week" else day
        days = [first + datetime.timedelta(days=i) for i in range(7 if scale == "week" else 1)]
        step = datetime.timedelta(days=7 if scale == "week" else 1)
        # Each counter's day is its place's day; a margin of a day either side
        # covers every time zone, the exact day is kept below.
        slots = self.search(
            [
                ("counter_id", "in", counters.ids),
                ("start", ">=", clock.day_start_utc(days[0], tz) - datetime.timedelta(days=1)),
                ("start", "<", clock.day_start_utc(days[-1], tz) + datetime.timedelta(days=2)),
            ],
            order="start, counter_id, seat",
        )
        labels = dict(self._fields["state"]._description_selection(self.env))
        now = fields.Datetime.now()
        locale = babel_locale_parse(get_lang(self.env).code)
        by_day = {d: [] for d in days}
        for slot in slots:
            place_tz = slot.counter_id.place_id.tz or tz
            start, stop = clock.to_local(slot.start, place_tz), clock.to_local(slot.stop, place_tz)
            if start.date() in by_day:
                by_day[start.date()].append((slot, start, stop))
        blocks = []
        for block_day, entries in by_day.items():
            # Rows: every start and stop of the day's slots, so that a time
            # sits on the same row whatever its counter and slot length.
            bounds = sorted(
                {start.time() for _s, start, _e in entries}
                | {
                    stop.time() if stop.date() == block_day else datetime.time.max
                    for _s, _b, stop in entries
                }
            )
            row_of = {bound: index for index, bound in enumerate(bounds)}
            cells = {}
            for slot, start, stop in entries:
                end = stop.time() if stop.date() == block_day else datetime.time.max
                key = (slot.counter_id.id, start)
                cell = cells.setdefault(
                    key,
                    {
                        "counter_id": slot.counter_id.id,
                        "row": row_of[start.time()] + 1,
                        "row_end": row_of[end] + 1,
                        "time": start.strftime("%H:%M"),
                        "slots": [],
                    },
                )
                cell["slots"].append(self._board_slot(slot, labels, start, now))
            blocks.append(
                {
                    "date": fields.Date.to_string(block_day),
                    "label": babel.dates.format_date(block_day, "EEEE d MMMM y", locale=locale),
                    "is_today": block_day == today,
                    "rows": [bound.strftime("%H:%M") for bound in bounds[:-1]],
                    "cells": list(cells.values()),
                    "closed": sorted(set(counters.ids) - {key[0] for key in cells}),
                }
            )
        return {
            "day": fields.Date.to_string(day),
            "scale": scale,
            "today": fields.Date.to_string(today),
            "previous": fields.Date.to_string(day - step),
            "next": fields.Date.to_string(day + step),
            "title": (
                blocks[0]["label"]
                if scale == "day"
                else _(
                    "Week of %(first)s to %(last)s",
                    first=babel.dates.format_date(days[0], "d MMMM", locale=locale),
                    last=babel.dates.format_date(days[-1], "d MMMM y", locale=locale),
                )
            ),
            "counters": [
                {"id": counter.id, "name": counter.name, "place": counter.place_id.name or ""}
                for counter in counters
            ],
            "blocks": blocks,
            "filters": {
                "place_ids": place_ids,
                "service_ids": service_ids,
                "type_ids": type_ids,
            },
            "choices": {
                "place_ids": self.env["rdv.place"]
                .search([])
                .mapped(lambda record: [record.id, record.name]),
                "service_ids": self.env["rdv.service"]
                .search([])
                .mapped(lambda record: [record.id, record.name]),
                "type_ids": self.env["rdv.appointment.type"]
                .search([])
                .mapped(lambda record: [record.id, record.name]),
            },
            "labels": self._board_labels(),
        }

    @api.model
    def _board_slot(self, slot, labels, local_start, now):
        """One slot of the board: its state in words and colour, who holds
        it, and the name a screen reader says ("Guichet 2, 09:30, Libre")."""
        who = (
            slot.appointment_id.citizen_name or slot.appointment_id.name or ""
            if slot.state in ("booked", "held")
            else ""
        )
        name = _(
            "%(counter)s, %(time)s, %(state)s",
            counter=slot.counter_id.name,
            time=local_start.strftime("%H:%M"),
            state=labels[slot.state],
        )
        if slot.seat > 1:
            name += ", " + _("seat %s", slot.seat)
        if who:
            name += ", " + who
        return {
            "id": slot.id,
            "state": slot.state,
            "state_label": labels[slot.state],
            "who": who,
            "seat": slot.seat,
            "past": slot.start < now,
            "name": name,
        }

    @api.model
    def _board_labels(self):
        """The board's words, translated here with the rest of the addon (the
        filters and "closed" as the fields and the exceptions say them)."""
        appointment = self.env["rdv.appointment"]
        kinds = dict(
            self.env["rdv.counter.exception"]._fields["kind"]._description_selection(self.env)
        )
        return {
            "title": _("Board"),
            "day": _("Day"),
            "week": _("Week"),
            "previous": _("Previous day or week"),
            "next": _("Next day or week"),
            "today": _("Today"),
            "date": _("Go to the date"),
            "place_ids": appointment._fields["place_id"]._description_string(self.env),
            "service_ids": appointment._fields["service_id"]._description_string(self.env),
            "type_ids": appointment._fields["type_id"]._description_string(self.env),
            "all": _("All"),
            "time": _("Times"),
            "closed": kinds["closed"],
            "no_counter": _(
                "No counter matches these filters: choose another place, service or type."
            ),
            "suspend": _("Suspend"),
            "reserve": _("Reserve"),
            "release": _("Release"),
            "clear": _("Clear the selection"),
            "selected": _("Selected times: %s"),
            "focused": _("No time selected: the actions apply to the focused time."),
            "grid": _("Slots of the counters"),
            "keys_title": _("Keyboard shortcuts"),
            "keys": _(
                "Keyboard: arrows move between times and counters, Enter books a free "
                "time or opens a booked one, Space or Shift+arrows select, S suspends, "
                "R reserves, L releases. In the booking dialog, Enter in a line of text "
                "goes to the last name, first name or phone (or e-mail) still empty, and "
                "books once they are filled; Ctrl+Enter books from any field (in a box of "
                "several lines, Enter starts a new line) and Esc closes."
            ),
        }

    @api.model
    def board_action(self, slot_ids, action):
        """Suspend, reserve or release the slots chosen on the board, through
        the slots' own actions (one rule), and say how many were done and how
        many refused (past, or a state that does not allow it).

        Returns {"done", "refused", "message", "action"}: ``action`` is what
        the slot actions returned (a confirmation when appointments lose
        their slot, a notice of the citizens told), or False.
        """
        self.check_access("write")
        if action not in self.BOARD_ACTIONS:
            raise UserError(_("Unknown board action: choose suspend, reserve or release."))
        slots = self.browse(self._board_filter_ids(slot_ids, self._name))
        now = fields.Datetime.now()
        allowed = slots.filtered(
            lambda slot: slot.start >= now and slot.state in self.BOARD_ACTIONS[action]
        )
        refused = len(slots) - len(allowed)
        result = False
        if allowed:
            if action == "release":
                result = allowed.action_release()
            else:
                state = "suspended" if action == "suspend" else "reserved"
                result = self.env["rdv.slot.block"]._start(allowed, state)
                if result.get("res_model") != "rdv.slot.block":
                    result = False  # its notice says what the message below says
        if isinstance(result, dict) and result.get("tag") == "display_notification":
            result["params"].pop("next", None)  # the board redraws itself
        if result and result.get("res_model") == "rdv.slot.block":
            # Appointments would lose their time: nothing is done until the
            # agent confirms in the dialog, which then says what was done.
            return {
                "done": 0,
                "refused": refused,
                "message": _("Confirm first: appointments would lose their time."),
                "action": result,
            }
        message = {
            "suspend": _("Slots suspended: %s.", len(allowed)),
            "reserve": _("Slots reserved for the administration: %s.", len(allowed)),
            "release": _("Slots released: %s.", len(allowed)),
        }[action]
        if refused:
            message += " " + _("Refused: %s (past, or their state does not allow it).", refused)
        return {
            "done": len(allowed),
            "refused": refused,
            "message": message,
            "action": result if isinstance(result, dict) else False,
        }
