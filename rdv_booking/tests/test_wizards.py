import datetime

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from ..models.rdv_appointment import CONFIRMED_STATES, BookingError, SlotTakenError
from .common import RdvCase, utc

TUESDAY_9 = utc(2026, 3, 3, 8, 0)


@tagged("post_install", "-at_install")
class TestAgentWizards(RdvCase):
    """The agent's screens: assign a slot, change it, cancel, the queues."""

    def _slot_at(self, start):
        return self.env["rdv.slot"].search(
            [("counter_id", "=", self.counter.id), ("start", "=", start)], limit=1
        )

    def test_assign_a_free_slot_from_the_calendar(self):
        slot = self._slot_at(TUESDAY_9)
        action = slot.with_user(self.agent_id).action_assign()
        wizard_env = (
            self.env["rdv.slot.assign"].with_user(self.agent_id).with_context(action["context"])
        )
        with Form(wizard_env) as form:
            self.assertEqual(form.type_id, self.type_id, "the counter's only type is preset")
            form.lastname = "Bois"
            form.firstname = "Jules"
            form.phone = "06 12 34 56 78"
            form.comment = "Brings the old passport"
            form.channel = "phone"
        result = form.record.action_confirm()
        appointment = self.env["rdv.appointment"].browse(result["res_id"])
        self.assertEqual(appointment.state, "planned")
        self.assertEqual(appointment.channel, "phone")
        self.assertEqual(appointment.comment, "Brings the old passport")
        self.assertEqual(appointment.booked_by_id, self.agent_id)
        self.assertEqual(slot.state, "booked")
        # Stored as E.164, shown in the lists as the place's country writes it.
        self.assertEqual(appointment.phone, "+33612345678")
        self.assertEqual(appointment.phone_display, "06 12 34 56 78")

    def test_book_without_a_slot_preselected(self):
        with Form(self.env["rdv.slot.assign"]) as form:
            form.type_id = self.type_id
            form.slot_id = self._slot_at(utc(2026, 3, 4, 13, 0))
            form.persons = 2
            form.lastname = "Aulan"
            form.phone = "0611111111"
        appointment = self.env["rdv.appointment"].browse(form.record.action_confirm()["res_id"])
        self.assertEqual(len(appointment.slot_ids), 4)

    def test_slot_label_shows_time_and_counter_in_pickers(self):
        slot = self._slot_at(TUESDAY_9).with_context(rdv_slot_label="time")
        self.assertEqual(slot.display_name, "Tue 3 Mar 09:00 · Counter 1 · Town hall")
        slot.action_reserve()
        slot.invalidate_recordset(["display_name"])
        self.assertEqual(
            slot.display_name,
            "Tue 3 Mar 09:00 · Counter 1 · Town hall (Reserved for the administration)",
        )
        # Calendars: the local time and who, as short events show only their title.
        calendar_slot = self._slot_at(TUESDAY_9 + datetime.timedelta(minutes=15))
        self.assertEqual(calendar_slot.display_name, "09:15 Free · Counter 1")
        appointment = self.book(TUESDAY_9 + datetime.timedelta(minutes=15))
        calendar_slot.invalidate_recordset(["display_name"])
        self.assertEqual(calendar_slot.display_name, "09:15 BOIS Jules · Counter 1")
        self.assertEqual(appointment.display_name, "%s - BOIS Jules" % appointment.name)

    def test_slot_pickers_find_a_day_and_a_time_as_typed(self):
        self._load_french()
        self.env.user.tz = "Europe/Paris"
        other = self._make_counter("Counter 2")
        Slot = self.env["rdv.slot"].with_context(rdv_slot_label="time", lang="fr_FR")

        def found(text):
            return Slot.browse([row[0] for row in Slot.name_search(text, limit=100)])

        # Every Wednesday from 09:00 to 09:45 in Paris, at both counters.
        wednesdays_9 = found("mer 9h")
        local = [self.place._to_local(slot.start) for slot in wednesdays_9]
        self.assertEqual({(when.weekday(), when.hour) for when in local}, {(2, 9)})
        self.assertEqual(
            sorted({when.minute for when in local if when.date() == datetime.date(2026, 3, 4)}),
            [0, 15, 30, 45],
        )
        self.assertEqual(wednesdays_9.counter_id, self.counter | other)
        exact = found("4/3 9:30 Counter 2")
        self.assertEqual((exact.start, exact.counter_id), (utc(2026, 3, 4, 8, 30), other))
        thursdays = found("jeudi")
        self.assertTrue(thursdays)
        self.assertTrue(all(slot.start.weekday() == 3 for slot in thursdays))
        self.assertEqual(len(found("5 mars")), 2 * 28)
        self.assertFalse(found("31 févr"), "no such day: nothing, not everything")
        self.assertEqual(found("Counter 2").counter_id, other, "names still work")
        # The "Search more" dialog of a picker: no Assign button leaving the booking.
        arch = Slot.get_views([(False, "list")])["views"]["list"]["arch"]
        self.assertIn("context.get('rdv_slot_label')", arch)

    def test_the_app_opens_on_the_day_of_the_counters(self):
        """Opening the app shows today's appointments per counter in the order
        of the day, not a dialog over the app the agent came from."""
        today = self.env.ref("rdv_booking.rdv_appointment_action_today")
        self.assertEqual(self.env.ref("rdv_booking.rdv_menu_root").action, today)
        self.assertNotEqual(today.target, "new")
        self.assertEqual(
            today.context, "{'search_default_today': 1, 'search_default_group_counter': 1}"
        )
        arch = self.env["rdv.appointment"].get_views([(today.view_ids.view_id.id, "list")])[
            "views"
        ]["list"]["arch"]
        self.assertIn('default_order="start"', arch)

    def test_slot_pickers_read_a_typed_time_where_the_slot_is(self):
        """An agent whose own time zone is another (UTC) types the time the
        labels show: the place's (Paris); and a counter of two seats offers
        each time once."""
        self.env.user.tz = "UTC"
        double = self._make_counter("Counter 2", capacity=2)
        Slot = self.env["rdv.slot"].with_context(rdv_slot_label="time")
        ((slot_id, label),) = Slot.name_search("4/3 9:30 Counter 2", limit=100)
        self.assertEqual(label, "Wed 4 Mar 09:30 · Counter 2 · Town hall")
        self.assertEqual(Slot.browse(slot_id).start, utc(2026, 3, 4, 8, 30))
        self.assertEqual(
            self.env["rdv.slot"].search_count(
                [("counter_id", "=", double.id), ("start", "=", utc(2026, 3, 4, 8, 30))]
            ),
            2,
            "two seats",
        )
        first = Slot.name_search("Counter 2", limit=8)
        self.assertEqual(len(first), 8)
        self.assertEqual(len({label for _id, label in first}), 8, "each time once")

    def test_change_slot_wizard(self):
        appointment = self.book(TUESDAY_9)
        action = appointment.action_change_slot()
        with Form(self.env["rdv.appointment.reschedule"].with_context(action["context"])) as form:
            self.assertEqual(form.place_id, self.place)
            form.slot_id = self._slot_at(utc(2026, 3, 6, 9, 0))
        result = form.record.action_confirm()
        self.assertEqual(appointment.start, utc(2026, 3, 6, 9, 0))
        message = result["params"]["message"]
        self.assertTrue(
            message.startswith(
                "%s moved to Friday 6 March 2026, 10:00 to 10:30. " % appointment.name
            ),
            "the agent is told",
        )
        # A phone, no e-mail, no SMS: nobody tells the citizen but the agent.
        self.assertIn("1 citizen cannot be told, call them: %s" % appointment.name, message)
        self.assertEqual(self._slot_at(TUESDAY_9).state, "free")

    def test_change_slot_starts_at_the_chosen_place_and_says_when_another(self):
        """The citizen chose their place: the dialog starts there, its times
        come first even when the agent clears the place, every time names its
        place, and a time elsewhere is said before moving."""
        annex = self._make_place("Annex")
        # The annex opens earlier: by time alone its slots would come first.
        early = self._make_week("Early week", [(0, 4, 7.0, 12.0)])
        self._make_counter("Counter 1", place=annex, week=early)
        appointment = self.book(TUESDAY_9)
        action = appointment.with_user(self.agent_id).action_change_slot()
        wizard_env = (
            self.env["rdv.appointment.reschedule"]
            .with_user(self.agent_id)
            .with_context(action["context"])
        )
        form = Form(wizard_env)
        self.assertEqual(form.place_id, self.place, "starts on the citizen's place")
        form.place_id = self.env["rdv.place"]
        Slot = self.env["rdv.slot"].with_user(self.agent_id)
        picker = Slot.with_context(rdv_slot_label="time", rdv_slot_place=self.place.id)
        args = [
            ("state", "in", ("free", "reserved")),
            ("is_past", "=", False),
            ("type_ids", "in", self.type_id.ids),
            ("start", ">=", utc(2026, 3, 3, 0, 0)),
            ("start", "<", utc(2026, 3, 4, 0, 0)),
        ]
        choices = picker.name_search("", args, limit=200)
        places = [Slot.browse(slot_id).place_id for slot_id, _label in choices]
        self.assertIn(annex, places)
        first_annex = places.index(annex)
        self.assertEqual(set(places[:first_annex]), {self.place}, "the chosen place first")
        self.assertEqual(set(places[first_annex:]), {annex})
        for (_slot_id, label), place in zip(choices, places, strict=True):
            self.assertTrue(label.endswith(" · %s" % place.name), label)
        form.slot_id = Slot.browse(choices[first_annex][0])
        self.assertIn("Annex", form.place_warning)
        self.assertIn("Town hall", form.place_warning)
        form.slot_id = Slot.browse(choices[0][0])
        self.assertFalse(form.place_warning, "nothing to say at the chosen place")

    def test_a_new_counter_offers_no_slot_buttons(self):
        """ "Regenerate slots" and "Slots" wait until the counter is saved: a
        counter not saved yet has none (they saved it half filled in)."""
        arch = (
            self.env["rdv.counter"]
            .with_user(self.manager)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        tree = etree.fromstring(arch)
        for name in ("action_generate_slots", "action_view_slots"):
            (button,) = tree.xpath("//button[@name='%s']" % name)
            self.assertEqual(button.get("invisible"), "not id", name)

    def test_a_citizen_to_call_is_named_whole_in_french(self):
        """The notice names the reference and the citizen as one ("K7MQ –
        BOIS Jules", a list's "et" read as two people) and French puts a
        non-breaking space before its colons."""
        self._load_french()
        appointment = self.book(TUESDAY_9)
        sentence = (
            self.env["rdv.notification"].with_context(lang="fr_FR")._to_call_sentence(appointment)
        )
        self.assertIn("%s – BOIS Jules (06 12 34 56 78)\u00a0: " % appointment.name, sentence)
        # (The reason may say "et": "pas d'adresse e-mail, et les SMS sont désactivés".)
        self.assertNotIn("%s et " % appointment.name, sentence)

    def test_suspend_and_release_name_each_citizen_in_french(self):
        """The Suspend dialog lists each citizen to call as 'REF – NAME
        (phone)', joined by French's semicolon (not 'REF - NAME et REF -
        NAME'), with a non-breaking space before each colon and semicolon; one
        appointment is spoken of in the singular; releasing names them the
        same way."""
        self._load_french()
        first = self.book(TUESDAY_9)
        second = self.book(
            TUESDAY_9 + datetime.timedelta(hours=1), lastname="Roux", phone="06 98 76 54 32"
        )
        Block = self.env["rdv.slot.block"].with_context(lang="fr_FR")
        slots = first.slot_ids | second.slot_ids
        impact = Block.create({"slot_ids": [(6, 0, slots.ids)], "block_state": "suspended"}).impact
        self.assertIn(
            "%s – BOIS Jules (06 12 34 56 78)\u00a0; %s – ROUX Jules (06 98 76 54 32)"
            % (first.name, second.name),
            impact,
        )
        self.assertIn("2 d'entre eux ne peuvent pas être prévenus", impact)
        self.assertIn("SMS)\u00a0: %s" % first.name, impact)
        self.assertNotIn(" et %s" % second.name, impact)
        one = Block.create({"slot_ids": [(6, 0, first.slot_ids.ids)], "block_state": "suspended"})
        self.assertIn("Son usager ne peut pas être prévenu", one.impact)
        # Not "… et son usager sera prévenu" just before.
        self.assertNotIn("sera prévenu", one.impact)
        self.assertIn("Il passera «\u00a0À replanifier\u00a0».", one.impact)
        self.assertNotIn("d'entre eux", one.impact)
        self.assertIn("%s – BOIS Jules (06 12 34 56 78). Appelez-le." % first.name, one.impact)
        own = first.slot_ids
        own.with_context(lang="fr_FR").action_suspend()
        notice = own.with_context(lang="fr_FR").action_release()["params"]["message"]
        self.assertIn(
            "De retour à son horaire initial\u00a0: %s – BOIS Jules." % first.name, notice
        )
        slots.with_context(lang="fr_FR").action_suspend()
        notice = slots.with_context(lang="fr_FR").action_release()["params"]["message"]
        self.assertIn(
            "De retour à leur horaire initial\u00a0: %s – BOIS Jules\u00a0; %s – ROUX Jules."
            % (first.name, second.name),
            notice,
        )

    def test_cancel_wizard_with_reason(self):
        appointment = self.book(TUESDAY_9)
        action = appointment.action_cancel()
        with Form(self.env["rdv.appointment.cancel"].with_context(action["context"])) as form:
            form.reason = "The mayor is away"
        form.record.action_confirm()
        self.assertEqual(appointment.state, "cancelled")
        self.assertEqual(appointment.cancelled_by, "agency")
        self.assertEqual(appointment.cancel_reason, "The mayor is away")
        self.assertIn("The mayor is away", appointment.message_ids[0].body)

    def test_slot_actions_suspend_reserve_release(self):
        slot = self._slot_at(TUESDAY_9)
        slot.action_suspend()
        self.assertEqual(slot.state, "suspended")
        slot.action_release()
        self.assertEqual(slot.state, "free")
        slot.action_reserve()
        self.assertEqual(slot.state, "reserved")
        slot.action_release()
        self.assertEqual(slot.state, "free")
        with self.assertRaisesRegex(Exception, "Only suspended or reserved"):
            slot.action_release()

    def test_queues_to_reschedule_and_past_without_status(self):
        Appointment = self.env["rdv.appointment"]
        lost = self.book(TUESDAY_9)
        self._slot_at(TUESDAY_9).action_suspend()
        kept = self.book(utc(2026, 3, 2, 9, 0), lastname="Aulan", phone="0611111111")
        queue = Appointment.search(
            [("state", "=", "to_reschedule"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(queue, lost)
        with freeze_time(datetime.datetime(2026, 3, 2, 12, 0)):
            past = Appointment.search(
                [
                    ("state", "in", CONFIRMED_STATES),
                    ("is_past", "=", True),
                    ("company_id", "=", self.company.id),
                ]
            )
            self.assertEqual(past, kept)
            kept.action_no_show()
        self.assertEqual(kept.state, "no_show")

    def test_partner_appointments_tab(self):
        appointment = self.book(TUESDAY_9)
        appointment._link_partners()
        partner = appointment.partner_id
        self.assertEqual(partner.rdv_appointment_count, 1)
        self.assertEqual(partner.rdv_appointment_ids, appointment)
        upcoming = partner.action_rdv_view_upcoming()
        self.assertEqual(upcoming["context"]["search_default_upcoming"], 1)
        self.assertEqual(upcoming["context"]["search_default_group_type"], 1)
        everything = partner.action_rdv_view_all()
        self.assertEqual(everything["domain"], [("partner_id", "=", partner.id)])
        self.assertEqual(self.env["rdv.appointment"].search(everything["domain"]), appointment)

    def test_statistics_rates_average_in_pivots(self):
        first = self.book(TUESDAY_9)
        self.book(utc(2026, 3, 4, 8, 0), lastname="Aulan", phone="0611111111")
        first._cancel(reason="Moved")
        groups = self.env["rdv.appointment"]._read_group(
            [("company_id", "=", self.company.id)],
            ["type_id"],
            ["cancel_rate:avg", "__count", "duration:avg"],
        )
        ((type_, rate, count, duration),) = groups
        self.assertEqual((type_, rate, count, duration), (self.type_id, 50.0, 2, 30.0))
        # No-shows among the appointments that were due: one absent, one
        # done; the cancelled one and the one to come do not count.
        with freeze_time(utc(2026, 3, 5, 12, 0)):
            absent = self.book(utc(2026, 3, 6, 8, 0), lastname="Absent", phone="0622222222")
            done = self.book(utc(2026, 3, 6, 9, 0), lastname="Venu", phone="0633333333")
            self.book(utc(2026, 3, 9, 8, 0), lastname="Futur", phone="0644444444")
        with freeze_time(utc(2026, 3, 6, 12, 0)):
            absent.action_no_show()
            done.action_done()
        ((no_show, count),) = self.env["rdv.appointment"]._read_group(
            [("company_id", "=", self.company.id)], [], ["no_show_rate:avg", "__count"]
        )
        self.assertEqual((no_show, count), (50.0, 5))
        fill = self.env["rdv.slot.report"]._read_group(
            [
                ("counter_id", "=", self.counter.id),
                ("start", ">=", utc(2026, 3, 4)),
                ("start", "<", utc(2026, 3, 5)),
            ],
            [],
            ["fill_rate:avg", "booked_count:sum"],
        )
        self.assertEqual(fill[0][1], 2)
        self.assertAlmostEqual(fill[0][0], 100.0 * 2 / 28)


@tagged("post_install", "-at_install")
class TestAgentReview(RdvCase):
    """What agents met in review: bulk slot actions, several-type counters,
    existing citizens, refusals that say why, reference weeks being edited."""

    def _slots(self, start, hours=1, counter=None):
        return self.env["rdv.slot"].search(
            [
                ("counter_id", "=", (counter or self.counter).id),
                ("start", ">=", start),
                ("start", "<", start + datetime.timedelta(hours=hours)),
            ]
        )

    def test_bulk_suspend_asks_first_when_appointments_lose_their_slot(self):
        booked = self.book(TUESDAY_9)
        slots = self._slots(TUESDAY_9).with_user(self.agent_id)
        action = (
            self.env.ref("rdv_booking.rdv_slot_action_suspend")
            .with_user(self.agent_id)
            .with_context(active_model="rdv.slot", active_ids=slots.ids)
            .run()
        )
        self.assertEqual(action["res_model"], "rdv.slot.block")
        wizard = self.env["rdv.slot.block"].with_user(self.agent_id).browse(action["res_id"])
        self.assertEqual(wizard.appointment_ids, booked)
        self.assertIn("Appointments affected: 1 (slots selected: 4)", wizard.impact)
        # Its citizen has no e-mail and SMS are off: not "will be told", but whom to call.
        self.assertIn("It will move to 'To reschedule'. Its citizen cannot be told", wizard.impact)
        self.assertNotIn("will be told", wizard.impact)
        self.assertEqual(booked.state, "planned", "nothing changes before the agent confirms")
        self.assertEqual(set(slots.mapped("state")), {"free", "booked"})
        result = wizard.action_confirm()
        self.assertEqual(result["params"]["type"], "warning")
        self.assertIn("Appointments moved to 'To reschedule': 1.", result["params"]["message"])
        self.assertEqual(booked.state, "to_reschedule")
        self.assertEqual(set(slots.mapped("state")), {"suspended"})

    def test_bulk_reserve_without_appointment_is_done_at_once(self):
        slots = self._slots(utc(2026, 3, 4, 8, 0))
        action = (
            self.env.ref("rdv_booking.rdv_slot_action_reserve")
            .with_context(active_model="rdv.slot", active_ids=slots.ids)
            .run()
        )
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["message"], "Slots reserved for the administration: 4.")
        self.assertEqual(set(slots.mapped("state")), {"reserved"})

    def test_assign_on_a_counter_of_several_types_keeps_the_slot_clicked(self):
        counter = self._make_counter("Counter 2", types=self.type_id | self.type_civil)
        slot = self._slots(TUESDAY_9, counter=counter)[:1]
        wizard_env = self.env["rdv.slot.assign"].with_context(slot.action_assign()["context"])
        with Form(wizard_env) as form:
            self.assertFalse(form.type_id, "two types: the agent chooses")
            self.assertEqual(form.slot_id, slot, "the slot clicked stays")
            form.type_id = self.type_civil
            self.assertEqual(form.slot_id, slot)
            form.lastname = "Aulan"
        appointment = self.env["rdv.appointment"].browse(form.record.action_confirm()["res_id"])
        self.assertEqual((appointment.type_id, appointment.start), (self.type_civil, TUESDAY_9))

    def test_existing_citizen_gives_their_names(self):
        first = self.book(TUESDAY_9)
        first._link_partners()
        partner = first.partner_id
        with Form(self.env["rdv.slot.assign"]) as form:
            form.type_id = self.type_id
            form.slot_id = self._slots(utc(2026, 3, 4, 8, 0))[:1]
            form.partner_id = partner
            self.assertEqual((form.lastname, form.firstname), ("Bois", "Jules"))
        # The booking service too, for every channel that books for a contact.
        second = self.env["rdv.appointment"]._book(
            self.type_civil,
            self._make_counter("Counter 2", types=self.type_civil),
            utc(2026, 3, 5, 8, 0),
            partner=partner,
            citizen={},
        )
        self.assertEqual((second.lastname, second.firstname), ("Bois", "Jules"))

    def test_existing_citizen_picker_tells_namesakes_apart_and_finds_a_phone(self):
        Partner = self.env["res.partner"].with_context(rdv_citizen_picker=True)
        valmont = Partner.create(
            {"name": "BERNARD Chloé", "phone": "+33612000137", "city": "Valmont"}
        )
        seynod = Partner.create(
            {"name": "BERNARD Chloé", "phone": "+33612000243", "email": "cb@example.org"}
        )
        labels = dict(Partner.name_search("BERNARD Chloé"))
        self.assertEqual(labels[valmont.id], "BERNARD Chloé — 06 12 00 01 37 · Valmont")
        self.assertEqual(labels[seynod.id], "BERNARD Chloé — 06 12 00 02 43 · cb@example.org")
        # The caller's number, however it is typed.
        for typed in ("06 12 00 01 37", "0612000137", "+33 6 12 00 01 37"):
            self.assertEqual([row[0] for row in Partner.name_search(typed)], [valmont.id], typed)
        # Elsewhere, contacts keep Odoo's own label and search.
        self.assertEqual(
            valmont.with_context(rdv_citizen_picker=False).display_name, "BERNARD Chloé"
        )
        self.assertFalse(self.env["res.partner"].name_search("0612000137"))
        # No appointment of theirs to read: the name as RDV writes it.
        for name, names in (
            ("BERNARD Chloé", ("BERNARD", "Chloé")),
            ("LE GALL Anne Marie", ("LE GALL", "Anne Marie")),
            ("Chloé Bernard", ("Chloé Bernard", "")),
            ("BERNARD", ("BERNARD", "")),
        ):
            valmont.name = name
            self.assertEqual(valmont._rdv_citizen_names(), names)

    def test_booking_wizard_gives_the_type_of_a_one_type_agent(self):
        self.assertEqual(
            self.env["rdv.slot.assign"].with_user(self.agent_id).default_get(["type_id"]),
            {"type_id": self.type_id.id},
        )
        self.assertFalse(
            self.env["rdv.slot.assign"]
            .with_user(self.manager)
            .default_get(["type_id"])
            .get("type_id"),
            "several types: the manager chooses",
        )

    def test_archiving_a_counter_with_appointments_to_come_asks_first(self):
        booked = self.book(TUESDAY_9)
        action = self.counter.with_user(self.manager).action_archive()
        self.assertEqual(action["res_model"], "rdv.counter.archive")
        self.assertTrue(self.counter.active, "nothing changes before the manager confirms")
        self.assertEqual(booked.state, "planned")
        wizard = self.env["rdv.counter.archive"].with_user(self.manager).browse(action["res_id"])
        self.assertEqual(wizard.appointment_ids, booked)
        self.assertIn("Planned appointments to come: 1;", wizard.impact)
        result = wizard.action_confirm()
        self.assertIn("Appointments moved to 'To reschedule': 1.", result["params"]["message"])
        self.assertFalse(self.counter.active)
        self.assertEqual((booked.state, booked.reschedule_cause), ("to_reschedule", "counter"))
        # Nothing to come: archived at once.
        idle = self._make_counter("Counter 2")
        idle.with_user(self.manager).action_archive()
        self.assertFalse(idle.active)

    def test_archiving_a_place_shows_the_appointments_of_its_counters(self):
        place = self.env["rdv.place"].create({"name": "Annex", "tz": "Europe/Paris"})
        counter = self._make_counter("Annex counter", place=place)
        booked = self.book(TUESDAY_9, counter=counter)
        action = place.with_user(self.manager).action_archive()
        wizard = self.env["rdv.counter.archive"].with_user(self.manager).browse(action["res_id"])
        self.assertEqual((wizard.counter_ids, wizard.appointment_ids), (counter, booked))
        self.assertTrue(place.active)
        result = wizard.action_confirm()
        self.assertIn("Places archived: 1.", result["params"]["message"])
        self.assertFalse(place.active or counter.active)
        self.assertEqual(booked.state, "to_reschedule")

    def test_refusal_of_several_persons_says_why(self):
        # 11:30 Paris, 2 persons of 30 minutes: the lunch break comes first.
        with self.assertRaisesRegex(BookingError, "not open that long") as closed:
            self.book(utc(2026, 3, 3, 10, 30), persons=2)
        self.assertEqual(closed.exception.code, "not_offered", "nobody took it")
        # 09:00 for 2 persons needs 09:00-10:00; 09:30 is booked.
        self.book(utc(2026, 3, 3, 8, 30))
        with self.assertRaisesRegex(SlotTakenError, "they are no longer all free"):
            self.book(TUESDAY_9, persons=2, lastname="Aulan", phone="0611111111")
        # One slot of 15 minutes, taken.
        civil = self._make_counter("Counter 2", types=self.type_civil)
        self.book(TUESDAY_9, counter=civil, appointment_type=self.type_civil)
        with self.assertRaisesRegex(SlotTakenError, "someone booked it meanwhile"):
            self.book(
                TUESDAY_9,
                counter=civil,
                appointment_type=self.type_civil,
                lastname="Aulan",
                phone="0611111111",
            )

    def test_overlapping_hours_being_typed_preview_no_impact(self):
        self.book(TUESDAY_9)
        monday = self.week.line_ids.filtered(lambda line: line.weekday == "0")
        overlapping = self.week.new(
            {
                "line_ids": [(4, line.id) for line in self.week.line_ids]
                + [(0, 0, {"weekday": "0", "hour_from": 11.0, "hour_to": 13.0})]
            },
            origin=self.week,
        )
        overlapping._onchange_line_ids_impact()
        # Hours that cannot be saved move nobody: the banner gives the refusal.
        self.assertFalse(overlapping.impact_appointment_ids)
        self.assertIn("cannot be saved", overlapping.impact_preview)
        self.assertNotIn("planned appointment", overlapping.impact_preview)
        self.assertIn("overlaps", overlapping.summary)
        self.assertTrue(monday)
        # Refused on save, with the day in the user's language.
        self._load_french()
        with self.assertRaisesRegex(ValidationError, "Lundi, 08:30-12:00 chevauche 11:00-13:00"):
            self.week.with_context(lang="fr_FR").write(
                {"line_ids": [(0, 0, {"weekday": "0", "hour_from": 11.0, "hour_to": 13.0})]}
            )

    def test_id_document_types_in_the_agents_language(self):
        self._load_french()
        selection = (
            self.env["rdv.slot.assign"]
            .with_context(lang="fr_FR")
            .fields_get(["id_type"])["id_type"]["selection"]
        )
        self.assertIn(("id_card", "Carte nationale d'identité"), selection)
