from odoo import http
from odoo.http import request

from .base import SESSION_DONE, RdvWebsiteBase, user_appointment


class RdvDocuments(RdvWebsiteBase):
    """The files of an appointment this session may see: its summary as a
    PDF, and the calendar file."""

    def _session_appointment(self, appointment_id):
        """The appointment if this browser booked it, opened it by link or code,
        or if it is one of the logged-in user's appointments; else 404."""
        allowed = set(request.session.get(SESSION_DONE) or [])
        managed = self._managed()
        if managed:
            allowed.add(managed.id)
        return user_appointment(appointment_id, allowed)

    def _attachment(self, content, content_type, filename):
        """``content`` as a file to download, kept by no cache."""
        return request.make_response(
            content,
            headers=[
                ("Content-Type", content_type),
                ("Content-Disposition", 'attachment; filename="%s"' % filename),
                ("Cache-Control", "no-store"),
            ],
        )

    @http.route(
        "/rdv/appointment/<int:appointment_id>/pdf",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
    )
    def rdv_pdf(self, appointment_id, **kwargs):
        """The summary of the appointment as a PDF (QWeb report)."""
        appointment = self._session_appointment(appointment_id)
        return self._attachment(
            request.env["report.rdv_booking_portal.report_rdv_appointment"]._get_pdf(appointment),
            "application/pdf",
            "%s.pdf" % appointment.name,
        )

    @http.route(
        "/rdv/appointment/<int:appointment_id>/ics",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
    )
    def rdv_ics(self, appointment_id, **kwargs):
        """The appointment as a calendar file, in the citizen's language as the PDF."""
        appointment = self._session_appointment(appointment_id)
        ics = appointment.with_context(lang=appointment._reader_lang())._ics()
        return self._attachment(ics, "text/calendar; charset=utf-8", "%s.ics" % appointment.name)
