/** @odoo-module **/
/*
 * A manager creates a counter from the form: the place, its types and its
 * reference week are found in the drop-downs (a new counter had no company
 * yet, and they offered nothing). Before its types are chosen, the banner's
 * refusal says "this counter" and links to no list of appointments. Started by rdv_booking/tests/test_agent_tour.py
 * (test_manager_creates_a_counter), which checks the counter saved.
 */

import { registry } from "@web/core/registry";

/** Type ``text`` in the many2one or many2many field ``name`` and pick ``choice``. */
function pick(name, text, choice) {
    return [
        {
            content: `Search ${text} in ${name}`,
            trigger: `.o_field_widget[name='${name}'] input`,
            run: `edit ${text}`,
        },
        {
            content: `Pick ${choice}`,
            trigger: `.o_field_widget[name='${name}'] .o-autocomplete--dropdown-item:contains('${choice}')`,
            run: "click",
        },
    ];
}

registry.category("web_tour.tours").add("rdv_booking_counter_create_tour", {
    steps: () => [
        {
            content: "The banner's refusal names no 'False' and links to no empty list",
            trigger:
                ".o_form_view .alert-warning:contains('this counter must serve at least one type')" +
                ":not(:contains('False')):not(:has(details:visible))",
        },
        {
            content: "The new counter's form opens",
            trigger: ".o_form_view .o_field_widget[name='name'] input",
            run: "edit Guichet neuf",
        },
        {
            content: "An empty search of the place offers the commune's places",
            trigger: ".o_field_widget[name='place_id'] input",
            run: "click",
        },
        {
            content: "The place is offered",
            trigger: ".o_field_widget[name='place_id'] .o-autocomplete--dropdown-item:contains('Tour town hall')",
        },
        ...pick("place_id", "Tour", "Tour town hall"),
        ...pick("type_ids", "Tour", "Tour ID card"),
        ...pick("reference_week_id", "Tour", "Tour week"),
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved, no error",
            trigger: "body:not(:has(.modal)):not(:has(.o_notification.border-danger)) .o_form_saved",
        },
    ],
});
