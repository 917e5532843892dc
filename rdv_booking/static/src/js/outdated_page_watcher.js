/** @odoo-module **/
/*
 * Odoo's "The page is out of date", without its false alarm.
 *
 * When its bus connection opens again, a page asks the server whether the last
 * bus notification it received still exists (the daily auto-vacuum deletes
 * old ones, so some may have been missed) and, if not, tells the user to
 * reload. A page that has received no notification asks about none, and the
 * server answers "missed": on a database where nothing was sent on the bus
 * yet (a new commune, the demo), every page the agents opened said it was out
 * of date. Such a page loaded its data after its bus started and knows of no
 * notification it could have missed: it does not ask.
 */

import { OutdatedPageWatcherService } from "@bus/outdated_page_watcher_service";
import { patch } from "@web/core/utils/patch";

patch(OutdatedPageWatcherService.prototype, {
    async checkHasMissedNotifications() {
        if (!this.lastNotificationId) {
            return;
        }
        return super.checkHasMissedNotifications(...arguments);
    },
});
