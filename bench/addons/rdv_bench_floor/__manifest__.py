{
    "name": "RDV bench: Odoo's floor",
    "summary": "For bench/bench_portal.py only: a website POST that does nothing",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "license": "LGPL-3",
    "depends": ["website"],
    "installable": True,
}
