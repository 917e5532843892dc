import json
import re

import werkzeug.exceptions
import werkzeug.routing
import werkzeug.wrappers

from odoo import models
from odoo.http import request

from odoo.addons.rdv_booking.tools.parse import strip_control_chars

from ..controllers.errors import METHOD_NOT_ALLOWED_PATH

# The pages of a booking or of an appointment (with the citizen's details, the
# code step, the manage pages), with or without a language prefix: the browser
# must not keep them. On a shared computer (a library, the town hall's kiosk)
# Back would show them to the next person, and a step taken since would show
# stale (a "wrong code" page after the booking is confirmed).
NO_STORE_PATHS = re.compile(
    r"^(?:/[\w@-]+)?/(?:rdv/(?:hold|booking|manage|appointment)|my/appointments)(?:/|$)"
)
# Our pages, with or without a language prefix: their errors are ours to tell.
OUR_PATHS = re.compile(r"^(?P<lang>/[\w@-]+)?/(?:rdv|my/appointments)(?:/|$)")
OUR_MODULES = ("rdv_booking", "rdv_booking_portal", "rdv_booking_sms")
# The public booking API (OCA fastapi, data/rdv_api_data.xml).
API_PATH = "/api/v1/"
# The routes the ANTS hub calls (controllers/ants.py): another system, which
# reads JSON errors, not web pages.
ANTS_PATH = "/api/ants/"
# What Odoo raises on a POST whose CSRF token is missing, stale or forged.
CSRF_DESCRIPTION = "Session expired (invalid CSRF token)"


class LinkTokenConverter(werkzeug.routing.UnicodeConverter):
    """The token of a link (``/rdv/manage/<link_token:token>``), as it came.

    On a GET, Odoo compares the URL rebuilt from the route's arguments with the
    requested one, both percent-decoded once more, and redirects (301) when they
    differ: with the default converter, a token holding a percent sign
    ("/rdv/manage/%2500" is the token "%00") is rebuilt as "%2500" again and
    redirected to itself, for ever ("too many redirects"). A real token is
    URL-safe (``secrets.token_urlsafe``: quoting leaves it as it is), so it is
    written back as it came; any other is then no valid link, answered as one
    (rdv.access.token refuses it), not redirected.
    """

    def to_url(self, value):
        return str(value)


class JsonMethodNotAllowed(werkzeug.exceptions.MethodNotAllowed):
    """A 405 told in JSON, as the hub's routes tell their other errors.

    Raised while matching the route, before the body is read: a body of any
    kind (JSON, a form, bytes with NUL) gets the same answer.
    """

    def __init__(self, valid_methods, message):
        super().__init__(valid_methods=valid_methods)
        self.message = message

    def get_response(self, environ=None, scope=None):
        body = json.dumps({"error": {"code": 405, "message": self.message}})
        return werkzeug.wrappers.Response(
            body,
            status=405,
            headers=self.get_headers(environ, scope),
            content_type="application/json; charset=utf-8",
        )

    def get_headers(self, environ=None, scope=None):
        return [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Allow", ", ".join(self.valid_methods)),
        ]


def _is_ours(endpoint):
    module = getattr(endpoint, "__module__", "") or ""
    return module.split(".")[2:3] and module.split(".")[2] in OUR_MODULES


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _get_converters(cls):
        return dict(super()._get_converters(), link_token=LinkTokenConverter)

    @classmethod
    def _match(cls, path):
        """A method one of our pages does not take (a POST to a page that only
        shows) gets our page saying so, not Werkzeug's bare one."""
        try:
            return super()._match(path)
        except werkzeug.exceptions.MethodNotAllowed as error:
            if path.startswith(ANTS_PATH):
                raise JsonMethodNotAllowed(
                    sorted(error.valid_methods or ["GET"]),
                    request.env._(
                        "Method %(method)s not allowed: the hub's routes answer %(allowed)s.",
                        method=request.httprequest.method,
                        allowed=", ".join(sorted(error.valid_methods or ["GET"])),
                    ),
                ) from None
            ours = OUR_PATHS.match(path)
            if not ours:
                raise
            return super()._match((ours.group("lang") or "") + METHOD_NOT_ALLOWED_PATH)

    @classmethod
    def _pre_dispatch(cls, rule, args):
        """A CSRF token that is not ASCII is a forged one: refuse it as Odoo
        refuses a wrong token (Odoo's own check would fail on it with a
        TypeError, an HTTP 500)."""
        if _is_ours(rule.endpoint) and request.httprequest.method not in ("GET", "HEAD"):
            token = request.httprequest.form.get("csrf_token") or request.httprequest.args.get(
                "csrf_token"
            )
            if token and not token.isascii():
                raise werkzeug.exceptions.BadRequest(CSRF_DESCRIPTION)
        super()._pre_dispatch(rule, args)

    @classmethod
    def _dispatch(cls, endpoint):
        """Our routes get texts without control characters (NUL, ESC...).

        No one types them, PostgreSQL refuses NUL in any text, and every
        route, the new ones too, gets the same treatment here: what remains
        is what the person typed, kept in the forms. A parameter called
        ``self`` (no form has one) would clash with the method's own.
        """
        if _is_ours(endpoint):
            request.params = {
                strip_control_chars(name): strip_control_chars(value)
                for name, value in request.params.items()
                if name != "self"
            }
        return super()._dispatch(endpoint)

    @classmethod
    def _serve_fallback(cls):
        """A URL with a NUL is no page, redirect nor file: the website's
        look-up of one would fail in PostgreSQL (an HTTP 500) instead of
        answering "not found"."""
        if request.httprequest.path.startswith(ANTS_PATH):
            # No such route of the hub's: told in JSON too.
            return request.make_json_response(
                {"error": {"code": 404, "message": request.env._("No such route.")}},
                status=404,
            )
        if "\x00" in request.httprequest.path:
            return None
        if request.httprequest.path.startswith(API_PATH):
            # A path of the public API that its routing cannot read (a line
            # break in a reference): answered as the API answers, not with
            # the website's page.
            return request.make_json_response(
                {
                    "detail": {
                        "field": None,
                        "reason": request.env._("Not found."),
                        "code": "not_found",
                    }
                },
                status=404,
            )
        return super()._serve_fallback()

    @classmethod
    def _post_dispatch(cls, response):
        super()._post_dispatch(response)
        if NO_STORE_PATHS.match(request.httprequest.path):
            response.headers["Cache-Control"] = "no-store"

    @classmethod
    def _get_error_html(cls, env, code, values):
        """Our pages' errors say what was wrong, in the page's language, with
        a way back (Odoo's say "Something went wrong" and no more)."""
        status = 404 if code == "page_404" else code
        if not (
            isinstance(status, int)
            and 400 <= status < 500
            and OUR_PATHS.match(request.httprequest.path)
        ):
            return super()._get_error_html(env, code, values)
        message = cls._rdv_error_message(env, status, values)
        back_url = "/my/appointments" if "/my/" in request.httprequest.path else "/rdv"
        html = env["ir.ui.view"]._render_template(
            "rdv_booking_portal.page_error",
            {"message": message, "back_url": back_url, "back_label": None},
        )
        return status, html

    @classmethod
    def _rdv_error_message(cls, env, status, values):
        """What went wrong, for the citizen (``values``: Odoo's error values)."""
        exception = values.get("exception")
        if isinstance(exception, werkzeug.exceptions.BadRequest) and (
            exception.description == CSRF_DESCRIPTION
        ):
            return env._(
                "This page has expired (security check). Go back, reload the page and try again."
            )
        if values.get("error_message"):
            return values["error_message"]
        if status == 404:
            return env._(
                "This page does not exist, or is no longer available: what it showed may "
                "have been withdrawn or booked meanwhile."
            )
        if status == 403:
            return env._("You are not allowed to see this page.")
        if status == 405:
            return env._("This address cannot be used this way. Start again from the page before.")
        return env._("Your request could not be processed. Go back and try again.")
