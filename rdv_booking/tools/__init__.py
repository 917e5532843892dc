"""Pure-Python helpers of the RDV booking addon (no Odoo import)."""
