"""The agents' board (rdv.slot.get_board_data, board_action): counters side by
side in a stable order, times aligned on the hours they open, the state in
words, the agent's services by default, and the slot actions on several
times at once with what was done and what was refused."""

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import RdvCase, utc


@tagged("post_install", "-at_install")
class TestBoard(RdvCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # An annex (sorted before the town hall) with 30-minute slots from
        # 09:00 to 11:00, and a counter of the civil status at the town hall.
        cls.annex = cls._make_place("Annex")
        cls.annex_counter = cls._make_counter(
            "Annex counter",
            place=cls.annex,
            week=cls._make_week("Short mornings", [(0, 4, 9.0, 11.0)]),
            slot_duration=30,
        )
        cls.civil_counter = cls._make_counter("Civil desk", types=cls.type_civil)
        cls.monday = datetime.date(2026, 3, 2)

    def _board(self, user=None, **kwargs):
        env = self.env(user=user) if user else self.env
        return env["rdv.slot"].get_board_data(**kwargs)

    def _cells(self, block, counter):
        return {cell["time"]: cell for cell in block["cells"] if cell["counter_id"] == counter.id}

    def test_columns_rows_and_words(self):
        """One column per counter, place then name; rows from the first
        opening to the last closing, shared by every counter; a booked time
        says its state and its citizen."""
        self.book(utc(2026, 3, 2, 8, 0), lastname="Dupont", firstname="Marie")  # 09:00 Paris
        board = self._board(user=self.manager, day="2026-03-02", filters={})
        self.assertEqual(
            [c["name"] for c in board["counters"]],
            ["Annex counter", "Civil desk", "Counter 1"],
        )
        (block,) = board["blocks"]
        self.assertEqual(block["rows"][0], "08:30", "the axis starts at the first opening")
        self.assertEqual(block["rows"][-1], "16:45", "and ends at the last closing")
        self.assertNotIn("12:15", block["rows"], "nobody opens at lunch")
        annex, counter = self._cells(block, self.annex_counter), self._cells(block, self.counter)
        # The annex's 30-minute time covers two 15-minute rows of the town hall.
        self.assertEqual(annex["09:00"]["row"], counter["09:00"]["row"])
        self.assertEqual(annex["09:00"]["row_end"], counter["09:30"]["row"])
        (booked,) = counter["09:00"]["slots"]
        self.assertEqual(booked["state"], "booked")
        self.assertEqual(booked["state_label"], "Booked")
        self.assertEqual(booked["who"], "DUPONT Marie")
        self.assertEqual(booked["name"], "Counter 1, 09:00, Booked, DUPONT Marie")
        # The ID card takes 30 minutes: two times, both with the citizen.
        self.assertEqual(counter["09:15"]["slots"][0]["who"], "DUPONT Marie")
        (free,) = counter["09:30"]["slots"]
        self.assertEqual(free["name"], "Counter 1, 09:30, Free")
        self.assertEqual(block["closed"], [])

    def test_default_is_the_agents_services_and_today(self):
        """An agent sees the counters of their services, today, by default."""
        board = self._board(user=self.agent_civil)
        self.assertEqual([c["name"] for c in board["counters"]], ["Civil desk"])
        self.assertEqual(board["day"], "2026-03-02")
        self.assertEqual(board["filters"]["service_ids"], self.service_civil.ids)
        board = self._board(user=self.agent_id)
        self.assertEqual([c["name"] for c in board["counters"]], ["Annex counter", "Counter 1"])
        # Filtered by place.
        board = self._board(user=self.manager, filters={"place_ids": self.annex.ids})
        self.assertEqual([c["name"] for c in board["counters"]], ["Annex counter"])

    def test_week(self):
        """The week: a block per day from Monday; the weekend is closed."""
        board = self._board(user=self.manager, day="2026-03-04", scale="week", filters={})
        self.assertEqual(len(board["blocks"]), 7)
        self.assertEqual(board["blocks"][0]["date"], "2026-03-02")
        self.assertEqual(board["previous"], "2026-02-25")
        self.assertEqual(board["next"], "2026-03-11")
        saturday = board["blocks"][5]
        self.assertFalse(saturday["cells"])
        self.assertEqual(len(saturday["closed"]), 3)

    def _slots_at(self, *hours):
        """Counter 1's slots on Tuesday 3 March at these Paris hours (UTC+1)."""
        return self.env["rdv.slot"].search(
            [
                ("counter_id", "=", self.counter.id),
                ("start", "in", [utc(2026, 3, 3, h - 1, m) for h, m in hours]),
            ]
        )

    def test_bulk_actions_count_done_and_refused(self):
        """Several times at once through the slots' own actions: what their
        state does not allow is refused and counted."""
        Slot = self.env["rdv.slot"].with_user(self.agent_id)
        slots = self._slots_at((9, 0), (9, 15), (9, 30))
        slots[2].action_suspend()
        result = Slot.board_action(slots.ids, "suspend")
        self.assertEqual((result["done"], result["refused"]), (2, 1))
        self.assertEqual(slots.mapped("state"), ["suspended"] * 3)
        self.assertIn("Slots suspended: 2.", result["message"])
        self.assertIn("Refused: 1", result["message"])
        free = self._slots_at((10, 0))
        result = Slot.board_action((slots | free).ids, "release")
        self.assertEqual((result["done"], result["refused"]), (3, 1))
        self.assertEqual((slots | free).mapped("state"), ["free"] * 4)
        result = Slot.board_action(free.ids, "reserve")
        self.assertEqual((result["done"], result["refused"]), (1, 0))
        self.assertEqual(free.state, "reserved")

    def test_bulk_suspend_of_a_booked_time_asks_first(self):
        """A booked time is not suspended from the board before the agent
        has seen whose appointment moves."""
        appointment = self.book(utc(2026, 3, 3, 9, 0))
        slots = self._slots_at((10, 0), (10, 15))
        result = self.env["rdv.slot"].with_user(self.agent_id).board_action(slots.ids, "suspend")
        self.assertEqual(result["done"], 0)
        self.assertEqual(result["action"]["res_model"], "rdv.slot.block")
        self.assertEqual(appointment.state, "planned")
        self.assertIn("booked", slots.mapped("state"))

    def test_booking_from_the_board_stays_on_it(self):
        """The booking dialog opened from the board books and says the
        reference instead of leaving the board for the appointment."""
        slot = self._slots_at((11, 0))
        action = slot.with_user(self.agent_id).action_assign()
        context = dict(action["context"], rdv_board=1)
        wizard_env = self.env(user=self.agent_id, context=dict(self.env.context, **context))
        with Form(wizard_env["rdv.slot.assign"]) as form:
            form.lastname = "Martin"
            form.phone = "06 12 34 56 78"
        result = form.record.action_confirm()
        self.assertEqual(result["tag"], "display_notification")
        self.assertIn("MARTIN", result["params"]["message"])
        self.assertEqual(result["params"]["next"], {"type": "ir.actions.act_window_close"})
        self.assertEqual(slot.state, "booked")

    def test_the_dialog_offers_the_types_that_fit_the_time(self):
        """At a counter of a 15-minute and a 30-minute type, the booking
        dialog opened on a time offers the types that fit there: the last
        time before lunch, or one followed by a suspended time, takes only
        the short one; at a counter whose one type fits nowhere at that
        time, none (the dialog says so)."""
        desk = self._make_counter("Mixed desk", types=self.type_id | self.type_civil)
        Assign = self.env["rdv.slot.assign"].with_user(self.agent_id)

        def slot_at(counter, hour, minute):
            return self.env["rdv.slot"].search(
                [("counter_id", "=", counter.id), ("start", "=", utc(2026, 3, 3, hour - 1, minute))]
            )

        def offered(counter, hour, minute):
            opened = Assign.with_context(default_slot_id=slot_at(counter, hour, minute).id)
            wizard = opened.new(opened.default_get(["slot_id", "place_id", "persons"]))
            return wizard.fitting_type_ids._origin

        both = self.type_id | self.type_civil
        self.assertEqual(offered(desk, 10, 0), both)
        self.assertEqual(offered(desk, 11, 45), self.type_civil, "lunch at 12:00")
        slot_at(desk, 10, 45)._set_state("suspended")
        self.assertEqual(offered(desk, 10, 30), self.type_civil, "10:45 is suspended")
        self.assertFalse(offered(self.counter, 11, 45), "the ID card takes 30 minutes")
        # Two persons of the ID card need four times from 10:00: 10:45 is one.
        self.assertFalse(slot_at(desk, 10, 0)._fitting_types(persons=2) & self.type_id)
        self.assertEqual(slot_at(desk, 9, 0)._fitting_types(persons=2), both)
        # Without a time, every type the agent books is offered.
        agent_types = self.env["rdv.appointment.type"].with_user(self.agent_id).search([])
        self.assertEqual(Assign.new({}).fitting_type_ids._origin, agent_types)
        self.assertIn(self.type_id, agent_types)
        # The view offers only them, and says when there is none.
        domain = Assign.fields_get(["type_id"])["type_id"]["domain"]
        self.assertEqual(domain, "[('id', 'in', fitting_type_ids)]")
        arch = Assign.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("o_rdv_no_type_fits", arch)

    @settings(max_examples=40, deadline=None)
    @given(
        asks=st.fixed_dictionaries(
            {
                name: st.sampled_from(["no", "optional", "required"])
                for name in ("ask_phone", "ask_email", "ask_street", "ask_city", "ask_birthdate")
            }
        ).filter(lambda asks: asks["ask_phone"] != "no" or asks["ask_email"] != "no"),
        contact=st.sampled_from(["none", "phone", "email"]),
    )
    def test_enter_waits_for_what_an_agent_gathers_and_books_with_it(self, asks, contact):
        """Whatever the type asks online, plain Enter waits for the names
        (unless a known contact) and one way to reach the citizen (unless the
        contact has one), never for the rest; filled with only that, the
        booking goes through."""
        self.type_civil.write(asks)
        partner = self.env["res.partner"]
        if contact != "none":
            partner = partner.create(
                {
                    "name": "Known Citizen",
                    "phone": "+33612345678" if contact == "phone" else False,
                    "email": "known@example.org" if contact == "email" else False,
                }
            )
        needs = self.env["rdv.citizen"]._agent_essentials(self.type_civil, partner)
        names = {name for group in needs for name in group}
        self.assertEqual({"lastname", "firstname"} <= names, not partner)
        self.assertLessEqual(names, {"lastname", "firstname", "phone", "email"})
        contacts = [
            group for group in needs if "lastname" not in group and "firstname" not in group
        ]
        if partner:
            self.assertFalse(contacts, "the contact's phone or e-mail is enough")
        else:
            (group,) = contacts
            asked = {name for name in ("phone", "email") if asks["ask_" + name] != "no"}
            self.assertEqual(set(group), asked)
        values = {"lastname": "Vite", "firstname": "Anne"}
        for group in contacts:
            values[group[0]] = "06 11 22 33 44" if group[0] == "phone" else "vite@example.org"
        with self.env.cr.savepoint() as attempt:
            appointment = self.env["rdv.appointment"]._book(
                self.type_civil,
                self.civil_counter,
                utc(2026, 3, 4, 9, 0),
                citizen={name: value for name, value in values.items() if not partner},
                partner=partner or None,
                channel="phone",
            )
            self.assertEqual(appointment.state, "planned")
            attempt.rollback()
            self.env.invalidate_all()

    @settings(max_examples=40, deadline=None)
    @given(
        minutes=st.integers(min_value=0, max_value=8 * 4 - 1),
        persons=st.integers(min_value=1, max_value=3),
        taken=st.sets(st.integers(min_value=0, max_value=8 * 4 - 1), max_size=6),
    )
    def test_a_type_offered_at_a_time_is_one_the_booking_takes(self, minutes, persons, taken):
        """Whatever the time, the persons and the times already suspended,
        a type is offered exactly when the booking service books it there."""
        desk = self.env["rdv.counter"].search([("name", "=", "Fit desk")])
        if not desk:
            desk = self._make_counter("Fit desk", types=self.type_id | self.type_civil)
        day = self.env["rdv.slot"].search(
            [("counter_id", "=", desk.id), ("start", ">=", utc(2026, 3, 3, 7, 30))],
            order="start",
            limit=8 * 4,
        )
        with self.env.cr.savepoint(flush=False) as savepoint:
            day.filtered(lambda slot: day.ids.index(slot.id) in taken)._set_state("suspended")
            slot = day[minutes]
            fitting = slot._fitting_types(persons)
            for rdv_type in desk.type_ids.filtered(lambda t: persons <= t.max_persons):
                with self.env.cr.savepoint() as attempt:
                    try:
                        self.book(
                            slot.start, counter=desk, appointment_type=rdv_type, persons=persons
                        )
                        booked = True
                    except UserError:
                        booked = False
                    attempt.rollback()
                    self.env.invalidate_all()
                self.assertEqual(rdv_type in fitting, booked, (rdv_type.name, slot.start))
            savepoint.rollback()
            self.env.invalidate_all()

    @settings(max_examples=40, deadline=None)
    @given(
        day=st.one_of(st.none(), st.text(max_size=12), st.dates().map(str), st.integers()),
        scale=st.one_of(st.sampled_from(["day", "week"]), st.text(max_size=5)),
        filters=st.one_of(
            st.none(),
            st.dictionaries(
                st.sampled_from(["place_ids", "service_ids", "type_ids", "x"]),
                st.one_of(
                    st.lists(st.integers(min_value=-5, max_value=2**40), max_size=3),
                    st.text(max_size=3),
                    st.booleans(),
                ),
            ),
            st.text(max_size=3),
        ),
    )
    def test_board_input_is_read_or_refused_clearly(self, day, scale, filters):
        """Whatever the web client sends, the board answers or refuses with a
        message: never a crash."""
        try:
            board = self._board(user=self.agent_id, day=day, scale=scale, filters=filters)
        except UserError as error:
            self.assertTrue(str(error))
        else:
            self.assertIn(board["scale"], ("day", "week"))

    @settings(max_examples=30, deadline=None)
    @given(
        ids=st.one_of(
            st.lists(st.integers(min_value=-5, max_value=2**40), max_size=4),
            st.text(max_size=4),
            st.none(),
        ),
        action=st.one_of(st.sampled_from(["suspend", "reserve", "release"]), st.text(max_size=8)),
    )
    def test_board_actions_input_is_read_or_refused_clearly(self, ids, action):
        """Unknown actions and odd ids are refused with a message."""
        try:
            with self.env.cr.savepoint():
                result = self.env["rdv.slot"].with_user(self.agent_id).board_action(ids, action)
        except UserError as error:
            self.assertTrue(str(error))
        else:
            self.assertEqual(set(result), {"done", "refused", "message", "action"})

    def test_in_french(self):
        """The board speaks the agent's language, its buttons and its times."""
        self._load_french()
        board = self.env(user=self.agent_id, context={"lang": "fr_FR"})["rdv.slot"].get_board_data(
            day="2026-03-03"
        )
        self.assertEqual(board["labels"]["today"], "Aujourd'hui")
        self.assertEqual(board["labels"]["suspend"], "Suspendre")
        self.assertEqual(board["labels"]["place_ids"], "Lieu")
        self.assertEqual(board["title"], "mardi 3 mars 2026")
        counter = self._cells(board["blocks"][0], self.counter)
        self.assertEqual(counter["09:30"]["slots"][0]["name"], "Counter 1, 09:30, Libre")

    def test_only_agents(self):
        """The board's methods are public to the web client: a user who may
        not read slots gets nothing, not even the names of places."""
        user = self._make_user("rdv_board_stranger", self.company, groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["rdv.slot"].with_user(user).get_board_data()
        with self.assertRaises(AccessError):
            self.env["rdv.slot"].with_user(user).board_action(self.counter.ids, "suspend")

    def test_booked_time_in_the_place_time_zone(self):
        """A booked time opened from the board shows the place's wall clock,
        whatever the agent's own time zone (the browser's would shift it)."""
        appointment = self.book(utc(2026, 3, 2, 8, 0), lastname="Horaire")  # 09:00 Paris
        agent = self.env(user=self.manager, context={"tz": "America/New_York"})
        self.manager.tz = "America/New_York"
        shown = agent["rdv.appointment"].browse(appointment.id).when_local
        self.assertIn("09:00", shown)
        self.assertNotIn("03:00", shown)
        arch = agent["rdv.appointment"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertRegex(arch, r'<field name="when_local"(?![^>]*invisible)')
        self.assertRegex(arch, r'<field name="start" invisible="1"')

    def test_lists_and_dialogs_in_the_place_time_zone(self):
        """Today, To reschedule, the Suspend dialog and the appointment's
        "Booked on" and "Arrived" read the place's wall clock, not the
        agent's browser: no raw date and time shown there."""
        appointment = self.book(utc(2026, 3, 2, 8, 0), lastname="Horaire")  # 09:00 Paris
        self.manager.tz = "America/New_York"
        agent = self.env(user=self.manager, context={"tz": "America/New_York"})
        appointment.arrival_time = utc(2026, 3, 2, 7, 50)
        shown = agent["rdv.appointment"].browse(appointment.id)
        self.assertIn("09:00", shown.start_short)
        self.assertEqual(shown.arrival_local, "08:50")
        self.assertIn(
            appointment.place_id._format_local(appointment.create_date, "HH:mm"),
            shown.booked_on_local,
        )
        # The form's own times (its messages and its slots, in debug mode,
        # are lists of other records).
        lists = ("start", "arrival_time", "create_date")
        views = [
            ("rdv.appointment", "rdv_booking.rdv_appointment_view_list", "list", lists),
            ("rdv.appointment", "rdv_booking.rdv_appointment_view_list_today", "list", lists),
            (
                "rdv.appointment",
                "rdv_booking.rdv_appointment_view_list_to_reschedule",
                "list",
                lists,
            ),
            ("rdv.slot.block", "rdv_booking.rdv_slot_block_view_form", "form", ("start",)),
            (
                "rdv.appointment",
                "rdv_booking.rdv_appointment_view_form",
                "form",
                ("arrival_time", 'create_date" string="Booked on'),
            ),
        ]
        for model, xmlid, kind, names in views:
            arch = agent[model].get_views([(self.env.ref(xmlid).id, kind)])["views"][kind]["arch"]
            for name in names:
                with self.subTest(view=xmlid, field=name):
                    self.assertNotRegex(
                        arch,
                        r'<field name="%s"(?![^>]*invisible)' % name,
                        "a datetime the browser would write in its own zone",
                    )

    def test_appointment_opened_from_the_board_has_a_title(self):
        """A booked time opens its appointment in a dialog titled with it."""
        appointment = self.book(utc(2026, 3, 2, 8, 0), lastname="Titre")
        slot = appointment.slot_ids[:1]
        action = slot.with_user(self.agent_id).action_open_appointment()
        self.assertEqual(action["name"], "Appointment %s" % appointment.name)
