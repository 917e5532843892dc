from odoo.tests import tagged

from .common import SmsCase, utc

# Messages without a link: one GSM-7 segment in English and French.
SHORT = ("code", "booked", "changed", "cancelled")
WITH_LINK = ("reminder", "cancelled_agency", "to_reschedule")


@tagged("post_install", "-at_install")
class TestSmsTemplates(SmsCase):
    """Every SMS in English, French and Arabic, with its encoding and segment count."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in ("fr_FR", "ar_001"):
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"].search([("name", "=", "rdv_booking_sms")])._update_translations(
            ["fr_FR", "ar_001"]
        )
        cls.company.name = "Mairie de Valmont"
        cls.place.name = "Hotel de ville"
        cls.type_id.name = "Carte d'identite"

    def render_all(self, lang, start=None):
        appointment = self.book(start or utc(2026, 3, 5, 8, 0), lastname=lang, email="")
        appointment.citizen_lang = lang
        texts = {}
        for message in SHORT + WITH_LINK:
            texts[message] = appointment._rdv_render_sms(
                message, rdv_code="123456", rdv_validity=10
            )
        return appointment, texts

    def segments(self, text):
        sms = self.env["sms.sms"].new({"body": text})
        return sms.rdv_encoding, sms.rdv_segments

    def test_english_and_french_fit_gsm7(self):
        for hour, lang in enumerate(("en_US", "fr_FR")):
            appointment, texts = self.render_all(lang, utc(2026, 3, 5, 8 + hour, 0))
            for message, text in texts.items():
                with self.subTest(lang=lang, message=message):
                    self.assertNotIn("{{", text)
                    encoding, segments = self.segments(text)
                    self.assertEqual(encoding, "gsm7", text)
                    self.assertLessEqual(segments, 1 if message in SHORT else 2, text)
            self.assertTrue(texts["code"].startswith("123456 "))
            self.assertIn(appointment.name, texts["booked"])
            self.assertIn("/rdv/manage/", texts["reminder"])
            self.assertIn("/rdv/type/%s" % self.type_id.id, texts["cancelled_agency"])
            self.assertIn("?next=reschedule", texts["to_reschedule"])
        # French keeps the accents GSM-7 has (é, è, à) and writes the others plainly.
        self.assertIn("jeu. 5 mars 10:00", texts["booked"])
        self.assertIn("confirmé", texts["booked"])
        self.assertIn("Empeché ?", texts["reminder"])

    def test_arabic_is_ucs2_and_counted(self):
        appointment, texts = self.render_all("ar_001")
        for message, text in texts.items():
            with self.subTest(message=message):
                encoding, segments = self.segments(text)
                self.assertEqual(encoding, "ucs2")
                self.assertLessEqual(segments, 2 if message in SHORT else 4, text)
        self.assertTrue(texts["code"].startswith("123456"))
        self.assertIn(appointment.name, texts["booked"])

    def test_templates_of_an_older_install_follow_the_language_rule(self):
        """The update to 18.0.1.1.0 rewrites the old language expression in the
        SMS and reminder templates a database kept (noupdate), and leaves one
        an administrator changed."""
        from odoo.addons.rdv_booking.tests.common import load_migration
        from odoo.addons.rdv_booking_portal.tools.template_source import READER_LANG

        (old_lang, new_lang), _direction = READER_LANG
        reminder = self.env.ref("rdv_booking_sms.sms_template_rdv_reminder")
        code = self.env.ref("rdv_booking_sms.sms_template_rdv_code")
        mail = self.env.ref("rdv_booking_sms.mail_template_rdv_reminder")
        (reminder | code).lang = old_lang
        mail.lang = "fr_FR"  # an administrator's choice
        self.env.flush_all()
        load_migration("rdv_booking_sms", "18.0.1.1.0").migrate(self.env.cr, "18.0.1.0.0")
        self.env.invalidate_all()
        self.assertEqual((reminder.lang, code.lang), (new_lang, new_lang))
        self.assertEqual(mail.lang, "fr_FR")
