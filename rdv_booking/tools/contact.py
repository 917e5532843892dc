"""E-mail addresses as pages and notes show them (no Odoo import); phone numbers
are masked by ``phone.mask_phone``."""


def mask_email(email):
    """'jules.bois@example.com' -> 'j••••••••s@example.com'; '' if not an address."""
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    if not local:
        return "•@" + domain
    if len(local) <= 2:
        return local[0] + "•@" + domain
    return local[0] + "•" * (len(local) - 2) + local[-1] + "@" + domain
