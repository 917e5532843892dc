/** @odoo-module **/
/*
 * The agent's day in the back office (seed "gestion des rendez-vous"):
 * assign a free slot to a citizen from the slot list, change the slot of the
 * appointment, then cancel it; and the slot calendar with its counter filters.
 *
 * Started by rdv_booking/tests/test_agent_tour.py, which builds the data
 * (a company of its own, one counter open every day 08:00-18:00) and checks
 * the database afterwards.
 */

import { registry } from "@web/core/registry";

const { DateTime } = luxon;

const SLOT_ACTION_URL = "/odoo/action-rdv_booking.rdv_slot_action";

/** Open the search panel, toggle the filter named `label`, close the panel. */
function toggleFilter(label) {
    return [
        {
            content: "Open the search panel",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: `Toggle the filter "${label}"`,
            trigger: `.o_filter_menu .o_menu_item:contains("${label}")`,
            run: "click",
        },
        {
            content: `The facet "${label}" is applied`,
            trigger: `.o_searchview_facet:contains("${label}")`,
        },
        {
            content: "Close the search panel",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
    ];
}

registry.category("web_tour.tours").add("rdv_booking_agent_tour", {
    url: SLOT_ACTION_URL,
    steps: () => [
        // 1. The slots, as a list, free ones only; assign one
        {
            content: "The slot action opens (calendar first)",
            trigger: ".o_calendar_view",
        },
        {
            content: "Switch to the list view",
            trigger: ".o_control_panel button.o_switch_view.o_list",
            run: "click",
        },
        {
            content: "The list of slots is shown",
            trigger: ".o_list_view .o_data_row",
        },
        {
            content: "Without filter, the suspended slots are listed too",
            trigger: ".o_list_view .o_data_row td[name='state']:contains('Suspended')",
        },
        ...toggleFilter("Free"),
        {
            content: "Only free slots are listed",
            trigger:
                ".o_list_view:has(.o_data_row):not(:has(.o_data_row td[name='state']:not(:contains('Free'))))",
        },
        {
            // Not the first row: the first free slot may start within a minute,
            // and a slot that has begun can no longer be assigned.
            content: "Assign the fifth free slot",
            trigger: ".o_list_view .o_data_row:nth-child(5) button[name='action_assign']",
            run: "click",
        },
        // 2. The assignment wizard
        {
            content: "The assignment wizard opens with the counter's only type preset",
            trigger:
                ".modal .o_form_view .o_field_widget[name='type_id'] input:value(/Tour ID card/)",
        },
        {
            content: "The slot is preset",
            trigger: ".modal .o_field_widget[name='slot_id'] input:value(/Tour counter/)",
        },
        {
            content: "Booked at the counter",
            trigger: ".modal .o_field_widget[name='channel'] input[data-value='counter']",
            run: "click",
        },
        {
            content: "Last name",
            trigger: ".modal .o_field_widget[name='lastname'] input",
            run: "edit Tourneur",
        },
        {
            content: "First name",
            trigger: ".modal .o_field_widget[name='firstname'] input",
            run: "edit Lucie",
        },
        {
            content: "Mobile phone",
            trigger: ".modal .o_field_widget[name='phone'] input",
            run: "edit 06 12 34 56 78",
        },
        {
            content: "A note for the other agents",
            trigger: ".modal .o_field_widget[name='comment'] textarea",
            run: "edit Brings the old ID card",
        },
        // A refusal of the booking service reads as a message, not as a crash
        {
            content: "More persons than the type allows",
            trigger: ".modal .o_field_widget[name='persons'] input",
            run: "edit 3",
        },
        {
            content: "Book anyway",
            trigger: ".modal .modal-footer button[name='action_confirm']",
            run: "click",
        },
        {
            content: "A warning says why, not the crash dialog ('Oops!', with a traceback)",
            trigger: ".modal .modal-title:contains('Invalid Operation')",
        },
        {
            content: "The message names the rule",
            trigger: ".modal .modal-body:contains('can be booked for 1 to 2 persons')",
        },
        {
            content: "Not the crash dialog",
            trigger: "body:not(:has(.modal-title:contains('Oops')))",
        },
        {
            content: "Close the warning",
            trigger:
                ".modal:has(.modal-title:contains('Invalid Operation')) .modal-footer button.o-default-button",
            run: "click",
        },
        {
            content: "Back to one person",
            trigger: ".modal .o_field_widget[name='persons'] input",
            run: "edit 1",
        },
        {
            content: "Book",
            trigger: ".modal .modal-footer button[name='action_confirm']",
            run: "click",
        },
        // 3. The appointment
        {
            content: "The appointment form opens, planned",
            trigger:
                "body:not(:has(.modal)) .o_form_view .o_statusbar_status .o_arrow_button_current:contains('Planned')",
        },
        {
            content: "The citizen is the one just typed",
            trigger: ".o_form_view .o_field_widget[name='partner_id']:contains('TOURNEUR Lucie')",
        },
        {
            content: "The channel is 'At the counter'",
            trigger: ".o_form_view .o_field_widget[name='channel']:contains('At the counter')",
        },
        {
            content: "The phone number was normalised",
            trigger: ".o_form_view .o_field_widget[name='phone'] input:value(+33612345678)",
        },
        // 4. Change the slot
        {
            content: "Change slot",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_change_slot']:visible",
            run: "click",
        },
        {
            content: "The wizard opens on this appointment",
            trigger: ".modal .o_field_widget[name='appointment_id']:contains('TOURNEUR Lucie')",
        },
        {
            content: "Open the slot dropdown",
            trigger: ".modal .o_field_widget[name='slot_id'] input",
            run: "click",
        },
        {
            content: "Free slots are proposed with their time and counter",
            trigger:
                ".modal .o_field_widget[name='slot_id'] .o-autocomplete--dropdown-item:contains('Tour counter')",
        },
        {
            // Not the first one either: it may start within a minute.
            content: "Pick the fourth free slot",
            trigger:
                ".modal .o_field_widget[name='slot_id'] .o-autocomplete--dropdown-item:nth-child(4) a",
            run: "click",
        },
        {
            content: "The new slot is set",
            trigger: ".modal .o_field_widget[name='slot_id'] input:value(/Tour counter/)",
        },
        {
            content: "Move the appointment",
            trigger: ".modal .modal-footer button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The wizard closed; the appointment is still planned",
            trigger:
                "body:not(:has(.modal)) .o_form_view .o_statusbar_status .o_arrow_button_current:contains('Planned')",
        },
        {
            content: "The move is logged in the chatter",
            trigger: ".o-mail-Chatter .o-mail-Message:contains('Moved from')",
        },
        // 5. Cancel
        {
            content: "Cancel",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_cancel']",
            run: "click",
        },
        {
            content: "The reason",
            trigger: ".modal .o_field_widget[name='reason'] textarea",
            run: "edit The citizen called: she found an earlier date elsewhere",
        },
        {
            content: "Cancelled by the citizen",
            trigger: ".modal .o_field_widget[name='cancelled_by'] input[data-value='citizen']",
            run: "click",
        },
        {
            content: "Confirm the cancellation",
            trigger: ".modal .modal-footer button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The appointment is cancelled",
            trigger:
                "body:not(:has(.modal)) .o_form_view .o_statusbar_status .o_arrow_button_current:contains('Cancelled')",
        },
        {
            content: "The cancellation tab shows the reason",
            trigger: ".o_form_view .o_notebook a.nav-link:contains('Cancellation')",
            run: "click",
        },
        {
            content: "The reason is there",
            trigger:
                ".o_form_view .o_field_widget[name='cancel_reason']:contains('found an earlier date')",
        },
    ],
});

registry.category("web_tour.tours").add("rdv_booking_slot_calendar_tour", {
    url: SLOT_ACTION_URL,
    steps: () => [
        {
            content: "The slot calendar opens in week mode",
            trigger: ".o_calendar_view .fc-timeGridWeek-view",
        },
        {
            // Next week lies entirely in the future and within the horizon, so
            // it has free slots whatever the day and hour the test runs.
            content: "Go to next week",
            trigger: ".o_calendar_view .o_calendar_button_next",
            run: "click",
        },
        {
            // Wait for next week's data: an event of the week shown before
            // would be re-rendered under the tour's feet.
            content: "Next week is shown",
            trigger: `.o_calendar_view .fc-col-header-cell[data-date='${DateTime.local()
                .plus({ weeks: 1 })
                .toISODate()}']`,
        },
        {
            content: "Free slots render as events",
            trigger: ".o_calendar_view .fc-event .o_event_title:contains('Free')",
        },
        {
            content: "The filter panel has a counter section",
            trigger: ".o_calendar_filter[data-name='counter_id']",
        },
        {
            content: "with the counter of the test",
            trigger:
                ".o_calendar_filter[data-name='counter_id'] .o_calendar_filter_item:contains('Tour counter')",
        },
        {
            content: "Open a free slot",
            trigger: ".o_calendar_view .fc-event:contains('Free')",
            run: "click",
        },
        {
            content: "Its popover shows the slot's status",
            trigger: ".o_cw_popover .o_cw_popover_fields_secondary:contains('Free')",
        },
        {
            content: "Open the slot",
            trigger: ".o_cw_popover .o_cw_popover_edit",
            run: "click",
        },
        {
            content: "The slot opens with its agent actions: Assign",
            trigger: ".modal .o_form_view .o_statusbar_buttons button[name='action_assign']",
        },
        {
            content: "and Suspend",
            trigger: ".modal .o_form_view .o_statusbar_buttons button[name='action_suspend']",
        },
    ],
});

/*
 * The reception desk: a citizen shows their summary, the agent opens
 * Reception: check-in from the menu and scans its QR code (a scanner types the
 * reference and Enter; here "tour 2345" as a person would type TOUR-2345).
 */
registry.category("web_tour.tours").add("rdv_booking_check_in_tour", {
    url: SLOT_ACTION_URL,
    steps: () => [
        {
            content: "Open the Appointments menu",
            trigger: ".o_menu_sections button:contains('Appointments')",
            run: "click",
        },
        {
            content: "Reception: check-in",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Reception: check-in')",
            run: "click",
        },
        {
            content: "The reception dialog opens with the reference field focused, for the scanner",
            trigger: ".modal .o_field_widget[name='reference'] input:focus",
        },
        {
            content: "Scan the summary's QR code",
            trigger: ".modal .o_field_widget[name='reference'] input",
            run: "edit tour 2345 && press Enter",
        },
        {
            content: "The citizen's appointment shows",
            trigger: ".modal .o_field_widget[name='citizen_name']:contains('ARRIVANT Lou')",
        },
        {
            content: "at its place (a commune may have several)",
            trigger: ".modal .o_field_widget[name='place_id']:contains('Tour town hall')",
        },
        {
            content: "with the note for agents",
            trigger: ".modal .o_field_widget[name='comment']:contains('Comes with an interpreter')",
        },
        {
            content: "Check in",
            trigger: ".modal footer button[name='action_check_in']",
            run: "click",
        },
        {
            content: "The agent is told",
            trigger: ".o_notification:contains('ARRIVANT Lou checked in')",
        },
        {
            content: "and the dialog is ready for the next citizen",
            trigger:
                ".modal:not(:has(.o_field_widget[name='citizen_name'])) .o_field_widget[name='reference'] input",
        },
        {
            content: "Close it",
            trigger: ".modal footer button:contains('Close')",
            run: "click",
        },
        {
            content: "Closed",
            trigger: "body:not(:has(.modal))",
        },
        // The waiting room: who checked in today and waits to be served.
        {
            content: "Open the Appointments menu again",
            trigger: ".o_menu_sections button:contains('Appointments')",
            run: "click",
        },
        {
            content: "Planned appointments",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Planned appointments')",
            run: "click",
        },
        {
            // Not the slots' view still shown while the action loads.
            content: "The planned appointments open, in their calendar",
            trigger:
                ".o_action_manager:has(.o_breadcrumb:contains('Planned appointments')) .o_calendar_view",
        },
        {
            content: "Switch to the list view",
            trigger: ".o_control_panel button.o_switch_view.o_list",
            run: "click",
        },
        {
            content: "The list of appointments is shown",
            trigger:
                ".o_action_manager:has(.o_breadcrumb:contains('Planned appointments')) .o_list_view .o_data_row",
        },
        ...toggleFilter("Checked in today, waiting"),
        {
            content: "The citizen who checked in is the only one waiting",
            trigger:
                ".o_list_view:has(.o_data_row td[name='citizen_name']:contains('ARRIVANT Lou')):not(:has(.o_data_row:nth-child(2)))",
        },
        // The day sheet from the menu (the PDF itself is checked by the test).
        {
            content: "Open the Appointments menu once more",
            trigger: ".o_menu_sections button:contains('Appointments')",
            run: "click",
        },
        {
            content: "Print the day sheet",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Print the day sheet')",
            run: "click",
        },
        {
            // Today in the agent's time zone (the test's agent is in Paris;
            // the browser runs in UTC).
            content: "Its dialog proposes today",
            trigger: `.modal .o_field_widget[name='day'] input:value('${DateTime.now()
                .setZone("Europe/Paris")
                .toFormat("MM/dd/yyyy")}')`,
        },
        {
            content: "Cancel",
            trigger: ".modal footer button:contains('Cancel')",
            run: "click",
        },
        {
            content: "Closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});
