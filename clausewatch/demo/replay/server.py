"""A real HTTP server on loopback that replays the official sites, with fault switches.

Every replayed site lives under a path prefix on one origin: the page
``https://www.defense.gov/News/Releases/`` is served at
``http://127.0.0.1:PORT/www.defense.gov/News/Releases/``. What a page holds comes from a
:class:`ReplaySiteProtocol` object (the project's site content lives in
``scrapers/replay/site.py``); this module adds what a real web server adds: a strong ETag
and ``Last-Modified`` on every page, 304 answers to conditional GETs, gzip when the client
accepts it, ``robots.txt``, and the misbehaviours switched on in :attr:`ReplayServer.faults`.

Because all sites share one origin, a client's per-origin robots check reads the root
``/robots.txt``; it disallows ``/<host><path>`` for every robots-disallow rule. Each host's
own ``/<host>/robots.txt`` is served too, with the same rules relative to that host.
"""

from __future__ import annotations

import datetime
import email.utils
import fnmatch
import gzip
import hashlib
import http.server
import sys
import threading
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import NamedTuple, Protocol
from urllib.parse import urlsplit

import yaml

from clausewatch.demo.replay.faults import Fault, FaultKind, FaultSet


@dataclass
class ReplayResponse:
    """What a replayed site answers for one path: status, body bytes and headers."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class ReplaySiteProtocol(Protocol):
    """The content of every replayed site as it stood on a date."""

    def get(self, host: str, path_and_query: str, as_of: datetime.date) -> ReplayResponse | None:
        """The response for ``path_and_query`` on ``host`` as of ``as_of``; None means 404."""
        ...


class LoggedRequest(NamedTuple):
    """One request the server answered, with its arrival time (``time.monotonic()``)."""

    method: str
    path: str
    status: int
    at: float
    host: str
    headers: tuple[tuple[str, str], ...]


_CHUNK = 64 * 1024


@lru_cache(maxsize=4)
def _gzip_bomb(size: int) -> bytes:
    # Zeros compress about 1000:1, so a 64 MiB bomb costs ~64 KiB on the wire.
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1024 * 1024)
    parts = []
    remaining = size
    while remaining > 0:
        step = min(remaining, len(zeros))
        parts.append(compressor.compress(zeros[:step]))
        remaining -= step
    parts.append(compressor.flush())
    return b"".join(parts)


def _http_date(moment: datetime.datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(datetime.UTC), usegmt=True)


def _etag_matches(header: str, etag: str) -> bool:
    # If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored.
    wanted = etag.removeprefix("W/")
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


def _robots_pattern(path_glob: str) -> str:
    return "/" if path_glob == "*" else path_glob


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one buffered write; unbuffered small writes meet Nagle and
    # delayed ACKs and cost ~40 ms per request on loopback.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    server: _ReplayHTTPServer

    def log_message(self, format: str, *args: object) -> None:
        """Silence the default stderr access log; the server keeps its own request log."""

    def do_GET(self) -> None:
        """Answer a GET for a replayed page, robots.txt, or a switched-on fault."""
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        """Answer a HEAD like a GET without the body."""
        self._answer(send_body=False)

    # -- routing -------------------------------------------------------------------------

    def _answer(self, *, send_body: bool) -> None:
        replay = self.server.replay
        arrived = time.monotonic()
        split = urlsplit(self.path)
        segments = split.path.split("/", 2)
        host = segments[1] if len(segments) > 1 else ""
        rest = "/" + (segments[2] if len(segments) > 2 else "")
        path_and_query = rest + (f"?{split.query}" if split.query else "")
        self._log_context = (arrived, host)
        self._send_body = send_body

        if split.path == "/robots.txt":
            # The shared root robots.txt belongs to no replayed host: only rules whose host
            # glob matches the empty name (such as "*") reach it.
            fault = replay.faults.take("", "/robots.txt")
            if fault is None or not self._answer_without_content(fault, "", "/robots.txt", ""):
                self._send_simple(200, replay.robots_txt(None), "text/plain; charset=utf-8")
            return
        if not host:
            self._send_simple(404, b"not found\n", "text/plain; charset=utf-8")
            return
        fault = replay.faults.take(host, path_and_query)
        if fault is not None and self._answer_without_content(fault, host, rest, split.query):
            return
        if rest == "/robots.txt":
            self._send_simple(200, replay.robots_txt(host), "text/plain; charset=utf-8")
            return
        page = replay.site.get(host, path_and_query, replay.as_of)
        if page is None:
            self._send_simple(404, b"not found\n", "text/plain; charset=utf-8")
            return
        self._send_page(page, fault)

    def _answer_without_content(self, fault: Fault, host: str, rest: str, query: str) -> bool:
        kind = fault.kind
        if kind in (FaultKind.SERVER_ERROR, FaultKind.TOO_MANY_REQUESTS):
            extra = (
                {"Retry-After": fault.retry_after} if kind is FaultKind.TOO_MANY_REQUESTS else {}
            )
            self._send_simple(fault.status, b"fault\n", "text/plain; charset=utf-8", extra)
            return True
        if kind in (FaultKind.REDIRECT, FaultKind.REDIRECT_PRIVATE):
            location = fault.location.format(
                port=self.server.server_address[1], host=host, path=rest
            )
            self._send_simple(fault.status, b"", "text/plain", {"Location": location})
            return True
        if kind is FaultKind.REDIRECT_LOOP:
            target = f"/{host}{rest}" if "_loop=1" in query else f"/{host}{rest}?_loop=1"
            self._send_simple(fault.status, b"", "text/plain", {"Location": target})
            return True
        if kind is FaultKind.OVERSIZED:
            self._send_oversized(fault)
            return True
        if kind is FaultKind.GZIP_BOMB:
            bomb = _gzip_bomb(fault.size)
            self._send_simple(200, bomb, "text/html; charset=utf-8", {"Content-Encoding": "gzip"})
            return True
        return False

    # -- writing -------------------------------------------------------------------------

    def _record(self, status: int) -> None:
        arrived, host = self._log_context
        headers = tuple((k, v) for k, v in self.headers.items())
        self.server.replay._log(
            LoggedRequest(self.command, self.path, status, arrived, host, headers)
        )

    def _send_simple(
        self,
        status: int,
        body: bytes,
        content_type: str,
        extra: Mapping[str, str] | None = None,
    ) -> None:
        self._record(status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self._send_body:
            self.wfile.write(body)

    def _send_page(self, page: ReplayResponse, fault: Fault | None) -> None:
        replay = self.server.replay
        body = page.body
        content_type = page.content_type
        if fault is not None and fault.kind is FaultKind.WRONG_CHARSET:
            body, content_type = _reencode(body, content_type, fault)
        etag = '"' + hashlib.sha256(body).hexdigest() + '"'
        headers = {k: v for k, v in page.headers.items()}
        last_modified = headers.pop("Last-Modified", None) or _http_date(
            datetime.datetime.combine(replay.as_of, datetime.time(), datetime.UTC)
        )
        headers["ETag"] = etag
        headers["Last-Modified"] = last_modified

        if page.status == 200 and self._not_modified(etag, last_modified):
            self._record(304)
            self.send_response(304)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            return

        truncated = fault is not None and fault.kind is FaultKind.TRUNCATED
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if accepts_gzip and body and not truncated:
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"

        self._record(page.status)
        self.send_response(page.status)
        self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if truncated:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if not self._send_body:
            return
        if fault is not None and fault.kind is FaultKind.SLOW:
            self.wfile.flush()
            # An Event wait rather than time.sleep so that stop() releases slow handlers.
            replay._stopping.wait(fault.delay)
        if truncated:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            return
        self.wfile.write(body)

    def _not_modified(self, etag: str, last_modified: str) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return _etag_matches(if_none_match, etag)
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since is None:
            return False
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
            modified = email.utils.parsedate_to_datetime(last_modified)
        except (TypeError, ValueError):
            return False
        return modified <= since

    def _send_oversized(self, fault: Fault) -> None:
        self._record(200)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if fault.declare_length:
            self.send_header("Content-Length", str(fault.size))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if not self._send_body:
            return
        filler = b"<p>" + b"x" * (_CHUNK - 8) + b"</p>\n\n"
        remaining = fault.size
        try:
            while remaining > 0:
                step = min(remaining, len(filler))
                self.wfile.write(filler[:step])
                remaining -= step
        except OSError:
            # The client is expected to hang up once it has seen enough.
            self.close_connection = True


def _reencode(body: bytes, content_type: str, fault: Fault) -> tuple[bytes, str]:
    mime = content_type.split(";", 1)[0].strip()
    text = body.decode("utf-8", errors="replace")
    wrong = text.encode(fault.actual_charset, errors="xmlcharrefreplace")
    return wrong, f"{mime}; charset={fault.declared_charset}"


class _ReplayHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    replay: ReplayServer

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet when a client hangs up mid-answer, which the faults provoke on purpose."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class ReplayServer:
    """Real HTTP server on loopback (ThreadingHTTPServer in a background thread) serving every
    site under a path prefix: http://127.0.0.1:PORT/<host>/<path>. Raises OSError if the
    port cannot be bound."""

    def __init__(
        self,
        site: ReplaySiteProtocol,
        *,
        as_of: datetime.date | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.site = site
        self.as_of: datetime.date = as_of or datetime.date.today()
        self.faults = FaultSet()
        self.request_log: list[tuple[str, str, int]] = []
        self.request_records: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _ReplayHTTPServer((host, port), _Handler, bind_and_activate=True)
        self._httpd.replay = self
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Serve in a background thread; raises RuntimeError when already started."""
        if self._thread is not None:
            raise RuntimeError("replay server already started")
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="replay-server",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, wake any slow responses and close the socket."""
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.server_close()

    def __enter__(self) -> ReplayServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound TCP port."""
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The origin every replayed site is served under, e.g. http://127.0.0.1:PORT."""
        address = str(self._httpd.server_address[0])
        return f"http://{address}:{self.port}"

    def base_url(self, host: str) -> str:
        """Where the replay of ``host`` lives: http://127.0.0.1:PORT/<host>."""
        return f"{self.url}/{host}"

    def write_sources_file(self, path: Path, hosts_by_slug: Mapping[str, str]) -> Path:
        """Write YAML ``{slug: {base_url: ...}}`` for CLAUSEWATCH_SOURCES_FILE; returns path."""
        data = {slug: {"base_url": self.base_url(host)} for slug, host in hosts_by_slug.items()}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=True), encoding="utf-8")
        return path

    def robots_txt(self, host: str | None) -> bytes:
        """The robots.txt body: at the root (``host=None``) or for one replayed host."""
        lines = ["User-agent: *"]
        for host_glob, path_glob in self.faults.robots_disallowed():
            if host is None:
                lines.append(f"Disallow: /{host_glob}{_robots_pattern(path_glob)}")
            elif fnmatch.fnmatchcase(host, host_glob):
                lines.append(f"Disallow: {_robots_pattern(path_glob)}")
        if len(lines) == 1:
            lines.append("Disallow:")
        return ("\n".join(lines) + "\n").encode("ascii")

    def requests_for(self, host: str) -> list[LoggedRequest]:
        """The logged requests for one replayed host, oldest first."""
        with self._log_lock:
            return [r for r in self.request_records if r.host == host]

    def _log(self, record: LoggedRequest) -> None:
        with self._log_lock:
            self.request_log.append((record.method, record.path, record.status))
            self.request_records.append(record)
