"""Website controllers of RDV."""

from . import errors, main, portal
