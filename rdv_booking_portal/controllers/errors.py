from odoo import _, http
from odoo.http import request

# Where ir.http sends a request whose method a page of ours does not take
# (a POST to a page that only shows, a PUT): see IrHttp._match.
METHOD_NOT_ALLOWED_PATH = "/rdv/method-not-allowed"


class RdvErrors(http.Controller):
    """Error pages of the citizen's routes that no route of theirs can give."""

    @http.route(
        METHOD_NOT_ALLOWED_PATH,
        type="http",
        auth="public",
        website=True,
        csrf=False,
        sitemap=False,
        readonly=True,
    )
    def rdv_method_not_allowed(self, **kwargs):
        """HTTP 405, saying so, with a way back (Werkzeug's page is bare English)."""
        return request.render(
            "rdv_booking_portal.page_error",
            {
                "message": _(
                    "This address cannot be used this way. Start again from the page before."
                ),
                "back_url": "/rdv",
                "back_label": None,
            },
            status=405,
        )
