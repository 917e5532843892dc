"""Human-readable appointment references (no Odoo import).

References are random, not sequential: they do not reveal how many
appointments a commune takes, and cannot be guessed from a neighbour's. The
alphabet has no 0/O, 1/I/L, so a reference can be dictated on the phone.
"""

import re
import secrets

from .parse import folded

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
GROUPS, SIZE = 2, 4  # K7MQ-4XR2
_CLEAN = re.compile(r"[^A-Z0-9]")


def new_reference(groups=GROUPS, size=SIZE):
    """Return a reference such as ``K7MQ-4XR2`` (31^8 ~ 8.5e11 values)."""
    return "-".join("".join(secrets.choice(ALPHABET) for _i in range(size)) for _g in range(groups))


def normalize_reference(text, groups=GROUPS, size=SIZE):
    """Canonical form of a reference typed by a person ("k7mq 4xr2" -> "K7MQ-4XR2").

    As typed on any keyboard (full-width forms, digits of any script). Returns an empty string if
    the text cannot be a reference.
    """
    chars = _CLEAN.sub("", folded(text).upper())
    if len(chars) != groups * size:
        return ""
    return "-".join(chars[i : i + size] for i in range(0, len(chars), size))
