"""Reading a person's answer to a question in a form (no Odoo import)."""

# What browsers send for a ticked box or a "yes" button, and what a person types.
YES = frozenset({"1", "true", "on", "yes", "y"})


def is_yes(value):
    """Whether ``value`` (a form field, possibly missing) is an explicit yes.

    Anything else, "0", "false", "off", an empty or unreadable value
    included, is no: a question is asked again rather than taken as answered.
    """
    return isinstance(value, str) and value.strip().lower() in YES
