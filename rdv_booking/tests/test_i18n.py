"""The translation templates (.pot) follow the code.

tests/test_translations.py checks that the .po files translate every term of
the .pot; this test checks that the .pot itself has every term the code and the
data files of each installed RDV addon offer for translation today (and no
term they dropped), so that no English string slips through untranslated.
"""

from pathlib import Path

import polib
from lxml import etree

from odoo.modules.module import get_manifest, get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

RDV_ADDONS = ("rdv_booking", "rdv_booking_portal", "rdv_booking_sms")
SHOWN = 15


@tagged("post_install", "-at_install")
class TestTranslationTemplates(TransactionCase):
    def _demo_xmlids(self, addon):
        """External ids defined by the addon's demo files (not translated:
        the .pot is exported from a database without demo data)."""
        xmlids = set()
        for filename in get_manifest(addon).get("demo", []):
            if not filename.endswith(".xml"):
                continue
            tree = etree.parse(str(Path(get_module_path(addon)) / filename))
            for element in tree.iter():
                xmlid = element.get("id") if isinstance(element.tag, str) else None
                if xmlid:
                    xmlids.add(xmlid if "." in xmlid else "%s.%s" % (addon, xmlid))
        return xmlids

    def test_pot_files_have_the_terms_of_the_code(self):
        installed = (
            self.env["ir.module.module"]
            .search([("name", "in", RDV_ADDONS), ("state", "=", "installed")])
            .mapped("name")
        )
        self.assertIn("rdv_booking", installed)
        for addon in installed:
            with self.subTest(addon=addon):
                demo = self._demo_xmlids(addon)
                terms = {
                    source
                    for module, _type, _name, res_id, source, _value, _comments in (
                        TranslationModuleReader(self.env.cr, modules=[addon])
                    )
                    if module == addon and res_id not in demo
                }
                pot = Path(get_module_path(addon)) / "i18n" / ("%s.pot" % addon)
                committed = (
                    {entry.msgid for entry in polib.pofile(str(pot))} if pot.exists() else set()
                )
                committed.discard("")
                missing = sorted(terms - committed)
                stale = sorted(committed - terms)
                self.assertFalse(
                    missing or stale,
                    "%s/i18n/%s.pot is out of date: run scripts/i18n_export.sh %s, then "
                    "translate the new terms.\nNot in the .pot (%d): %s\nNo longer in the "
                    "code (%d): %s"
                    % (
                        addon,
                        addon,
                        addon,
                        len(missing),
                        missing[:SHOWN],
                        len(stale),
                        stale[:SHOWN],
                    ),
                )
