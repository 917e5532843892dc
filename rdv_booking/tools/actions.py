"""Client actions the back office returns (plain dicts, no Odoo import)."""


def notification(message, kind="success", next_action=None, sticky=False):
    """Odoo's toast ``message`` (kind: success, warning, danger, info), then
    ``next_action`` (an action dict), if any. ``sticky``: it stays until
    closed (what the agent must act on)."""
    params = {"type": kind, "message": message}
    if sticky:
        params["sticky"] = True
    if next_action:
        params["next"] = next_action
    return {"type": "ir.actions.client", "tag": "display_notification", "params": params}


CLOSE = {"type": "ir.actions.act_window_close"}
RELOAD = {"type": "ir.actions.client", "tag": "soft_reload"}
