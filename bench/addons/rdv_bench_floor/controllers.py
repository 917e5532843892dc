"""What Odoo costs a website POST before any work: the yardstick of the
booking POSTs in bench/bench_portal.py. Never installed outside its bench
database (it is not in setup.py's addons nor on the product's addons path)."""

from odoo import http
from odoo.http import request


class BenchFloor(http.Controller):
    @http.route(
        "/rdv-bench/floor",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def floor(self, **post):
        """As each booking step does, without the step: the CSRF check (Odoo's,
        on every POST), a value in the session, a 303 to the next page."""
        request.session["rdv_bench_floor"] = request.session.get("rdv_bench_floor", 0) + 1
        return request.redirect("/rdv", code=303)
