"""Hostile pages and network tricks for the replay server: what an attacker's page looks like.

:class:`HostileSite` is a :class:`~clausewatch.demo.replay.server.ReplaySiteProtocol` serving one
hostile statement page per :class:`HostilePage` at a release URL of the US DoD's scheme
(``/News/Releases/Release/Article/<id>/<name>/``), so the ``us-dod`` adapter owns every one
of them and the CLI can fetch them by their real-host URL. Each page is built the way the
site builds a release (``h1.maintitle``, a ``time`` element, ``div.body``) and then spoiled
in one way: active content, multi-megabyte attributes, 10,000 levels of nesting, invalid
UTF-8, a 5 MB line, NUL and other control bytes, binary garbage.

:data:`NETWORK_FAULTS` are the fault switches (see ``faults.py``) that a hostile server
uses against the client itself: a redirect loop, a gzip bomb, oversized bodies, and
redirects to addresses no source may lead to (:data:`FORBIDDEN_TARGETS`).

The text of every page is the project's own words. :data:`ACTIVE_MARKER` appears only
inside content no extraction may keep (scripts, styles, frames, attributes), so finding it
in an extracted statement is a failure.
"""

from __future__ import annotations

import base64
import datetime
import random
import socket
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from clausewatch.demo.replay.server import ReplayResponse
from tests.support.faults import Fault

HOST = "www.defense.gov"
ARTICLE_PREFIX = "/News/Releases/Release/Article/"
TITLE = "Joint statement on a hostile test page"
PUBLISHED = datetime.date(2024, 6, 10)
#: Appears only inside scripts, styles, frames and attribute values of the hostile pages.
ACTIVE_MARKER = "HOSTILE-ACTIVE-CONTENT-7F3A"
PARAGRAPHS = (
    "The delegations agreed to keep planning their deterrence posture together.",
    "Both sides will hold the next meeting of the group before the end of the year.",
)


class Outcome(StrEnum):
    """What a correct pipeline may do with a hostile page."""

    #: The statement is extracted, complete and clean.
    EXTRACTS = "extracts"
    #: A ParseError for that URL is as good as an extraction (nothing to keep, no crash).
    EXTRACTS_OR_REFUSES = "extracts-or-parse-error"
    #: Nothing in the page is a statement: a ParseError for that URL.
    PARSE_ERROR = "parse-error"


@dataclass(frozen=True)
class HostilePage:
    """One hostile statement page: its name, its bytes and the outcome a correct run allows."""

    name: str
    article_id: int
    build: Callable[[], bytes]
    outcome: Outcome
    content_type: str = "text/html; charset=utf-8"

    @property
    def path(self) -> str:
        """The page's path on :data:`HOST`."""
        return f"{ARTICLE_PREFIX}{self.article_id}/{self.name}/"

    @property
    def real_url(self) -> str:
        """The page's URL on the real host (what an operator would pass to ``fetch``)."""
        return f"https://{HOST}{self.path}"


def release(inner: bytes, *, head: bytes = b"", title: str = TITLE) -> bytes:
    """A release page in the DoD's shape with ``inner`` as its body (bytes kept as given)."""
    return (
        b"<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
        + title.encode()
        + b"</title>"
        + head
        + b"</head><body><h1 class='maintitle'>"
        + title.encode()
        + b"</h1><time datetime='"
        + PUBLISHED.isoformat().encode()
        + b"'>June 10, 2024</time><div class='body'>"
        + inner
        + b"</div></body></html>"
    )


def _paragraphs(*, separator: bytes = b"") -> bytes:
    return separator.join(b"<p>" + p.encode() + b"</p>" for p in PARAGRAPHS)


def active_content_page() -> bytes:
    """Scripts, styles, frames, templates and handlers around and inside the paragraphs."""
    m = ACTIVE_MARKER.encode()
    head = (
        b"<script>document.title='" + m + b"';</script>"
        b"<style>body::after{content:'" + m + b"'}</style>"
        b"<meta http-equiv='refresh' content='0;url=javascript:alert(1)'>"
    )
    inner = (
        b"<script type='text/javascript'>var x='" + m + b"';</script>"
        b"<p onclick=\"alert('" + m + b"')\">" + PARAGRAPHS[0].encode() + b"</p>"
        b"<iframe src='javascript:alert(1)' srcdoc='<p>" + m + b"</p>'>" + m + b"</iframe>"
        b"<noscript>" + m + b"</noscript><template><p>" + m + b"</p></template>"
        b"<object data='x.swf'><embed src='x.swf' title='" + m + b"'></object>"
        b"<svg><script>" + m + b"</script></svg>"
        b"<p>" + PARAGRAPHS[1].encode() + b"<script>var y='" + m + b"';</script></p>"
        b"<style>." + m + b"{}</style><form><input value='" + m + b"'><button>" + m + b"</button>"
        b"</form>"
    )
    return release(inner, head=head)


def huge_attribute_page(size: int = 3 * 1024 * 1024) -> bytes:
    """Multi-megabyte attribute values on the body and on a paragraph."""
    filler = (ACTIVE_MARKER.encode() + b" ") * (size // (len(ACTIVE_MARKER) + 1))
    inner = (
        b"<div data-blob='"
        + filler
        + b"'><p title=\""
        + filler
        + b'">'
        + PARAGRAPHS[0].encode()
        + b"</p><p class='"
        + filler
        + b"'>"
        + PARAGRAPHS[1].encode()
        + b"</p></div>"
    )
    return release(inner)


def deep_nesting_page(depth: int = 10_000, tag: bytes = b"div", *, closed: bool = True) -> bytes:
    """The paragraphs at the bottom of ``depth`` nested elements."""
    opening = b"<" + tag + b">"
    closing = (b"</" + tag + b">") * depth if closed else b""
    return release(opening * depth + _paragraphs() + closing)


def invalid_utf8_page() -> bytes:
    """Declared UTF-8, with stray continuation bytes, a cut sequence and 0xFF between words."""
    first = PARAGRAPHS[0].encode().replace(b" keep ", b" \xff keep ")
    second = PARAGRAPHS[1].encode().replace(b" meeting ", b" \x80\xc3 meeting \xed\x95 ")
    return release(b"<p>" + first + b"</p><p>" + second + b"</p>")


def long_line_page(size: int = 5 * 1024 * 1024) -> bytes:
    """The whole page on one line, one paragraph of ``size`` bytes among the real ones."""
    words = b"alliance " * (size // len(b"alliance "))
    page = release(_paragraphs() + b"<p>" + words + b"</p>")
    assert b"\n" not in page
    return page


def control_bytes_page() -> bytes:
    """NUL and other C0 control bytes inside and between the paragraphs and the title."""
    first = PARAGRAPHS[0].encode().replace(b" ", b" \x00", 3)
    second = PARAGRAPHS[1].encode().replace(b" the ", b" \x01the\x08 ")
    return release(b"\x00<p>" + first + b"</p>\x00\x1f<p>" + second + b"</p>\x00")


def binary_garbage_page(size: int = 256 * 1024) -> bytes:
    """Random bytes (seeded, so every run serves the same) declared as HTML."""
    return random.Random(9).randbytes(size)


HOSTILE_PAGES: tuple[HostilePage, ...] = (
    HostilePage("active-content", 90001, active_content_page, Outcome.EXTRACTS),
    HostilePage("huge-attribute", 90002, huge_attribute_page, Outcome.EXTRACTS),
    HostilePage("deep-nesting", 90003, deep_nesting_page, Outcome.EXTRACTS_OR_REFUSES),
    HostilePage(
        "deep-nesting-unclosed",
        90004,
        lambda: deep_nesting_page(closed=False),
        Outcome.EXTRACTS_OR_REFUSES,
    ),
    HostilePage(
        "deep-inline-nesting",
        90005,
        lambda: deep_nesting_page(tag=b"span", closed=False),
        Outcome.EXTRACTS_OR_REFUSES,
    ),
    HostilePage("invalid-utf8", 90006, invalid_utf8_page, Outcome.EXTRACTS),
    HostilePage("long-line", 90007, long_line_page, Outcome.EXTRACTS),
    HostilePage("control-bytes", 90008, control_bytes_page, Outcome.EXTRACTS),
    HostilePage("binary-garbage", 90009, binary_garbage_page, Outcome.PARSE_ERROR),
    HostilePage("empty", 90010, lambda: b"", Outcome.PARSE_ERROR),
)


class HostileSite:
    """Replay content serving every :data:`HOSTILE_PAGES` page on :data:`HOST` (built once)."""

    def __init__(self, pages: tuple[HostilePage, ...] = HOSTILE_PAGES) -> None:
        self.pages = {page.path: page for page in pages}
        self._bodies: dict[str, bytes] = {}

    def body(self, page: HostilePage) -> bytes:
        """The bytes of ``page``, built on first use."""
        if page.path not in self._bodies:
            self._bodies[page.path] = page.build()
        return self._bodies[page.path]

    def get(self, host: str, path_and_query: str, as_of: datetime.date) -> ReplayResponse | None:
        """The hostile page at ``path_and_query`` on :data:`HOST`; None (404) elsewhere."""
        page = self.pages.get(path_and_query) if host == HOST else None
        if page is None:
            return None
        return ReplayResponse(200, self.body(page), page.content_type)


@dataclass(frozen=True)
class NetworkFault:
    """A fault a hostile server plays on the client, and the error that must end the fetch."""

    name: str
    fault: Fault
    #: Substring of the one-line error message that names what went wrong.
    message: str


NETWORK_FAULTS: tuple[NetworkFault, ...] = (
    NetworkFault("redirect-loop", Fault.redirect_loop(), "redirect loop"),
    NetworkFault("gzip-bomb", Fault.gzip_bomb(64 * 1024 * 1024), "after decompression"),
    NetworkFault("oversized-declared", Fault.oversized(11 * 1024 * 1024), "exceeds the"),
    NetworkFault(
        "oversized-streamed",
        Fault.oversized(11 * 1024 * 1024, declare_length=False),
        "body larger than",
    ),
)

#: Redirect targets no source may lead to. ``{port}``, ``{host}`` and ``{path}`` are filled
#: in by the replay server, so the loopback ones point back at the replay itself: were the
#: client to follow them, the server would log the request.
FORBIDDEN_TARGETS: dict[str, str] = {
    "loopback-v4": "http://127.0.0.1:{port}/{host}{path}",
    "loopback-v6": "http://[::1]:{port}/{host}{path}",
    "loopback-v4-mapped": "http://[::ffff:127.0.0.1]:{port}/{host}{path}",
    "loopback-decimal": "http://2130706433:{port}/{host}{path}",
    "loopback-name": "http://localhost:{port}/{host}{path}",
    "unspecified": "http://0.0.0.0:{port}/{host}{path}",
    "metadata": "http://169.254.169.254/latest/meta-data/",
    "private-10": "http://10.0.0.1/admin",
    "private-172": "http://172.16.0.1/admin",
    "private-192": "http://192.168.1.1/admin",
}

#: What a hostile DNS answer may say: name → resolved addresses (for an injected resolver).
FORBIDDEN_ANSWERS: dict[str, list[str]] = {
    "loopback-v4": ["127.0.0.1"],
    "loopback-v6": ["::1"],
    "metadata": ["169.254.169.254"],
    "private-10": ["10.20.30.40"],
    "private-172": ["172.16.5.4"],
    "private-192": ["192.168.0.10"],
    "shared-100-64": ["100.64.0.1"],
    "unspecified": ["0.0.0.0"],
    "mapped-private": ["::ffff:10.0.0.1"],
    "unique-local-v6": ["fd00::1"],
    "link-local-v6": ["fe80::1"],
    "multicast": ["224.0.0.1"],
    # A public answer mixed with a private one is how DNS rebinding starts.
    "rebinding-mix": ["93.184.216.34", "10.0.0.1"],
}


class TricklingServer:
    """A loopback HTTP server that sends its answer one byte at a time.

    ``part="headers"`` trickles the status line and headers (padded to ``size`` bytes), then
    sends the body at once; ``part="body"`` sends the headers at once and trickles a body of
    ``size`` bytes. Either way the whole answer takes about ``size * interval`` seconds, far
    longer than any deadline under test, so a client that gives up early shows in
    :attr:`completed`. ``robots.txt`` is answered at once with a 404.
    """

    def __init__(self, *, part: str, interval: float = 0.05, size: int = 600) -> None:
        if part not in ("headers", "body"):
            raise ValueError("part is 'headers' or 'body'")
        self.part = part
        self.interval = interval
        self.size = size
        self.requests: list[str] = []
        self.completed = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        trickler = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                trickler._serve(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The origin, e.g. http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def allowed_host(self) -> str:
        """The allowlist entry trusting this server."""
        return self.url.removeprefix("http://")

    def __enter__(self) -> TricklingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def _serve(self, conn: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(4096)
            if not chunk:
                return
            request += chunk
        path = request.split(b" ", 2)[1].decode("latin-1")
        with self._lock:
            self.requests.append(path)
        if path.endswith("/robots.txt"):
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            return
        body = (
            release(_paragraphs())
            if self.part == "headers"
            else b"<p>" + b"x" * self.size + b"</p>"
        )
        head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n"
        )
        if self.part == "headers":
            head += b"X-Padding: " + b"p" * self.size + b"\r\n"
        head += b"\r\n"
        slow, fast = (head, body) if self.part == "headers" else (body, b"")
        try:
            if self.part == "body":
                conn.sendall(head)
            for i in range(len(slow)):
                if self._stop.wait(self.interval):
                    return
                conn.sendall(slow[i : i + 1])
            conn.sendall(fast)
        except OSError:
            return  # the client gave up and closed the connection
        with self._lock:
            self.completed += 1


class AuthEchoingSmtpServer:
    """An SMTP server on loopback that refuses every login and repeats the client's AUTH
    exchange in its error, as some misconfigured relays do: ``AUTH PLAIN <base64>`` for
    PLAIN, both base64 answers for LOGIN, and with ``clear=True`` the decoded password too.
    """

    def __init__(self, mechanism: str, *, clear: bool = False) -> None:
        self.mechanism = mechanism
        self.clear = clear
        self.logins = 0
        echo = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                echo._serve(self.rfile, self.wfile)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self._server.server_address[1])

    def __enter__(self) -> AuthEchoingSmtpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _serve(self, rfile: Any, wfile: Any) -> None:
        def say(line: str) -> None:
            wfile.write(line.encode() + b"\r\n")
            wfile.flush()

        def hear() -> str:
            return bytes(rfile.readline()).decode("latin-1").rstrip("\r\n")

        say("220 relay.test ESMTP")
        while line := hear():
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                say(f"250-relay.test\r\n250 AUTH {self.mechanism}")
            elif verb == "AUTH":
                self.logins += 1
                said = [line]
                if self.mechanism == "LOGIN":
                    say("334 VXNlcm5hbWU6")
                    said.append(hear())
                    say("334 UGFzc3dvcmQ6")
                    said.append(hear())
                if self.clear:
                    said.append(base64.b64decode(said[-1].split()[-1] + "==").decode("latin-1"))
                say("535 5.7.8 authentication failed for: " + " | ".join(said))
            elif verb == "QUIT":
                say("221 bye")
                return
            else:
                say("250 ok")
