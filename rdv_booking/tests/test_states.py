"""The states that make an appointment stand (CONFIRMED_STATES) or still
cancellable (ACTIVE_STATES) have one source, the constants of the
appointment's model module: Python uses them, and the views, which can only
write them out, are checked against them here."""

import re
from pathlib import Path

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged

from ..models.rdv_appointment import ACTIVE_STATES, CONFIRMED_STATES

RDV_ADDONS = ("rdv_booking", "rdv_booking_portal", "rdv_booking_sms")
# state in ('a', 'b') / state not in (...) in an expression, and
# ('state', 'in', ('a', 'b')) in a domain.
VIEW_STATE_SETS = re.compile(
    r"state\s+(?:not\s+)?in\s+[(\[]([^()\[\]]*)[)\]]"
    r"|'state',\s*'(?:not )?in',\s*[(\[]([^()\[\]]*)[)\]]"
)
# The confirmed states written out in Python, with or without 'pending'.
PYTHON_STATE_TUPLE = re.compile(
    r"\(\s*(?:[\"']pending[\"'],\s*)?[\"']planned[\"'],\s*[\"']to_reschedule[\"']\s*,?\s*\)"
)


@tagged("post_install", "-at_install")
class TestStatesOneSource(TransactionCase):
    def _view_state_sets(self):
        """(view's xml id, set of states) of every state set the RDV views
        and templates installed write out."""
        data = self.env["ir.model.data"].search(
            [("model", "=", "ir.ui.view"), ("module", "in", RDV_ADDONS)]
        )
        found = []
        for record in data:
            view = self.env["ir.ui.view"].browse(record.res_id)
            for match in VIEW_STATE_SETS.finditer(view.arch_db or ""):
                literal = match.group(1) or match.group(2)
                found.append((view, set(re.findall(r"'(\w+)'", literal))))
        return found

    def test_views_write_the_states_of_the_model(self):
        """A view that lists the confirmed states lists them all (and all the
        active states when it lists the holds too), and only states that exist."""
        states = set(dict(self.env["rdv.appointment"]._fields["state"].selection))
        found = self._view_state_sets()
        confirmed = [(view, used) for view, used in found if {"planned", "to_reschedule"} <= used]
        # The back office's form and search view alone write them seven times:
        # the reading of the views works.
        self.assertGreaterEqual(len(confirmed), 7, found)
        for view, used in found:
            if view.model == "rdv.appointment":
                with self.subTest(view=view.xml_id, states=sorted(used)):
                    self.assertLessEqual(used, states, "no such state")
        for view, used in confirmed:
            with self.subTest(view=view.xml_id, states=sorted(used)):
                self.assertLessEqual(set(CONFIRMED_STATES), used)
                if "pending" in used:
                    self.assertLessEqual(set(ACTIVE_STATES), used)

    def test_python_uses_the_constants(self):
        """No module of the RDV addons writes the confirmed states out again."""
        written = []
        for addon in RDV_ADDONS:
            path = get_module_path(addon, display_warning=False)
            if not path:
                continue
            for source in sorted(Path(path).rglob("*.py")):
                for number, line in enumerate(source.read_text().splitlines(), 1):
                    if PYTHON_STATE_TUPLE.search(line) and not line.startswith(
                        "CONFIRMED_STATES ="
                    ):
                        written.append("%s:%s: %s" % (source, number, line.strip()))
        self.assertFalse(written, "use CONFIRMED_STATES / ACTIVE_STATES")
