"""Website controllers of RDV.

``base`` holds what the citizen's pages share; ``booking``, ``manage`` and
``documents`` each add one flow to it (``link``: the signed links of client
systems that open a booking with the person's details filled in), and Odoo combines them into one
controller. ``portal`` adds "My appointments" to /my.
"""

from . import ants, base, booking, documents, errors, link, manage, portal
