/** @odoo-module **/
/*
 * A citizen books with a French mobile number and no e-mail address: the
 * one-time code arrives by SMS. The SMS gateway is a stub on loopback
 * (rdv_booking_sms/tests/gateway_stub.py) whose address the test passes in the
 * start URL (?stub=...); the tour reads the code from it, as the citizen reads
 * their phone.
 *
 * Started by rdv_booking_sms/tests/test_tour.py, which checks the database.
 */

import { registry } from "@web/core/registry";

const STUB_KEY = "rdv_sms_stub";

registry.category("web_tour.tours").add("rdv_booking_sms_tour", {
    steps: () => [
        {
            content: "Remember where the SMS gateway stub listens",
            trigger: "ul[aria-label='Free times'] button",
            run: () => {
                const stub = new URL(window.location.href).searchParams.get("stub");
                window.sessionStorage.setItem(STUB_KEY, stub);
            },
        },
        {
            content: "Choose the first free time of the day",
            trigger: "ul[aria-label='Free times'] button",
            run: "click",
        },
        {
            content: "Give a last name",
            trigger: "input#rdv_lastname",
            run: "edit Bois",
        },
        {
            content: "Give a French mobile number, and no e-mail",
            trigger: "input#rdv_phone",
            run: "edit 06 12 34 56 78",
        },
        {
            content: "Accept the personal data notice",
            trigger: "input#rdv_consent",
            run: "click",
        },
        {
            content: "Continue",
            trigger: "form.o_rdv_details button[type='submit']",
            run: "click",
        },
        {
            content: "The summary says the code goes to the phone, as typed (a typo shows)",
            trigger: "form[action$='/rdv/booking/code'] p:contains('06 12 34 56 78')",
        },
        {
            content: "The anti-robot check is solved in the background",
            trigger: ".o_rdv_captcha_form .o_rdv_captcha_ready",
        },
        {
            content: "Ask for the code",
            trigger: ".o_rdv_captcha_form button[type='submit']",
            run: "click",
        },
        {
            content: "The code was sent to the phone",
            trigger: "p:contains('We sent a 6-digit code to'):contains('06 12 34 56 78')",
        },
        {
            content: "Read the code on the phone (the gateway stub) and type it",
            trigger: "input#rdv_code",
            run: async () => {
                const stub = window.sessionStorage.getItem(STUB_KEY);
                const response = await fetch(`${stub}/messages?to=${encodeURIComponent("+33612345678")}`);
                const messages = await response.json();
                const codes = messages.map((m) => (m.text.match(/^(\d{6}) /) || [])[1]).filter(Boolean);
                if (!codes.length) {
                    throw new Error("no code received by the SMS gateway stub");
                }
                const input = document.querySelector("input#rdv_code");
                input.value = codes[codes.length - 1];
                input.dispatchEvent(new Event("input", { bubbles: true }));
            },
        },
        {
            content: "Confirm",
            trigger: "form:has(input#rdv_code) button[type='submit']",
            run: "click",
        },
        {
            content: "The appointment is confirmed",
            trigger: "h1:contains('Your appointment is confirmed')",
        },
    ],
});
