"""Website controllers of RDV."""

from . import main, portal
