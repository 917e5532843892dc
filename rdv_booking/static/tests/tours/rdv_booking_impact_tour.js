/** @odoo-module **/
/*
 * A manager edits a counter's validity: the form says, in a banner kept up to
 * date while typing (not a dialog at each change), how many planned
 * appointments saving would move to "To reschedule"; discarding changes nothing.
 * Archiving the counter from the list shows that appointment first.
 *
 * Started by rdv_booking/tests/test_agent_tour.py (test_impact_banner), which
 * gives the counter one appointment in three days.
 */

import { registry } from "@web/core/registry";

const { DateTime } = luxon;

registry.category("web_tour.tours").add("rdv_booking_impact_tour", {
    steps: () => [
        {
            content: "The counter's form opens, with no banner",
            trigger: ".o_form_view .o_field_widget[name='date_end'] input",
        },
        {
            content: "No banner before any change",
            trigger: ".o_form_view:not(:has(.alert-warning:visible))",
        },
        {
            content: "End the validity tomorrow",
            trigger: ".o_field_widget[name='date_end'] input",
            run: `edit ${DateTime.now().plus({ days: 1 }).toFormat("MM/dd/yyyy")}`,
        },
        {
            content: "Leave the field",
            trigger: ".o_field_widget[name='name'] input",
            run: "click",
        },
        {
            content: "The banner counts the appointment that would lose its slot",
            trigger: ".alert-warning:contains('removes the slots of 1 planned appointments')",
        },
        {
            content: "No dialog interrupts the manager",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Give the validity back",
            trigger: ".o_field_widget[name='date_end'] input",
            run: "clear",
        },
        {
            content: "Leave the field",
            trigger: ".o_field_widget[name='name'] input",
            run: "click",
        },
        {
            content: "The banner goes away",
            trigger: ".o_form_view:not(:has(.alert-warning:visible))",
        },
        {
            content: "Discard",
            trigger: ".o_form_button_cancel",
            run: "click",
        },
        {
            content: "Discarded",
            trigger: ".o_form_view:not(:has(.o_form_button_cancel:visible))",
        },
        // Archiving the counter from the list: the appointments it would move first
        {
            content: "Back to the list of counters",
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb li.breadcrumb-item a",
            run: "click",
        },
        {
            content: "Select the counter",
            trigger: ".o_data_row:contains('Tour counter') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Open the Actions menu",
            trigger: ".o_control_panel .o_cp_action_menus button:contains('Actions')",
            run: "click",
        },
        {
            content: "Archive",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains('Archive')",
            run: "click",
        },
        {
            content: "Odoo asks whether to archive",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The impact dialog lists the appointment that would move",
            trigger: ".modal:contains('Planned appointments to come: 1') .o_data_row:contains('Bannière')",
        },
        {
            content: "Discard",
            trigger: ".modal-footer button:contains('Discard')",
            run: "click",
        },
        {
            content: "The counter is still listed",
            trigger: "body:not(:has(.modal)) .o_data_row:contains('Tour counter')",
        },
    ],
});
