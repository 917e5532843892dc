"""How RDV recognises a person across bookings (no Odoo import).

A person is the same as soon as ONE of their phone, e-mail or ID document
number is the same, each compared in a normal form:

- phone: E.164 (``+33612345678``), as :func:`tools.phone.parse_phone` stores it;
- e-mail: trimmed and in lower case, as Odoo's ``email_normalize`` stores it.
  Nothing provider-specific: dots and ``+tags`` stay. Gmail ignores dots and
  many providers deliver ``name+tag@`` to ``name@``, but others do not, and
  folding them would make distinct people of those providers one person (then
  refused); whoever wants a second address can open one anyway, and the phone
  and ID number still match;
- ID document number: capitals, letters and digits only ("ab 123-456" ->
  "AB123456"), Arabic-Indic digits read as the digits they are.

The per-person limits (:meth:`rdv.person._check_limits`) read these
keys, and lock on them (:func:`lock_buckets`) so that two bookings of one
person in parallel cannot both pass.
"""

import hashlib
import re

from .parse import folded

# The person locks are rows of a table with this many buckets: a person's key
# locks its bucket. Bounded (the table never grows past it) and anonymous (a
# bucket holds thousands of possible numbers, so it tells nobody's); two
# people in one bucket booking at the same instant only wait for each other.
LOCK_BUCKETS = 65536


def id_number_key(number):
    """The ID document number in its normal form, or False: capitals, letters
    and digits only (spaces, dashes, dots and the rest dropped), as typed on
    any keyboard (full-width forms, digits of any script: :func:`parse.folded`)."""
    return re.sub(r"[^0-9A-Z]", "", folded(number).upper()) or False


def email_key(email):
    """The e-mail in its normal form, or False: trimmed, in lower case."""
    return (email or "").strip().lower() or False


def lock_buckets(keys):
    """The lock buckets of ``keys`` (normal forms, see above), sorted and
    without repeats: taken in this order by every transaction, they cannot
    deadlock each other.

    :param keys: iterable of (kind, value), kind 'phone', 'email' or 'id'
    """
    buckets = set()
    for kind, value in keys:
        digest = hashlib.blake2b(f"{kind}:{value}".encode(), digest_size=8).digest()
        buckets.add(int.from_bytes(digest, "big") % LOCK_BUCKETS)
    return sorted(buckets)
