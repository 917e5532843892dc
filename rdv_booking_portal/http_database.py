"""What Odoo's HTTP layer answers while PostgreSQL cannot be reached.

When the primary restarts (a failover, an upgrade, a crash), Odoo fails to
open its registry's cursor and then serves the request *as if there were no
database*: it logs the visitor out (a citizen half-way through a booking
loses it) and answers the website's pages with a bare "404 Not Found" in
English; a request whose connection dies under it gets a "500 Internal
Server Error". Neither is true: the service is down for a few seconds.

Here such a request is answered "503 Service Unavailable" with a
Retry-After, the session untouched, and the maintenance page in the citizen
website's three languages (``static/maintenance.html``, the page nginx shows
too, deploy/nginx/rdv.conf), and the citizen goes on
once the database is back. Only a database this process has already served
counts as unreachable: an unknown or broken database keeps Odoo's own
answer.

A replica that cannot be reached once is worse: Odoo then reads from the
primary until the worker is recycled (days, at ``limit_request``), so the
read-only routes never go back to the replica after a short outage and the
primary carries every read. Here the primary stands in for
:data:`REPLICA_RETRY` seconds, then the replica is tried again.
"""

import contextlib
import json
import logging
import threading
import time
from pathlib import Path

import psycopg2
import werkzeug.exceptions

from odoo import http, sql_db
from odoo.modules.registry import Registry

_logger = logging.getLogger(__name__)

RETRY_AFTER = 10
# Seconds the primary serves the read-only cursors after the replica failed.
REPLICA_RETRY = 20
# PostgreSQL error classes of a connection that is gone or refused:
# 08 connection exception, 57P admin/crash shutdown, cannot connect now.
LOST_CLASSES = ("08", "57P")
MESSAGE = "The service is unavailable for a moment; please try again shortly."
# The page in the citizen website's three languages, static (no database to
# translate from): the one nginx shows too (deploy/nginx/rdv.conf).
MAINTENANCE_PAGE = Path(__file__).parent / "static" / "maintenance.html"


def database_lost(error):
    """Whether ``error`` (or what caused it) says the database connection is
    gone or refused, rather than a query or a datum being wrong."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, psycopg2.InterfaceError):
            return True  # a closed connection or cursor
        if isinstance(error, psycopg2.OperationalError):
            # Connection failures come from libpq, without a server's code.
            code = error.pgcode
            return code is None or code.startswith(LOST_CLASSES)
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def reachable(db):
    """Whether PostgreSQL answers for ``db`` now: a connection error may be
    another database's (a JSON-RPC call naming a database that does not
    exist), not this one's."""
    try:
        with contextlib.closing(sql_db.db_connect(db).cursor()) as cr:
            cr.execute("SELECT 1")
        return True
    except psycopg2.Error:
        return False


class DatabaseUnavailable(werkzeug.exceptions.ServiceUnavailable):
    """503 with Retry-After; JSON on the APIs (their clients read JSON)."""

    description = MESSAGE

    def __init__(self, path=""):
        super().__init__(retry_after=RETRY_AFTER)
        self.json = "v1" if path.startswith("/api/v1/") else path.startswith("/api/")

    def get_body(self, environ=None, scope=None):
        if self.json == "v1":  # the public API's shape of a refusal
            return json.dumps({"detail": {"field": None, "reason": MESSAGE, "code": "unavailable"}})
        if self.json:
            return json.dumps({"error": {"code": 503, "message": MESSAGE}})
        # Without nginx in front (one node), the citizen gets the same page.
        return MAINTENANCE_PAGE.read_text(encoding="utf-8")

    def get_headers(self, environ=None, scope=None):
        headers = [
            (name, value)
            for name, value in super().get_headers(environ, scope)
            if name.lower() != "content-type" or not self.json
        ]
        if self.json:
            headers.append(("Content-Type", "application/json; charset=utf-8"))
        return headers


_serve_db = http.Request._serve_db


def serve_db(self):
    """Odoo's ``_serve_db``; a database this process served and that cannot
    be reached now answers 503 (see the module's docstring)."""
    try:
        return _serve_db(self)
    except Exception as error:
        if not (database_lost(error) and self.db in Registry.registries and not reachable(self.db)):
            raise
        _logger.warning(
            "Database %s unreachable (%s): 503 for %s",
            self.db,
            type(error.__cause__ or error).__name__,
            self.httprequest.path,
        )
        raise DatabaseUnavailable(self.httprequest.path) from None


http.Request._serve_db = serve_db


_transactioning = http.Request._transactioning


def transactioning(self, func, readonly):
    """Odoo's ``_transactioning``; a read-only request whose replica
    connection died under it (the replica stopped or restarted, its pooled
    connections cut) is served again from the primary, where Odoo alone
    answered it with an error page. Read-only: nothing was written, it can
    run again."""
    threading.current_thread().rdv_replica_cursor = False
    try:
        return _transactioning(self, func, readonly)
    except Exception as error:
        if not (
            readonly
            and getattr(threading.current_thread(), "rdv_replica_cursor", False)
            and database_lost(error)
        ):
            raise
        self.registry._rdv_replica_retry_at = time.monotonic() + REPLICA_RETRY
        _logger.warning(
            "Replica of %s lost during %s: served from the primary, replica again in %s s",
            self.registry.db_name,
            self.httprequest.path,
            REPLICA_RETRY,
        )
        return _transactioning(self, func, readonly)


http.Request._transactioning = transactioning


_cursor = Registry.cursor


def cursor(self, /, readonly=False):
    """Odoo's ``Registry.cursor``; a replica that failed is tried again
    :data:`REPLICA_RETRY` seconds later instead of never."""
    replica = self._db_readonly
    if not readonly or replica is None or self.test_cr is not None:
        return _cursor(self, readonly=readonly)
    if time.monotonic() < getattr(self, "_rdv_replica_retry_at", 0):
        return self._db.cursor()
    try:
        cr = replica.cursor()
    except psycopg2.OperationalError:
        self._rdv_replica_retry_at = time.monotonic() + REPLICA_RETRY
        _logger.warning(
            "Replica of %s unreachable: read-only cursors on the primary for %s s",
            self.db_name,
            REPLICA_RETRY,
        )
        return self._db.cursor()
    # Whether this request's read-only work runs on the replica (see
    # transactioning).
    threading.current_thread().rdv_replica_cursor = True
    return cr


Registry.cursor = cursor
