from odoo import models


class MailMail(models.Model):
    """Outgoing e-mails: the citizen's messages learn whether they were sent."""

    _inherit = "mail.mail"

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        """Record on the appointments' messages what the mail server answered,
        before an e-mail sent is deleted (auto_delete)."""
        self.env["rdv.notification"]._mail_outcome(self, failure_type, failure_reason)
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
