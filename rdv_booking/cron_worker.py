"""A cron process looks for due jobs as soon as it starts, not a minute later.

Odoo's prefork cron process (``WorkerCron``) sleeps before its first look: its
loop is sleep, then work, and the sleep lasts 60 s + pid % 10 unless a job is
triggered meanwhile (PostgreSQL ``NOTIFY cron_trigger``). A cron node started
again after a crash or an upgrade thus left the jobs due at that moment (the
reminders, the outbox's messages interrupted by the crash) waiting up to 70 s
more: 65 to 100 s from the kill to the first message again, measured by the
faults test and by an outside operator. Here each cron process skips its
first sleep; after its first look, Odoo's own rhythm.

It applies where this addon is imported before the cron processes are forked:
a prefork master loads the registry of its ``db_name`` first, and imports its
``server_wide_modules`` (deploy/odoo-cron.conf names rdv_booking there, for a
node that serves several databases without ``db_name``). Measured by
tests/cluster/test_cluster_crons.py: the job due ran 5 s after the node's
start, 68 s without this.
"""

from odoo.service import server

_sleep = server.WorkerCron.sleep


def _sleep_but_first(self):
    """Odoo's sleep, but not before this process's first look for jobs."""
    if not getattr(self, "_rdv_looked", False):
        self._rdv_looked = True
        return None
    return _sleep(self)


server.WorkerCron.sleep = _sleep_but_first
