"""Plain Python of the citizen website, with no Odoo import."""
