"""Right-to-left documents: the summary PDF and the e-mails, read back with
positions.

Pages honour ``<bdi>``; wkhtmltopdf (old QtWebKit) and mail clients do not
all do. So these tests look at what a reader sees: the PDF printed by
wkhtmltopdf through the report action, and the e-mail rendered by Chromium,
both read back by poppler (``pdftotext -bbox-layout``): every glyph inside the
page, every label there, and the place's phone and address in their reading
order.
"""

import re
import resource
import subprocess
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

from lxml import etree, html

from odoo.tests import HttpCase, tagged
from odoo.tests.common import _find_executable

from odoo.addons.rdv_booking.tests.common import load_migration

from .common import RdvPortalCase, smtp_sink

PHONE = "+33 4 50 12 34 50"
ADDRESS = "12 avenue des Pommaries, 74960 Valmont"
REPORT = "rdv_booking_portal.action_report_rdv_appointment"
# What a printer can print: nothing closer than 5 mm to the edge of the sheet.
MARGIN = 5 / 25.4 * 72
XHTML = "{http://www.w3.org/1999/xhtml}"
# Labels of the PDF written in the template (the others come from the code).
REFERENCE_LABEL = {"ar_001": "المرجع:", "fr_FR": "Référence :"}
PLACE_PHONE_LABEL = {"ar_001": "هاتف المكان", "fr_FR": "Téléphone du lieu"}
ANTS_LABEL = {"ar_001": "رقم الطلب المسبق لدى ANTS", "fr_FR": "Numéro de pré-demande ANTS"}


def pdf_pages(pdf):
    """The pages of a PDF as poppler reads them back:
    [{"width", "height", "lines": [[(text, x_min, y_min, x_max, y_max), ...]]}].

    Arabic comes out as presentation forms (normalise with NFKC), often one
    glyph per "word"; poppler leaves out the glyphs drawn wholly off the page.
    """
    out = subprocess.run(
        ["pdftotext", "-bbox-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout
    pages = []
    for page in etree.fromstring(out).iter(XHTML + "page"):
        lines = [
            [
                (
                    word.text or "",
                    *(float(word.get(key)) for key in ("xMin", "yMin", "xMax", "yMax")),
                )
                for word in line.iter(XHTML + "word")
            ]
            for line in page.iter(XHTML + "line")
        ]
        pages.append(
            {"width": float(page.get("width")), "height": float(page.get("height")), "lines": lines}
        )
    return pages


def runs_in_reading_order(pages):
    """The words of each line from left to right, joined by spaces: how a
    left-to-right run (a phone number, a French address) reads on paper."""
    return [
        " ".join(word[0] for word in sorted(line, key=lambda word: word[1]))
        for page in pages
        for line in page["lines"]
    ]


def tokens(text):
    """The words (letters and digits) of ``text``, Arabic presentation forms
    normalised."""
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text))


def _no_memory_limit():
    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def letters(text):
    """The letters and digits of ``text``, sorted: the same for a line whose
    Arabic glyphs poppler gives one by one."""
    return sorted("".join(tokens(text)))


@tagged("post_install", "-at_install")
class TestRightToLeftDocuments(RdvPortalCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for lang in ("ar_001", "fr_FR"):
            cls.env["res.lang"]._activate_lang(lang)
        cls.place.write(
            {
                "street": "12 avenue des Pommaries",
                "zip": "74960",
                "city": "Valmont",
                "phone": PHONE,
            }
        )
        cls.rdv_type.write(
            {"ask_file_number": "optional", "file_number_label": "ANTS pre-application number"}
        )
        for lang in ("ar_001", "fr_FR"):
            cls.rdv_type.with_context(lang=lang).file_number_label = ANTS_LABEL[lang]
        cls.appointment = cls.env["rdv.appointment"]._book(
            cls.rdv_type,
            cls.counter,
            cls._future_start(days=4),
            channel="phone",
            citizen={
                "lastname": "Haddad",
                "firstname": "Yasmine",
                "phone": "0611111111",
                "email": "yasmine@example.com",
                "file_number": "8SF8DW9LKQ",
            },
        )

    # --- the summary PDF

    def _pdf(self, citizen_lang, render_lang):
        """The summary PDF through the report action (wkhtmltopdf), rendered
        in ``render_lang`` (a cron: the server's; a page: the website's)."""
        self.appointment.citizen_lang = citizen_lang
        report = self.env.ref(REPORT).with_context(lang=render_lang, force_report_rendering=True)
        pdf, _format = report._render_qweb_pdf(report.report_name, self.appointment.ids)
        return pdf

    def _labels(self, lang):
        appointment = self.appointment.with_context(lang=lang)
        return [REFERENCE_LABEL[lang], PLACE_PHONE_LABEL[lang]] + [
            label for label, _value, _direction in appointment._summary_lines()
        ]

    def test_summary_pdf_reads_right_in_arabic_and_french(self):
        for citizen_lang in ("ar_001", "fr_FR"):
            for render_lang in ("en_US", "ar_001", "fr_FR"):
                with self.subTest(citizen=citizen_lang, rendered_in=render_lang):
                    pdf = self._pdf(citizen_lang, render_lang)
                    pages = pdf_pages(pdf)
                    self.assertEqual(len(pages), 1, "one sheet")
                    page = pages[0]
                    # Every glyph inside the sheet, clear of its edges.
                    outside = [
                        word
                        for line in page["lines"]
                        for word in line
                        if word[1] < MARGIN
                        or word[3] > page["width"] - MARGIN
                        or word[2] < MARGIN
                        or word[4] > page["height"] - MARGIN
                    ]
                    self.assertFalse(outside, "glyphs off the page or in its margins")
                    # Every label whole: poppler leaves out the glyphs drawn
                    # wholly off the page.
                    text = subprocess.run(
                        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
                    ).stdout.decode()
                    labels = self._labels(citizen_lang)
                    self.assertIn(ANTS_LABEL[citizen_lang], labels)
                    expected = Counter(token for label in labels for token in tokens(label))
                    self.assertFalse(expected - Counter(tokens(text)), "labels cut")
                    # The phone, the address and the reference read left to
                    # right, as written.
                    runs = runs_in_reading_order(pages)
                    for value in (PHONE, ADDRESS, self.appointment.name):
                        self.assertTrue(any(value in run for run in runs), (value, runs))
                    # The page runs in the citizen's direction, whatever the
                    # language of the rendering: the label of the place's
                    # phone on its right in Arabic, on its left in French.
                    label = letters(PLACE_PHONE_LABEL[citizen_lang])
                    (label_x,) = [
                        min(word[1] for word in line)
                        for line in page["lines"]
                        if letters(" ".join(word[0] for word in line)) == label
                    ]
                    (phone_x,) = [
                        min(word[1] for word in line)
                        for line in page["lines"]
                        if PHONE in " ".join(word[0] for word in sorted(line, key=lambda w: w[1]))
                    ]
                    self.assertEqual(label_x > phone_x, citizen_lang == "ar_001")

    # --- the e-mails

    def _browser_pdf(self, body):
        """``body`` (an e-mail's HTML) printed by Chromium, as a mail client
        built on a browser engine shows it."""
        chromium = _find_executable()
        self.assertTrue(chromium, "Chromium is needed to render the e-mails")
        with tempfile.TemporaryDirectory() as folder:
            page = Path(folder) / "mail.html"
            page.write_text(
                '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>%s</body></html>'
                % body
            )
            run = subprocess.run(
                [
                    chromium,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    "--user-data-dir=%s/profile" % folder,
                    "--no-pdf-header-footer",
                    "--print-to-pdf=%s/mail.pdf" % folder,
                    page.as_uri(),
                ],
                capture_output=True,
                check=False,
                timeout=60,
                # As Odoo's browser tests: Chromium reserves more virtual
                # memory than the limit Odoo sets on its own process.
                preexec_fn=_no_memory_limit,
            )
            pdf = Path(folder) / "mail.pdf"
            self.assertTrue(pdf.exists(), "Chromium printed nothing: %s" % run.stderr[-2000:])
            return pdf.read_bytes()

    def test_left_to_right_emails_carry_no_invisible_marks(self):
        """In French, a left-to-right value needs no isolation: the e-mail's
        parts have no direction marks, and its text part no space before a
        comma ("Bonjour ‎MARTIN Jeanne‎ ," an outside tester read)."""
        self.appointment.citizen_lang = "fr_FR"
        with smtp_sink(self.env) as sink:
            self.env.ref("rdv_booking_portal.mail_template_rdv_confirmation")._rdv_send_to_citizen(
                self.appointment
            )
            self.env["mail.mail"].sudo().process_email_queue()
        (item,) = [m for m in sink.messages if "yasmine@example.com" in m["to"]]
        for part in item["message"].walk():
            if part.get_content_type() in ("text/plain", "text/html"):
                content = part.get_content()
                self.assertNotIn("\u200e", content, part.get_content_type())
                self.assertNotIn("\u200f", content, part.get_content_type())
        self.assertIn(PHONE, item["message"].get_body(("plain",)).get_content())

    def _arabic_confirmation(self):
        """The confirmation e-mail of the appointment, in Arabic, as received."""
        self.appointment.citizen_lang = "ar_001"
        with smtp_sink(self.env) as sink:
            self.env.ref("rdv_booking_portal.mail_template_rdv_confirmation")._rdv_send_to_citizen(
                self.appointment
            )
            self.env["mail.mail"].sudo().process_email_queue()
        (mail,) = sink.texts("yasmine@example.com")
        return mail

    def test_arabic_confirmation_email_keeps_phone_and_address_in_order(self):
        mail = self._arabic_confirmation()
        body = mail["html"]
        self.assertIn('dir="rtl"', body)
        # Each run in markup that says its direction (dir, and the CSS for
        # clients that keep only styles), and between marks (LRM) that every
        # bidi algorithm honours, for clients that strip both.
        for value in (PHONE, ADDRESS, self.appointment.name):
            isolated = '<span dir="ltr" style="direction: ltr; unicode-bidi: embed;">%s</span>'
            self.assertIn(isolated % ("\u200e%s\u200e" % value), body)
        # Read by a real engine: as sent, without styles, without dir and styles.
        root = html.fragment_fromstring(body, create_parent="div")
        variants = {"as sent": body}
        for element in root.iter():
            element.attrib.pop("style", None)
        variants["no style"] = html.tostring(root, encoding="unicode")
        for span in root.iter("span"):
            span.attrib.pop("dir", None)
        variants["no style, no dir on spans"] = html.tostring(root, encoding="unicode")
        for name, variant in variants.items():
            with self.subTest(variant=name):
                runs = runs_in_reading_order(pdf_pages(self._browser_pdf(variant)))
                for value in (PHONE, ADDRESS, self.appointment.name):
                    self.assertTrue(any(value in run for run in runs), (value, runs))

    def test_update_resets_templates_written_before_isolation(self):
        """A database installed before the values were isolated keeps its
        (noupdate) message bodies on update, unless the migration resets
        them: the demo's Arabic confirmation read "avenue des Pommaries,
        74960 Valmont 12" and "50 34 12 50 4 33+"."""
        template = self.env.ref("rdv_booking_portal.mail_template_rdv_confirmation")
        self.env["res.lang"]._activate_lang("ar_001")
        self.env.ref("base.module_rdv_booking_portal")._update_translations(["ar_001"])
        unisolated = re.compile(r"object\._bidi\(([^,()]+(?:\([^()]*\))?)(?:, '\w+')?\)")
        for lang in ("en_US", "ar_001"):
            localized = template.with_context(lang=lang)
            localized.body_html = unisolated.sub(r"\1", localized.body_html)
            self.assertNotIn("_bidi(", localized.body_html)
        migration = load_migration("rdv_booking_portal", "18.0.1.1.0")
        migration.migrate(self.env.cr, "18.0.1.0.0")
        self.env.invalidate_all()
        self.assertFalse(migration.stale_templates(self.env))
        mail = self._arabic_confirmation()
        self.assertIn("العنوان", mail["html"])
        isolated = '<span dir="ltr" style="direction: ltr; unicode-bidi: embed;">%s</span>'
        for value in (PHONE, ADDRESS, self.appointment.name):
            self.assertIn(isolated % ("\u200e%s\u200e" % value), mail["html"])
