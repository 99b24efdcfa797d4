"""A real HTTP server on loopback that replays the official sites, with an interception hook.

Every replayed site lives under a path prefix on one origin: the page
``https://www.defense.gov/News/Releases/`` is served at
``http://127.0.0.1:PORT/www.defense.gov/News/Releases/``. What a page holds comes from a
:class:`ReplaySiteProtocol` object (the project's site content lives in
``clausewatch/demo/replay/site.py``); this module adds what a real web server adds: a strong
ETag and ``Last-Modified`` on every page, 304 answers to conditional GETs, gzip when the
client accepts it, and an allow-all ``robots.txt`` (at the shared root and under each host).

An optional :class:`ResponseInterceptor` is consulted once per request before anything is
served: it can answer the request itself (:class:`ReplayResponse`, :class:`StreamedResponse`)
or change how the replayed page is delivered (:class:`Delivery`). The tests' fault switches
(``tests/support/faults.py``) are one; the demo uses none.
"""

from __future__ import annotations

import datetime
import email.utils
import gzip
import hashlib
import http.server
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import NamedTuple, Protocol, Self
from urllib.parse import urlsplit

import yaml


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


@dataclass(frozen=True)
class InterceptedRequest:
    """A request as an interceptor sees it: replayed host ("" for the shared root) and path."""

    host: str
    path: str
    query: str
    #: The server's port, for answers that point back at it (redirects).
    port: int

    @property
    def path_and_query(self) -> str:
        """The path under the host with its query, e.g. ``/News/?page=2``."""
        return self.path + (f"?{self.query}" if self.query else "")


@dataclass(frozen=True)
class StreamedResponse:
    """An answer written chunk by chunk until the chunks end or the client hangs up.

    With ``length`` None no Content-Length is sent and the connection closes after the body.
    """

    status: int
    content_type: str
    chunks: Iterable[bytes]
    length: int | None


@dataclass(frozen=True)
class Delivery:
    """How to deliver the replayed page of a request an interceptor lets through."""

    #: Rewrites (body, content type) before the ETag is computed.
    transform: Callable[[bytes, str], tuple[bytes, str]] | None = None
    #: Seconds to wait between the headers and the body.
    delay: float = 0.0
    #: Declare the full length, send half the body uncompressed, then close.
    truncate: bool = False


#: What an interceptor can return: its own answer, or how to deliver the page.
Interception = ReplayResponse | StreamedResponse | Delivery


class ResponseInterceptor(Protocol):
    """Consulted once per request before the server serves it (robots.txt included)."""

    def intercept(self, request: InterceptedRequest) -> Interception | None:
        """An answer or a delivery for ``request``; None serves it normally."""
        ...


class LoggedRequest(NamedTuple):
    """One request the server answered, with its arrival time (``time.monotonic()``)."""

    method: str
    path: str
    status: int
    at: float
    host: str
    headers: tuple[tuple[str, str], ...]


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
        """Answer a GET for a replayed page or robots.txt (unless the interceptor answers)."""
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
            # The shared root robots.txt belongs to no replayed host.
            host, rest = "", "/robots.txt"
        elif not host:
            self._send_simple(404, b"not found\n", "text/plain; charset=utf-8")
            return
        delivery = Delivery()
        if replay.interceptor is not None:
            request = InterceptedRequest(host, rest, split.query, self.server.server_address[1])
            intercepted = replay.interceptor.intercept(request)
            if isinstance(intercepted, ReplayResponse):
                self._send_simple(
                    intercepted.status,
                    intercepted.body,
                    intercepted.content_type,
                    intercepted.headers,
                )
                return
            if isinstance(intercepted, StreamedResponse):
                self._send_streamed(intercepted)
                return
            if intercepted is not None:
                delivery = intercepted
        if rest == "/robots.txt":
            self._send_simple(200, replay.robots_txt(), "text/plain; charset=utf-8")
            return
        page = replay.site.get(host, path_and_query, replay.as_of)
        if page is None:
            self._send_simple(404, b"not found\n", "text/plain; charset=utf-8")
            return
        self._send_page(page, delivery)

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

    def _send_page(self, page: ReplayResponse, delivery: Delivery) -> None:
        replay = self.server.replay
        body = page.body
        content_type = page.content_type
        if delivery.transform is not None:
            body, content_type = delivery.transform(body, content_type)
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

        truncated = delivery.truncate
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
        if delivery.delay > 0:
            self.wfile.flush()
            # An Event wait rather than time.sleep so that stop() releases slow handlers.
            replay._stopping.wait(delivery.delay)
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

    def _send_streamed(self, answer: StreamedResponse) -> None:
        self._record(answer.status)
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        if answer.length is not None:
            self.send_header("Content-Length", str(answer.length))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if not self._send_body:
            return
        try:
            for chunk in answer.chunks:
                self.wfile.write(chunk)
        except OSError:
            # The client is expected to hang up once it has seen enough.
            self.close_connection = True


class _ReplayHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    replay: ReplayServer

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet when a client hangs up mid-answer, which interceptors provoke on purpose."""
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
        interceptor: ResponseInterceptor | None = None,
    ) -> None:
        self.site = site
        self.as_of: datetime.date = as_of or datetime.date.today()
        self.interceptor = interceptor
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

    def __enter__(self) -> Self:
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

    @property
    def allowed_host(self) -> str:
        """The ``CLAUSEWATCH_ALLOWED_HOSTS`` entry that trusts this replay: address and port."""
        return self.url.removeprefix("http://")

    def base_url(self, host: str) -> str:
        """Where the replay of ``host`` lives: http://127.0.0.1:PORT/<host>."""
        return f"{self.url}/{host}"

    def write_sources_file(self, path: Path, hosts_by_slug: Mapping[str, str]) -> Path:
        """Write YAML ``{slug: {base_url: ...}}`` for CLAUSEWATCH_SOURCES_FILE; returns path."""
        data = {slug: {"base_url": self.base_url(host)} for slug, host in hosts_by_slug.items()}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=True), encoding="utf-8")
        return path

    def robots_txt(self) -> bytes:
        """The robots.txt body served when no interceptor answers: everything allowed."""
        return b"User-agent: *\nDisallow:\n"

    def requests_for(self, host: str) -> list[LoggedRequest]:
        """The logged requests for one replayed host, oldest first."""
        with self._log_lock:
            return [r for r in self.request_records if r.host == host]

    def _log(self, record: LoggedRequest) -> None:
        with self._log_lock:
            self.request_log.append((record.method, record.path, record.status))
            self.request_records.append(record)
