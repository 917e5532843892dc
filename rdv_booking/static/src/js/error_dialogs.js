/** @odoo-module **/
/*
 * The booking service's refusals are subclasses of UserError and
 * ValidationError. The web client knows those by their exact names only, and
 * would show a refused booking as a crash (the "Oops" dialog with a
 * traceback): show them as what they are, a message for the agent.
 */

import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { WarningDialog, odooExceptionTitleMap } from "@web/core/errors/error_dialogs";

const MODULE = "odoo.addons.rdv_booking.models.rdv_appointment";
const TITLES = {
    [`${MODULE}.BookingError`]: _t("Invalid Operation"),
    [`${MODULE}.SlotTakenError`]: _t("Invalid Operation"),
    [`${MODULE}.CitizenInputError`]: _t("Validation Error"),
};

for (const [name, title] of Object.entries(TITLES)) {
    registry.category("error_dialogs").add(name, WarningDialog);
    odooExceptionTitleMap.set(name, title);
}
