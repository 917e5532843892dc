"""The listen backlog of Odoo's HTTP socket (rdv_booking_portal/http_backlog.py).

Without a database: the module is loaded from its file (it only needs
``odoo.service.server`` and ``odoo.tools.config``), a listening socket of this
process stands for the server's. The crowd itself is
tests/test_burst_backlog.py.
"""

import importlib.util
import socket
import subprocess
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent


def _module():
    spec = importlib.util.spec_from_file_location(
        "rdv_http_backlog", ROOT / "rdv_booking_portal" / "http_backlog.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


http_backlog = _module()


def _backlog(port):
    """The backlog of the socket listening on ``port``, as the kernel reports it."""
    fields = subprocess.run(
        ["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(fields[2])


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.none(),
        st.integers(min_value=-(2**40), max_value=2**40),
        st.text(max_size=20),
        st.floats(allow_nan=True, allow_infinity=True),
    )
)
def test_any_setting_gives_a_backlog(value):
    """Whatever the configuration file holds, a positive backlog, never an error."""
    config = http_backlog.config
    saved = config.options.get("listen_backlog")
    try:
        config.options["listen_backlog"] = value
        backlog = http_backlog.listen_backlog()
    finally:
        config.options["listen_backlog"] = saved
    assert isinstance(backlog, int) and 1 <= backlog <= http_backlog.MAX_BACKLOG
    if isinstance(value, int) and value >= 1:
        assert backlog == min(value, http_backlog.MAX_BACKLOG)
    elif not value:
        assert backlog == http_backlog.DEFAULT_BACKLOG


def test_widen_listens_again_on_the_running_server_socket():
    server = http_backlog.server
    sock = socket.socket()
    saved_server, saved_option = server.server, http_backlog.config.options.get("listen_backlog")
    try:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)  # what Odoo's prefork master does with 2 workers
        port = sock.getsockname()[1]
        assert _backlog(port) == 16
        running = server.PreforkServer.__new__(server.PreforkServer)
        running.socket = sock
        server.server = running
        http_backlog.config.options["listen_backlog"] = 700
        assert http_backlog.widen() == 700
        assert _backlog(port) == 700
        http_backlog.config.options["listen_backlog"] = None
        assert http_backlog.widen() == http_backlog.DEFAULT_BACKLOG
        sock.close()
        assert http_backlog.widen() is None  # a closed socket is left alone
    finally:
        server.server = saved_server
        http_backlog.config.options["listen_backlog"] = saved_option
        sock.close()
