/** @odoo-module **/
/*
 * The appointment lists (all, Today): their row buttons are icons, so each
 * is named with its row's appointment for screen readers and in its tooltip
 * ("Done: K7MQ-4XR2, DURAND Léa"), not "Done" on every row.
 */

import { useEffect } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { listView } from "@web/views/list/list_view";
import { ListRenderer } from "@web/views/list/list_renderer";

export class RdvAppointmentListRenderer extends ListRenderer {
    setup() {
        super.setup();
        useEffect(() => this.nameRowButtons());
    }

    /** Each row button's name: its own word, then the row's reference and citizen. */
    nameRowButtons() {
        const table = this.tableRef.el;
        if (!table) {
            return;
        }
        for (const row of table.querySelectorAll("tr.o_data_row")) {
            const who = ["name", "citizen_name"]
                .map((name) => row.querySelector(`td[name='${name}']`)?.textContent.trim())
                .filter(Boolean)
                .join(", ");
            for (const button of row.querySelectorAll(".o_list_button button")) {
                button.dataset.rdvWord ||= (
                    button.getAttribute("title") || button.textContent
                ).trim();
                const label = who
                    ? _t("%(action)s: %(who)s", { action: button.dataset.rdvWord, who })
                    : button.dataset.rdvWord;
                button.setAttribute("aria-label", label);
                button.setAttribute("title", label);
            }
        }
    }
}

registry.category("views").add("rdv_appointment_list", {
    ...listView,
    Renderer: RdvAppointmentListRenderer,
});
