from markupsafe import Markup

from odoo import models
from odoo.tools import html2plaintext


def _plain(text):
    """A message's words, its spaces (non-breaking or not) made one."""
    return " ".join(text.split())


class MailMessage(models.Model):
    """The creation message of our records read in the reader's language.

    It is stored in the language of whoever created the record: a database
    installed in English with its demo data (or a counter created by an
    agent who reads English) showed "Created: Counter" to every French
    reader. The chatter asks the server for each message it shows: there,
    a creation message of our records is written again in the reader's
    language, whatever it was stored in."""

    _inherit = "mail.message"

    def _to_store(self, store, /, *, fields=None, **kwargs):
        super()._to_store(store, fields=fields, **kwargs)
        if fields is not None and "body" not in fields:
            return
        creations = self.filtered(
            lambda message: (
                message.message_type == "notification" and (message.model or "").startswith("rdv.")
            )
        )
        if not creations:
            return
        said = creations._rdv_creation_texts()
        for message in creations:
            if _plain(html2plaintext(message.body or "")) in said.get(message.model, ()):
                body = self.env[message.model]._creation_message_text()
                store.add(message, {"body": Markup("<p>%s</p>") % body})

    def _rdv_creation_texts(self):
        """{model: the creation message of its records in every installed
        language}, to recognise it whatever it was stored in."""
        texts = {}
        languages = [code for code, _name in self.env["res.lang"].get_installed()]
        for model in set(self.mapped("model")):
            if model not in self.env:
                continue
            texts[model] = {
                _plain(self.env[model].with_context(lang=lang)._creation_message_text())
                for lang in languages
            }
        return texts
