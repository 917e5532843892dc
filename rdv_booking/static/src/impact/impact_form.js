/** @odoo-module **/
/*
 * The forms of changes that can move planned appointments (counter,
 * reference week, closure, place): their onchange lists the appointments
 * saving would move (rdv.impact.preview.mixin). Saving then asks, with that
 * list, whether to move them and tell their citizens; once saved, the notice
 * says how many messages were queued, by which channel, and whom to call, as
 * the server counts them from the messages themselves.
 */

import { Component } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { FormController } from "@web/views/form/form_controller";
import { formView } from "@web/views/form/form_view";

export class RdvImpactConfirmDialog extends Component {
    static template = "rdv_booking.ImpactConfirmDialog";
    static components = { Dialog };
    static props = {
        appointments: Array,
        confirm: Function,
        cancel: Function,
        close: Function,
    };

    get title() {
        if (this.props.appointments.length === 1) {
            return _t("Move 1 appointment to “To reschedule” and tell its citizen?");
        }
        return _t(
            "Move %s appointments to “To reschedule” and tell their citizens?",
            this.props.appointments.length
        );
    }

    /** What saving does, in the singular for one appointment. */
    get body() {
        if (this.props.appointments.length === 1) {
            return _t(
                "Its slot disappears: it moves to “To reschedule” and its citizen is told to " +
                    "choose another time. A citizen without an e-mail address or a mobile " +
                    "phone cannot be told: the notice after saving names them, to call."
            );
        }
        return _t(
            "Their slots disappear: they move to “To reschedule” and each citizen is told to " +
                "choose another time. Citizens without an e-mail address or a mobile phone " +
                "cannot be told: the notice after saving lists them, to call."
        );
    }

    get confirmLabel() {
        return this.props.appointments.length === 1
            ? _t("Move it and tell its citizen")
            : _t("Move and tell them");
    }

    onConfirm() {
        this.props.confirm();
        this.props.close();
    }

    onCancel() {
        this.props.cancel();
        this.props.close();
    }
}

export class RdvImpactFormController extends FormController {
    setup() {
        super.setup();
        this.rdvActionService = useService("action");
        this.rdvMoving = [];
    }

    /** Ask before a save that moves appointments; false keeps the form as it is. */
    async onWillSaveRecord(record) {
        this.rdvMoving = [];
        const moving = record.data.impact_appointment_ids?.records || [];
        if (!moving.length) {
            return super.onWillSaveRecord(...arguments);
        }
        const confirmed = await new Promise((resolve) => {
            this.dialogService.add(
                RdvImpactConfirmDialog,
                {
                    appointments: moving.map((appointment) => ({
                        id: appointment.resId,
                        reference: appointment.data.name,
                        citizen: appointment.data.citizen_name,
                        phone: appointment.data.phone_display,
                        when: appointment.data.start_local,
                        type: appointment.data.type_id ? appointment.data.type_id[1] : "",
                    })),
                    confirm: () => resolve(true),
                    cancel: () => resolve(false),
                },
                { onClose: () => resolve(false) }
            );
        });
        if (confirmed) {
            this.rdvMoving = moving.map((appointment) => appointment.resId);
        }
        return confirmed;
    }

    /**
     * Leaving the page (another address typed, the tab closed): Odoo saves
     * the form "urgently", without its save hooks, so without the question
     * above; a change that moves appointments is then not saved, and the
     * browser asks whether to leave (the change is lost if so).
     */
    async beforeUnload(ev) {
        const record = this.model.root;
        if (record.dirty && (record.data.impact_appointment_ids?.records || []).length) {
            ev.preventDefault();
            ev.returnValue = _t("Unsaved changes would move appointments.");
            return;
        }
        return super.beforeUnload(...arguments);
    }

    /** Once saved, the notice counted from the messages queued. */
    async onRecordSaved() {
        await super.onRecordSaved(...arguments);
        const moved = this.rdvMoving;
        this.rdvMoving = [];
        if (moved.length) {
            const notice = await this.orm.call("rdv.appointment", "action_moved_notice", [moved]);
            await this.rdvActionService.doAction(notice);
        }
    }
}

registry.category("views").add("rdv_impact_form", {
    ...formView,
    Controller: RdvImpactFormController,
});
