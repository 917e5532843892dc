"""One-time codes are no longer stored hashed: each is made from a random key
of its own and the server's secret (``rdv.otp._hotp``). The hashes go; the
codes alive at the update have no key, so no code opens them: they expire
within minutes and the citizen asks for a new one."""


def migrate(cr, version):
    cr.execute("ALTER TABLE rdv_otp DROP COLUMN IF EXISTS code_hash")
