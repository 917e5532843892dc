/** @odoo-module **/
/*
 * axe-core for the tours of the back office and of the website: loaded from
 * an address that is not a real host, which the test answers from
 * var/node/node_modules/axe-core (rdv_booking/tests/axe.py, AxeTourMixin).
 */

export const AXE_URL = "https://axe-core.rdv.invalid/axe.min.js";
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/** axe-core, loaded once per page. */
export function loadAxe() {
    if (window.axe) {
        return Promise.resolve(window.axe);
    }
    return new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = AXE_URL;
        script.onload = () => resolve(window.axe);
        script.onerror = () =>
            reject(
                new Error(
                    `axe-core could not be loaded from ${AXE_URL}: the test serves it ` +
                        "from var/node/node_modules/axe-core (install it with " +
                        "scripts/ensure_deps.sh test)"
                )
            );
        document.head.appendChild(script);
    });
}
