#!/usr/bin/env python3
"""Print the --addons-path to run the RDV addons with Odoo 18.0.

Odoo's own addons directories come first, computed the way Odoo does when no
--addons-path is given (``odoo.addons.__path__`` plus ``<odoo>/../addons`` of a
source checkout), then the repository root.  Passing --addons-path replaces
Odoo's default, so without the first part Odoo would only find ``odoo/addons``.

Exits 1 with a message if an addon that one of our manifests depends on (and
that is not one of ours) cannot be found in that path.
"""

import ast
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS = ("rdv_booking", "rdv_booking_portal", "rdv_booking_sms")


def _is_addons_dir(path):
    if not os.path.isdir(path):
        return False
    for name in os.listdir(path):
        sub = os.path.join(path, name)
        if os.path.isfile(os.path.join(sub, "__manifest__.py")) and os.path.isfile(
            os.path.join(sub, "__init__.py")
        ):
            return True
    return False


def odoo_addons_dirs():
    import odoo

    import odoo.addons

    dirs = []
    for path in list(odoo.addons.__path__):
        path = os.path.realpath(path)
        if path not in dirs and path != os.path.realpath(ROOT) and _is_addons_dir(path):
            dirs.append(path)
    # A source checkout keeps most community addons in <odoo>/../addons.
    main_addons = os.path.realpath(os.path.join(os.path.dirname(odoo.__file__), "..", "addons"))
    if main_addons not in dirs and _is_addons_dir(main_addons):
        dirs.append(main_addons)
    return dirs


def _depends(addon):
    manifest = os.path.join(ROOT, addon, "__manifest__.py")
    if not os.path.isfile(manifest):
        return []
    with open(manifest, encoding="utf-8") as f:
        return ast.literal_eval(f.read()).get("depends", [])


def main():
    dirs = odoo_addons_dirs()
    if not dirs:
        sys.exit(
            "[rdv] ERROR: found no directory of Odoo's own addons next to odoo "
            "(odoo.addons.__path__ is empty?)"
        )
    path = [*dirs, ROOT]
    missing = sorted(
        {
            dep
            for addon in OURS
            for dep in _depends(addon)
            if dep not in OURS
            and not any(os.path.isfile(os.path.join(d, dep, "__manifest__.py")) for d in path)
        }
    )
    if missing:
        sys.exit(
            "[rdv] ERROR: Odoo addons needed by the RDV addons are missing from "
            f"{','.join(dirs)}: {', '.join(missing)}.\n"
            "    Use an Odoo 18.0 Community install that ships all its addons."
        )
    print(",".join(path))


if __name__ == "__main__":
    main()
