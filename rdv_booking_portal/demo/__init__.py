"""Demo data made in Python: the demo website's texts in English and Arabic."""

from . import rdv_portal_demo
