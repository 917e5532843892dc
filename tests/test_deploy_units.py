"""The systemd units an operator copies (deploy/systemd/): systemd reads them
without a complaint, and they say what the README promises (restarted when
they die, the configuration files of deploy/, personal data kept private).

systemd does not run as this machine's first process: the units are checked
by `systemd-analyze verify` (Debian's systemd), not started.
"""

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
CONFIGS = {"rdv-web.service": "rdv-web.conf", "rdv-cron.service": "rdv-cron.conf"}


def _verify(path):
    """What `systemd-analyze verify` says of the unit at ``path``."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: apt-get install systemd"
    done = subprocess.run([analyze, "verify", str(path)], capture_output=True, text=True)
    return done.returncode, (done.stdout + done.stderr).strip()


def _unit(path):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(path)
    return parser


def test_both_nodes_have_a_unit():
    assert sorted(path.name for path in UNITS) == sorted(CONFIGS)


@pytest.mark.parametrize("path", UNITS, ids=lambda path: path.name)
def test_systemd_reads_the_unit_without_a_complaint(path, tmp_path):
    # As shipped, but run as a user this machine has.
    unit = tmp_path / path.name
    unit.write_text(
        path.read_text().replace("User=odoo", "User=root").replace("Group=odoo", "Group=root")
    )
    assert _verify(unit) == (0, "")


def test_the_check_sees_a_wrong_unit(tmp_path):
    """The check above can fail: a misspelt value is reported."""
    unit = tmp_path / "rdv-web.service"
    unit.write_text(UNITS[0].read_text().replace("Restart=always", "Restart=sometimes"))
    _code, said = _verify(unit)
    assert "sometimes" in said


@pytest.mark.parametrize("path", UNITS, ids=lambda path: path.name)
def test_the_unit_restarts_the_node_with_its_configuration(path):
    service = _unit(path)["Service"]
    assert service["Restart"] == "always"
    assert int(service["RestartSec"]) <= 5
    assert service["ExecStart"].endswith(f"-c /etc/odoo/{CONFIGS[path.name]}")
    assert service["UMask"] == "0077", "the data_dir and logs hold personal data"
    assert service["KillMode"] == "mixed", "Odoo's master stops its own workers"
