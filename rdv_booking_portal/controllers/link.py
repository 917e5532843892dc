from odoo import _, http
from odoo.http import request

from ..models.rdv_api_client import ApiRefusal
from .base import SESSION_PREFILL, RdvWebsiteBase


class RdvBookingLink(RdvWebsiteBase):
    """The pre-filled booking link a client system sends its user (a case
    system): signed with the client's secret, it opens the booking of a type
    with the person's details filled in; the person still chooses the time
    and confirms with a code."""

    @http.route(
        "/rdv/link",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
        readonly=True,
    )
    def rdv_link(self, **params):
        """Check the link's signature and expiry (rdv.api.client), keep its
        details for the details step, and open the type's page. An altered or
        expired link says so; nothing is kept from it."""
        try:
            type_id, details = request.env["rdv.api.client"].sudo()._from_booking_link(params)
        except ApiRefusal as error:
            return self._error(str(error.args[0]), status=410 if error.code == "expired" else 400)
        if type_id not in self._offer():
            return self._error(_("This appointment can no longer be booked online."), status=404)
        request.session[SESSION_PREFILL] = {"type_id": type_id, **details}
        return request.redirect("/rdv/type/%s" % type_id, code=303)
