"""The language a citizen reads: one rule for every message and document."""

from odoo.tests import tagged

from odoo.addons.rdv_booking.tests.common import load_migration

from ..tools.template_source import READER_LANG
from .common import RdvPortalCase, smtp_sink


@tagged("post_install", "-at_install")
class TestReaderLang(RdvPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        for module in ("rdv_booking", "rdv_booking_portal"):
            cls.env.ref("base.module_%s" % module)._update_translations(["fr_FR"])
        cls.company.partner_id.lang = "fr_FR"

    def test_a_phone_booking_is_told_in_the_communes_language(self):
        """Booked by an agent (no website language, no contact yet): the
        confirmation, its PDF and calendar file speak the commune's language."""
        with smtp_sink(self.env) as sink:
            appointment = self.book_by_phone(
                self._future_start(), lastname="Guichet", email="alain@example.fr"
            )
            self.assertEqual(appointment._reader_lang(), "fr_FR")
            sink.flush(self.env)
        [mail] = sink.texts("alain@example.fr")
        self.assertIn("est confirmé", mail["subject"])
        # The notes the crons wrote in the history are in the office's language.
        notes = " ".join(appointment.message_ids.mapped("body"))
        self.assertIn("mis en file d'attente", notes)
        self.assertNotIn("queued for sending", notes)
        self.assertEqual(appointment._reader_direction(), "ltr")
        # The contact made for the caller speaks it too (not the cron's English).
        self.env["res.partner"]._cron_rdv_link_appointments()
        self.assertEqual(appointment.partner_id.lang, "fr_FR")
        # The website's language, once known, comes first.
        appointment.citizen_lang = "en_US"
        self.assertEqual(appointment._reader_lang(), "en_US")

    def test_templates_of_an_older_install_follow_the_rule(self):
        """An update rewrites the old expression in the templates a database
        kept (noupdate), and leaves a template an administrator rewrote."""
        confirmation = self.env.ref("rdv_booking_portal.mail_template_rdv_confirmation")
        cancelled = self.env.ref("rdv_booking_portal.mail_template_rdv_cancelled")
        (old_lang, new_lang), (old_dir, new_dir) = READER_LANG
        confirmation.write(
            {
                "lang": old_lang,
                "body_html": str(confirmation.body_html).replace(new_dir, old_dir),
            }
        )
        self.assertIn("startswith('ar')", confirmation.body_html)
        cancelled.lang = "fr_FR"  # an administrator's choice
        self.env.flush_all()
        load_migration("rdv_booking_portal", "18.0.1.2.0").migrate(self.env.cr, "18.0.1.1.0")
        self.env.invalidate_all()
        self.assertEqual(confirmation.lang, new_lang)
        self.assertNotIn("startswith('ar')", confirmation.body_html)
        self.assertIn(new_dir, confirmation.body_html)
        self.assertEqual(cancelled.lang, "fr_FR")
