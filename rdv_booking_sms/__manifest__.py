{
    "name": "RDV Booking SMS",
    "summary": "SMS codes, confirmations and reminders for RDV appointments",
    "version": "18.0.1.0.0",
    "category": "Services/Appointment",
    "license": "AGPL-3",
    "author": "RDV contributors",
    "website": "https://github.com/rdv-odoo/rdv",
    "maintainers": ["rdv-odoo"],
    "development_status": "Alpha",
    "depends": ["rdv_booking_portal", "sms", "phone_validation"],
    "data": [],
    "installable": True,
}
