"""What `scripts/cluster.sh` says of a node, without a cluster: a node whose
master was killed is stopped, even while its dead process waits for its
parent to read its status (a zombie: on some machines init reads it seconds
later, and `kill -0` still succeeds on it)."""

import os
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLUSTER_SH = ROOT / "scripts" / "cluster.sh"


def _zombie():
    """A process of its own session, killed and left unreaped (this test
    process is its parent, and waits for it only at the end)."""
    child = subprocess.Popen(["sleep", "600"], start_new_session=True)
    os.kill(child.pid, signal.SIGKILL)
    for _ in range(100):
        state = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "Z":
            return child
        time.sleep(0.05)
    raise AssertionError(f"process {child.pid} did not become a zombie")


def _status(cluster_dir):
    env = dict(
        os.environ,
        CLUSTER_DIR=str(cluster_dir),
        CLUSTER_NAME="rdvscript",
        CLUSTER_PORT="8990",
        CLUSTER_PG_PORT="5499",
    )
    done = subprocess.run(
        [str(CLUSTER_SH), "status"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return {line.split()[1]: line for line in done.stdout.splitlines() if line.startswith("[rdv]")}


def test_a_killed_master_not_yet_reaped_is_stopped(tmp_path):
    zombie = _zombie()
    try:
        (tmp_path / "run").mkdir()
        for node in ("web1", "cron", "nginx"):
            (tmp_path / "run" / f"{node}.pid").write_text(f"{zombie.pid}\n")
        lines = _status(tmp_path)
        for node in ("web1", "cron", "nginx"):
            assert "stopped" in lines[node] and "running" not in lines[node], lines[node]
        # Nothing of its session left either: the zombie is no leftover.
        assert "but" not in lines["cron"], lines["cron"]
    finally:
        zombie.wait()


def test_a_live_master_is_running(tmp_path):
    live = subprocess.Popen(["sleep", "600"], start_new_session=True)
    try:
        (tmp_path / "run").mkdir()
        (tmp_path / "run" / "cron.pid").write_text(f"{live.pid}\n")
        assert f"running (pid {live.pid})" in _status(tmp_path)["cron"]
    finally:
        live.kill()
        live.wait()
