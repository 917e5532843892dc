"""The demo data generator (called from the demo XML)."""

from . import rdv_demo
