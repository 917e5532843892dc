import re

from odoo import models
from odoo.http import request

# The pages of a booking or of an appointment (with the citizen's details, the
# code step, the manage pages), with or without a language prefix: the browser
# must not keep them. On a shared computer (a library, the town hall's kiosk)
# Back would show them to the next person, and a step taken since would show
# stale (a "wrong code" page after the booking is confirmed).
NO_STORE_PATHS = re.compile(
    r"^(?:/[\w@-]+)?/(?:rdv/(?:hold|booking|manage|appointment)|my/appointments)(?:/|$)"
)


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _post_dispatch(cls, response):
        super()._post_dispatch(response)
        if NO_STORE_PATHS.match(request.httprequest.path):
            response.headers["Cache-Control"] = "no-store"
