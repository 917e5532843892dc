from markupsafe import Markup

from odoo import _, fields, http
from odoo.http import request

from odoo.addons.rdv_booking.models.rdv_appointment import BookingError, SlotTakenError
from odoo.addons.rdv_booking.tools.answers import is_yes
from odoo.addons.rdv_booking.tools.parse import parse_id

from ..models.rdv_otp import OtpError
from .base import SESSION_FIND, RdvWebsiteBase, open_managed


class RdvManage(RdvWebsiteBase):
    """Managing an appointment: opened by a link, or by its reference and a
    code; then cancelled or moved while its type allows."""

    def _check_managed(self, appointment, post=None, change=False):
        """Why the appointment ``appointment`` (:meth:`_managed`) cannot be
        shown, or changed (``change``), as the response to send instead, or
        None. ``post``: a form, checked first (:meth:`_guard_post`)."""
        if post is not None and (refused := self._guard_post(post)):
            return refused
        if not appointment:
            return request.redirect("/rdv/manage/find")
        if change and not appointment._can_change():
            return self._manage_page(appointment, message=appointment._too_late_message())
        return None

    @http.route(
        "/rdv/manage/<link_token:token>", type="http", auth="public", website=True, sitemap=False
    )
    def rdv_manage_token(self, token, next=None, **kwargs):
        """Exchange the link's token for a session, then show a clean URL.

        Changes no appointment: cancelling and moving are POST forms.
        """
        appointment = request.env["rdv.access.token"].sudo()._find_appointment(token)
        if not appointment:
            return self._error(
                _(
                    "This link is no longer valid. You can manage your appointment with its "
                    "reference."
                ),
                status=404,
                back_url="/rdv/manage/find",
            )
        open_managed(appointment)
        if next in ("reschedule", "cancel"):
            # The page that asks; the change itself is a form.
            return request.redirect("/rdv/manage/%s" % next)
        return request.redirect("/rdv/manage")

    @http.route("/rdv/manage", type="http", auth="public", website=True, sitemap=False)
    def rdv_manage(self, **kwargs):
        """The appointment, with its PDF, and cancel / reschedule while allowed."""
        appointment = self._managed()
        if response := self._check_managed(appointment):
            return response
        return self._manage_page(appointment)

    def _manage_page(self, appointment, message=None):
        # Messages come from the server only, never from the URL.
        return request.render(
            "rdv_booking_portal.page_manage",
            {
                "appointment": appointment,
                "lines": appointment._summary_lines(),
                "can_change": appointment._can_change(),
                "message": message,
            },
        )

    @http.route(
        "/rdv/manage/cancel",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
    )
    def rdv_manage_cancel(self, **kwargs):
        """ "Are you sure?": the cancellation happens on POST only."""
        appointment = self._managed()
        if response := self._check_managed(appointment, change=True):
            return response
        return request.render(
            "rdv_booking_portal.page_manage_cancel",
            {"appointment": appointment, "lines": appointment._summary_lines()},
        )

    @http.route(
        "/rdv/manage/cancel",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def rdv_manage_cancel_post(self, **post):
        """Cancel the appointment opened by this session."""
        appointment = self._managed()
        if response := self._check_managed(appointment, post, change=True):
            return response
        appointment._cancel(by="citizen", reason=_("Cancelled online by the citizen."))
        message = Markup(
            _(
                "Your appointment <strong>%s</strong> is cancelled. A confirmation is on its way "
                "to you."
            )
        )
        return request.render(
            "rdv_booking_portal.page_cancelled",
            {"appointment": appointment, "cancelled_message": message % appointment.name},
        )

    @http.route(
        "/rdv/manage/reschedule",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
    )
    def rdv_manage_reschedule(self, month="", day="", **kwargs):
        """Free times of the same type at the same place, to move the appointment."""
        appointment = self._managed()
        if response := self._check_managed(appointment, change=True):
            return response
        place = appointment.place_id
        month_values = self._month_calendar(
            month, day, place.tz, appointment.type_id, appointment.persons, place
        )
        return request.render(
            "rdv_booking_portal.page_manage_reschedule",
            {
                "appointment": appointment,
                "now_planned": _(
                    "%(type)s, %(place)s. Now planned: %(when)s.",
                    type=appointment.type_id.name,
                    place=appointment.place_id.name,
                    when=appointment.when_local,
                ),
                **month_values,
            },
        )

    @http.route(
        "/rdv/manage/reschedule",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def rdv_manage_reschedule_post(self, counter_id=None, start=None, **post):
        """Move the appointment to the chosen time (same type, same place)."""
        appointment = self._managed()
        if response := self._check_managed(appointment, post, change=True):
            return response
        counter_id, start_dt = parse_id(counter_id), self._start(start)
        counter = request.env["rdv.counter"].sudo().browse(counter_id).exists()
        if (
            not start_dt
            or not counter
            or counter.place_id != appointment.place_id
            or not counter._online_type(appointment.type_id)
        ):
            return self._time_not_offered("/rdv/manage/reschedule")
        if not is_yes(post.get("confirmed")):
            # "From ... to ...: move it?" The time stays free for others
            # meanwhile; if it is taken, the citizen is offered the next ones.
            # A time that could not be confirmed is not asked about.
            try:
                appointment._check_move(counter, start_dt, by_citizen=True)
            except BookingError as error:
                return self._error(
                    str(error.args[0]), status=400, back_url="/rdv/manage/reschedule"
                )
            return request.render(
                "rdv_booking_portal.page_manage_reschedule_confirm",
                {
                    "appointment": appointment,
                    "counter": counter,
                    "start": fields.Datetime.to_string(start_dt),
                    "old_label": appointment.when_local,
                    "new_label": appointment._format_range(
                        start_dt, start_dt + (appointment.stop - appointment.start)
                    ),
                },
            )
        try:
            appointment._change_slot(counter, start_dt, by_citizen=True)
        except SlotTakenError as error:
            return self._taken(
                appointment.type_id, error, appointment.persons, "/rdv/manage/reschedule"
            )
        except BookingError as error:
            return self._manage_page(appointment, message=str(error.args[0]))
        return self._manage_page(
            appointment,
            message=_("Your appointment was moved. A confirmation is on its way to you."),
        )

    # --- without the link: reference + phone or e-mail + captcha, then a code

    @http.route(
        "/rdv/manage/find",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
    )
    def rdv_manage_find(self, reference="", **kwargs):
        """Seed 000 "Gestion des RDV": find an appointment by its reference
        (filled in from the link ANTS gives the citizen)."""
        reference = reference if isinstance(reference, str) else ""
        return self._find_page(values={"reference": reference.strip()[:20]})

    def _find_page(self, error=None, values=None):
        return request.render(
            "rdv_booking_portal.page_manage_find",
            {"captcha": self._captcha(), "error": error, "values": values or {}},
            status=400 if error else 200,
        )

    @http.route(
        "/rdv/manage/find",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def rdv_manage_find_post(self, reference="", contact="", **post):
        """Check the pair with a code sent after the answer; the same either way.

        Whether the reference and the contact match an appointment or not,
        :meth:`rdv.otp._challenge` makes the same record under the website's
        rules: the code typed next is checked against it.
        """
        if refused := self._guard_post(post):
            return refused
        values = {"reference": reference, "contact": contact}
        if not reference.strip() or not contact.strip():
            return self._find_page(
                error=_("Give the reference of the appointment and your phone or e-mail."),
                values=values,
            )
        if not self._captcha_ok(post):
            return self._find_page(
                error=_("The anti-robot check failed. Please try again."), values=values
            )
        challenge = (
            request.env["rdv.otp"]
            .sudo()
            ._challenge(
                reference,
                contact,
                self._website_company(),
                self._client_ip(),
                companies=request.website.sudo()._rdv_companies(),
            )
        )
        request.session[SESSION_FIND] = challenge.id
        return request.redirect("/rdv/manage/verify")

    def _find_challenge(self):
        """The code record this session asked for by reference, if any."""
        found = request.session.get(SESSION_FIND)
        Otp = request.env["rdv.otp"].sudo()
        if not isinstance(found, int):  # none, or the dict of an older version
            return Otp
        return Otp.browse(found).exists().filtered_domain([("purpose", "=", "manage")])

    @http.route(
        "/rdv/manage/verify",
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
        sitemap=False,
    )
    def rdv_manage_verify(self, code="", **post):
        """Type the code: the appointment opens; else why not, the same words always."""
        challenge = self._find_challenge()
        if not challenge:
            return request.redirect("/rdv/manage/find")
        values = {
            "error": None,
            # The same words whether a code was sent or not (no oracle), so
            # they say when a new code can be asked for: within the resend
            # delay, none is sent.
            "sent_if_found": _(
                "If the reference and the phone or e-mail match an appointment, we sent a "
                "6-digit code to the phone or e-mail given when booking it (not always the "
                "one typed here). It is valid for %(minutes)s minutes. A new code can be "
                "asked for %(seconds)s seconds after the previous one.",
                minutes=challenge.company_id.rdv_otp_validity_minutes,
                seconds=challenge.company_id.rdv_otp_resend_seconds,
            ),
        }
        if request.httprequest.method == "POST":
            if refused := self._guard_post(post):
                return refused
            try:
                appointment = challenge._open(code)
            except OtpError as error:
                values["error"] = str(error.args[0])
            else:
                request.session.pop(SESSION_FIND, None)
                open_managed(appointment)
                return request.redirect("/rdv/manage")
        return request.render(
            "rdv_booking_portal.page_manage_verify",
            values,
            status=400 if values["error"] else 200,
        )
