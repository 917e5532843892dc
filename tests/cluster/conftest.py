"""Fixtures of the cluster tests (``make test-cluster``).

They run against the cluster of ``scripts/cluster.sh`` (started by ``make
test-cluster`` when it is not running), read its settings from the same
environment variables (CLUSTER_PORT, CLUSTER_PG_PORT, CLUSTER_DIR...), and talk
to it as its users do: HTTP through nginx or straight to a node's port.  The
data they need (a commune with a website of its own, a mail server pointing
at an SMTP sink) is written with the ORM through a registry of the cluster's
database opened in this process, on the primary, and removed afterwards.

Citizens that go straight to a node say who they are with the headers nginx
would add (X-Forwarded-For, X-Forwarded-Host: the nodes run with proxy_mode),
each test from an address of its own, so that the per-address limits of one
test do not spend another's.
"""

import contextlib
import datetime
import os
import subprocess
import time
import uuid
import zoneinfo
from pathlib import Path
from types import SimpleNamespace

import psycopg2
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CLUSTER_SH = ROOT / "scripts" / "cluster.sh"
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _settings():
    """The cluster's ports, names and secrets, as scripts/cluster.sh computes them."""
    port = int(os.environ.get("CLUSTER_PORT", "8090"))
    pg_port = int(os.environ.get("CLUSTER_PG_PORT", "5441"))
    directory = Path(os.environ.get("CLUSTER_DIR") or ROOT / "var" / "cluster").resolve()
    name = os.environ.get("CLUSTER_NAME", "rdv")
    secrets = {}
    secrets_file = directory / "secrets.env"
    if secrets_file.exists():
        for line in secrets_file.read_text().splitlines():
            key, _sep, value = line.partition("=")
            secrets[key] = value
    return SimpleNamespace(
        url=f"http://127.0.0.1:{port}",
        nodes={"web1": f"http://127.0.0.1:{port + 1}", "web2": f"http://127.0.0.1:{port + 2}"},
        pg_port=pg_port,
        pg_replica_port=int(os.environ.get("CLUSTER_PG_REPLICA_PORT", pg_port + 1)),
        db=os.environ.get("CLUSTER_DB", "rdv_cluster"),
        dir=directory,
        db_user=f"{name}_odoo",
        db_password=secrets.get("DB_PASSWORD"),
    )


def _healthy(url):
    try:
        return requests.get(url + "/web/health", timeout=5).status_code == 200
    except requests.RequestException:
        return False


class Cluster:
    """The running cluster: its URLs, its databases, and its nodes to stop and start."""

    def __init__(self, settings):
        self.__dict__.update(vars(settings))

    def run(self, *args, timeout=300):
        """``scripts/cluster.sh ARGS``, with this process's environment."""
        subprocess.run([str(CLUSTER_SH), *args], check=True, timeout=timeout, cwd=ROOT)

    def connect(self, replica=False):
        """A psycopg2 connection to the primary (or the replica), as Odoo's role."""
        return psycopg2.connect(
            host="127.0.0.1",
            port=self.pg_replica_port if replica else self.pg_port,
            dbname=self.db,
            user=self.db_user,
            password=self.db_password,
            connect_timeout=5,
        )

    def query(self, sql, params=None, replica=False):
        conn = self.connect(replica)
        try:
            with conn.cursor() as cr:
                cr.execute(sql, params)
                return cr.fetchall()
        finally:
            conn.close()

    def pg_admin(self, sql, replica=False):
        """``sql`` as the superuser postgres, on the primary or the replica
        (settings that Odoo's role may not change)."""
        port = self.pg_replica_port if replica else self.pg_port
        command = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-p", str(port), "-c", sql]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        else:
            command = ["sudo", "-u", "postgres", *command]
        return subprocess.run(
            command, check=True, capture_output=True, text=True, cwd="/", timeout=60
        ).stdout.strip()

    def wait_replica(self, timeout=60):
        """Wait until the replica has replayed everything the primary wrote so far."""
        (lsn,) = self.query("SELECT pg_current_wal_lsn()::text")[0]
        deadline = time.monotonic() + timeout
        while True:
            (done,) = self.query(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,), replica=True
            )[0]
            if done:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the replica did not replay {lsn} in {timeout} s")
            time.sleep(0.2)

    def node_up(self, node):
        return _healthy(self.nodes[node])

    def wait_node(self, node, timeout=120):
        deadline = time.monotonic() + timeout
        while not self.node_up(node):
            if time.monotonic() > deadline:
                raise AssertionError(f"node {node} did not come back in {timeout} s")
            time.sleep(0.5)


@pytest.fixture(scope="session")
def cluster():
    """The running cluster (started if it is not)."""
    settings = _settings()
    if not (_healthy(settings.url) and settings.db_password):
        subprocess.run([str(CLUSTER_SH), "start"], check=True, timeout=1800, cwd=ROOT)
        settings = _settings()
    return Cluster(settings)


@pytest.fixture(scope="session")
def cluster_registry(cluster):
    """The registry of the cluster's database, in this process, on the primary."""
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", str(cluster.dir / "etc" / "admin.conf")])
    return Registry(cluster.db)


@contextlib.contextmanager
def cluster_env(registry):
    """An environment of the superuser on the primary, committed at the end;
    other processes (the nodes) are told of the caches it invalidated."""
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
    registry.signal_changes()


@pytest.fixture(scope="session")
def smtp_sink(cluster_registry):
    """An SMTP server on loopback, and the cluster's first mail server pointing at it."""
    from live_odoo import SmtpSink

    sink = SmtpSink().start()
    with cluster_env(cluster_registry) as env:
        server = env["ir.mail_server"].create(
            {
                "name": f"Cluster tests {sink.port}",
                "smtp_host": "127.0.0.1",
                "smtp_port": sink.port,
                "sequence": 0,
            }
        )
        server_id = server.id
    yield sink
    with cluster_env(cluster_registry) as env:
        env["ir.mail_server"].browse(server_id).unlink()
    sink.stop()


# Limits low enough to be reached by a test, each test from its own address.
CLUSTER_LIMITS = {
    "rdv_posts_per_ip_minute": 8,
    "rdv_otp_sends_per_ip_hour": 50,
    "rdv_live_holds_per_ip": 2,
    "rdv_holds_per_ip_hour": 50,
    "rdv_otp_max_attempts": 3,
    "rdv_captcha_difficulty": 1000,
    "rdv_sms_enabled": False,
}


@pytest.fixture
def cluster_site(request, cluster, cluster_registry):
    """A commune of its own with a website of its own (chosen by the Host
    header): one type of 15 minutes for one person, one place, one counter of
    capacity 1 open every day 08:00-20:00, e-mail required.  Removed afterwards.
    Its limits are CLUSTER_LIMITS, updated with the test module's SITE_LIMITS."""
    from live_odoo import build_commune, identity_card_commune

    limits = {**CLUSTER_LIMITS, **getattr(request.module, "SITE_LIMITS", {})}

    tag = uuid.uuid4().hex[:8]
    host = f"rdv-cluster-{tag}.test"
    with cluster_env(cluster_registry) as env:
        records = build_commune(env, f"Commune Cluster {tag}", **identity_card_commune(tag, limits))
        lang_en = env.ref("base.lang_en")
        website = env["website"].create(
            {
                "name": f"RDV cluster {tag}",
                "domain": host,
                "company_id": records.company.id,
                "language_ids": [(6, 0, lang_en.ids)],
                "default_lang_id": lang_en.id,
                "rdv_company_ids": [(6, 0, records.company.ids)],
            }
        )
        site = SimpleNamespace(
            host=host,
            tag=tag,
            company_id=records.company.id,
            website_id=website.id,
            type_id=records.type.id,
            place_id=records.place.id,
            counter_id=records.counter.id,
        )
    # The read-only pages read the replica: it must know the commune.
    cluster.wait_replica()
    yield site
    with cluster_env(cluster_registry) as env:
        cr = env.cr
        cr.execute("DELETE FROM rdv_slot WHERE counter_id = %s", (site.counter_id,))
        cr.execute("DELETE FROM rdv_appointment WHERE company_id = %s", (site.company_id,))
        env["rdv.counter"].browse(site.counter_id).unlink()
        env["website"].browse(site.website_id).unlink()


def local_day(days):
    """The date in Paris (the test place's zone) ``days`` from today."""
    return datetime.datetime.now(PARIS).date() + datetime.timedelta(days=days)


def slot_start(day, hour, minute=0):
    """The UTC start, as the slot pages write it, of ``hour:minute`` in Paris on ``day``."""
    local = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)
    return local.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


def citizen(base_url, site, address=None):
    """A citizen's browser on ``base_url``; ``address``: the client address a
    proxy would forward (for requests sent straight to a node)."""
    from live_odoo import PortalClient

    client = PortalClient(base_url, host=site.host)
    if address:
        client.session.headers.update({"X-Forwarded-For": address, "X-Forwarded-Host": site.host})
    return client
