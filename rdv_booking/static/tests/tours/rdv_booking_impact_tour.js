/** @odoo-module **/
/*
 * A manager edits a counter's validity: the form says, in a banner kept up to
 * date while typing (not a dialog at each change), how many planned
 * appointments saving would move to "To reschedule"; discarding changes nothing.
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
    ],
});
