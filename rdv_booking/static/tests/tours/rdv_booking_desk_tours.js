/** @odoo-module **/
/*
 * The manager's and the agent's desk in Chromium:
 * - a change that moves appointments asks first, with their list, and says
 *   after saving how many citizens are being told (rdv_booking_impact_confirm_tour);
 * - the manager's dashboard: tiles, period, the list behind a tile
 *   (rdv_booking_dashboard_tour);
 * - our dialogs checked with axe-core: assign, change slot, cancel, check-in
 *   (rdv_booking_dialogs_a11y_tour).
 *
 * axe-core runs on the whole page. A serious or critical violation inside
 * what we draw (the dialog's body and footer, the dashboard) fails the tour;
 * those of Odoo's own web client around it are listed apart in the test's
 * output (console.info), not hidden and not failing.
 *
 * Started by rdv_booking/tests/test_desk_tours.py, which builds the data,
 * serves axe-core and checks the database afterwards.
 */

import { registry } from "@web/core/registry";
import { AXE_TAGS, loadAxe } from "@rdv_booking/../tests/tours/rdv_axe";

const { DateTime } = luxon;

/**
 * Run axe-core; fail on the serious and critical violations inside `scope`
 * (a CSS selector of what we draw), list the others apart.
 */
async function checkOurs(page, scope) {
    const axe = await loadAxe();
    const results = await axe.run(document, {
        runOnly: { type: "tag", values: AXE_TAGS },
        resultTypes: ["violations"],
    });
    const ours = [];
    const odoos = [];
    for (const violation of results.violations) {
        if (!["serious", "critical"].includes(violation.impact)) {
            continue;
        }
        for (const node of violation.nodes) {
            const element = document.querySelector(node.target[node.target.length - 1]);
            const line =
                `  - [${violation.impact}] ${violation.id}: ${violation.help} ` +
                `(${node.target.join(" ")}: ${node.failureSummary.replace(/\s+/g, " ")})`;
            (element && element.closest(scope) ? ours : odoos).push(line);
        }
    }
    if (odoos.length) {
        console.info(
            `axe-core, Odoo's web client around "${page}" (not ours, listed apart): ` +
                `${odoos.length} node(s)\n${odoos.join("\n")}`
        );
    }
    if (ours.length) {
        throw new Error(
            `Accessibility of "${page}" (${window.innerWidth}px, ` +
                `lang=${document.documentElement.lang}): ${ours.length} serious or critical ` +
                `violation(s) of ours:\n${ours.join("\n")}`
        );
    }
    console.info(`axe-core: "${page}" has no serious or critical violation of ours`);
}

function axeStep(page, trigger, scope) {
    return {
        content: `axe-core: ${page}`,
        trigger,
        run: () => checkOurs(page, scope),
    };
}

const DIALOG = ".modal .modal-body, .modal .modal-footer, .modal footer";

registry.category("web_tour.tours").add("rdv_booking_impact_confirm_tour", {
    steps: () => [
        {
            content: "End the counter's validity tomorrow",
            trigger: ".o_form_view .o_field_widget[name='date_end'] input",
            // Tomorrow in the place's zone (Paris): the browser runs in UTC,
            // a day behind from 23:00 to midnight UTC.
            run: `edit ${DateTime.now().setZone("Europe/Paris").plus({ days: 1 }).toFormat("MM/dd/yyyy")}`,
        },
        {
            content: "Leave the field",
            trigger: ".o_field_widget[name='name'] input",
            run: "click",
        },
        {
            content: "The banner counts the two appointments, names cut nowhere",
            trigger:
                ".alert-warning:contains('removes the slots of 2 planned appointments'):not(:contains('…'))",
        },
        {
            content: "The banner's link opens the whole list",
            trigger: ".alert-warning details summary",
            run: "click",
        },
        {
            content: "Both appointments are listed with their phone, whole",
            trigger:
                ".alert-warning details[open] .o_data_row:contains('AVECMAIL'):contains('06 11 22 33 44')",
        },
        {
            content: "and the citizen who cannot be told",
            trigger: ".alert-warning details[open] .o_data_row:contains('SANSMAIL')",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saving asks first, with the list",
            trigger:
                ".modal:contains('Move 2 appointments to “To reschedule” and tell their citizens?') .o_rdv_impact_list tbody tr:contains('SANSMAIL')",
        },
        axeStep("the confirmation of a change", ".modal .o_rdv_impact_list", DIALOG),
        {
            content: "Cancel: nothing is saved",
            trigger: ".modal footer button.btn-secondary, .modal .modal-footer button.btn-secondary",
            run: "click",
        },
        {
            content: "The form is still being edited",
            trigger: "body:not(:has(.modal)) .o_form_view .o_form_button_save",
        },
        {
            content: "Save again",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal .o_rdv_impact_list",
        },
        {
            content: "Move and tell them",
            trigger: ".modal footer button.btn-primary, .modal .modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The notice counts what was done and whom to call",
            trigger:
                ".o_notification:contains(\"Appointments moved to 'To reschedule': 2.\"):contains('SANSMAIL')",
        },
        {
            content: "Saved",
            trigger: ".o_form_view:not(:has(.o_form_button_save:visible))",
        },
    ],
});

registry.category("web_tour.tours").add("rdv_booking_dashboard_tour", {
    steps: () => [
        {
            content: "The dashboard opens on this week",
            trigger: ".o_rdv_dashboard .o_rdv_tile[data-tile='appointments']",
        },
        {
            content: "The lead time of the type at the place",
            trigger: ".o_rdv_lead_times tr:contains('Tour ID card'):contains('Tour town hall')",
        },
        {
            content: "The fill rate of the counter",
            trigger: ".o_rdv_fill_rates tr:contains('Tour counter')",
        },
        axeStep("the dashboard", ".o_rdv_dashboard .container-fluid", ".o_rdv_dashboard .container-fluid"),
        {
            content: "This month",
            trigger: ".o_rdv_dashboard .o_control_panel button:contains('This month')",
            run: "click",
        },
        {
            content: "The month's figures: from its first day so far",
            trigger: `.o_rdv_dashboard h2:contains('${DateTime.now().setZone("Europe/Paris").toFormat("LLL")} 1'):contains('(so far)')`,
        },
        {
            content: "The appointments tile opens the list it counts",
            trigger: ".o_rdv_dashboard .o_rdv_tile[data-tile='appointments']",
            run: "click",
        },
        {
            content: "The list of those appointments",
            trigger: ".o_list_view",
        },
    ],
});

registry.category("web_tour.tours").add("rdv_booking_dialogs_a11y_tour", {
    steps: () => [
        {
            content: "The appointment's form",
            trigger: ".o_form_view button[name='action_change_slot']",
            run: "click",
        },
        {
            content: "The change-slot dialog",
            trigger: ".modal .o_field_widget[name='slot_id']",
        },
        axeStep("change the slot", ".modal .o_field_widget[name='slot_id']", DIALOG),
        {
            content: "Discard",
            trigger: ".modal footer button[special='cancel']",
            run: "click",
        },
        {
            content: "Cancel the appointment",
            trigger: "body:not(:has(.modal)) .o_form_view button[name='action_cancel']",
            run: "click",
        },
        {
            content: "The cancel dialog",
            trigger: ".modal footer button[name='action_confirm']",
        },
        axeStep("cancel an appointment", ".modal footer button[name='action_confirm']", DIALOG),
        {
            content: "Keep it",
            trigger: ".modal footer button[special='cancel']",
            run: "click",
        },
        {
            content: "Book an appointment",
            trigger: "body:not(:has(.modal)) .o_menu_sections :contains('Book an appointment')",
            run: "click",
        },
        {
            content: "The booking dialog",
            trigger: ".modal .o_field_widget[name='type_id']",
        },
        axeStep("book an appointment", ".modal .o_field_widget[name='type_id']", DIALOG),
        {
            content: "Discard",
            trigger: ".modal footer button[special='cancel']",
            run: "click",
        },
        {
            content: "Open the Appointments menu",
            trigger: "body:not(:has(.modal)) .o_menu_sections button:contains('Appointments')",
            run: "click",
        },
        {
            content: "Reception: check-in",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Reception: check-in')",
            run: "click",
        },
        {
            content: "The check-in dialog",
            trigger: ".modal .o_field_widget[name='reference'] input",
        },
        axeStep("check in", ".modal .o_field_widget[name='reference'] input", DIALOG),
        {
            content: "Close",
            trigger: ".modal footer button[special='cancel'], .modal .btn-close",
            run: "click",
        },
        {
            content: "Closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});

/*
 * The appointment list at 1280 px: each row's icon buttons named with the
 * row's reference and citizen, the status whole, the "Done" and "Planned"
 * badges readable (axe-core color-contrast). Started by test_desk_tours.py
 * (test_appointment_list), with one planned and one done appointment.
 */
registry.category("web_tour.tours").add("rdv_booking_appointment_list_tour", {
    steps: () => [
        {
            content: "The planned appointment's buttons are named with its citizen",
            trigger:
                ".o_data_row:contains('PREVU Lou') .o_list_button " +
                "button[name='action_change_slot'][aria-label*='PREVU Lou'][title*='PREVU Lou']",
        },
        {
            content: "Every row button says whose it is, and the status is whole",
            trigger: ".o_data_row:contains('FAIT Lou') .o_field_badge .text-bg-success",
            run() {
                for (const button of document.querySelectorAll(".o_data_row .o_list_button button")) {
                    const row = button.closest(".o_data_row");
                    const who = row.querySelector("td[name='citizen_name']").textContent.trim();
                    if (!button.getAttribute("aria-label")?.includes(who)) {
                        throw new Error(`A row button not named with ${who}: ${button.outerHTML}`);
                    }
                }
                for (const cell of document.querySelectorAll(".o_data_row td[name='state']")) {
                    if (cell.scrollWidth > cell.clientWidth) {
                        throw new Error(`The status is cut: ${cell.textContent.trim()}`);
                    }
                }
            },
        },
        // Ours: the status and the row buttons (the rest of the list is Odoo's).
        axeStep(
            "the appointment list",
            ".o_data_row:contains('FAIT Lou')",
            ".o_data_row td[name='state'], .o_data_row td.o_list_button"
        ),
    ],
});

/*
 * A list at 1280 px, in French: no cell cut (dates and times, types, names,
 * references, reasons), the list no wider than the screen and every row
 * button on it. Started by test_desk_tours.py (test_list_dates_are_whole)
 * on All appointments, Today, To reschedule, Past without status and
 * Messages not sent.
 */
registry.category("web_tour.tours").add("rdv_booking_list_dates_tour", {
    steps: () => [
        {
            content: "Every cell is read whole, the list and its buttons fit the screen",
            trigger: ".o_data_row td.o_data_cell",
            run() {
                const problems = [];
                for (const cell of document.querySelectorAll(".o_data_row td.o_data_cell")) {
                    if (cell.scrollWidth > cell.clientWidth + 1) {
                        problems.push(
                            `cut: "${cell.textContent.trim()}" in ${cell.getAttribute("name")} ` +
                                `(${cell.scrollWidth} px in ${cell.clientWidth} px)`
                        );
                    }
                }
                const renderer = document.querySelector(".o_list_renderer");
                const table = renderer.querySelector("table");
                if (table.offsetWidth > renderer.clientWidth + 1) {
                    problems.push(
                        `the list is ${table.offsetWidth} px wide in ${renderer.clientWidth} px`
                    );
                }
                for (const button of document.querySelectorAll(".o_data_row .o_list_button button")) {
                    if (button.getBoundingClientRect().right > window.innerWidth) {
                        problems.push(`off the screen: ${button.getAttribute("aria-label")}`);
                    }
                }
                if (problems.length) {
                    throw new Error(
                        `${document.title} at ${window.innerWidth} px:\n${problems.join("\n")}`
                    );
                }
            },
        },
    ],
});
