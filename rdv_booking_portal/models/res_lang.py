from odoo import api, models

# The comma that separates the parts of a line, by writing direction.
LIST_SEPARATORS = {"ltr": ", ", "rtl": "، "}


class ResLang(models.Model):
    _inherit = "res.lang"

    @api.model
    def _rdv_join(self, parts):
        """``parts`` (the empty ones left out) on one line, in the language of the
        context: separated by the Arabic comma in a right-to-left language."""
        direction = self._get_data(code=self.env.lang or "en_US").direction or "ltr"
        return LIST_SEPARATORS[direction].join(str(part) for part in parts if part)

    @api.model
    def _get_lang_from_accept_language(self, accept_language):
        """The language of a public API call's Accept-Language header (OCA
        fastapi), None for a malformed header ("fr;q=abc"): the call is then
        answered in the default language, not refused with a server error."""
        try:
            return super()._get_lang_from_accept_language(accept_language)
        except ValueError:
            return None
