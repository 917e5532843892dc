from odoo import _, api, models

from ..tools.phone import format_phone


class ReportRdvDaySheet(models.AbstractModel):
    """The printed day sheet: the appointments of a counter for a day, to
    serve them in order and tick who came, also when the network is down."""

    _name = "report.rdv_booking.report_rdv_day_sheet"
    _description = "Day sheet"

    @api.model
    def _get_report_values(self, docids, data=None):
        appointments = self.env["rdv.appointment"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "rdv.appointment",
            "docs": appointments,
            "pages": self._get_pages(appointments),
        }

    @api.model
    def _get_pages(self, appointments):
        """The pages of ``appointments``: one per day and counter, days in the
        place's time zone, rows in time order. Holds still pending are no
        appointments yet and are left out; cancelled ones and those that lost
        their slot (to reschedule) are listed struck through
        (``row['void']``), not counted.

        :return: list of dicts (counter, day, rows, appointments, persons, total)
        """
        states = dict(appointments._fields["state"]._description_selection(self.env))
        pages = {}
        for appointment in appointments.filtered(lambda a: a.state != "pending").sorted(
            lambda a: (a.start, a.id)
        ):
            # Its name and place, also for an agent who sees the appointment
            # (their service's type) at a counter no longer offering the type.
            counter = appointment.counter_id.sudo()
            # The counter itself: two communes may name theirs alike.
            key = (
                appointment._format_local(appointment.start, "y-MM-dd"),
                counter.display_name,
                counter.id,
            )
            page = pages.setdefault(
                key,
                {
                    "counter": counter,
                    "day": appointment._format_local(appointment.start, "EEEE d MMMM y"),
                    "rows": [],
                    "appointments": 0,
                    "persons": 0,
                },
            )
            page["rows"].append(
                {
                    "appointment": appointment,
                    "time": "%s - %s"
                    % (
                        appointment._format_local(appointment.start, "HH:mm"),
                        appointment._format_local(appointment.stop, "HH:mm"),
                    ),
                    "phone": appointment.phone
                    and format_phone(appointment.phone, appointment.place_id.country_id.code),
                    "status": states[appointment.state],
                    "arrived": appointment._format_local(appointment.arrival_time, "HH:mm"),
                    "void": appointment.state in ("cancelled", "to_reschedule"),
                }
            )
            if not page["rows"][-1]["void"]:
                page["appointments"] += 1
                page["persons"] += appointment.persons
        for page in pages.values():
            if not page["appointments"]:
                page["total"] = _("No appointment left")
                continue
            page["total"] = "%s, %s" % (
                _("1 appointment")
                if page["appointments"] == 1
                else _("%s appointments", page["appointments"]),
                _("1 person") if page["persons"] == 1 else _("%s persons", page["persons"]),
            )
        return [pages[key] for key in sorted(pages)]
