/** @odoo-module **/
/*
 * The agents' board: every counter side by side, one column each, the times
 * aligned on the hours they open, a day or a week (a block per day). A free
 * time opens the booking dialog with its counter and time filled in; the
 * arrows move between times and counters; several times are selected with
 * Space, Shift+arrows or Ctrl+click and suspended, reserved or released at
 * once. The server says what to draw (rdv.slot.get_board_data) and does what is
 * asked through the slots' own actions (rdv.slot.board_action): no rule here.
 */

import {
    Component,
    onMounted,
    onPatched,
    onWillStart,
    onWillUnmount,
    useRef,
    useState,
} from "@odoo/owl";
import { DateTimeInput } from "@web/core/datetime/datetime_input";
import { _t } from "@web/core/l10n/translation";
import { formatDate, parseDate } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

const { DateTime } = luxon;

const BOOKABLE = ["free", "reserved"];

/** A window action as a button returns it, complete for doAction. */
function withViews(action) {
    if (action.type !== "ir.actions.act_window" || action.views) {
        return action;
    }
    return { ...action, views: action.view_mode.split(",").map((mode) => [false, mode]) };
}

export class RdvBoard extends Component {
    static template = "rdv_booking.Board";
    static components = { DateTimeInput };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.notification = useService("notification");
        this.root = useRef("root");
        const saved = this.props.action?.context?.rdv_board || {};
        this.state = useState({
            data: null,
            focusId: null,
            selection: [],
            day: saved.day || false,
            scale: saved.scale || "day",
            filters: saved.filters || null,
            dateError: "",
        });
        this.onDialogKey = this.onDialogKey.bind(this);
        onWillStart(() => this.load());
        onMounted(() => {
            document.addEventListener("keydown", this.onDialogKey, true);
            this.focusCurrent();
        });
        onPatched(() => this.applyFocus());
        onWillUnmount(() => document.removeEventListener("keydown", this.onDialogKey, true));
    }

    // ------------------------------------------------------------------
    // Data
    // ------------------------------------------------------------------

    async load() {
        const data = await this.orm.call("rdv.slot", "get_board_data", [], {
            day: this.state.day,
            scale: this.state.scale,
            filters: this.state.filters,
        });
        this.state.data = data;
        this.state.day = data.day;
        this.state.filters = data.filters;
        this.index();
        const ids = new Set(this.slots.map((slot) => slot.id));
        this.state.selection = this.state.selection.filter((id) => ids.has(id));
        if (!ids.has(this.state.focusId)) {
            // The first time still to come (else the first one) takes the focus.
            const next = this.slots.find((slot) => !slot.past) || this.slots[0];
            this.state.focusId = next ? next.id : null;
        }
    }

    /** The slots in reading order, with where they sit, for the arrows. */
    index() {
        const columns = Object.fromEntries(this.state.data.counters.map((c, i) => [c.id, i]));
        this.slots = [];
        this.byId = {};
        this.state.data.blocks.forEach((block, blockIndex) => {
            for (const cell of block.cells) {
                for (const slot of cell.slots) {
                    const entry = {
                        ...slot,
                        block: blockIndex,
                        column: columns[cell.counter_id],
                        row: cell.row,
                        rowEnd: cell.row_end,
                        time: cell.time,
                    };
                    this.slots.push(entry);
                    this.byId[slot.id] = entry;
                }
            }
        });
        this.slots.sort(
            (a, b) => a.block - b.block || a.row - b.row || a.column - b.column || a.seat - b.seat
        );
    }

    async reload(focusId) {
        await this.load();
        if (focusId && this.byId[focusId]) {
            this.state.focusId = focusId;
        }
        this.focusCurrent();
    }

    /** Give the focus to the focused time once the DOM shows it. */
    focusCurrent() {
        this.focusPending = true;
        requestAnimationFrame(() => this.applyFocus());
    }

    applyFocus(tries = 40) {
        if (!this.focusPending) {
            return;
        }
        if (document.querySelector(".modal")) {
            // A dialog still closing: the board gets the focus once it is gone
            // (a re-render may not come after it).
            if (tries > 0) {
                setTimeout(() => this.applyFocus(tries - 1), 50);
            }
            return;
        }
        const button = this.root.el?.querySelector(`button[data-slot-id="${this.state.focusId}"]`);
        if (button) {
            this.focusPending = false;
            button.focus();
            // A closing dialog gives the focus back to the element that had it
            // when it opened: that time's button before the board was drawn
            // again, gone from the page, so the focus fell to the page's body
            // and the arrow keys moved nothing. Take it back if so.
            for (const delay of [100, 400]) {
                setTimeout(() => {
                    const active = document.activeElement;
                    if (
                        button.isConnected &&
                        !document.querySelector(".modal") &&
                        (!active || active === document.body)
                    ) {
                        button.focus();
                    }
                }, delay);
            }
        }
    }

    // ------------------------------------------------------------------
    // Template helpers
    // ------------------------------------------------------------------

    get labels() {
        return this.state.data.labels;
    }

    gridStyle(block) {
        const columns = this.state.data.counters.length;
        return (
            `grid-template-columns: 4rem repeat(${columns}, minmax(0, 1fr));` +
            `grid-template-rows: auto repeat(${block.rows.length || 1}, minmax(2.25rem, auto));`
        );
    }

    cellStyle(cell) {
        const column = this.state.data.counters.findIndex((c) => c.id === cell.counter_id) + 2;
        return `grid-column: ${column}; grid-row: ${cell.row + 1} / ${cell.row_end + 1};`;
    }

    closedStyle(block, counterId) {
        const column = this.state.data.counters.findIndex((c) => c.id === counterId) + 2;
        return `grid-column: ${column}; grid-row: 2 / ${Math.max(block.rows.length, 1) + 2};`;
    }

    slotClass(slot) {
        return {
            [`o_rdv_slot_${slot.state}`]: true,
            o_rdv_slot_past: slot.past,
            o_rdv_slot_selected: this.state.selection.includes(slot.id),
        };
    }

    isSelected(slotId) {
        return this.state.selection.includes(slotId);
    }

    // ------------------------------------------------------------------
    // Navigation and filters
    // ------------------------------------------------------------------

    async go(day) {
        this.setDateError("");
        this.state.day = day;
        this.state.selection = [];
        await this.reload();
    }

    async setScale(scale) {
        this.state.scale = scale;
        await this.reload(this.state.focusId);
    }

    /** The shown day, for the date field (written in the user's language's format). */
    get dayValue() {
        return DateTime.fromISO(this.state.data.day);
    }

    async onDateChange(value) {
        if (value) {
            await this.go(value.toISODate());
        }
    }

    /**
     * A date typed that is none ("31/02/2026", "hier"): Odoo's field puts
     * the shown day back without a word; the agent is told why, by the
     * field (aria-invalid) and a message read out. Caught before the field
     * handles the change.
     */
    onDateTyped(ev) {
        const input = ev.target;
        const typed = input.value.trim();
        let valid = true;
        if (typed) {
            try {
                valid = Boolean(parseDate(typed));
            } catch {
                valid = false;
            }
        }
        this.setDateError(
            valid
                ? ""
                : _t("“%(typed)s” is not a date: type one like %(example)s.", {
                      typed,
                      example: formatDate(DateTime.fromISO(this.state.data.day)),
                  }),
            input
        );
    }

    setDateError(message, input = null) {
        this.state.dateError = message;
        input ||= this.root.el?.querySelector(".o_rdv_board_date input");
        if (input) {
            input.setAttribute("aria-invalid", message ? "true" : "false");
            input.setAttribute("aria-describedby", "o_rdv_board_date_error");
        }
    }

    async onFilter(name, ev) {
        const value = parseInt(ev.target.value);
        this.state.filters = { ...this.state.filters, [name]: value ? [value] : [] };
        this.state.selection = [];
        await this.reload();
    }

    isChosen(name, id) {
        return this.filterValue(name) === String(id);
    }

    filterValue(name) {
        const ids = this.state.filters?.[name] || [];
        return ids.length === 1 ? String(ids[0]) : "";
    }

    // ------------------------------------------------------------------
    // The keyboard and the mouse
    // ------------------------------------------------------------------

    /** The slot the arrow ``key`` leads to from ``from``, or null. */
    neighbour(from, key) {
        const slots = this.slots;
        if (key === "ArrowRight" || key === "ArrowLeft") {
            // The times of the other counters that share this row.
            const row = slots.filter(
                (s) => s.block === from.block && s.row <= from.row && from.row < s.rowEnd
            );
            row.sort((a, b) => a.column - b.column || a.seat - b.seat);
            const at = row.findIndex((s) => s.id === from.id);
            const rtl = this.root.el && getComputedStyle(this.root.el).direction === "rtl";
            const forward = (key === "ArrowRight") !== rtl;
            return row[at + (forward ? 1 : -1)] || null;
        }
        // Up and down: the previous or next time of the same counter (and
        // seat), on to the next day's block in the week.
        const same = slots.filter((s) => s.column === from.column && s.seat === from.seat);
        const at = same.findIndex((s) => s.id === from.id);
        return same[at + (key === "ArrowDown" ? 1 : -1)] || null;
    }

    onGridKeydown(ev) {
        const current = this.byId[this.state.focusId];
        if (!current) {
            return;
        }
        const key = ev.key;
        if (["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].includes(key)) {
            ev.preventDefault();
            const target = this.neighbour(current, key);
            if (!target) {
                return;
            }
            if (ev.shiftKey) {
                this.select(current.id, true);
                this.select(target.id, true);
            }
            this.state.focusId = target.id;
            this.focusCurrent();
        } else if (key === "Enter" && !ev.ctrlKey) {
            ev.preventDefault();
            this.open(current);
        } else if (key === " ") {
            ev.preventDefault();
            this.select(current.id, !this.isSelected(current.id));
        } else if (key === "Escape" && this.state.selection.length) {
            ev.preventDefault();
            this.state.selection = [];
        } else if (!ev.ctrlKey && !ev.altKey && !ev.metaKey) {
            const action = { s: "suspend", r: "reserve", l: "release" }[key.toLowerCase()];
            if (action) {
                ev.preventDefault();
                this.act(action);
            }
        }
    }

    select(slotId, selected) {
        const without = this.state.selection.filter((id) => id !== slotId);
        this.state.selection = selected ? [...without, slotId] : without;
    }

    onSlotClick(slot, ev) {
        this.state.focusId = slot.id;
        if (ev.ctrlKey || ev.metaKey || ev.shiftKey) {
            this.select(slot.id, !this.isSelected(slot.id));
            return;
        }
        this.open(this.byId[slot.id]);
    }

    onSlotFocus(slot) {
        this.state.focusId = slot.id;
    }

    /**
     * In the booking dialog opened from the board, Ctrl+Enter books; so does
     * Enter in a line of text once every field the booking needs is filled
     * (the dialog's ``enter_needs``: the caller's names, phone..., never a box
     * of several lines, where Enter starts a new line); before,
     * Enter moves to the next of them still empty. Enter keeps its own
     * meaning in a drop-down (it picks), a list of choices and the comment
     * (a new line).
     */
    onDialogKey(ev) {
        if (ev.key !== "Enter" || ev.altKey || ev.shiftKey) {
            return;
        }
        const dialog = document.querySelector(".modal .o_rdv_slot_assign");
        const book = dialog?.closest(".modal")?.querySelector("button[name='action_confirm']");
        const withCtrl = ev.ctrlKey || ev.metaKey;
        if (!withCtrl) {
            if (!dialog?.contains(ev.target) || !this.isTextLine(dialog, ev.target)) {
                return;
            }
            const empty = this.emptyNeeded(dialog);
            if (empty.length) {
                ev.preventDefault();
                ev.stopPropagation();
                const after = empty.find(
                    (input) =>
                        ev.target.compareDocumentPosition(input) & Node.DOCUMENT_POSITION_FOLLOWING
                );
                (after || empty[0]).focus();
                return;
            }
        }
        if (book && !book.disabled) {
            ev.preventDefault();
            ev.stopPropagation();
            book.click();
        }
    }

    /**
     * Whether Enter in ``input`` is ours: a line of text, not a choice, and
     * no drop-down of its own nor date picker open. A list of choices left
     * open by another field (the type's, searched again after the pick) does
     * not take the agent's Enter from the line they type in.
     */
    isTextLine(dialog, input) {
        const textLine =
            input.tagName === "INPUT" &&
            ["text", "tel", "email", ""].includes(input.getAttribute("type") || "");
        return (
            textLine &&
            !input.closest(".o_field_many2one, .o_field_selection, .o_field_date, .o_field_datetime") &&
            !input.closest(".o-autocomplete")?.querySelector(".o-autocomplete--dropdown-menu") &&
            !dialog.querySelector(".o_datetime_picker")
        );
    }

    /**
     * The inputs, in the dialog's order, of the needed fields still empty:
     * the dialog's ``enter_needs`` is a word per group of fields one of which
     * is enough (``phone|email``: either way to reach the citizen); a group
     * with none filled offers its first field.
     */
    emptyNeeded(dialog) {
        const input = (name) =>
            dialog.querySelector(`.o_field_widget[name='${name}'] :is(input, select, textarea)`);
        const filled = (value) => value && (value.disabled || value.value.trim() !== "");
        const groups = (dialog.querySelector(".o_field_widget[name='enter_needs']")?.textContent || "")
            .split(/\s+/)
            .filter(Boolean)
            .map((group) => group.split("|").map(input).filter(Boolean));
        const empty = groups
            .filter((inputs) => inputs.length && !inputs.some(filled))
            .map((inputs) => inputs[0]);
        return empty.sort((a, b) =>
            a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1
        );
    }

    // ------------------------------------------------------------------
    // Actions
    // ------------------------------------------------------------------

    /** A free time: the booking dialog, filled in; a booked one: its appointment. */
    async open(slot) {
        if (!slot || slot.past) {
            return;
        }
        const focusId = slot.id;
        let action;
        if (BOOKABLE.includes(slot.state)) {
            action = await this.orm.call("rdv.slot", "action_assign", [[slot.id]]);
            action = { ...action, context: { ...action.context, rdv_board: 1 } };
        } else if (slot.state === "booked" || slot.state === "held") {
            action = await this.orm.call("rdv.slot", "action_open_appointment", [[slot.id]]);
            action = { ...action, target: "new" };
        } else {
            return;
        }
        await this.actionService.doAction(withViews(action), {
            onClose: () => this.reload(focusId),
        });
        if (BOOKABLE.includes(slot.state)) {
            this.focusLastname();
        }
    }

    /**
     * On the phone the agent types the caller's name first; at a counter
     * that receives several types, the type first (the dialog cannot book
     * without it).
     */
    focusLastname(tries = 40) {
        const dialog = ".modal .o_rdv_slot_assign ";
        const type = document.querySelector(dialog + ".o_field_widget[name='type_id'] input");
        const input =
            type && !type.value
                ? type
                : document.querySelector(dialog + ".o_field_widget[name='lastname'] input");
        if (input) {
            input.focus();
            if (input === type) {
                this.nameAfterType(type);
            }
        } else if (tries) {
            setTimeout(() => this.focusLastname(tries - 1), 50);
        }
    }

    /**
     * Once the type is picked, on to the last name, as at a counter of one
     * type. Picked means the dialog's "choose the type" help is gone (the
     * record has it), not text typed in the field; if the agent went
     * elsewhere meanwhile, the focus stays theirs.
     */
    nameAfterType(type) {
        const modal = type.closest(".modal");
        const wait = () => {
            if (!modal?.isConnected) {
                return;
            }
            if (modal.querySelector(".o_rdv_type_help")) {
                setTimeout(wait, 100);
                return;
            }
            const inType = document.activeElement?.closest(".o_field_widget[name='type_id']");
            if (inType && modal.contains(inType)) {
                modal.querySelector(".o_field_widget[name='lastname'] input")?.focus();
            }
        };
        setTimeout(wait, 100);
    }

    async act(action) {
        const focusId = this.state.focusId;
        const ids = this.state.selection.length ? [...this.state.selection] : [focusId];
        if (!ids[0]) {
            return;
        }
        const result = await this.orm.call("rdv.slot", "board_action", [ids, action]);
        this.notification.add(result.message, {
            type: result.refused ? "warning" : result.done ? "success" : "info",
        });
        if (result.done) {
            this.state.selection = [];
        }
        if (result.action) {
            await this.actionService.doAction(withViews(result.action), {
                onClose: () => this.reload(focusId),
            });
            if (result.action.res_model === "rdv.slot.block") {
                this.state.selection = [];
                return;
            }
        }
        await this.reload(focusId);
    }

    clearSelection() {
        this.state.selection = [];
        this.focusCurrent();
    }
}

registry.category("actions").add("rdv_booking.board", RdvBoard);
