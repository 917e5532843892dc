/** @odoo-module **/
/*
 * The manager's dashboard: this week's or this month's figures, each with
 * the one before and its trend, each opening the list it counts. Every
 * figure comes from one model method, rdv.dashboard.get_figures, read with
 * the user's rights; this component only lays them out.
 */

import { Component, onWillStart, useState, useSubEnv } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { formatFloat } from "@web/core/utils/numbers";
import { Layout } from "@web/search/layout";
import { getDefaultConfig } from "@web/views/view";

export class RdvDashboard extends Component {
    static template = "rdv_booking.Dashboard";
    static components = { Layout };
    static props = ["*"];

    setup() {
        useSubEnv({ config: { ...getDefaultConfig(), ...this.env.config } });
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ period: "week", figures: null });
        onWillStart(() => this.load());
    }

    async load(period = this.state.period) {
        this.state.figures = await this.orm.call("rdv.dashboard", "get_figures", [period]);
        this.state.period = this.state.figures.period;
    }

    get periods() {
        return [
            { key: "week", label: _t("This week") },
            { key: "month", label: _t("This month") },
        ];
    }

    /** "1 234", "8,5 %" in the user's language, or a dash when nothing could be counted. */
    format(value, unit) {
        if (value === null || value === undefined || value === false) {
            return "–";
        }
        const digits = unit === "percent" ? 1 : 0;
        const number = formatFloat(value, { digits: [false, digits], trailingZeros: false });
        return unit === "percent" ? `${number} %` : number;
    }

    /** The trend against the period before: its words, and whether it is good news. */
    trend(item) {
        if (item.comparable === false || item.value === null || item.previous === null) {
            // Nothing measured in one of the two periods (the server says
            // so of its tiles): no trend to give.
            return { text: _t("nothing to compare"), icon: "fa-minus", tone: "text-body" };
        }
        if (item.value === item.previous) {
            return { text: _t("no change"), icon: "fa-minus", tone: "text-body" };
        }
        const up = item.value > item.previous;
        const diff = Math.round(Math.abs(item.value - item.previous) * 10) / 10;
        const good = (item.better || "up") === (up ? "up" : "down");
        const signed =
            (up ? "+" : "−") + formatFloat(diff, { digits: [false, 1], trailingZeros: false });
        return {
            text: item.unit === "percent" ? _t("%s points", signed) : signed,
            icon: up ? "fa-arrow-up" : "fa-arrow-down",
            tone: good ? "text-success-emphasis" : "text-danger-emphasis",
        };
    }

    /** "(vs. Nov 1 – 5: 12)": the same number of days of the period before. */
    previousText(tile) {
        return _t("(vs. %(days)s: %(value)s)", {
            days: this.state.figures.compared,
            value: this.format(tile.previous, tile.unit),
        });
    }

    /** "3 d 4 h" from a number of hours. */
    leadTime(hours) {
        if (hours === null || hours === false) {
            return _t("no free time online");
        }
        const total = Math.round(hours);
        const days = Math.floor(total / 24);
        const rest = total % 24;
        return days ? _t("%(days)s d %(hours)s h", { days, hours: rest }) : _t("%s h", rest);
    }

    open(action) {
        this.action.doAction(action);
    }
}

registry.category("actions").add("rdv_booking.dashboard", RdvDashboard);
