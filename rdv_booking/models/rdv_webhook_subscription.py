import secrets

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import webhook

# The appointment events a client system may subscribe to: (key, label).
EVENTS = [
    ("booked", "Booking"),
    ("moved", "Move"),
    ("cancelled", "Cancellation"),
    ("done", "Done"),
    ("absent", "Absence"),
    ("to_reschedule", "To reschedule"),
]


class RdvWebhookSubscription(models.Model):
    """Where a client system wants to be told of the life of appointments: a
    URL, the events it listens to and the secret that signs each call.

    It hears of the appointments of its client's commune and types only
    (:meth:`_listening`); its calls are queued as ``rdv.webhook.delivery``.
    """

    _name = "rdv.webhook.subscription"
    _description = "Webhook subscription"
    _order = "client_id, id"

    client_id = fields.Many2one(
        "rdv.api.client", "Client system", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        related="client_id.company_id", store=True, index=True, precompute=True
    )
    url = fields.Char(
        "URL",
        required=True,
        help="Where the events are sent (POST). https is required; plain http only to "
        "this server itself (localhost), for a relay on the same machine. This server and "
        "private networks (an intranet) are set by an administrator only.",
    )
    active = fields.Boolean(default=True)
    # Whether the URL was set by an administrator, who alone may send events
    # to this server or a private network (see _check_url); written by
    # create/write only.
    internal_allowed = fields.Boolean("URL set by an administrator", readonly=True, copy=False)
    secret = fields.Char(
        readonly=True,
        copy=False,
        groups="rdv_booking.group_rdv_manager",
        default=lambda self: secrets.token_urlsafe(32),
        help="Signs every call (header X-RDV-Signature): give it to the receiving system.",
    )
    timeout = fields.Integer(
        "Timeout (seconds)",
        default=10,
        help="How long a call may take before it is abandoned and tried again later.",
    )
    # The events it listens to, one box each (filtered in SQL by _listening).
    on_booked = fields.Boolean("Booking", default=True)
    on_moved = fields.Boolean("Move", default=True)
    on_cancelled = fields.Boolean("Cancellation", default=True)
    on_done = fields.Boolean("Done", default=True)
    on_absent = fields.Boolean("Absence", default=True)
    on_to_reschedule = fields.Boolean("To reschedule", default=True)
    delivery_ids = fields.One2many("rdv.webhook.delivery", "subscription_id", "Deliveries")
    delivery_count = fields.Integer("Number of deliveries", compute="_compute_delivery_counts")
    failed_count = fields.Integer("Failed", compute="_compute_delivery_counts")

    @api.depends("delivery_ids.state")
    def _compute_delivery_counts(self):
        counts = {
            (subscription.id, state): count
            for subscription, state, count in self.env["rdv.webhook.delivery"]._read_group(
                [("subscription_id", "in", self.ids)],
                ["subscription_id", "state"],
                ["__count"],
            )
        }
        for subscription in self:
            subscription.delivery_count = sum(
                counts.get((subscription.id, state), 0) for state in ("pending", "done", "failed")
            )
            subscription.failed_count = counts.get((subscription.id, "failed"), 0)

    @api.depends("client_id", "url")
    def _compute_display_name(self):
        for subscription in self:
            subscription.display_name = "%s: %s" % (
                subscription.client_id.name or "",
                subscription.url or "",
            )

    @api.constrains("url")
    def _check_url(self):
        messages = {
            "empty": _("URL: give the address that receives the events."),
            "too_long": _("URL: at most %s characters.", webhook.URL_MAX_LENGTH),
            "invalid": _("URL: this is not a valid web address."),
            "scheme": _("URL: it must start with https://."),
            "http": _(
                "URL: it must start with https:// (plain http only to this server itself, "
                "localhost): the calls carry appointment data."
            ),
            "credentials": _(
                "URL: remove the user name and password from it (they would be written "
                "in logs); the signature authenticates the calls."
            ),
            "fragment": _("URL: remove the part after #, which is never sent."),
            "private": _(
                "URL: this address is link-local or reserved (where a cloud serves its "
                "metadata): give the receiver's address."
            ),
            "internal": _(
                "URL: only an administrator may send the events to this server itself or "
                "to a private network (an intranet's system); give the receiver's public "
                "address, or ask an administrator."
            ),
        }
        for subscription in self:
            problem = webhook.url_problem(subscription.url)
            # the server's own services and its neighbours answer there: an
            # administrator's choice (an intranet's case system)
            if (
                not problem
                and webhook.host_kind(subscription.url) == "internal"
                and not self._set_by_administrator()
            ):
                problem = "internal"
            if problem:
                raise ValidationError(messages[problem])

    def _set_by_administrator(self):
        return self.env.su or self.env.user.has_group("base.group_system")

    @api.constrains("timeout")
    def _check_timeout(self):
        for subscription in self:
            if not 1 <= subscription.timeout <= 30:
                raise ValidationError(_("Timeout: between 1 and 30 seconds."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals["internal_allowed"] = self._set_by_administrator()
        return super().create(vals_list)

    def write(self, vals):
        """A subscription switched off sends nothing more, not even what it
        had queued."""
        vals = dict(vals)
        vals.pop("internal_allowed", None)
        if "url" in vals:
            vals["internal_allowed"] = self._set_by_administrator()
        result = super().write(vals)
        if "active" in vals and not vals["active"]:
            self.env["rdv.webhook.delivery"].sudo().search(
                [("subscription_id", "in", self.ids), ("state", "=", "pending")]
            )._drop("inactive")
        return result

    def action_new_secret(self):
        """Replace the secret (the old one leaked, or the receiver was
        reinstalled): calls sent from now on are signed with the new one."""
        for subscription in self:
            subscription.sudo().secret = secrets.token_urlsafe(32)
        return True

    def action_view_deliveries(self):
        """The delivery log of this subscription."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "rdv_booking.rdv_webhook_delivery_action"
        )
        action["domain"] = [("subscription_id", "=", self.id)]
        action["context"] = {}
        return action

    @api.model
    def _listening(self, appointments, event):
        """The active subscriptions that hear of ``event`` for each of
        ``appointments``, as ``{appointment: subscriptions}`` (those with
        none left out): of an active client of the appointment's commune
        that was given its type. One query for them all (a closure may put
        many appointments to reschedule at once)."""
        subscriptions = self.sudo().search(
            [
                ("company_id", "in", appointments.company_id.ids),
                ("on_%s" % event, "=", True),
                ("client_id.active", "=", True),
            ]
        )
        found = {}
        for appointment in appointments if subscriptions else ():
            listening = subscriptions.filtered(
                lambda s, a=appointment: (
                    s.company_id == a.company_id and s.client_id._rdv_covered(a.type_id)
                )
            )
            if listening:
                found[appointment] = listening
        return found
