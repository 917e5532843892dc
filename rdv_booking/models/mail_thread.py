from odoo import _, models


class MailThread(models.AbstractModel):
    """The chatter's creation message of our records, in words that agree
    in every language: Odoo's "%s created" reads "Fermeture créé" in French
    (the word is feminine)."""

    _inherit = "mail.thread"

    def _creation_message(self):
        if not self._name.startswith("rdv."):
            return super()._creation_message()
        self.ensure_one()
        return self._creation_message_text()

    def _creation_message_text(self):
        """'Created: Counter' in this environment's language (also read
        again at display time: see mail.message._to_store)."""
        return _("Created: %s", self.env["ir.model"]._get(self._name).name)
