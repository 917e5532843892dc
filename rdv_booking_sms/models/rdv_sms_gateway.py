import json
import logging
import re
import threading
import urllib.parse

import requests
import urllib3

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)

PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")
# One HTTP session (kept-alive connections) per gateway URL and thread.
_sessions = threading.local()
PLACEHOLDERS = ("number", "message", "sender", "uuid")
DEFAULT_PAYLOAD = '{"to": "{number}", "text": "{message}", "from": "{sender}"}'

# HTTP statuses worth retrying: the gateway is overloaded or down, not the message wrong.
TRANSIENT_STATUSES = (408, 425, 429)


class GatewayResult:
    """What a gateway said of one message: sent, or why not, whether to retry,
    and whether it may have taken it all the same (``maybe_sent``: no answer
    after the request went, or an answer that cannot be read)."""

    __slots__ = ("ok", "transient", "reason", "provider_id", "maybe_sent")

    def __init__(self, ok, transient=False, reason=None, provider_id=None, maybe_sent=False):
        self.ok = ok
        self.transient = transient
        self.reason = reason
        self.provider_id = provider_id
        self.maybe_sent = maybe_sent


def _request_went(error):
    """Whether a failed request may have reached the gateway: not when the
    connection could not be made (refused, no route, connect timeout)."""
    if isinstance(error, requests.ConnectTimeout):
        return False
    cause = error.args[0] if error.args else None
    reason = getattr(cause, "reason", cause)
    return not isinstance(reason, urllib3.exceptions.NewConnectionError)


class RdvSmsGateway(models.Model):
    """A way out for SMS: Odoo IAP, or the HTTP API of the commune's own operator.

    The HTTP gateway is configured, not coded: URL, credentials, a payload
    template (a JSON object whose strings may hold {number}, {message},
    {sender}, {uuid}), sent as JSON, as a form or as query parameters, and a
    success check on the answer. It plugs into ``sms.sms._send``, so Odoo's
    SMS states (sent, error and its failure type) keep working.
    """

    _name = "rdv.sms.gateway"
    _description = "SMS gateway"
    _order = "sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(
        default=True,
        help="A gateway switched off sends nothing: messages go by e-mail when the "
        "citizen gave an address, and wait for it to be switched on again otherwise.",
    )
    company_id = fields.Many2one(
        "res.company", "Company", help="Leave empty to share the gateway between communes."
    )
    provider = fields.Selection(
        [("iap", "Odoo IAP"), ("http", "HTTP API of an operator")],
        required=True,
        default="http",
    )
    url = fields.Char("URL", help="Address of the operator's sending API (https://...).")
    http_method = fields.Selection(
        [("POST", "POST"), ("GET", "GET")], "HTTP method", required=True, default="POST"
    )
    content_type = fields.Selection(
        [("json", "JSON"), ("form", "Form (URL-encoded)")],
        "Body format",
        required=True,
        default="json",
        help="How the payload is sent with POST. With GET it is sent as query parameters.",
    )
    auth_type = fields.Selection(
        [
            ("none", "None"),
            ("basic", "User and password (Basic)"),
            ("bearer", "Token (Bearer)"),
            ("header", "Key in a header"),
        ],
        "Authentication",
        required=True,
        default="none",
    )
    username = fields.Char("User")
    secret = fields.Char("Password, token or key", groups="base.group_system", copy=False)
    header_name = fields.Char("Header", default="X-API-Key")
    payload_template = fields.Text(
        "Payload",
        default=DEFAULT_PAYLOAD,
        help="A JSON object. In its strings, {number} is the mobile number, {message} "
        "the text, {sender} the sender name and {uuid} the message's own identifier.",
    )
    number_format = fields.Selection(
        [
            ("e164", "International, with + (+33612345678)"),
            ("digits", "International, without + (33612345678)"),
        ],
        "Number format",
        required=True,
        default="e164",
    )
    sender = fields.Char(
        "Sender name", help="Up to 11 letters or digits, as registered with the operator."
    )
    success_path = fields.Char(
        "Success field",
        help="Field of the JSON answer that says the message was accepted, dotted for "
        "nested ones (status, result.code). Empty: any HTTP 2xx answer is a success.",
    )
    success_value = fields.Char("Success value", help="Value of the success field on success.")
    message_id_path = fields.Char(
        "Message ID field", help="Field of the JSON answer holding the operator's message ID."
    )
    status_url = fields.Char(
        "Status URL",
        help="Address where the operator answers about one message by its reference "
        "(https://.../messages/{uuid}), with the same authentication. After a send was "
        "interrupted (a server stopped between the operator's acceptance and our record "
        "of it), the message is looked up there instead of being sent again. Without "
        "it, the message goes again with the same {uuid}, which operators keeping "
        "client references drop.",
    )
    status_found_path = fields.Char(
        "Found field",
        help="Field of the status answer's JSON that holds something when the operator "
        "has the message (dotted: messages.0.id). Empty: HTTP 200 with a JSON answer "
        "means it has it, HTTP 404 with a JSON answer that it has not; anything else "
        "(an HTML page, another status) is no answer, and the message waits.",
    )
    timeout = fields.Integer(
        "Timeout (seconds)",
        default=10,
        help="A gateway that does not answer in time is an error; the message is retried.",
    )

    @api.constrains(
        "provider", "url", "payload_template", "timeout", "sender", "success_path", "status_url"
    )
    def _check_http_settings(self):
        for gateway in self.filtered(lambda g: g.provider == "http"):
            if not re.match(r"^https?://[^\s/]+", gateway.url or ""):
                raise ValidationError(
                    _("URL: give the address of the operator's API, starting with https://.")
                )
            try:
                payload = json.loads(gateway.payload_template or "")
            except ValueError as error:
                raise ValidationError(
                    _("Payload: this is not valid JSON (%s).", error.args[0])
                ) from error
            if not isinstance(payload, dict):
                raise ValidationError(_('Payload: write a JSON object, {"key": "value", ...}.'))
            used = set(PLACEHOLDER_RE.findall(gateway.payload_template))
            if not {"number", "message"} <= used:
                raise ValidationError(
                    _("Payload: it must contain {number} and {message} in its values.")
                )
            unknown = used - set(PLACEHOLDERS)
            if unknown:
                raise ValidationError(
                    _(
                        "Payload: unknown placeholder %(names)s. Known: %(known)s.",
                        names=", ".join("{%s}" % name for name in sorted(unknown)),
                        known=", ".join("{%s}" % name for name in PLACEHOLDERS),
                    )
                )
            if not 1 <= gateway.timeout <= 60:
                raise ValidationError(_("Timeout: between 1 and 60 seconds."))
            if gateway.sender and not re.fullmatch(r"[A-Za-z0-9 ]{1,11}", gateway.sender):
                raise ValidationError(_("Sender name: up to 11 letters, digits or spaces."))
            if gateway.success_path and not gateway.success_value:
                raise ValidationError(_("Success value: say what the success field holds."))
            if gateway.status_url and not (
                re.match(r"^https?://[^\s/]+", gateway.status_url)
                and set(PLACEHOLDER_RE.findall(gateway.status_url)) == {"uuid"}
            ):
                raise ValidationError(
                    _(
                        "Status URL: an address starting with https:// (or http://) that "
                        "holds {uuid}, where the message's reference goes, and no other "
                        "placeholder (the number or the text must not go into an address)."
                    )
                )

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    def _payload(self, number, message, uuid):
        """The payload template with its placeholders filled (JSON-safe)."""
        self.ensure_one()
        values = {
            "number": number.lstrip("+") if self.number_format == "digits" else number,
            "message": message,
            "sender": self.sender or "",
            "uuid": uuid,
        }

        def fill(node):
            if isinstance(node, str):
                return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), node)
            if isinstance(node, dict):
                return {key: fill(value) for key, value in node.items()}
            if isinstance(node, list):
                return [fill(value) for value in node]
            return node

        return fill(json.loads(self.payload_template))

    def _auth_kwargs(self):
        """The timeout, headers and credentials of every request to the gateway."""
        self.ensure_one()
        secret = self.sudo().secret or ""
        kwargs = {"timeout": self.timeout, "headers": {"Accept": "application/json"}}
        if self.auth_type == "basic":
            kwargs["auth"] = (self.username or "", secret)
        elif self.auth_type == "bearer":
            kwargs["headers"]["Authorization"] = "Bearer %s" % secret
        elif self.auth_type == "header":
            kwargs["headers"][self.header_name or "X-API-Key"] = secret
        return kwargs

    def _request_kwargs(self, payload):
        kwargs = self._auth_kwargs()
        if self.http_method == "GET":
            kwargs["params"] = {
                key: value if isinstance(value, str) else json.dumps(value)
                for key, value in payload.items()
            }
        elif self.content_type == "form":
            kwargs["data"] = payload
        else:
            kwargs["json"] = payload
        return kwargs

    @staticmethod
    def _json_path(data, path):
        for key in path.split("."):
            if isinstance(data, dict) and key in data:
                data = data[key]
            elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
                data = data[int(key)]
            else:
                raise KeyError(path)
        return data

    def _post_one(self, session, number, message, uuid):
        """Hand one message to the gateway; a :class:`GatewayResult`, never an exception.

        Reasons never quote the request (its URL may carry the number) nor
        the message.
        """
        self.ensure_one()
        try:
            response = session.request(
                self.http_method,
                self.url,
                **self._request_kwargs(self._payload(number, message, uuid)),
            )
        except requests.Timeout as error:
            return GatewayResult(
                False,
                True,
                _("The gateway did not answer within %s seconds.", self.timeout),
                maybe_sent=_request_went(error),
            )
        except requests.RequestException as error:
            return GatewayResult(
                False,
                True,
                _("The gateway cannot be reached (%s).", type(error).__name__),
                maybe_sent=_request_went(error),
            )
        status = response.status_code
        if status >= 500 or status in TRANSIENT_STATUSES:
            return GatewayResult(False, True, _("The gateway is unavailable (HTTP %s).", status))
        if not 200 <= status < 300:
            return GatewayResult(
                False, False, _("The gateway refused the message (HTTP %s).", status)
            )
        if not (self.success_path or self.message_id_path):
            return GatewayResult(True)
        try:
            data = response.json()
        except ValueError:
            return GatewayResult(
                False,
                True,
                _("The gateway's answer cannot be read (HTTP %s, not JSON).", status),
                maybe_sent=True,
            )
        if self.success_path:
            try:
                value = self._json_path(data, self.success_path)
            except KeyError:
                return GatewayResult(
                    False,
                    True,
                    _("The gateway's answer has no field %s.", self.success_path),
                    maybe_sent=True,
                )
            if str(value) != self.success_value:
                return GatewayResult(
                    False,
                    True,
                    _(
                        "The gateway answered %(field)s = %(value)s instead of %(expected)s.",
                        field=self.success_path,
                        value=str(value)[:40],
                        expected=self.success_value,
                    ),
                )
        return GatewayResult(True, provider_id=self._provider_id(data))

    def _provider_id(self, data):
        """The operator's message ID in its JSON answer ``data``, or None."""
        if not self.message_id_path:
            return None
        try:
            return str(self._json_path(data, self.message_id_path))[:100]
        except KeyError:
            return None

    def _lookup(self, reference):
        """Whether the operator has the message of ``reference`` (its
        ``{uuid}``), asked at the status URL; never an exception.

        :return: ``("found", provider_id)``, ``("absent", None)``, or
            ``("unknown", reason)`` when no status URL is set or the answer
            cannot be had or read.
        """
        self.ensure_one()
        if self.provider != "http" or not self.status_url:
            return "unknown", _("The gateway has no status URL.")
        url = self.status_url.replace("{uuid}", urllib.parse.quote(reference, safe=""))
        try:
            response = self._session().get(url, **self._auth_kwargs())
        except requests.Timeout:
            return "unknown", _("The gateway did not answer within %s seconds.", self.timeout)
        except requests.RequestException as error:
            return "unknown", _("The gateway cannot be reached (%s).", type(error).__name__)
        status = response.status_code
        if status not in (200, 404) or (status == 404 and self.status_found_path):
            return "unknown", _("The gateway's status answer is HTTP %s.", status)
        # Only the operator's API answers in JSON: a login page, a proxy's
        # catch-all or its error page (HTML) says nothing of the message.
        try:
            data = response.json()
        except ValueError:
            return "unknown", _("The gateway's status answer cannot be read (not JSON).")
        if status == 404:
            _logger.info("SMS gateway %s: %s... not at its status URL", self.id, reference[:8])
            return "absent", None
        found = data
        if self.status_found_path:
            try:
                found = self._json_path(data, self.status_found_path)
            except KeyError:
                found = None
            if found in (None, "", [], {}):
                return "absent", None
        return "found", self._provider_id(data)

    def _session(self):
        """This thread's HTTP session for the gateway's URL: connections are reused."""
        self.ensure_one()
        sessions = _sessions.__dict__.setdefault("by_url", {})
        session = sessions.get(self.url)
        if session is None:
            session = sessions[self.url] = requests.Session()
        return session

    def _send_sms(self, sms_records):
        """Send ``sms_records`` (sms.sms) through this HTTP gateway and set their states.

        Accepted: state 'pending' ("Sent", as Odoo IAP's success). Refused,
        unreachable, too slow or unreadable: state 'error', failure type
        'sms_server' when worth retrying, 'unknown' otherwise, with the reason.
        """
        self.ensure_one()
        sent = failed = 0
        session = self._session()
        for sms in sms_records:
            result = self._post_one(session, sms.number, sms.body, sms.uuid)
            if result.ok:
                sent += 1
                sms._rdv_set_result("pending", provider_id=result.provider_id)
            else:
                failed += 1
                sms._rdv_set_result(
                    "error",
                    failure_type="sms_server" if result.transient else "unknown",
                    reason=result.reason,
                    maybe_sent=result.maybe_sent,
                )
        # Counts and ids only: never a number nor a text.
        _logger.info("SMS gateway %s: %s sent, %s failed", self.id, sent, failed)
        return sent
