from odoo import http
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.addons.rdv_booking.models.rdv_appointment import CONFIRMED_STATES
from odoo.addons.rdv_booking.tools.parse import parse_int

from .base import open_managed, user_appointment


class RdvCustomerPortal(CustomerPortal):
    """ "My appointments" in /my, for logged-in users.

    Portal users have no access to appointments through the ORM (agents'
    comments and the chatter are on them): these pages read with sudo() only
    the records of ``rdv.appointment._portal_user_domain``, and changes go
    through the citizen's pages of an appointment (/rdv/manage), with the same
    rules and deadlines as by link.
    """

    _rdv_past_per_page = 20

    def _rdv_appointments(self, domain=None):
        Appointment = request.env["rdv.appointment"].sudo()
        return Appointment, Appointment._portal_user_domain(request.env.user) + (domain or [])

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "rdv_appointment_count" in counters:
            Appointment, domain = self._rdv_appointments()
            values["rdv_appointment_count"] = Appointment.search_count(domain)
        return values

    def _rdv_my_appointment(self, appointment_id):
        """One of the user's appointments, else 404 (whether it exists or not)."""
        return user_appointment(appointment_id)

    def _rdv_page_values(self, page_name, **values):
        """The values of a "My appointments" page: the portal's layout's, the
        names of the states, and ``values``."""
        return {
            **self._prepare_portal_layout_values(),
            "page_name": page_name,
            "states": dict(
                request.env["rdv.appointment"]._fields["state"]._description_selection(request.env)
            ),
            **values,
        }

    @http.route(
        ["/my/appointments", "/my/appointments/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_appointments(self, page=1, **kwargs):
        """The user's appointments: those to come, then the past ones (paged)."""
        Appointment, domain = self._rdv_appointments()
        # A page number out of a PostgreSQL integer is the first page.
        page = parse_int(page, 1) or 1
        upcoming = Appointment.search(domain + Appointment._upcoming_domain(), order="start")
        past_domain = domain + Appointment._past_domain()
        pager = portal_pager(
            url="/my/appointments",
            total=Appointment.search_count(past_domain),
            page=page,
            step=self._rdv_past_per_page,
        )
        past = Appointment.search(
            past_domain,
            order="start desc",
            limit=self._rdv_past_per_page,
            offset=pager["offset"],
        )
        values = self._rdv_page_values(
            "rdv_appointments", upcoming=upcoming, past=past, pager=pager
        )
        return request.render("rdv_booking_portal.portal_my_appointments", values)

    @http.route(
        "/my/appointments/<int:appointment_id>",
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_appointment(self, appointment_id, **kwargs):
        """One appointment: its details, PDF, and moving or cancelling it while allowed."""
        appointment = self._rdv_my_appointment(appointment_id)
        can_change = appointment._can_change()
        values = self._rdv_page_values(
            "rdv_appointment",
            appointment=appointment,
            lines=appointment._summary_lines(),
            can_change=can_change,
            too_late=not can_change
            and appointment.state in CONFIRMED_STATES
            and appointment._too_late_message(),
        )
        values["state_label"] = values["states"][appointment.state]
        return request.render("rdv_booking_portal.portal_my_appointment", values)

    @http.route(
        "/my/appointments/<int:appointment_id>/<any(cancel,reschedule):action>",
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_appointment_change(self, appointment_id, action, **kwargs):
        """Open the appointment in the citizen's pages to cancel or move it.

        Changes nothing by itself: those pages ask "are you sure?" and act on
        POST only, within the type's deadlines.
        """
        appointment = self._rdv_my_appointment(appointment_id)
        open_managed(appointment)
        return request.redirect("/rdv/manage/%s" % action)
