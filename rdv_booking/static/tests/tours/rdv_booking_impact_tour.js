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

/** The counter's validity ended tomorrow: the banner counts its one appointment. */
function endTomorrow() {
    return [
        {
            content: "End the validity tomorrow",
            trigger: ".o_field_widget[name='date_end'] input",
            // Tomorrow in the place's zone (Paris), the browser running in UTC.
            run: `edit ${DateTime.now().setZone("Europe/Paris").plus({ days: 1 }).toFormat("MM/dd/yyyy")}`,
        },
        {
            content: "Leave the field",
            trigger: ".o_field_widget[name='name'] input",
            run: "click",
        },
        {
            content: "The banner counts the appointment that would lose its slot",
            trigger: ".alert-warning:contains('removes the slot of 1 planned appointment')",
        },
    ];
}

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
        ...endTomorrow(),
        {
            content: "No dialog interrupts the manager",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Save: asked first",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "One appointment, spoken of in the singular",
            trigger:
                ".modal:contains('Move 1 appointment to “To reschedule” and tell its citizen?')" +
                " .o_rdv_impact_body:contains('Its slot disappears: it moves')",
        },
        {
            content: "Its button too",
            trigger: ".modal-footer .btn-primary:contains('Move it and tell its citizen')",
        },
        {
            content: "Not now",
            trigger: ".modal-footer .btn-secondary",
            run: "click",
        },
        {
            content: "Nothing saved, the form still edited",
            trigger: "body:not(:has(.modal)) .o_form_button_save",
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

/*
 * A value the rules refuse (45-minute slots for 15-minute appointments): the
 * banner says why it cannot be saved and counts no appointment; saving it
 * shows the refusal; the value corrected, saving keeps it with no stale
 * error. Started by test_agent_tour.py (test_impact_refused_value).
 */
registry.category("web_tour.tours").add("rdv_booking_impact_refused_tour", {
    steps: () => [
        {
            content: "The counter's form opens",
            trigger: ".o_form_view .o_field_widget[name='slot_duration'] input",
        },
        {
            content: "Slots of 45 minutes",
            trigger: ".o_field_widget[name='slot_duration'] input",
            run: "edit 45",
        },
        {
            content: "Leave the field",
            trigger: ".o_field_widget[name='name'] input",
            run: "click",
        },
        {
            content: "The banner says the value cannot be saved, and why",
            trigger: ".alert-warning:contains('cannot be saved'):contains('45-minute')",
        },
        {
            content: "It counts no appointment for a value that cannot be saved",
            trigger: ".o_form_view:not(:has(.alert-warning:contains('planned appointments')))",
        },
        {
            content: "Save anyway",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The refusal is shown",
            trigger: ".modal:contains('45-minute') .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Correct the value",
            trigger: "body:not(:has(.modal)) .o_field_widget[name='slot_duration'] input",
            run: "edit 5",
        },
        {
            content: "Leave the field",
            trigger: ".o_field_widget[name='name'] input",
            run: "click",
        },
        {
            content: "The banner of the refused value is gone",
            trigger: ".o_form_view:not(:has(.alert-warning:contains('cannot be saved')))",
        },
        {
            content: "Save the corrected value",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved, with no error shown",
            trigger: "body:not(:has(.modal)):not(:has(.o_notification.border-danger)) .o_form_saved",
        },
    ],
});

/*
 * Leaving the page (an address typed, the tab closed) with a change that
 * moves appointments: the browser's "leave the page" event asks instead of
 * Odoo's urgent save, which would skip the question. Started by
 * test_agent_tour.py (test_impact_not_saved_on_leaving), which checks that
 * nothing was saved.
 */
registry.category("web_tour.tours").add("rdv_booking_impact_unload_tour", {
    steps: () => [
        {
            content: "The counter's form opens",
            trigger: ".o_form_view .o_field_widget[name='date_end'] input",
        },
        ...endTomorrow(),
        {
            content: "Leave the page: the browser's unload event",
            trigger: ".o_form_dirty",
            run() {
                // After this step: a page unload during a step makes the tour
                // wait for the next page.
                setTimeout(() => {
                    const event = new Event("beforeunload", { cancelable: true });
                    window.dispatchEvent(event);
                    document.body.dataset.rdvUnload = event.defaultPrevented ? "asked" : "not asked";
                });
            },
        },
        {
            content: "The browser is asked to ask the user",
            trigger: "body[data-rdv-unload='asked']",
        },
        {
            content: "The change is still there, not saved",
            trigger: ".o_form_dirty .o_field_widget[name='date_end'] input",
        },
        {
            content: "Discard",
            trigger: ".o_form_button_cancel",
            run: "click",
        },
        {
            content: "Discarded",
            trigger: ".o_form_saved",
        },
    ],
});
