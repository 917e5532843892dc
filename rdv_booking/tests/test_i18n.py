"""The translation templates (.pot) follow the code.

tests/test_translations.py checks that the .po files translate every term of
the .pot; this test checks that the .pot itself has every term the code and the
data files of each installed RDV addon offer for translation today (and no
term they dropped), so that no English string slips through untranslated.

The same terms whatever else the database runs: Odoo gives our module the
external id of EVERY field of our models, mixins' fields included, when it
installs it; in a database that already runs other apps, the fields they add
to every mail.thread ("Website Messages" of portal, "Ratings" of rating, ...)
are there at that moment and so come out as terms of our module, while they
do not in a database with only our addons and their dependencies, where those
apps come later and own those ids.  Such fields (and selection values) are
not ours to translate: only those that the addon or one of its dependencies
defines are compared.
"""

import datetime
from pathlib import Path

import polib
from lxml import etree

from odoo.modules.module import get_manifest, get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools import html2plaintext
from odoo.tools.translate import TranslationModuleReader

from odoo.addons.mail.tools.discuss import Store

from .common import RdvCase

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

    def _dependencies(self, addon):
        """The addon and every module it depends on, directly or not."""
        closure, todo = {"base"}, [addon]
        while todo:
            name = todo.pop()
            if name not in closure:
                closure.add(name)
                todo.extend(get_manifest(name).get("depends", []))
        return closure

    def _from_elsewhere(self, name, xmlid, upstream):
        """Whether the term of ``name`` (``model,field``) of the record
        ``xmlid`` is a field's label or help, or a selection value's label,
        that comes from a module outside ``upstream`` (other apps installed
        before ours)."""
        if name.split(",")[0] not in ("ir.model.fields", "ir.model.fields.selection"):
            return False
        record = self.env.ref(xmlid)
        field_record = record if record._name == "ir.model.fields" else record.field_id
        model = self.env[field_record.model]
        field = model._fields[field_record.name]
        modules = set(field._modules)
        if record._name == "ir.model.fields.selection":
            modules = field._selection_modules(model).get(record.value) or modules
        return not modules & upstream

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
                upstream = self._dependencies(addon)
                terms = {
                    source
                    for module, _type, name, res_id, source, _value, _comments in (
                        TranslationModuleReader(self.env.cr, modules=[addon])
                    )
                    if module == addon
                    and res_id not in demo
                    and not self._from_elsewhere(name, res_id, upstream)
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


@tagged("post_install", "-at_install")
class TestCreationMessage(RdvCase):
    def _closure_created_in(self, lang):
        """A closure created by a user reading ``lang``, its chatter on."""
        env = self.env(context={"lang": lang, "tracking_disable": False})
        return env["rdv.closure"].create(
            {
                "name": "Pont",
                "date_from": datetime.date(2026, 5, 15),
                "date_to": datetime.date(2026, 5, 15),
                "place_id": self.place.id,
                "company_id": self.place.company_id.id,
            }
        )

    def test_creation_message_agrees_in_french(self):
        """The chatter's creation message of a closure (feminine in French)
        does not say "Fermeture créé"."""
        self._load_french()
        closure = self._closure_created_in("fr_FR")
        bodies = " ".join(closure.message_ids.mapped("body"))
        self.assertIn("Création : Fermeture", bodies)
        self.assertNotIn("créé", bodies)

    def test_creation_message_is_read_in_the_readers_language(self):
        """A record created in English (the demo's install) shows its
        creation message in French to a French reader, and in English to an
        English one: written again when the chatter reads it."""
        self._load_french()
        closure = self._closure_created_in("en_US")
        message = closure.message_ids.filtered(lambda m: "Created" in (m.body or ""))
        self.assertEqual(len(message), 1, closure.message_ids.mapped("body"))

        def shown(lang):
            store = Store()
            message.with_context(lang=lang)._to_store(store)
            (data,) = [
                values
                for values in store.get_result()["mail.message"]
                if values["id"] == message.id
            ]
            return " ".join(html2plaintext(data["body"]).split())

        self.assertEqual(shown("fr_FR"), "Création : Fermeture")
        self.assertEqual(shown("en_US"), "Created: Closure")
