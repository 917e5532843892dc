from odoo import _, api, fields, models


class RdvCounterArchive(models.TransientModel):
    """Archive counters (or places, with their counters) that still have
    planned appointments to come, once the manager has seen which ones will
    have to be rescheduled."""

    _name = "rdv.counter.archive"
    _inherit = "rdv.impact.wizard"
    _description = "Archive counters"

    counter_ids = fields.Many2many("rdv.counter", string="Counters", required=True)
    place_ids = fields.Many2many("rdv.place", string="Places", help="Archived with their counters.")

    @api.depends("counter_ids")
    def _compute_impact(self):
        for wizard in self:
            wizard.appointment_ids = wizard.counter_ids._planned_to_come()
            wizard.impact = _(
                "Archiving closes %(counters)s for good. Planned appointments to come: "
                "%(count)s; they will move to 'To reschedule' and their citizens will be told.",
                counters=", ".join(wizard.counter_ids.mapped("display_name")),
                count=len(wizard.appointment_ids),
            )
            silent = self.env["rdv.notification"]._silent_preview(wizard.appointment_ids)
            if silent:
                wizard.impact += " " + silent

    def action_confirm(self):
        """Archive, and say what was done."""
        self.ensure_one()
        moved = self.appointment_ids
        # Read before archiving: archived records leave the wizard's lists.
        counters, places = self.counter_ids, self.place_ids
        counters.with_context(rdv_archive_confirmed=True).action_archive()
        if places:
            places.with_context(rdv_archive_confirmed=True).action_archive()
            return self._done(_("Places archived: %s.", len(places)), moved)
        return self._done(_("Counters archived: %s.", len(counters)), moved)
