from odoo import _, api, models


class RdvDashboard(models.AbstractModel):
    """The SMS spent, on the manager's dashboard: only where SMS are sent."""

    _inherit = "rdv.dashboard"

    @api.model
    def _tiles(self, current, previous):
        """Add the SMS the gateways accepted, with their segments and cost."""
        tiles = super()._tiles(current, previous)
        if not self.env["rdv.sms.usage"].has_access("read"):
            return tiles  # agents: the SMS spent are the managers' business
        tile = self._tile(
            "sms",
            _("SMS spent"),
            lambda bounds: self._sms_totals(bounds)[0],
            current,
            previous,
            "count",
            "down",
            lambda bounds: self._list_action(
                _("SMS sent"),
                "rdv.sms.usage",
                self._period_domain(bounds, "sent_at"),
                views=("list", "pivot"),
            ),
        )
        _count, segments, cost = self._sms_totals(current)
        tile["detail"] = _(
            "%(segments)s segments, estimated cost %(cost)s",
            segments=segments,
            cost=self.env.company.currency_id.format(cost),
        )
        tiles.append(tile)
        return tiles

    @api.model
    def _sms_totals(self, bounds):
        """(SMS, segments, estimated cost) accepted by the gateways in ``bounds``."""
        [(count, segments, cost)] = self.env["rdv.sms.usage"]._read_group(
            self._period_domain(bounds, "sent_at"),
            aggregates=["sms_count:sum", "segments:sum", "cost:sum"],
        )
        return count or 0, segments or 0, cost or 0.0
