"""The three endpoints the ANTS hub calls (rendezvouspasseport.ants.gouv.fr).

The hub, the national search engine of identity-card and passport
appointments, calls ``/api/ants/<name>`` with the commune's token in the
header ``X-HUB-RDV-AUTH-TOKEN``; the token says which commune answers (an
instance may serve several). Lists come as repeated parameters without
brackets. Answers are JSON; errors are JSON too, naming the parameter, and
never an HTTP 500: the hub's search waits for every editor's answer.
"""

import logging

from odoo import _, http
from odoo.http import request

from odoo.addons.rdv_booking.tools.ants import AntsQueryError

_logger = logging.getLogger(__name__)

TOKEN_HEADER = "X-HUB-RDV-AUTH-TOKEN"
# What the hub's routes share: GET from another system, no session, no form.
HUB_ROUTE = {
    "type": "http",
    "auth": "public",
    "methods": ["GET"],
    "csrf": False,
    "save_session": False,
    "sitemap": False,
}


class RdvAnts(http.Controller):
    """The editor's side of the ANTS hub: places, free times, appointments of
    pre-application numbers."""

    def _company(self):
        """The commune whose token the request carries, else empty."""
        return (
            request.env["res.company"]
            .sudo()
            ._rdv_ants_from_token(request.httprequest.headers.get(TOKEN_HEADER))
        )

    def _error(self, status, message, field=None):
        error = {"code": status, "message": message}
        if field:
            error["field"] = field
        return request.make_json_response({"error": error}, status=status)

    def _refused(self):
        """The answer to a missing or wrong token: the same whatever is wrong."""
        return self._error(401, _("%s header is missing or invalid.", TOKEN_HEADER))

    def _unavailable(self, route):
        """What a failure of ours answers: logged, and a JSON error the hub
        reads as "no answer from this editor", not a traceback."""
        _logger.exception("ANTS hub: %s failed", route)
        request.env.cr.rollback()
        return self._error(503, _("The service is unavailable; please try again later."))

    @http.route("/api/ants/getManagedMeetingPoints", readonly=True, **HUB_ROUTE)
    def ants_meeting_points(self, **kwargs):
        """The commune's places published to the hub."""
        company = self._company()
        if not company:
            return self._refused()
        try:
            points = request.env["rdv.place"].sudo()._ants_meeting_points(company)
        except Exception:
            return self._unavailable("getManagedMeetingPoints")
        return request.make_json_response(points)

    @http.route("/api/ants/availableTimeSlots", readonly=True, **HUB_ROUTE)
    def ants_available_time_slots(self, **kwargs):
        """The free start times of the places asked for, per place."""
        company = self._company()
        if not company:
            return self._refused()
        args = request.httprequest.args
        try:
            slots = (
                request.env["rdv.place"]
                .sudo()
                ._ants_available_time_slots(
                    company,
                    args.getlist("meeting_point_ids"),
                    args.get("start_date"),
                    args.get("end_date"),
                    args.get("reason"),
                    args.get("documents_number"),
                )
            )
        except AntsQueryError as error:
            return self._error(400, error.message, error.field)
        except Exception:
            return self._unavailable("availableTimeSlots")
        return request.make_json_response(slots)

    @http.route("/api/ants/searchApplicationIds", **HUB_ROUTE)
    def ants_search_application_ids(self, **kwargs):
        """The commune's appointments of the pre-application numbers asked for.

        Always a JSON list per number sent, ``[]`` when something failed
        (logged): an error here once stopped the hub's whole search.
        """
        company = self._company()
        if not company:
            return self._refused()
        numbers = request.httprequest.args.getlist("application_ids")
        try:
            found = request.env["rdv.appointment"].sudo()._ants_search(company, numbers)
        except Exception:
            _logger.exception("ANTS hub: searchApplicationIds failed")
            request.env.cr.rollback()
            found = dict.fromkeys(numbers, [])
        return request.make_json_response(found)
