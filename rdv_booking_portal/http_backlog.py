"""A listen backlog for Odoo's HTTP socket that holds a crowd, not 16 connections.

Odoo's prefork server (``--workers``) listens with a backlog of 8 x workers:
16 with 2 workers. Each worker takes one connection at a time, so when a
commune opens its planning and hundreds of citizens post at the same second,
most connections wait in the kernel. With a backlog of 16 the kernel queues
16 of them and, past that, answers new connections with SYN cookies
(``net.ipv4.tcp_syncookies``, on by default) and drops the handshakes it
cannot queue (``TcpExtListenOverflows``). A cookie connection that the
kernel could not queue yet is rebuilt from the next segment the client sends,
whose sequence number must be the first of the stream: a request sent in one
segment survives, but a form sent as browsers send it, its headers in one
segment and its body in the next, loses the first one and the body is checked
against the cookie with the wrong sequence number (``TcpExtSyncookiesFailed``):
the server's kernel answers with a reset. The request never reached Odoo, the
citizen saw "connection reset". Measured with 60 simultaneous posts of the
booking form on 2 workers: 22 resets out of 60, none with the body sent in
the same segment as the headers, none with a backlog that holds the crowd.

The fix is at the root: the listening socket gets a backlog that holds a
burst (``listen(2)`` may be called again on a listening socket to change it).
Connections then wait in the kernel's queue for a free worker instead of being
refused; how long they may wait is the reverse proxy's ``proxy_read_timeout``.
The kernel caps the value at ``net.core.somaxconn`` (4096 by default since
Linux 5.4).

The backlog is Odoo's configuration option ``listen_backlog`` (command line
``--listen-backlog`` is not an Odoo option: set it in the configuration file,
``listen_backlog = 2048``), default :data:`DEFAULT_BACKLOG`. It is applied when
this module is imported: in the prefork master when it loads the database it
serves (``-d``/``db_name``), else in each worker, on the socket they share;
``PreforkServer.start`` is also wrapped, so that a server whose master imports
the addon before listening (``server_wide_modules``) listens with it at once.

The gevent process (``gevent_port``: ``/websocket``) listens through gevent's
``WSGIServer``, whose class default is 128: it is set to the same backlog
here, which the gevent process uses from its start when the addon is one of
its ``server_wide_modules`` (deploy/odoo-web.conf); otherwise from the first
request that loads the database, as the HTTP socket.
"""

import logging

from odoo.service import server
from odoo.tools import config

_logger = logging.getLogger(__name__)

DEFAULT_BACKLOG = 2048
# What listen(2) takes is a C int, and Linux keeps at most 65535 (then caps it
# again at net.core.somaxconn).
MAX_BACKLOG = 65535


def listen_backlog():
    """The backlog to listen with: ``listen_backlog`` from Odoo's configuration,
    between 1 and :data:`MAX_BACKLOG`; :data:`DEFAULT_BACKLOG` if unset or not a
    whole number (said in the log)."""
    try:
        value = int(config.get("listen_backlog") or DEFAULT_BACKLOG)
    except (TypeError, ValueError, OverflowError):
        _logger.warning("listen_backlog is not a number: %r", config.get("listen_backlog"))
        value = DEFAULT_BACKLOG
    return min(max(value, 1), MAX_BACKLOG)


def _listening_sockets():
    """The HTTP sockets of the server running in this process (prefork or threaded)."""
    running = server.server
    sockets = []
    if isinstance(running, server.PreforkServer) and running.socket:
        sockets.append(running.socket)
    httpd = getattr(running, "httpd", None)
    if httpd is not None and getattr(httpd, "socket", None) is not None:
        sockets.append(httpd.socket)
    return sockets


def widen():
    """Listen again, with :func:`listen_backlog`, on the running server's HTTP
    sockets. Returns the backlog applied, or None if there was no socket."""
    backlog = listen_backlog()
    applied = None
    for sock in _listening_sockets():
        try:
            if sock.fileno() < 0:
                continue
            sock.listen(backlog)
        except OSError as error:  # not listening (closed, or a client socket)
            _logger.debug("listen backlog not changed: %s", error)
            continue
        applied = backlog
    return applied


_start = server.PreforkServer.start


def _start_with_backlog(self, *args, **kwargs):
    result = _start(self, *args, **kwargs)
    if self.socket:
        self.socket.listen(listen_backlog())
    return result


server.PreforkServer.start = _start_with_backlog


def _gevent_default():
    """gevent's servers (the ``/websocket`` process) listen with our backlog."""
    try:
        from gevent import pywsgi
    except ImportError:  # gevent is one of Odoo's requirements; not here, no gevent process
        return None
    pywsgi.WSGIServer.backlog = listen_backlog()
    return pywsgi.WSGIServer.backlog


_gevent_default()
widen()
