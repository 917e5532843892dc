from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import MANAGER, RdvCase, utc

TUESDAY_9 = utc(2026, 3, 3, 8, 0)


@tagged("post_install", "-at_install")
class TestAccessRights(RdvCase):
    """Agents see and act on the types of their services only; managers on all;
    communes sharing a database never see each other's data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.counter_civil = cls._make_counter("Civil status desk", types=cls.type_civil)
        cls.type_open = cls.env["rdv.appointment.type"].create(
            {
                "name": "Meet the mayor",
                "duration": 15,
            }
        )
        cls.id_appointment = cls.book(TUESDAY_9)
        cls.civil_appointment = cls.book(
            TUESDAY_9,
            counter=cls.counter_civil,
            appointment_type=cls.type_civil,
            lastname="Vigneau",
        )

    def test_agents_see_the_types_of_their_services_and_open_ones(self):
        Type = self.env["rdv.appointment.type"]
        self.assertEqual(Type.with_user(self.agent_id).search([]), self.type_id | self.type_open)
        self.assertEqual(
            Type.with_user(self.agent_civil).search([]), self.type_civil | self.type_open
        )
        self.assertEqual(
            Type.with_user(self.manager).search([]), self.type_id | self.type_civil | self.type_open
        )

    def test_agents_see_the_appointments_of_their_services(self):
        Appointment = self.env["rdv.appointment"]
        self.assertEqual(Appointment.with_user(self.agent_id).search([]), self.id_appointment)
        self.assertEqual(Appointment.with_user(self.agent_civil).search([]), self.civil_appointment)
        with self.assertRaises(AccessError):
            self.id_appointment.with_user(self.agent_civil).read(["partner_id"])
        with self.assertRaises(AccessError):
            self.id_appointment.with_user(self.agent_civil).action_done()
        self.assertEqual(len(Appointment.with_user(self.manager).search([])), 2)

    def test_agents_see_the_slots_of_their_counters_only(self):
        Slot = self.env["rdv.slot"]
        self.assertEqual(Slot.with_user(self.agent_id).search([]).counter_id, self.counter)
        civil_slot = self.slots(self.counter_civil, state="free")[:1]
        with self.assertRaises(AccessError):
            civil_slot.with_user(self.agent_id).action_suspend()
        self.assertEqual(civil_slot.state, "free")
        own_slot = self.slots(state="free")[:1]
        own_slot.with_user(self.agent_id).action_suspend()
        self.assertEqual(own_slot.state, "suspended")

    def test_agents_book_only_the_types_of_their_services(self):
        appointment = (
            self.env["rdv.appointment"]
            .with_user(self.agent_id)
            ._book(
                self.type_id,
                self.counter,
                utc(2026, 3, 4, 8, 0),
                citizen={"lastname": "Aulan", "phone": "0611111111"},
                channel="phone",
            )
        )
        self.assertEqual(appointment.booked_by_id, self.agent_id)
        with self.assertRaises(AccessError):
            self.env["rdv.appointment"].with_user(self.agent_civil)._book(
                self.type_id,
                self.counter,
                utc(2026, 3, 5, 8, 0),
                citizen={"lastname": "Aulan", "phone": "0611111111"},
                channel="phone",
            )

    def test_agents_cannot_configure(self):
        for model, values in [
            (
                "rdv.counter",
                {
                    "name": "X",
                    "place_id": self.place.id,
                    "type_ids": [(6, 0, self.type_id.ids)],
                    "reference_week_id": self.week.id,
                },
            ),
            ("rdv.appointment.type", {"name": "X"}),
            ("rdv.place", {"name": "X"}),
            ("rdv.reference.week", {"name": "X"}),
            ("rdv.closure", {"name": "X", "date_from": "2026-03-10", "date_to": "2026-03-10"}),
            ("rdv.service", {"name": "X"}),
        ]:
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.agent_id).create(values)
        with self.assertRaises(AccessError):
            self.id_appointment.with_user(self.agent_id).unlink()

    def test_manager_configures(self):
        counter = (
            self.env["rdv.counter"]
            .with_user(self.manager)
            .create(
                {
                    "name": "Counter 9",
                    "place_id": self.place.id,
                    "type_ids": [(6, 0, self.type_id.ids)],
                    "reference_week_id": self.week.id,
                }
            )
        )
        self.assertTrue(counter.slot_ids, "slots are generated whoever creates the counter")

    def test_communes_sharing_a_database_are_separated(self):
        other = self.env["res.company"].create(
            {"name": "Seynod", "country_id": self.env.ref("base.fr").id}
        )
        other_manager = self._make_user("seynod_manager", other, groups=MANAGER)
        # The other commune's manager works in their own company.
        other_env = self.env(user=other_manager, context={"allowed_company_ids": other.ids})
        other_type = other_env["rdv.appointment.type"].create(
            {"name": "CNI Seynod", "duration": 15}
        )
        self.assertEqual(other_type.company_id, other)
        Type = self.env["rdv.appointment.type"]
        self.assertEqual(other_env["rdv.appointment.type"].search([]), other_type)
        self.assertNotIn(other_type, Type.with_user(self.manager).search([]))
        self.assertFalse(other_env["rdv.appointment"].search([]))
        self.assertFalse(other_env["rdv.slot"].search([]))
        with self.assertRaises(AccessError):
            self.id_appointment.with_env(other_env).read(["name"])

    def test_users_without_the_appointments_app_see_nothing(self):
        employee = new_test_user(self.env, "employee", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["rdv.appointment"].with_user(employee).search([])
        with self.assertRaises(AccessError):
            self.env["rdv.slot"].with_user(employee).search([])
