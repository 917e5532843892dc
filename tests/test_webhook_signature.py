"""Tests of ``rdv_booking/tools/webhook.py``: the signature of a webhook call
and the rule for a receiver's URL; and the README's verification snippet,
run against the signer."""

import hashlib
import hmac
import importlib
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

webhook = importlib.import_module("rdv_tools.webhook")

ROOT = Path(__file__).resolve().parent.parent
SECRETS = st.text(min_size=1, max_size=64)
BODIES = st.binary(max_size=2048)
TIMESTAMPS = st.integers(min_value=0, max_value=2**33)


def test_signature_recipe():
    """The recipe the README documents, written out by hand."""
    body = b'{"event":"booked"}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhook.signature("s3cret", 1700000000, body) == "sha256=" + expected


@given(secret=SECRETS, body=BODIES, timestamp=TIMESTAMPS)
def test_any_body_any_secret_verifies(secret, body, timestamp):
    header = webhook.signature(secret, timestamp, body)
    assert webhook.verify(secret, str(timestamp), body, header, now=timestamp)


@given(secret=SECRETS, body=BODIES.filter(bool), timestamp=TIMESTAMPS, data=st.data())
def test_any_altered_byte_fails(secret, body, timestamp, data):
    header = webhook.signature(secret, timestamp, body)
    index = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    flip = data.draw(st.integers(min_value=1, max_value=255))
    altered = body[:index] + bytes([body[index] ^ flip]) + body[index + 1 :]
    assert not webhook.verify(secret, str(timestamp), altered, header, now=timestamp)
    # One byte more or less, too.
    assert not webhook.verify(secret, str(timestamp), body + b" ", header, now=timestamp)
    assert not webhook.verify(secret, str(timestamp), body[:-1], header, now=timestamp)


@given(secret=SECRETS, other=SECRETS, body=BODIES, timestamp=TIMESTAMPS)
def test_another_secret_fails(secret, other, body, timestamp):
    header = webhook.signature(secret, timestamp, body)
    assert webhook.verify(other, str(timestamp), body, header, now=timestamp) == (other == secret)


@given(secret=SECRETS, body=BODIES, timestamp=TIMESTAMPS, shift=st.integers(1, 10**6))
def test_the_timestamp_is_signed_and_a_replay_is_refused(secret, body, timestamp, shift):
    header = webhook.signature(secret, timestamp, body)
    # A replay with a fresh timestamp: the signature no longer matches.
    assert not webhook.verify(secret, str(timestamp + shift), body, header, now=timestamp + shift)
    # The same request later than the tolerance: refused by its age.
    late = timestamp + webhook.DEFAULT_TOLERANCE + shift
    assert not webhook.verify(secret, str(timestamp), body, header, now=late)


@given(secret=SECRETS, body=BODIES, header=st.text(max_size=80), timestamp=st.text(max_size=12))
def test_garbage_headers_are_refused_without_error(secret, body, header, timestamp):
    if header == webhook.signature(secret, 0, body):
        return
    assert not webhook.verify(secret, timestamp, body, header, now=0)


def test_urls():
    ok = (
        "https://partner.example.fr/hooks/rdv",
        "https://10.0.0.5:8443/rdv?source=mairie",
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://[::1]:9000/",
    )
    for url in ok:
        assert webhook.url_problem(url) == "", url
    refused = {
        "": "empty",
        "   ": "empty",
        "http://partner.example.fr/hook": "http",
        "http://10.0.0.5/hook": "http",
        "ftp://partner.example.fr/": "scheme",
        "javascript:alert(1)": "scheme",
        "https://user:pass@partner.example.fr/": "credentials",
        "https://partner.example.fr/#x": "fragment",
        "https:///nohost": "invalid",
        "https://partner.example.fr:99999/": "invalid",
        "https://partner.example.fr/a b": "invalid",
        " https://partner.example.fr/": "invalid",
        "https://x.fr/" + "a" * 2000: "too_long",
        "https://169.254.169.254/latest": "private",  # a cloud's metadata service
        "https://[fe80::1]/hook": "private",
        "https://0.0.0.0/hook": "private",
        "https://224.0.0.1/hook": "private",
        "https://[::ffff:169.254.169.254]/": "private",
    }
    for url, problem in refused.items():
        assert webhook.url_problem(url) == problem, url


@given(st.text(max_size=200))
def test_an_accepted_url_is_https_or_this_machine(url):
    if webhook.url_problem(url):
        return
    scheme, _, rest = url.partition("://")
    assert scheme.lower() in ("https", "http")
    if scheme.lower() == "http":
        from urllib.parse import urlsplit

        assert webhook.is_loopback_host(urlsplit(url).hostname)


@given(host=st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z]{2,6}){1,2}", fullmatch=True))
def test_plain_http_to_another_machine_is_refused(host):
    if webhook.is_loopback_host(host):
        return
    assert webhook.url_problem("http://%s/hook" % host) == "http"
    assert webhook.url_problem("https://%s/hook" % host) == ""


def test_retry_after():
    assert webhook.retry_after_seconds("120") == 120
    assert webhook.retry_after_seconds(" 5 ") == 5
    assert webhook.retry_after_seconds("99999999999999999999") == webhook.MAX_RETRY_AFTER
    for value in (None, "", "-5", "1.5", "Wed, 21 Oct 2015 07:28:00 GMT", "٣٠"):
        assert webhook.retry_after_seconds(value) == 0, value


@given(st.one_of(st.none(), st.text(max_size=30), st.integers(0, 10**12).map(str)))
def test_retry_after_is_a_bounded_number_of_seconds(value):
    wait = webhook.retry_after_seconds(value)
    assert isinstance(wait, int) and 0 <= wait <= webhook.MAX_RETRY_AFTER
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        assert wait == min(int(value), webhook.MAX_RETRY_AFTER)
    else:
        assert wait == 0


def _readme_snippet():
    """The Python verification snippet of the README's Webhooks section."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Webhooks") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@given(secret=st.text(min_size=1, max_size=40), body=BODIES)
def test_the_readme_snippet_verifies_what_rdv_signs(secret, body):
    namespace = {}
    exec(_readme_snippet(), namespace)  # noqa: S102 (our own README)
    timestamp = 1800000000
    headers = {
        "X-RDV-Timestamp": str(timestamp),
        "X-RDV-Signature": webhook.signature(secret, timestamp, body),
    }
    verify = namespace["verify_rdv_webhook"]
    assert verify(secret, headers, body, now=timestamp)
    assert not verify(secret, headers, body + b"x", now=timestamp)
    assert not verify(secret, headers, body, now=timestamp + 301)


def test_where_a_host_leads():
    """Internal (this machine, a private network: the caller decides) and
    forbidden (link-local, reserved) told apart from public, for addresses
    written in the URL and for the names it resolves."""
    cases = {
        "https://partner.example.fr/": "name",
        "https://8.8.8.8/": "public",
        "https://10.0.0.5/": "internal",
        "https://192.168.1.2/": "internal",
        "http://127.0.0.1:8080/": "internal",
        "http://localhost/": "internal",
        "https://[::1]/": "internal",
        "https://169.254.169.254/": "forbidden",
        "https://[::ffff:10.0.0.1]/": "internal",
    }
    for url, kind in cases.items():
        assert webhook.host_kind(url) == kind, url
    assert webhook.resolved_kind("http://localhost:1/") == "internal"
    assert webhook.resolved_kind("https://127.0.0.1/") == "internal"
    assert webhook.resolved_kind("https://no-such-host.invalid/") == "public"


@given(st.ip_addresses())
def test_every_address_has_one_kind(address):
    kind = webhook.address_kind(str(address))
    assert kind in ("public", "internal", "forbidden")
    if address.is_link_local or address.is_multicast or address.is_unspecified:
        assert kind != "public" or getattr(address, "ipv4_mapped", None)
    if kind == "public":
        assert address.is_global or getattr(address, "ipv4_mapped", None)
