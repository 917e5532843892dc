"""A crowd of citizens on raw asyncio sockets: bursts of requests released at once.

Shared by ``tests/cluster/test_burst.py`` and ``bench/bench_burst.py``. A
client library would hide what these measure: a connection reset by the
server (``ECONNRESET``), a connection refused, an answer cut short. Here each
request is one TCP connection (``Connection: close``, as a browser's first
request on a new connection), its bytes written in one go, the answer read to
the end of the stream, and every way it can fail is named:

* ``reset``: the server's TCP stack answered with a RST (the answer, if any
  was sent, is lost to the client);
* ``refused``, ``timeout``, ``truncated`` (the stream ended before the
  announced body), ``closed`` (the stream ended before a status line);
* else the HTTP status and the body.

Each citizen has a loopback address of its own (``127.1.0.1``, ``127.1.0.2``,
...: Linux routes all of ``127.0.0.0/8`` to ``lo``), so that a website that
limits holds and forms per address sees many citizens, as behind real
connections, and no limit is raised for the test.

No Odoo import: the server is another process.
"""

import asyncio
import html
import json
import random
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

FAILURES = ("reset", "refused", "timeout", "truncated", "closed")


@dataclass
class Answer:
    """What one request got: ``kind`` is a failure of :data:`FAILURES` or ``http``."""

    kind: str
    seconds: float
    status: int = 0
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    cookies: dict = field(default_factory=dict)

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


def source_address(number, block=0):
    """The loopback address of citizen ``number`` (0-based) in ``block`` (0 to
    253): 127.(block+1).x.y, 254 addresses per /24, never 127.0.0.x (where the
    servers listen). A run takes a block of its own (:func:`fresh_block`): the
    website counts holds per address and per hour."""
    return "127.%d.%d.%d" % (block % 254 + 1, number // 254 % 256, number % 254 + 1)


def fresh_block():
    """A block of addresses for a run, unlikely to be one a recent run used."""
    return random.randrange(254)


def _dechunk(body):
    out, rest = [], body
    while rest:
        size_line, _sep, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            return b"".join(out), True
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out), False


def parse_response(raw, started):
    """An :class:`Answer` from the raw bytes of a whole HTTP/1.x answer."""
    seconds = time.perf_counter() - started
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not sep or not lines[0].startswith("HTTP/"):
        return Answer("closed" if not raw else "truncated", seconds)
    status = int(lines[0].split()[1])
    headers, cookies = {}, {}
    for line in lines[1:]:
        name, _colon, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "set-cookie":
            key, _eq, rest = value.partition("=")
            cookies[key.strip()] = rest.split(";")[0]
        headers[name] = value
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body, whole = _dechunk(body)
        if not whole:
            return Answer("truncated", seconds, status, headers, body, cookies)
    elif "content-length" in headers and len(body) < int(headers["content-length"]):
        return Answer("truncated", seconds, status, headers, body, cookies)
    return Answer("http", seconds, status, headers, body, cookies)


async def request(
    url,
    method="GET",
    data=None,
    cookies=None,
    headers=None,
    source=None,
    timeout=60.0,
    split=True,
    json_body=None,
):
    """One request on a new connection; never raises for a network failure:
    the :class:`Answer` says what happened. ``data``: a form; ``json_body``:
    a JSON body instead. ``split``: the body is written after the head, in a
    segment of its own, as browsers and ``requests`` send a form; else head
    and body leave in one write."""
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or 80
    path = parts.path + ("?" + parts.query if parts.query else "")
    if json_body is not None:
        body, content_type = json.dumps(json_body).encode(), "application/json"
    else:
        body = urlencode(data).encode() if data is not None else b""
        content_type = "application/x-www-form-urlencoded"
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {(headers or {}).get('Host', parts.netloc)}",
        "Connection: close",
        "User-Agent: rdv-crowd",
        "Accept: text/html,application/json",
        # A French citizen: without it, the website redirects to the page in
        # the language it guesses.
        "Accept-Language: fr-FR,fr;q=0.9",
    ]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items() if k != "Host"]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    if data is not None or json_body is not None:
        lines.append(f"Content-Type: {content_type}")
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode()
    writes = [head, body] if split and body else [head + body]
    started = time.perf_counter()

    async def exchange():
        reader, writer = await asyncio.open_connection(
            host, port, local_addr=(source, 0) if source else None
        )
        try:
            for chunk in writes:
                writer.write(chunk)
                await writer.drain()
            return await reader.read()  # to the end of the stream
        finally:
            writer.close()

    try:
        raw = await asyncio.wait_for(exchange(), timeout)
    except ConnectionResetError:
        return Answer("reset", time.perf_counter() - started)
    except ConnectionRefusedError:
        return Answer("refused", time.perf_counter() - started)
    except TimeoutError:
        return Answer("timeout", time.perf_counter() - started)
    except BrokenPipeError:
        return Answer("reset", time.perf_counter() - started)
    return parse_response(raw, started)


# ----------------------------------------------------------------------
# What the booking pages hold
# ----------------------------------------------------------------------

HOLD_FORM_RE = re.compile(r'<form action="/rdv/hold" method="post">(.*?)</form>', re.S)
FIELD_RE = re.compile(r'name="(\w+)" value="([^"]*)"')
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def hold_forms(page_text):
    """{start: form fields} of the times a slots page (or a taken page) offers."""
    forms = {}
    for form in HOLD_FORM_RE.findall(page_text):
        fields = {k: html.unescape(v) for k, v in FIELD_RE.findall(form)}
        if "start" in fields:
            forms[fields["start"]] = fields
    return forms


def csrf_token(page_text):
    found = CSRF_RE.search(page_text)
    return html.unescape(found.group(1)) if found else None


def booking_outcome(answer):
    """What a citizen saw after posting a time: ``held`` (303 to the details
    step), ``taken`` (the "just taken" page, 409, offering other times), or
    what else: a failure of :data:`FAILURES`, ``5xx``, ``nginx`` (a proxy's own
    error page), ``http <status>``."""
    if answer.kind != "http":
        return answer.kind
    if answer.status == 303 and answer.headers.get("location", "").endswith("/rdv/booking/details"):
        return "held"
    if answer.status == 409 and 'action="/rdv/hold"' in answer.text and "<h1" in answer.text:
        return "taken"
    if answer.status >= 500:
        return "5xx"
    if "<center>nginx" in answer.text:
        return "nginx"
    return f"http {answer.status}"


def percentile(values, pct):
    """The ``pct`` percentile of ``values`` (nearest rank), NaN if empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


# ----------------------------------------------------------------------
# A burst of bookings
# ----------------------------------------------------------------------


@dataclass
class Citizen:
    number: int
    source: str
    cookies: dict = field(default_factory=dict)
    form: dict = field(default_factory=dict)
    csrf: str = ""


async def prepare(
    base_url, page_path, count, targets, host=None, parallel=16, timeout=60.0, block=None
):
    """``count`` citizens, each its own session: each GETs ``page_path`` (a
    slots page with a day's times) for its session cookie, CSRF token and the
    form of one of the ``targets`` times (a list of starts; citizen i aims at
    ``targets[i % len(targets)]``), from an address of its own in ``block``
    (default: a fresh one). At most ``parallel`` GETs at a time: the burst is
    the POSTs. Raises if a page does not offer what it should."""
    gate = asyncio.Semaphore(parallel)
    headers = {"Host": host} if host else None
    block = fresh_block() if block is None else block

    async def one(number):
        citizen = Citizen(number, source_address(number, block))
        async with gate:
            answer = await request(
                base_url + page_path, source=citizen.source, headers=headers, timeout=timeout
            )
        if answer.kind != "http" or answer.status != 200:
            raise AssertionError(
                f"GET {page_path} for citizen {number}: {answer.kind} {answer.status}"
            )
        citizen.cookies = dict(answer.cookies)
        citizen.csrf = csrf_token(answer.text)
        forms = hold_forms(answer.text)
        target = targets[number % len(targets)]
        if target not in forms or not citizen.csrf or "session_id" not in citizen.cookies:
            raise AssertionError(f"citizen {number}: {target} not offered, or no session/CSRF")
        citizen.form = forms[target]
        return citizen

    return await asyncio.gather(*(one(n) for n in range(count)))


async def burst(base_url, path, citizens, data_of, host=None, timeout=120.0):
    """Every citizen POSTs ``data_of(citizen)`` to ``path`` at the same instant
    (an event released once all are ready; the connection is opened then, as
    a crowd clicking does). Returns (answers in citizens' order, seconds from
    the release to the last answer)."""
    go = asyncio.Event()
    headers = {"Host": host} if host else None

    async def one(citizen):
        data = data_of(citizen)
        await go.wait()
        return await request(
            base_url + path,
            "POST",
            data,
            cookies=citizen.cookies,
            headers=headers,
            source=citizen.source,
            timeout=timeout,
        )

    tasks = [asyncio.ensure_future(one(c)) for c in citizens]
    await asyncio.sleep(0.2)  # every task is waiting on the event
    started = time.perf_counter()
    go.set()
    answers = await asyncio.gather(*tasks)
    return answers, time.perf_counter() - started


def hold_data(citizen, csrf=None):
    """The hold form of ``citizen`` as its page sent it (``csrf``: another token)."""
    data = {k: v for k, v in citizen.form.items() if k != "csrf_token"}
    return {"csrf_token": csrf if csrf is not None else citizen.csrf, "website_url_hp": "", **data}


def hold_burst(base_url, page_path, count, targets, host=None):
    """``count`` citizens (``prepare``) post the hold form of their time at
    the same instant (``burst``). Returns (answers, seconds to answer all,
    each answer's ``booking_outcome``)."""

    async def run():
        citizens = await prepare(base_url, page_path, count, targets, host=host)
        return await burst(base_url, "/rdv/hold", citizens, hold_data, host=host)

    answers, elapsed = asyncio.run(run())
    return answers, elapsed, [booking_outcome(answer) for answer in answers]


def summary(label, answers, elapsed, outcome=booking_outcome):
    """A line of figures: count by outcome, time to answer all, p50/p95/p99."""
    kinds = {}
    for answer in answers:
        kind = outcome(answer)
        kinds[kind] = kinds.get(kind, 0) + 1
    seconds = [a.seconds for a in answers]
    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    return (
        f"{label}: {len(answers)} requests, all answered in {elapsed:.2f} s; "
        f"p50 {ms(percentile(seconds, 50))}, p95 {ms(percentile(seconds, 95))}, "
        f"p99 {ms(percentile(seconds, 99))}; "
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    )
