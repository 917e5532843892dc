import datetime

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import RdvCase, load_migration, utc


@tagged("post_install", "-at_install")
class TestPersonalDataRetention(RdvCase):
    """Citizens' data are erased after the commune's retention period;
    what the statistics count stays."""

    def test_erased_after_the_retention_period_statistics_kept(self):
        Appointment = self.env["rdv.appointment"]
        old = self.book(
            utc(2026, 3, 3, 8, 0),
            email="jules@example.com",
            id_number="X4RTBPFW4",
            city="Annecy",
            comment="Vient avec sa fille",
        )
        old._link_partners()
        partner = old.partner_id
        self.assertTrue(partner.rdv_citizen)
        old.message_post(body="Appelé au 06 12 34 56 78")
        attachment = self.env["ir.attachment"].create(
            {"name": "piece.pdf", "raw": b"%PDF", "res_model": old._name, "res_id": old.id}
        )
        with freeze_time(datetime.datetime(2026, 3, 3, 9, 0)):
            old.action_done()
        # Booked by the same citizen later: the contact stays while it has one.
        recent = self.book(utc(2026, 3, 24, 8, 0), lastname="Bois", phone="06 12 34 56 78")
        recent._link_partners()
        self.assertEqual(recent.partner_id, partner)
        # A name the demo citizens never have: their contacts are in the database too.
        other = self.book(utc(2026, 3, 4, 8, 0), lastname="Quenouille", phone="06 11 11 11 11")
        other._link_partners()
        other_partner = other.partner_id
        self.assertTrue(other_partner.rdv_citizen)
        self.company.rdv_retention_months = 12

        with freeze_time(datetime.datetime(2027, 3, 10)):
            self.env["rdv.citizen"]._cron_erase_personal_data()
        self.assertTrue(old.personal_data_erased)
        for field in ("lastname", "firstname", "phone", "email", "id_number", "comment"):
            self.assertFalse(old[field], field)
        self.assertFalse(old.identity_key)
        self.assertFalse(old.partner_id)
        self.assertEqual(
            (old.state, old.type_id, old.counter_id, old.city, old.channel),
            ("done", self.type_id, self.counter, "Annecy", "counter"),
            "what the statistics count is kept",
        )
        self.assertFalse(attachment.exists())
        self.assertEqual(len(old.message_ids), 1, "only the note that says why")
        self.assertIn("retention period", str(old.message_ids.body))
        self.assertNotIn("06 12", str(old.message_ids.body))
        self.assertFalse(recent.personal_data_erased, "not old enough")
        self.assertEqual(recent.partner_id, partner, "the contact still has an appointment")
        self.assertTrue(other.personal_data_erased)
        self.assertFalse(other.partner_id)
        self.assertFalse(
            other_partner.exists(), "the contact created for it goes with its last appointment"
        )
        # The statistics still count it.
        counted = Appointment._read_group(
            [("company_id", "=", self.company.id), ("state", "=", "done")], [], ["__count"]
        )
        self.assertEqual(counted[0][0], 1)

        # A year later the citizen's last appointment goes, and their contact.
        with freeze_time(datetime.datetime(2027, 4, 1)):
            self.env["rdv.citizen"]._cron_erase_personal_data()
        self.assertTrue(recent.personal_data_erased)
        self.assertFalse(partner.exists())

    def test_contacts_of_the_commune_are_kept(self):
        """A contact the commune made itself is never deleted by the erasure."""
        known = self.env["res.partner"].create({"name": "BOIS Jules", "phone": "+33612345678"})
        appointment = self.book(utc(2026, 3, 3, 8, 0))
        appointment._link_partners()
        self.assertEqual(appointment.partner_id, known)
        with freeze_time(datetime.datetime(2027, 4, 1)):
            self.env["rdv.citizen"]._cron_erase_personal_data()
        self.assertTrue(appointment.personal_data_erased)
        self.assertTrue(known.exists())

    def test_retention_period_bounds(self):
        with self.assertRaisesRegex(ValidationError, "between 1 and 120 months"):
            self.company.rdv_retention_months = 0

    def test_erasure_cron_runs_from_its_record_and_update_points_it_there(self):
        """The cron record runs the citizens' method; a database installed when
        the method was the appointments' gets its (noupdate) cron pointed at
        it by the 18.0.1.2.0 update, and an edited cron is left alone."""
        cron = self.env.ref("rdv_booking.ir_cron_rdv_erase_personal_data")
        appointment = self.book(utc(2026, 3, 3, 8, 0))
        with freeze_time(datetime.datetime(2027, 4, 1)):
            cron.method_direct_trigger()
        self.assertTrue(appointment.personal_data_erased)
        self.assertFalse(appointment.lastname)
        migration = load_migration("rdv_booking", "18.0.1.2.0")
        old_model = self.env.ref("rdv_booking.model_rdv_appointment")
        for code, expected in (
            ("model._cron_erase_personal_data()", "rdv.citizen"),
            ("model._cron_erase_personal_data(batch=50)", "rdv.appointment"),
        ):
            with self.subTest(code=code):
                cron.write({"model_id": old_model.id, "code": code})
                migration.migrate(self.env.cr, "18.0.1.1.0")
                self.assertEqual((cron.model_id.model, cron.code), (expected, code))
