/** @odoo-module **/
/*
 * The agents' board with the keyboard alone: a phone booking from a free
 * time (counted: the key presses and the time it takes), suspend and release
 * the focused time, then three times at once (Shift+arrows); and axe-core on
 * the board. Started by rdv_booking/tests/test_board_tour.py, which builds
 * the commune (eight counters open every day 08:00-18:00), prints the
 * figures and checks the database afterwards.
 */

import * as hoot from "@odoo/hoot-dom";
import { registry } from "@web/core/registry";
import { AXE_TAGS, loadAxe } from "@rdv_booking/../tests/tours/rdv_axe";

const figures = { presses: 0, typed: 0, start: 0 };

/** A key press of the agent, counted while the phone booking is measured. */
function key(keys, content, trigger = ".o_rdv_board") {
    return {
        content: `${content} (${keys})`,
        trigger,
        run: async () => {
            figures.presses++;
            await hoot.press(keys.split("+"));
        },
    };
}

/** What the agent types in the focused field (a name, a number). */
function type(text, content, trigger) {
    return {
        content: `${content}: ${text}`,
        trigger,
        run: async () => {
            figures.typed++;
            await hoot.fill(text);
        },
    };
}

/**
 * A caller's booking in the open dialog, as an agent types it: the last
 * name where the focus is, Enter, the first name, Enter, the phone, Enter
 * (which books: nothing else is waited for).
 */
function phoneBooking(lastname, firstname, phone) {
    const field = (name) => `.modal .o_rdv_slot_assign .o_field_widget[name='${name}'] input`;
    return [
        type(lastname, "The caller's last name, where the focus is", field("lastname") + ":focus"),
        key("Enter", "First name", `${field("lastname")}:value(${lastname})`),
        type(firstname, "First name", field("firstname") + ":focus"),
        key("Enter", "Phone", `${field("firstname")}:value(${firstname})`),
        type(phone, "Phone", field("phone") + ":focus"),
        key("Enter", "Book: Enter after the phone", `${field("phone")}:value(${phone})`),
    ];
}

function focused(label, state) {
    return `.o_rdv_slot_${state}[aria-label^='${label}']:focus`;
}

/** axe-core on the page: serious and critical violations of the board
 * fail; those of Odoo's own web client around it are listed apart. */
async function checkBoardAccessibility() {
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
            const element = document.querySelector(node.target.join(" "));
            const line = `[${violation.impact}] ${violation.id} ${node.target.join(" ")}: ${
                violation.help
            }`;
            (element && element.closest(".o_rdv_board") ? ours : odoos).push(line);
        }
    }
    console.info(
        `axe-core, Odoo's web client around the board: ${odoos.length} serious or critical ` +
            `node(s)${odoos.length ? ":\n" + odoos.join("\n") : ""}`
    );
    if (ours.length) {
        throw new Error(`Accessibility of the board:\n${ours.join("\n")}`);
    }
    console.info("axe-core: the board has no serious or critical violation");
}

/** At 1280 px, no name of a counter or a citizen is cut, nothing scrolls sideways. */
function checkNothingCut() {
    const cut = [
        ...document.querySelectorAll(
            ".o_rdv_board_counter_name, .o_rdv_board_place, .o_rdv_slot_who, .o_rdv_slot_state"
        ),
    ].filter((el) => el.scrollWidth > el.clientWidth + 1);
    if (cut.length) {
        throw new Error(`Cut on the board: ${cut.map((el) => el.textContent).join(", ")}`);
    }
    const body = document.querySelector(".o_rdv_board_body");
    if (body.scrollWidth > body.clientWidth + 1) {
        throw new Error(`The board scrolls sideways at ${window.innerWidth}px`);
    }
}

registry.category("web_tour.tours").add("rdv_booking_board_tour", {
    url: "/odoo/action-rdv_booking.rdv_board_action",
    steps: () => [
        {
            content: "The board shows the counters side by side, place then name",
            trigger:
                ".o_rdv_board_grid .o_rdv_board_counter:nth-of-type(2):contains('Guichet 1')" +
                " + .o_rdv_board_counter:contains('Guichet 2')",
        },
        {
            // Tomorrow: today's times may be over when the test runs.
            content: "Tomorrow",
            trigger: ".o_rdv_board_next",
            run: "click",
        },
        {
            content: "Tomorrow's first time has the focus",
            trigger: focused("Guichet 1, 08:00", "free"),
        },
        {
            content: "At 1280 px, the names are whole",
            trigger: ".o_rdv_slot_who:contains('DE LA FONTAINE')",
            run: checkNothingCut,
        },
        // A phone booking, measured from the first key press.
        {
            content: "The caller asks for 08:30 at Guichet 2: the measure starts",
            trigger: focused("Guichet 1, 08:00", "free"),
            run: () => {
                figures.start = performance.now();
            },
        },
        key("ArrowDown", "Next time", focused("Guichet 1, 08:00", "free")),
        key("ArrowDown", "Next time", focused("Guichet 1, 08:15", "free")),
        key("ArrowRight", "Next counter", focused("Guichet 1, 08:30", "free")),
        key("Enter", "Book this time", focused("Guichet 2, 08:30", "free")),
        {
            content: "The booking dialog has the counter and the time filled in",
            trigger: ".modal .o_rdv_slot_assign .o_field_widget[name='slot_id'] input:value(/08:30 · Guichet 2/)",
        },
        // Enter in an incomplete dialog books nothing: it goes on to the next
        // field the booking needs; after the phone, it books.
        ...phoneBooking("Dupont", "Marie", "06 12 34 56 78"),
        {
            content: "Back on the board, the focus on the time just booked",
            trigger: "body:not(:has(.modal)) " + focused("Guichet 2, 08:30", "booked"),
            run: () => {
                const seconds = ((performance.now() - figures.start) / 1000).toFixed(1);
                console.info(
                    `rdv_board_phone_booking: ${figures.presses} key presses, ` +
                        `${figures.typed} fields typed, ${seconds} s`
                );
            },
        },
        {
            content: "The notice gives the reference",
            trigger: ".o_notification:contains('DUPONT Marie')",
        },
        // Suspend and release the focused time.
        key("ArrowDown", "Next time", focused("Guichet 2, 08:30", "booked")),
        key("s", "Suspend", focused("Guichet 2, 08:45", "free")),
        {
            content: "Suspended, said in words",
            trigger: focused("Guichet 2, 08:45", "suspended") + ":contains('Suspended')",
        },
        key("l", "Release", focused("Guichet 2, 08:45", "suspended")),
        // Three times at once.
        key("Shift+ArrowDown", "Select", focused("Guichet 2, 08:45", "free")),
        key("Shift+ArrowDown", "Select", focused("Guichet 2, 09:00", "free")),
        {
            content: "Three times selected",
            trigger: ".o_rdv_board_selection:contains('3')",
        },
        key("s", "Suspend the three", focused("Guichet 2, 09:15", "free")),
        {
            content: "Three suspended, counted",
            trigger: ".o_notification:contains('Slots suspended: 3.')",
        },
        {
            content: "The three say it",
            trigger:
                ".o_rdv_board_cell:has(" +
                focused("Guichet 2, 09:15", "suspended") +
                ")",
        },
        key("Shift+ArrowUp", "Select", focused("Guichet 2, 09:15", "suspended")),
        key("Shift+ArrowUp", "Select", focused("Guichet 2, 09:00", "suspended")),
        key("l", "Release the three", focused("Guichet 2, 08:45", "suspended")),
        {
            content: "Three released, counted",
            trigger: ".o_notification:contains('Slots released: 3.')",
        },
        // A counter of two types: the type first, then on to the name.
        {
            content: "Guichet 8 receives two types: book one of its times",
            trigger: ".o_rdv_slot_free[aria-label^='Guichet 8, 10:00']",
            run: "click",
        },
        {
            content: "The type takes the focus first",
            trigger: ".modal .o_rdv_slot_assign .o_field_widget[name='type_id'] input:focus",
            run: "edit Board pass",
        },
        {
            content: "Pick the passport",
            trigger: ".modal .o-autocomplete--dropdown-item:contains('Board passport')",
            run: "click",
        },
        // Once the type is picked, the focus is on the last name. This type
        // requires the address online: an agent books without it, Enter
        // right after the phone.
        ...phoneBooking("Martin", "Paul", "06 98 76 54 32"),
        {
            content: "Booked at Guichet 8",
            trigger: "body:not(:has(.modal)) .o_notification:contains('MARTIN Paul')",
        },
        {
            content: "The week: a block per day, counters side by side",
            trigger: ".o_rdv_board_scale_week",
            run: "click",
        },
        {
            content: "Seven days",
            trigger: ".o_rdv_board_body:has(.o_rdv_board_block:nth-of-type(7) h2)",
        },
        {
            content: "No serious or critical accessibility violation on the board",
            trigger: ".o_rdv_board_block .o_rdv_slot",
            run: checkBoardAccessibility,
        },
        // A date typed that is none: said, not silently put back.
        // (13/31/2026: no 13th month in English, no 31st in French.)
        ...["31/02/2026", "hier", "13/31/2026"].flatMap((typed) => [
            {
                content: `Type ${typed} in the date field`,
                trigger: ".o_rdv_board_date input",
                run: async (helpers) => {
                    await helpers.edit(typed);
                    const input = document.querySelector(".o_rdv_board_date input");
                    input.dispatchEvent(new Event("change", { bubbles: true }));
                },
            },
            {
                content: `${typed}: the field says why it put the day back`,
                trigger:
                    `.o_rdv_board_date_error[role='alert']:contains('“${typed}” is not a date')` +
                    ":not(:empty)",
                run: () => {
                    const input = document.querySelector(".o_rdv_board_date input");
                    if (input.getAttribute("aria-invalid") !== "true") {
                        throw new Error("The date field is not marked invalid");
                    }
                    if (input.getAttribute("aria-describedby") !== "o_rdv_board_date_error") {
                        throw new Error("The date field does not point to its message");
                    }
                },
            },
        ]),
        {
            content: "Back to today: the message goes",
            trigger: ".o_rdv_board_today",
            run: "click",
        },
        {
            content: "No message, the field valid again",
            trigger:
                ".o_rdv_board_date:not(:has(.o_rdv_board_date_error:not(:empty)))" +
                " input[aria-invalid='false']",
        },
    ],
});
