"""Signed webhooks: the signature of a call and the rule for a receiver's URL
(pure Python, no Odoo import).

A call is signed with HMAC-SHA256, keyed by the subscription's secret, over
the timestamp header, a dot and the exact bytes of the body::

    X-RDV-Signature: sha256=hex(HMAC-SHA256(secret, timestamp + "." + body))

The timestamp (Unix seconds, header ``X-RDV-Timestamp``) is signed with the
body so that a receiver can refuse a replayed call: a captured request cannot
be sent again later with a fresh timestamp.
"""

import hashlib
import hmac
import ipaddress
import socket
import urllib.parse

SIGNATURE_HEADER = "X-RDV-Signature"
TIMESTAMP_HEADER = "X-RDV-Timestamp"
EVENT_HEADER = "X-RDV-Event"
DELIVERY_HEADER = "X-RDV-Delivery"
SIGNATURE_PREFIX = "sha256="
# How far the timestamp may be from the receiver's clock (seconds).
DEFAULT_TOLERANCE = 300
URL_MAX_LENGTH = 2000
# The longest wait a receiver's Retry-After header may ask (seconds).
MAX_RETRY_AFTER = 24 * 3600


def _as_bytes(value):
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def signature(secret, timestamp, body):
    """The value of the signature header for ``body`` (bytes) sent at
    ``timestamp`` (Unix seconds) with ``secret``."""
    message = _as_bytes(str(int(timestamp))) + b"." + _as_bytes(body)
    return SIGNATURE_PREFIX + hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()


def verify(secret, timestamp, body, header, now, tolerance=DEFAULT_TOLERANCE):
    """Whether ``header`` is the signature of ``body`` sent at ``timestamp``
    with ``secret``, and ``timestamp`` within ``tolerance`` seconds of ``now``.

    What a receiver does; compared in constant time.
    """
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - sent_at) > tolerance or not isinstance(header, str):
        return False
    return hmac.compare_digest(_as_bytes(header), _as_bytes(signature(secret, sent_at, body)))


def is_loopback_host(host):
    """Whether ``host`` (a URL's host name) is this machine."""
    host = (host or "").strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def address_kind(address):
    """Where calling ``address`` leads: 'public' (the internet), 'internal'
    (this machine or a private network: an intranet's case system is there,
    and so are the server's neighbours) or 'forbidden' (link-local, where
    clouds serve their metadata; multicast, reserved, unspecified)."""
    try:
        address = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return "forbidden"
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    if address.is_loopback:
        return "internal"
    if address.is_link_local or address.is_multicast or address.is_unspecified:
        return "forbidden"
    if address.is_reserved:
        return "forbidden"
    if address.is_global:
        return "public"
    if address.is_private:
        return "internal"
    return "forbidden"


def host_kind(url):
    """:func:`address_kind` of the host ``url`` names when it is an address
    or this machine's name; 'name' for any other name (its addresses are
    known when it is called: :func:`resolved_kind`)."""
    host = (urllib.parse.urlsplit(url or "").hostname or "").strip("[]")
    if is_loopback_host(host):
        return "internal"
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return "name"
    return address_kind(host)


def resolved_kind(url):
    """The least public :func:`address_kind` among the addresses the host of
    ``url`` resolves to now; 'public' when it does not resolve (the call then
    fails as any network error does)."""
    parts = urllib.parse.urlsplit(url or "")
    try:
        infos = socket.getaddrinfo(
            parts.hostname or "", parts.port or 443, proto=socket.IPPROTO_TCP
        )
    except (OSError, UnicodeError, ValueError):
        return "public"
    kinds = {address_kind(info[4][0]) for info in infos}
    for kind in ("forbidden", "internal"):
        if kind in kinds:
            return kind
    return "public"


def url_problem(url):
    """Why ``url`` cannot receive webhooks, as a code, or '' when it can.

    https only: the body carries appointment data and the signature does not
    hide it. Plain http is accepted for this machine alone (loopback: a relay
    on the same server, tests). Codes: 'empty', 'too_long', 'invalid',
    'scheme' (not http(s)), 'http' (plain http to another machine),
    'credentials' (a user or password in the URL, which would end up in
    logs), 'fragment', 'private' (link-local, where clouds serve their
    metadata, multicast or reserved). Internal addresses (this machine, a
    private network) are the caller's to allow: :func:`host_kind`.
    """
    if not url or not url.strip():
        return "empty"
    if len(url) > URL_MAX_LENGTH:
        return "too_long"
    if url != url.strip() or any(ord(char) < 33 or ord(char) == 127 for char in url):
        return "invalid"
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        return "invalid"
    if parts.scheme not in ("https", "http"):
        return "scheme"
    if not parts.hostname:
        return "invalid"
    if parts.username is not None or parts.password is not None:
        return "credentials"
    if parts.fragment:
        return "fragment"
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        return "http"
    if host_kind(url) == "forbidden":
        return "private"
    return ""


def retry_after_seconds(value):
    """The seconds a receiver's Retry-After header asks to wait: a number of
    seconds (the HTTP-date form is not read), at most a day; 0 when none."""
    if not isinstance(value, str):
        return 0
    value = value.strip()
    if not value.isascii() or not value.isdigit():
        return 0
    return min(int(value), MAX_RETRY_AFTER)
