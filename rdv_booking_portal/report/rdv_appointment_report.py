import base64

from markupsafe import Markup, escape

from odoo import api, models

from odoo.addons.rdv_booking.tools.bidi import printable_rtl


class ReportRdvAppointment(models.AbstractModel):
    """The summary PDF of an appointment: what its template needs, and the
    copy kept on the appointment so that a download does not render it again."""

    _name = "report.rdv_booking_portal.report_rdv_appointment"
    _description = "Appointment summary (PDF)"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env["rdv.appointment"].browse(docids)
        Token = self.env["rdv.access.token"]
        return {
            "doc_ids": docids,
            "doc_model": "rdv.appointment",
            "docs": docs,
            "is_rtl": self._is_rtl,
            "pdf_text": self._pdf_text,
            "find_url": {doc.id: Token._citizen_url(doc, "/rdv/manage/find") for doc in docs},
        }

    @api.model
    def _is_rtl(self, appointment):
        """Whether the summary of ``appointment`` is written right to left
        (the language of its context: the citizen's)."""
        lang = appointment.env.lang or "en_US"
        return self.env["res.lang"]._get_data(code=lang).direction == "rtl"

    @api.model
    def _pdf_text(self, fragment, rtl):
        """``fragment`` (HTML, or plain text: escaped) ready for the summary:
        right to left (``rtl``), its words in spans that wkhtmltopdf wraps and
        measures right (``rdv_booking/tools/bidi.py``: a label that mixes
        Arabic and Latin, or Arabic and its punctuation, otherwise runs off the
        right edge); as it is otherwise."""
        if not fragment or not rtl:
            return fragment
        return Markup(printable_rtl(escape(fragment)))

    @api.model
    def _version(self, appointment):
        """What the stored summary of ``appointment`` was rendered from: its
        state, time, counter and language, and whether it shows the code to
        scan. A PDF of another version is stale. (Not the last change of any
        field: linking the citizen's contact, a new calendar sequence...
        change nothing the PDF shows, and would have each download rendered
        again.)"""
        return "|".join(
            str(value)
            for value in (
                appointment.state,
                appointment.start,
                appointment.stop,
                appointment.counter_id.id,
                appointment.citizen_lang,
                appointment._at_reception(),
            )
        )

    @api.model
    def _get_pdf(self, appointment, refresh=False):
        """The summary PDF of ``appointment``: stored on it, rendered again
        when missing or when the appointment changed since (cancelled, moved,
        past: see :meth:`_version`), so that the website, the back office and
        the messages never give a stale one.

        Rendered by the notification job (not in the citizen's request: it
        takes wkhtmltopdf a second or two), and again when the time changes.
        """
        appointment.ensure_one()
        name = "%s.pdf" % appointment.name
        version = self._version(appointment)
        Attachment = self.env["ir.attachment"].sudo()
        stored = Attachment.search(
            [
                ("res_model", "=", appointment._name),
                ("res_id", "=", appointment.id),
                ("name", "=", name),
            ],
            limit=1,
        )
        if stored and not refresh and stored.description == version:
            return base64.b64decode(stored.datas)
        # Whoever asks (the website's visitor too: the caller checked the
        # appointment is theirs), the report renders it.
        report = self.env.ref("rdv_booking_portal.action_report_rdv_appointment").sudo()
        # force_report_rendering: a real PDF under Odoo's test runner too, so
        # that tests read what citizens get. The text is in the citizen's
        # language and direction (see the template), whoever renders it.
        pdf, _format = report.with_context(force_report_rendering=True)._render_qweb_pdf(
            report.report_name, appointment.ids
        )
        values = {
            "datas": base64.b64encode(pdf),
            "mimetype": "application/pdf",
            "description": version,
        }
        if stored:
            stored.write(values)
        else:
            Attachment.create(
                {**values, "name": name, "res_model": appointment._name, "res_id": appointment.id}
            )
        return pdf
