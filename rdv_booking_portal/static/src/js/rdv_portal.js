/** @odoo-module **/
/*
 * RDV citizen pages: the proof-of-work captcha, geolocation with consent,
 * and focus management for keyboard and screen-reader users.
 * Plain DOM code: the pages work as classic forms, this only helps them.
 */

// --- SHA-256 (FIPS 180-4), synchronous: tens of thousands of short hashes
// per second are needed, which Web Crypto's one-promise-per-hash API makes
// slow; and Web Crypto exists only on HTTPS pages, where this works on any.
const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const W = new Uint32Array(64);

function rotr(x, n) {
    return (x >>> n) | (x << (32 - n));
}

export function sha256(data) {
    const bitLength = data.length * 8;
    const blocks = Math.ceil((data.length + 9) / 64);
    const buffer = new Uint8Array(blocks * 64);
    buffer.set(data);
    buffer[data.length] = 0x80;
    const view = new DataView(buffer.buffer);
    view.setUint32(buffer.length - 4, bitLength >>> 0);
    view.setUint32(buffer.length - 8, Math.floor(bitLength / 0x100000000));
    let h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a;
    let h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (let block = 0; block < blocks; block++) {
        for (let i = 0; i < 16; i++) {
            W[i] = view.getUint32(block * 64 + i * 4);
        }
        for (let i = 16; i < 64; i++) {
            const s0 = rotr(W[i - 15], 7) ^ rotr(W[i - 15], 18) ^ (W[i - 15] >>> 3);
            const s1 = rotr(W[i - 2], 17) ^ rotr(W[i - 2], 19) ^ (W[i - 2] >>> 10);
            W[i] = (W[i - 16] + s0 + W[i - 7] + s1) >>> 0;
        }
        let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
        for (let i = 0; i < 64; i++) {
            const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
            const ch = (e & f) ^ (~e & g);
            const t1 = (h + S1 + ch + K[i] + W[i]) >>> 0;
            const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
            const maj = (a & b) ^ (a & c) ^ (b & c);
            const t2 = (S0 + maj) >>> 0;
            h = g;
            g = f;
            f = e;
            e = (d + t1) >>> 0;
            d = c;
            c = b;
            b = a;
            a = (t1 + t2) >>> 0;
        }
        h0 = (h0 + a) >>> 0;
        h1 = (h1 + b) >>> 0;
        h2 = (h2 + c) >>> 0;
        h3 = (h3 + d) >>> 0;
        h4 = (h4 + e) >>> 0;
        h5 = (h5 + f) >>> 0;
        h6 = (h6 + g) >>> 0;
        h7 = (h7 + h) >>> 0;
    }
    const digest = new Uint8Array(32);
    const out = new DataView(digest.buffer);
    [h0, h1, h2, h3, h4, h5, h6, h7].forEach((word, i) => out.setUint32(i * 4, word));
    return digest;
}

function toHex(bytes) {
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function fromHex(hex) {
    return new Uint8Array((hex.match(/../g) || []).map((pair) => parseInt(pair, 16)));
}

// Messages are hidden elements of the page, so that Odoo translates them.
function message(container, name) {
    return container.querySelector(`.o_rdv_msg_${name}`)?.textContent || "";
}

// --- Captcha: the ALTCHA protocol (version 2) with its iterated SHA-256
// derivation, the one the server's altcha library issues and checks. Not the
// official ALTCHA widget: it hashes with Web Crypto, which browsers give
// HTTPS pages only (a form served over plain HTTP on a local network would
// never be sent), it is more than ten times the size of this file, and it
// shows its own checkbox and branding where this check is invisible.
// Finds the counter in slices so the page stays responsive, then fills the
// hidden field with the protocol's payload.
const MAX_COUNTER = 0xffffffff; // the protocol's counter is an unsigned 32-bit integer

function deriveKey(parameters, salt, password) {
    let derived = new Uint8Array(salt.length + password.length);
    derived.set(salt);
    derived.set(password, salt.length);
    for (let i = 0; i < Math.max(1, parameters.cost); i++) {
        derived = sha256(derived);
    }
    return derived.slice(0, parameters.keyLength);
}

function solve(parameters) {
    return new Promise((resolve, reject) => {
        const salt = fromHex(parameters.salt);
        const nonce = fromHex(parameters.nonce);
        const password = new Uint8Array(nonce.length + 4);
        password.set(nonce);
        const counterView = new DataView(password.buffer, nonce.length);
        const prefix = parameters.keyPrefix.toLowerCase();
        // Compared as bytes (hex only for the answer), as the library does.
        const prefixBytes = prefix.length % 2 === 0 ? fromHex(prefix) : null;
        const matches = (key) =>
            prefixBytes
                ? prefixBytes.every((byte, i) => key[i] === byte)
                : toHex(key).startsWith(prefix);
        let counter = 0;
        function slice() {
            const end = Math.min(counter + 5000, MAX_COUNTER);
            for (; counter <= end; counter++) {
                counterView.setUint32(0, counter);
                const key = deriveKey(parameters, salt, password);
                if (matches(key)) {
                    resolve({ counter, derivedKey: toHex(key) });
                    return;
                }
            }
            if (counter > MAX_COUNTER) {
                reject(new Error("no solution"));
            } else {
                setTimeout(slice, 0);
            }
        }
        slice();
    });
}

function setupCaptcha(widget) {
    const challenge = JSON.parse(widget.dataset.challenge);
    const input = widget.querySelector("input[name='rdv_captcha']");
    const status = widget.querySelector(".o_rdv_captcha_status");
    const form = widget.closest("form");
    const done = (
        challenge.parameters.algorithm === "SHA-256"
            ? solve(challenge.parameters)
            : Promise.reject(new Error("unknown algorithm"))
    ).then(
        (solution) => {
            input.value = btoa(JSON.stringify({ challenge, solution }));
            status.textContent = message(widget, "ready");
            widget.classList.add("o_rdv_captcha_ready");
        },
        () => {
            status.textContent = message(widget, "failed");
        }
    );
    form.addEventListener("submit", (event) => {
        if (!input.value) {
            event.preventDefault();
            done.then(() => form.requestSubmit());
        }
    });
}

// --- "Use my position": only on request, never stored.
function setupGeolocation(form) {
    const button = form.querySelector(".o_rdv_geolocate");
    const status = form.querySelector(".o_rdv_geolocate_status");
    if (!button || !navigator.geolocation) {
        return;
    }
    button.classList.remove("d-none");
    button.addEventListener("click", () => {
        status.textContent = message(form, "searching");
        navigator.geolocation.getCurrentPosition(
            (position) => {
                form.querySelector(".o_rdv_lat").value = position.coords.latitude.toFixed(5);
                form.querySelector(".o_rdv_lon").value = position.coords.longitude.toFixed(5);
                status.textContent = message(form, "found");
            },
            () => {
                status.textContent = message(form, "denied");
            },
            { timeout: 10000, maximumAge: 600000 }
        );
    });
}

function start() {
    document.querySelectorAll(".o_rdv_captcha[data-challenge]").forEach(setupCaptcha);
    document.querySelectorAll("form.o_rdv_where").forEach(setupGeolocation);
    // Take keyboard and screen-reader users to what changed.
    const errors = document.getElementById("rdv_errors");
    if (errors) {
        errors.focus();
    } else if (window.location.hash === "#rdv_times") {
        document.getElementById("rdv_times")?.focus();
    }
}

if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
} else {
    start();
}
