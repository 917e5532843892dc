#!/usr/bin/env python3
"""Preflight of `make test`: fail loudly on anything the test run needs.

Odoo SKIPS browser tours silently (unittest.SkipTest) when it finds no Chrome
executable or no ``websocket`` module, and reports render as PDF only with
wkhtmltopdf: a green run without them would prove nothing.  So each missing
thing is one line here, with what to install, and the exit code is 1.

    python3 scripts/check_env.py [--demo]     (--demo: skip the test-only checks)
    python3 scripts/check_env.py --missing-node
        prints the npm packages of scripts/node-packages.txt that are not
        installed in var/node at their pinned version, one a line (for
        scripts/ensure_deps.sh), and exits 0.
    python3 scripts/check_env.py --pinned-node
        prints all the pinned npm packages, one a line, and exits 0.
"""

import importlib.metadata as metadata
import json
import os
import platform
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

problems = []


def problem(what, fix):
    problems.append(f"  - {what}\n      -> {fix}")


def check_odoo():
    try:
        import odoo
    except Exception as exc:  # noqa: BLE001 - any failure means "not importable"
        problem(
            f"Odoo is not importable by {sys.executable}: {exc!r}",
            "install Odoo 18.0 so that `python3 -c 'import odoo'` works "
            "(this project does not install Odoo)",
        )
        return False
    if tuple(odoo.release.version_info[:2]) != (18, 0):
        problem(
            f"Odoo {odoo.release.version} found at {os.path.dirname(odoo.__file__)}, not 18.0",
            "make python3 import Odoo 18.0",
        )
        return False
    return True


def check_python_packages():
    import python_deps

    for req in python_deps.missing():
        problem(
            f"Python package {req!r} missing", f"python3 -m pip install '{req}'  (or: make deps)"
        )


def check_postgres():
    try:
        import psycopg2
    except ImportError:
        problem("psycopg2 not importable", "install Odoo's requirements (psycopg2)")
        return
    # Same connection as Odoo without --db_host/--db_user: libpq defaults
    # (unix socket, role named after the OS user, PG* env vars honoured).
    try:
        conn = psycopg2.connect(dbname="postgres", connect_timeout=5)
    except psycopg2.OperationalError as exc:
        msg = " ".join(str(exc).split())
        problem(
            f"cannot connect to PostgreSQL (database 'postgres'): {msg}",
            "run scripts/ensure_postgres.sh (starts the cluster, creates the role)",
        )
        return
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT current_user, rolsuper OR rolcreatedb FROM pg_roles"
                " WHERE rolname = current_user"
            )
            user, can_create = cr.fetchone()
            if user == "postgres":
                problem(
                    "connected as role 'postgres': Odoo refuses it",
                    "run as another OS user, or set PGUSER to another role",
                )
            elif not can_create:
                problem(
                    f"PostgreSQL role {user!r} cannot create databases",
                    f'su postgres -c "psql -c \'ALTER ROLE \\"{user}\\" CREATEDB\'"',
                )
    finally:
        conn.close()


def find_chrome():
    """Mirror odoo.tests.common._find_executable (Odoo 18.0): on Linux, the
    first of these names found in PATH (plus Odoo's bin_path option, unset
    here)."""
    system = platform.system()
    if system == "Linux":
        for name in ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable"):
            path = shutil.which(name)
            if path:
                return path
    elif system == "Darwin":
        for path in (
            "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
            "/Applications/Chromium.app/Contents/MacOS/Chromium",
        ):
            if os.path.exists(path):
                return path
    return None


def check_chrome():
    path = find_chrome()
    if not path:
        problem(
            "no Chrome/Chromium in PATH (Odoo looks for google-chrome, chromium, "
            "chromium-browser, google-chrome-stable): browser tours would be SKIPPED",
            "apt-get install -y chromium",
        )
        return
    try:
        out = subprocess.run(
            [path, "--headless", "--no-sandbox", "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        problem(
            f"{path} does not run: {exc!r}", "reinstall: apt-get install -y --reinstall chromium"
        )
        return
    if out.returncode != 0:
        err = (out.stderr or out.stdout).strip().splitlines()[-1:] or ["?"]
        problem(f"{path} --version failed: {err[0]}", "apt-get install -y --reinstall chromium")


def check_websocket():
    try:
        import websocket
    except ImportError:
        websocket = None
    if websocket is None or not hasattr(websocket, "create_connection"):
        problem(
            "Python module 'websocket' (websocket-client) missing: Odoo would SKIP browser tours",
            "python3 -m pip install websocket-client",
        )
        return
    try:
        metadata.version("websocket-client")
    except metadata.PackageNotFoundError:
        problem(
            "the importable 'websocket' module is not websocket-client",
            "python3 -m pip install websocket-client",
        )


def check_binaries(names):
    for name, package in names:
        if not shutil.which(name):
            problem(f"{name} not found in PATH", f"apt-get install -y {package}")


NODE_PACKAGES = os.path.join(ROOT, "scripts", "node-packages.txt")
NODE_PREFIX = os.path.join(ROOT, "var", "node")


def node_packages():
    """[(name, version)] pinned in scripts/node-packages.txt."""
    with open(NODE_PACKAGES, encoding="utf-8") as lines:
        specs = [line.split("#", 1)[0].strip() for line in lines]
    return [tuple(spec.rsplit("@", 1)) for spec in specs if spec]


def missing_node():
    """The pinned npm packages not installed in var/node at their version."""
    missing = []
    for name, version in node_packages():
        manifest = os.path.join(NODE_PREFIX, "node_modules", name, "package.json")
        try:
            with open(manifest, encoding="utf-8") as file:
                installed = json.load(file).get("version")
        except (OSError, ValueError):
            installed = None
        if installed != version:
            missing.append(f"{name}@{version}")
    return missing


def check_node():
    for spec in missing_node():
        problem(
            f"npm package {spec} not installed in var/node (see scripts/node-packages.txt "
            "for what needs it)",
            f"scripts/ensure_deps.sh   (or: npm install --prefix var/node {spec})",
        )


def main(argv):
    if "--missing-node" in argv:
        for spec in missing_node():
            print(spec)
        return 0
    if "--pinned-node" in argv:
        for name, version in node_packages():
            print(f"{name}@{version}")
        return 0
    demo = "--demo" in argv
    if check_odoo():
        check_python_packages()
    check_postgres()
    check_binaries([("wkhtmltopdf", "wkhtmltopdf")])
    check_node()
    if not demo:
        check_chrome()
        check_websocket()
        check_binaries([("pdftotext", "poppler-utils"), ("zbarimg", "zbar-tools")])
    if problems:
        print("[rdv] The environment is not ready:", file=sys.stderr)
        print("\n".join(problems), file=sys.stderr)
        print("[rdv] (most of these are fixed by: make deps)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
