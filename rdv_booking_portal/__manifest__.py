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
    "data": [],
    "installable": True,
}
