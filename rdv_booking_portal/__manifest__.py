{
    "name": "RDV Booking Portal",
    "summary": "Citizens book, manage and cancel appointments on the website",
    "version": "18.0.1.0.0",
    "category": "Website/Website",
    "license": "AGPL-3",
    "author": "RDV contributors",
    "website": "https://github.com/rdv-odoo/rdv",
    "maintainers": ["rdv-odoo"],
    "development_status": "Alpha",
    "depends": ["rdv_booking", "website", "portal"],
    "external_dependencies": {"python": ["vobject"]},
    "data": [
        "security/ir.model.access.csv",
        "data/mail_templates.xml",
        "data/website_menu.xml",
        "report/rdv_appointment_report.xml",
        "report/rdv_appointment_templates.xml",
        "views/rdv_portal_templates.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "rdv_booking_portal/static/src/scss/rdv_portal.scss",
            "rdv_booking_portal/static/src/js/rdv_portal.js",
        ],
    },
    "installable": True,
}
