#!/usr/bin/env python3
"""The Python dependencies of the RDV addons, read from setup.py.

    python3 scripts/python_deps.py missing            # requirements not installed, one a line
    python3 scripts/python_deps.py constraints FILE   # write a pip constraints file

The constraints file holds ``setuptools<81`` (some old sdists need it to build)
and ``name==version`` for every distribution already installed that Odoo
requires or that our lists name, so that installing what is missing can never
move Odoo's pins (freezegun==1.2.1, requests, urllib3, ...): pip fails instead.
"""

import importlib.metadata as metadata
import importlib.util
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _setup_module():
    spec = importlib.util.spec_from_file_location("rdv_setup", os.path.join(ROOT, "setup.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # setup() only runs under __main__
    return module


def requirements():
    setup = _setup_module()
    reqs = list(setup.INSTALL_REQUIRES)
    for extra in setup.EXTRAS_REQUIRE.values():
        reqs += [r for r in extra if r not in reqs]
    return reqs


def _normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _name(req):
    m = _NAME.match(req)
    return m.group(1) if m else req


def _installed_version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _satisfied(req):
    version = _installed_version(_name(req))
    if version is None:
        return False
    try:
        from packaging.requirements import Requirement
    except ImportError:  # no way to check specifiers: presence is enough
        return True
    requirement = Requirement(req)
    if requirement.marker is not None and not requirement.marker.evaluate():
        return True
    return requirement.specifier.contains(version, prereleases=True)


def missing():
    return [r for r in requirements() if not _satisfied(r)]


def _odoo_requirement_names():
    names = set()
    try:
        for req in metadata.requires("odoo") or []:
            if "extra ==" not in req:
                names.add(_name(req))
    except metadata.PackageNotFoundError:
        pass
    try:
        import odoo

        req_file = os.path.join(os.path.dirname(odoo.__file__), "..", "requirements.txt")
        with open(req_file, encoding="utf-8") as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line and not line.startswith("-"):
                    names.add(_name(line))
    except (ImportError, OSError):
        pass
    return names


def constraints():
    lines = ["setuptools<81"]
    names = _odoo_requirement_names() | {_name(r) for r in requirements()}
    pinned = {}
    for name in names:
        if _normalize(name) in ("setuptools", "pip", "wheel"):
            continue
        version = _installed_version(name)
        if version is not None:
            pinned[_normalize(name)] = version
    lines += [f"{name}=={version}" for name, version in sorted(pinned.items())]
    return lines


def main(argv):
    if argv[:1] == ["missing"]:
        for req in missing():
            print(req)
    elif len(argv) == 2 and argv[0] == "constraints":
        with open(argv[1], "w", encoding="utf-8") as f:
            f.write("# written by scripts/python_deps.py: keep what is installed where it is\n")
            f.write("\n".join(constraints()) + "\n")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
