/** @odoo-module **/
/*
 * The citizen's side in a real browser (Chromium), started by
 * rdv_booking_portal/tests/test_tours.py, which builds the data, reads the
 * one-time codes from a real SMTP sink on loopback and checks the database.
 *
 * Every page reached is checked with axe-core (serious and critical
 * violations fail the tour, listed), and the steps check what keyboard and
 * screen-reader users rely on: the focus goes to the error summary and to the
 * times of the chosen day, errors are tied to their fields, the code field has
 * the focus. Selectors do not depend on the language, so that the booking
 * tours also run in Arabic (right to left).
 *
 * A code is only known once the tour sent it: the booking and "manage by
 * reference" run in two tours sharing the browser session; the second one
 * starts on the code page with the code in its URL (?tour_code=...), which
 * the page ignores and the tour reads.
 */

import { registry } from "@web/core/registry";
import { AXE_TAGS, loadAxe } from "@rdv_booking/../tests/tours/rdv_axe";

/** Run axe-core on the page; throw the list of serious and critical violations. */
async function checkAccessibility(page) {
    const axe = await loadAxe();
    const results = await axe.run(document, {
        runOnly: { type: "tag", values: AXE_TAGS },
        resultTypes: ["violations"],
    });
    const problems = [];
    for (const violation of results.violations) {
        if (!["serious", "critical"].includes(violation.impact)) {
            continue;
        }
        const nodes = violation.nodes
            .slice(0, 5)
            .map((node) => {
                const summary = node.failureSummary.replace(/\s+/g, " ");
                return `      ${node.target.join(" ")}: ${summary}`;
            });
        problems.push(
            `  - [${violation.impact}] ${violation.id}: ${violation.help} ` +
                `(${violation.nodes.length} element(s), ${violation.helpUrl})\n${nodes.join("\n")}`
        );
    }
    // WCAG 1.4.10 (reflow): nothing to scroll sideways, down to 320 px wide.
    const width = document.documentElement.clientWidth;
    const overflow = document.documentElement.scrollWidth - width;
    if (overflow > 1) {
        const wide = [...document.querySelectorAll("#wrap *")]
            .filter((el) => el.getBoundingClientRect().right > width + 1)
            .slice(0, 5)
            .map((el) => `      ${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`);
        problems.push(
            `  - [serious] reflow: the page scrolls ${overflow}px sideways ` +
                `at ${window.innerWidth}px wide\n${wide.join("\n")}`
        );
    }
    if (problems.length) {
        throw new Error(
            `Accessibility of "${page}" (${window.location.pathname}, ${window.innerWidth}px, ` +
                `lang=${document.documentElement.lang}):\n${problems.join("\n")}`
        );
    }
    console.info(`axe-core: "${page}" has no serious or critical violation`);
}

function axeStep(page, trigger = "#wrap") {
    return {
        content: `Accessibility (axe-core): ${page}`,
        trigger,
        run: () => checkAccessibility(page),
    };
}

/** A value the test put in the start URL (?tour_<name>=), kept for the next pages. */
function tourParam(name) {
    for (const [key, value] of new URLSearchParams(window.location.search)) {
        if (key.startsWith("tour_")) {
            sessionStorage.setItem(`rdv_${key}`, value);
        }
    }
    const kept = sessionStorage.getItem(`rdv_tour_${name}`);
    if (!kept) {
        throw new Error(`The test did not give ?tour_${name}= in the URL of the tour`);
    }
    return kept;
}

function assert(condition, message) {
    if (!condition) {
        throw new Error(message);
    }
}

/**
 * The month calendar: open the first day with free times (going to the next
 * month if this one has none left), then check that the focus moved to its
 * times, as a keyboard or screen-reader user needs.
 */
function chooseFirstFreeDay() {
    const dayLink = "table.o_rdv_month a[href*='day=']";
    return [
        {
            content:
                "Days with free times are the easiest to see and to hit: not written " +
                "smaller than the others, at least 24 x 24 px (WCAG 2.5.8)",
            trigger: "table.o_rdv_month",
            run: () => {
                const other = document.querySelector("table.o_rdv_month td > span");
                const otherSize = other ? parseFloat(getComputedStyle(other).fontSize) : 0;
                for (const link of document.querySelectorAll(dayLink)) {
                    const box = link.getBoundingClientRect();
                    if (box.width < 24 || box.height < 24) {
                        throw new Error(
                            `A day with free times is ${box.width} x ${box.height} px: ` +
                                "under the 24 x 24 px of WCAG 2.5.8"
                        );
                    }
                    if (parseFloat(getComputedStyle(link).fontSize) < otherSize) {
                        throw new Error("A day with free times is written smaller than the others");
                    }
                }
            },
        },
        {
            content: "Open the first day with free times (or the next month)",
            trigger: "table.o_rdv_month",
            run: (helpers) =>
                helpers.click(
                    document.querySelector(dayLink) || document.querySelector("a.o_rdv_next_month")
                ),
        },
        {
            content: "A day is open (a day of the next month if needed)",
            trigger: "table.o_rdv_month",
            run: async (helpers) => {
                if (!document.getElementById("rdv_times")) {
                    await helpers.click(dayLink);
                }
            },
        },
        {
            content: "The focus moved to the times of the day",
            trigger: "section#rdv_times:focus",
        },
    ];
}

/** Fill the field that the label `for` points to, checking the label is there. */
function fillField(name, value) {
    return {
        content: `Type "${value}" in the field labelled by label[for=rdv_${name}]`,
        trigger: `label[for='rdv_${name}']`,
        run: async (helpers) => {
            const input = document.getElementById(`rdv_${name}`);
            assert(input, `label[for=rdv_${name}] points to no field`);
            await helpers.edit(value, input);
        },
    };
}

function fieldInError(name) {
    return {
        content: `${name}: marked invalid, its message tied to it`,
        trigger: `#rdv_${name}[aria-invalid='true'][aria-describedby~='rdv_${name}_error']`,
        run: () =>
            assert(
                document.getElementById(`rdv_${name}_error`)?.textContent.trim(),
                `no message for ${name}`
            ),
    };
}

// ----------------------------------------------------------------------
// The booking: type -> place -> day and time -> details -> summary -> code
// ----------------------------------------------------------------------

const bookingSteps = () => [
    {
        content: "The types offered online are listed",
        trigger: "a.o_rdv_type_card",
    },
    axeStep("appointment types"),
    {
        content: "Choose the appointment type",
        trigger: "a.o_rdv_type_card",
        run: "click",
    },
    {
        content: "The type's page: documents to bring and personal data notice",
        trigger: "#rdv_docs ~ div, section[aria-labelledby='rdv_gdpr']",
    },
    axeStep("appointment type"),
    {
        content: "Number of persons (labelled select)",
        trigger: "label[for='rdv_persons'] + select#rdv_persons",
        run: "select 1",
    },
    fillField("where", "74100"),
    {
        content: "See the places",
        trigger: "form.o_rdv_where button[type='submit']",
        run: "click",
    },
    {
        content: "The place is listed with its earliest time and its distance",
        trigger: "li.card a[href*='/slots?place=']",
    },
    axeStep("places"),
    {
        content: "Choose a time at this place",
        trigger: "li.card a[href*='/slots?place=']",
        run: "click",
    },
    {
        content: "The month of free days",
        trigger: "table.o_rdv_month",
    },
    axeStep("days of the month"),
    ...chooseFirstFreeDay(),
    axeStep("times of a day"),
    {
        // The day's last time: the first one of today may pass while the tour
        // clicks (a quarter-hour boundary), and the booking is then refused.
        content: "Choose the day's last time: it is held",
        trigger: "#rdv_times li:last-child form[action$='/rdv/hold'] button[type='submit']",
        run: "click",
    },
    {
        content: "The details form",
        trigger: "form.o_rdv_details",
    },
    axeStep("details form"),
    {
        content: "Send the form empty",
        trigger: "form.o_rdv_details button[type='submit']",
        run: "click",
    },
    {
        content: "The summary of the errors has the focus",
        trigger: "#rdv_errors:focus",
    },
    fieldInError("lastname"),
    fieldInError("phone"),
    fieldInError("email"),
    fieldInError("consent"),
    {
        content: "Each error of the summary links to its field",
        trigger: "#rdv_errors a[href='#rdv_lastname']",
    },
    axeStep("details form with errors"),
    fillField("lastname", "Bois"),
    fillField("firstname", "Jules"),
    fillField("phone", "06 12 34 56 78"),
    fillField("email", "tour@example.com"),
    {
        content: "Accept the personal data notice",
        trigger: "label[for='rdv_consent']",
        run: "check #rdv_consent",
    },
    {
        content: "Continue",
        trigger: "form.o_rdv_details button[type='submit']",
        run: "click",
    },
    {
        content: "The summary shows the e-mail as typed (a typo shows)",
        trigger: "dl dd:contains('tour@example.com')",
    },
    {
        content: "The anti-robot check is solved by the browser",
        trigger: ".o_rdv_captcha.o_rdv_captcha_ready",
    },
    axeStep("summary"),
    {
        content: "Send me the code",
        trigger: "form[action$='/rdv/booking/code'] button[type='submit']",
        run: "click",
    },
    {
        content: "The code page, its field has the focus",
        trigger: "form[action$='/rdv/booking/verify'] #rdv_code:focus",
    },
    axeStep("confirmation code"),
];

registry.category("web_tour.tours").add("rdv_portal_booking_tour", {
    url: "/rdv",
    steps: bookingSteps,
});

/** Type a wrong code then the right one, given by the test as ?tour_code=. */
const codeSteps = (formAction) => [
    {
        content: "Type a wrong code",
        trigger: `form[action$='${formAction}'] #rdv_code`,
        run: async (helpers) => {
            const code = tourParam("code");
            await helpers.edit(String((Number(code) + 1) % 1000000).padStart(6, "0"));
            await helpers.click(`form[action$='${formAction}'] button[type='submit']`);
        },
    },
    {
        content: "The error is tied to the field",
        trigger: "#rdv_code[aria-invalid='true'][aria-describedby='rdv_code_error']",
    },
    axeStep("code with an error"),
    {
        content: "Type the code received by e-mail",
        trigger: `form[action$='${formAction}'] #rdv_code`,
        run: async (helpers) => {
            await helpers.edit(tourParam("code"));
            await helpers.click(`form[action$='${formAction}'] button[type='submit']`);
        },
    },
];

registry.category("web_tour.tours").add("rdv_portal_booking_code_tour", {
    steps: () => [
        ...codeSteps("/rdv/booking/verify"),
        {
            content: "Confirmed: the reference is shown",
            trigger: ".alert-success strong.font-monospace",
            run() {
                assert(
                    /^[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(this.anchor.textContent.trim()),
                    `unexpected reference "${this.anchor.textContent}"`
                );
            },
        },
        {
            content: "The PDF and the calendar file can be downloaded",
            trigger: "a[href$='/pdf'] ~ a[href$='/ics']",
        },
        axeStep("confirmation"),
    ],
});

// ----------------------------------------------------------------------
// Slot taken meanwhile: the code comes too late, the next times are offered
// ----------------------------------------------------------------------

registry.category("web_tour.tours").add("rdv_portal_taken_tour", {
    steps: () => [
        {
            content: "Type the code received by e-mail",
            trigger: "form[action$='/rdv/booking/verify'] #rdv_code",
            run: async (helpers) => {
                await helpers.edit(tourParam("code"));
                await helpers.click("form[action$='/rdv/booking/verify'] button[type='submit']");
            },
        },
        {
            content: "The friendly page: the next free times",
            trigger: "form[action$='/rdv/hold'] button[type='submit']",
        },
        axeStep("slot taken"),
        {
            content: "Take the first of the next free times",
            trigger: "form[action$='/rdv/hold'] button[type='submit']",
            run: "click",
        },
        {
            content: "It is held: the details form again",
            trigger: "form.o_rdv_details",
        },
    ],
});

// ----------------------------------------------------------------------
// Managing by the link of the confirmation e-mail: cancel, move
// ----------------------------------------------------------------------

registry.category("web_tour.tours").add("rdv_portal_cancel_tour", {
    steps: () => [
        {
            content: "The appointment opened by the link",
            trigger: "a[href$='/rdv/manage/cancel']",
        },
        axeStep("manage"),
        {
            content: "Cancel it",
            trigger: "a[href$='/rdv/manage/cancel']",
            run: "click",
        },
        {
            content: "Are you sure?",
            trigger: "h1:contains('Are you sure')",
        },
        axeStep("cancel confirmation"),
        {
            content: "Yes, cancel it",
            trigger: "form[action$='/rdv/manage/cancel'] button[type='submit']",
            run: "click",
        },
        {
            content: "Cancelled, with a link to book again",
            trigger: "h1:contains('is cancelled') ~ p a[href^='/rdv/type/']",
        },
        axeStep("cancelled"),
    ],
});

registry.category("web_tour.tours").add("rdv_portal_reschedule_tour", {
    steps: () => [
        {
            content: "The appointment opened by the link: move it",
            trigger: "a[href$='/rdv/manage/reschedule']",
            run: "click",
        },
        {
            content: "The free days of the same type at the same place",
            trigger: "table.o_rdv_month",
        },
        axeStep("move: days of the month"),
        ...chooseFirstFreeDay(),
        axeStep("move: times of a day"),
        {
            // The last one: the first of today may pass meanwhile (see above).
            content: "Choose the day's last free time",
            trigger:
                "#rdv_times li:last-child form[action$='/rdv/manage/reschedule'] button[type='submit']",
            run: "click",
        },
        {
            content: "The old and the new time, before anything moves",
            trigger: "dd del",
        },
        axeStep("move: confirm the new time"),
        {
            content: "Yes, move it",
            trigger: "form[action$='/rdv/manage/reschedule'] input[name='confirmed'] ~ button[type='submit']",
            run: "click",
        },
        {
            content: "Moved: the appointment with its new time",
            trigger: ".alert-info:contains('was moved')",
        },
        axeStep("manage after the move"),
    ],
});

// ----------------------------------------------------------------------
// Managing without the link: reference + contact + captcha, then a code
// ----------------------------------------------------------------------

registry.category("web_tour.tours").add("rdv_portal_find_tour", {
    steps: () => [
        {
            content: "Read the reference and contact given by the test",
            trigger: "form[action$='/rdv/manage/find']",
            run: () => {
                tourParam("reference");
                tourParam("contact");
            },
        },
        axeStep("find an appointment"),
        {
            content: "Send the form empty, once the anti-robot check is done",
            trigger: ".o_rdv_captcha.o_rdv_captcha_ready",
            run: (helpers) =>
                helpers.click("form[action$='/rdv/manage/find'] button[type='submit']"),
        },
        {
            content: "What is missing is said",
            trigger: ".alert-danger[role='alert']",
        },
        axeStep("find an appointment, with an error"),
        {
            content: "Reference",
            trigger: "label[for='rdv_reference']",
            run: (helpers) => helpers.edit(tourParam("reference"), "#rdv_reference"),
        },
        {
            content: "Phone or e-mail",
            trigger: "label[for='rdv_contact']",
            run: (helpers) => helpers.edit(tourParam("contact"), "#rdv_contact"),
        },
        {
            content: "Send me a code",
            trigger: "form[action$='/rdv/manage/find'] button[type='submit']",
            run: "click",
        },
        {
            content: "The code page",
            trigger: "form[action$='/rdv/manage/verify'] #rdv_code:focus",
        },
        axeStep("open by code"),
    ],
});

registry.category("web_tour.tours").add("rdv_portal_find_code_tour", {
    steps: () => [
        ...codeSteps("/rdv/manage/verify"),
        {
            content: "The appointment is open, with its actions",
            trigger: "a[href$='/rdv/manage/cancel']",
        },
        {
            content: "It is the one asked for",
            trigger: "dl",
            run: () =>
                assert(
                    document.querySelector("dl").textContent.includes(tourParam("reference")),
                    "the reference is not on the page"
                ),
        },
        axeStep("manage, opened by code"),
    ],
});

// ----------------------------------------------------------------------
// "My appointments" of a logged-in user (/my)
// ----------------------------------------------------------------------

registry.category("web_tour.tours").add("rdv_portal_my_tour", {
    url: "/my",
    steps: () => [
        {
            content: "The appointments in the portal's home, with their count",
            trigger:
                ".o_portal_index_card a[href='/my/appointments']" +
                ":has([data-placeholder_count='rdv_appointment_count'])",
        },
        axeStep("my account"),
        {
            content: "Open my appointments",
            trigger: ".o_portal_index_card a[href='/my/appointments']",
            run: "click",
        },
        {
            content: "The appointment to come is listed",
            trigger: "#rdv_upcoming ~ .table-responsive a[href^='/my/appointments/']",
        },
        axeStep("my appointments"),
        {
            content: "Open it",
            trigger: "#rdv_upcoming ~ .table-responsive a[href^='/my/appointments/']",
            run: "click",
        },
        {
            content: "Its details, PDF, move and cancel",
            trigger: "a[href$='/pdf'] ~ a[href$='/reschedule'] ~ a[href$='/cancel']",
        },
        axeStep("my appointment"),
        {
            content: "Cancel it",
            trigger: "a[href^='/my/appointments/'][href$='/cancel']",
            run: "click",
        },
        {
            content: "Are you sure?",
            trigger: "form[action$='/rdv/manage/cancel'] button[type='submit']",
            run: "click",
        },
        {
            content: "Cancelled; back to my appointments",
            trigger: "a[href='/my/appointments']",
            run: "click",
        },
        {
            content: "It is now among the past and cancelled ones",
            trigger: "#rdv_past ~ .table-responsive a[href^='/my/appointments/']",
        },
    ],
});

// ----------------------------------------------------------------------
// The error page (e.g. a booking whose hold expired)
// ----------------------------------------------------------------------

registry.category("web_tour.tours").add("rdv_portal_error_tour", {
    steps: () => [
        {
            content: "The reason, said as an alert, and a way back",
            trigger: "#wrap p[role='alert'] + p a.btn-primary",
        },
        axeStep("error page"),
    ],
});
