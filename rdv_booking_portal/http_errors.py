"""No traceback for visitors in Odoo's JSON-RPC errors.

Odoo answers an error of a ``type='json'`` route with the exception
serialised, its traceback included (``data.debug``), whoever called: an
anonymous visitor posting odd parameters to ``/web/dataset/call_kw`` reads
file paths, versions and code. The back office's users keep it (Odoo's error
dialog shows it to them and support asks for it). Anyone else gets the
JSON-RPC error without the traceback; the message only when it is written
for users (``UserError`` and its kind), a generic one otherwise.
"""

import json

import werkzeug.exceptions

from odoo import exceptions, http
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

GENERIC = _lt("The request could not be processed.")
# Errors whose message is written for the person reading it.
WRITTEN_FOR_USERS = (
    exceptions.UserError,
    exceptions.AccessDenied,
    http.SessionExpiredException,
    werkzeug.exceptions.NotFound,
)

_handle_error = http.JsonRPCDispatcher.handle_error


def _internal_caller():
    """Whether the request comes from a logged-in back-office user."""
    request = http.request
    try:
        uid = request.session.uid
        return bool(uid) and request.env(user=uid).user._is_internal()
    except Exception:  # noqa: BLE001 - no database, no session: not internal
        return False


def handle_error(self, exc):
    response = _handle_error(self, exc)
    if _internal_caller():
        return response
    try:
        payload = json.loads(response.get_data())
    except ValueError:
        return response
    data = (payload.get("error") or {}).get("data")
    if isinstance(data, dict):
        data.pop("debug", None)
        data.pop("context", None)
        # The name stays: the web client acts on it (an expired session
        # sends the visitor to the login page).
        if not isinstance(exc, WRITTEN_FOR_USERS):
            data["message"] = str(GENERIC)
            data["arguments"] = [data["message"]]
        response.set_data(json.dumps(payload))
    return response


http.JsonRPCDispatcher.handle_error = handle_error
