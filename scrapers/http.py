"""The one network client that reaches official sites: polite, bounded and refusing.

Every fetch clausewatch makes goes through :class:`PoliteClient`. On each hop (the first
request and every redirect, which are followed by hand) it:

1. refuses schemes other than http/https and hosts outside the allowlist (the configured
   sources' hosts plus ``CLAUSEWATCH_ALLOWED_HOSTS``) — :class:`RefusedError`, nothing sent;
2. reads the origin's ``robots.txt`` (cached per origin) and refuses disallowed URLs —
   :class:`RefusedError`;
3. waits its turn on a per-origin rate limiter shared by every client in the process,
   spaced by the robots.txt ``Crawl-delay`` when it asks for more (up to
   ``CRAWL_DELAY_CAP``; a longer one is a FetchError);
4. connects only to resolved addresses that pass the address policy: loopback, private,
   link-local, reserved and multicast addresses are refused unless the operator named that
   address or that host in ``CLAUSEWATCH_ALLOWED_HOSTS``. The check happens inside the
   connection step on the address actually dialled, so a name cannot re-resolve elsewhere
   between check and connect;
5. streams the body, stopping at ``max_body_bytes`` on the wire and again after
   decompression (a gzip bomb is stopped after inflating at most the cap);
6. retries connection errors, truncated bodies, 5xx and 429 with exponential backoff and
   jitter, honouring ``Retry-After`` up to a cap (a longer wait gives up at once);
7. ends the whole fetch — robots.txt, attempts, waits, redirects — by one deadline
   (``CLAUSEWATCH_FETCH_DEADLINE``), even while headers or a body trickle in (ADR 0034).

Errors (from :mod:`core.errors`)::

    FetchError      the page could not be fetched: HTTP error, retries exhausted, too big,
                    unacceptable content type, redirect loop (``status`` when known)
    └── RefusedError    not allowed: scheme, host, resolved address, robots.txt (exit 2)
"""

from __future__ import annotations

import datetime
import email.utils
import ipaddress
import random
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from protego import Protego

from core.errors import ConfigError, FetchError, RefusedError
from core.settings import (
    DEFAULT_FETCH_DEADLINE,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_RATE_LIMIT_PER_HOST,
    DEFAULT_USER_AGENT,
    Settings,
)

Resolver = Callable[[str, int], list[str]]

ACCEPTED_CONTENT_TYPES: frozenset[str] = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "application/xml",
        "text/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/json",
        "application/pdf",
        "text/plain",
    }
)
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml;q=0.9,"
    "application/json;q=0.8,application/pdf;q=0.8,text/plain;q=0.7,*/*;q=0.1"
)
_ROBOTS_TTL = 24 * 3600.0
#: The longest robots.txt ``Crawl-delay`` we wait out between requests to one origin; a
#: site asking for more is not fetched (FetchError), as with a long ``Retry-After``.
CRAWL_DELAY_CAP = 60.0


def resolve_addresses(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in resolver order; raises OSError if none."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in seen:
            seen.append(address)
    return seen


def is_public_address(address: str) -> bool:
    """Whether an IP address is globally routable (not loopback, private, link-local...)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Redirect:
    """One redirect followed: the answering URL, its status and the resolved target."""

    status: int
    url: str
    location: str


@dataclass(frozen=True)
class FetchResult:
    """Everything one fetch produced: raw wire bytes for WARC, the body, metadata.

    The body is bytes as served (content-encoding undone); parsing decodes it
    (``scrapers/extract.py``), so a page is read the same from the wire, a WARC or a file.
    """

    url: str
    final_url: str
    status: int
    reason: str
    http_version: str
    headers: tuple[tuple[str, str], ...]
    raw: bytes
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None
    not_modified: bool
    fetched_at: datetime.datetime
    redirects: tuple[Redirect, ...]
    request_line: str
    request_headers: tuple[tuple[str, str], ...]
    source: str | None = None

    def header(self, name: str) -> str | None:
        """The first response header called ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


class HostRateLimiter:
    """Thread-safe per-host spacing of requests: at most ``per_second`` starts per host."""

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, host: str, min_interval: float = 0.0) -> float:
        """Block until ``host`` may be asked again; returns the seconds waited.

        ``min_interval`` widens the spacing for this host (a robots.txt ``Crawl-delay``).
        """
        # Reserve a slot under the lock, sleep outside it: concurrent callers queue up one
        # interval apart without serialising requests to different hosts.
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + max(self.interval, min_interval)
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return delay


_shared_limiters: dict[float, HostRateLimiter] = {}
_shared_lock = threading.Lock()


def shared_rate_limiter(per_second: float) -> HostRateLimiter:
    """The process-wide limiter for a rate, so every client of a process stays polite."""
    with _shared_lock:
        limiter = _shared_limiters.get(per_second)
        if limiter is None:
            limiter = _shared_limiters[per_second] = HostRateLimiter(per_second)
        return limiter


#: Ports a bare allowlist entry (no ``:port``) allows: the scheme's standard one.
STANDARD_PORTS: dict[str, int] = {"http": 80, "https": 443}


@dataclass(frozen=True)
class HostEntry:
    """One allowlist entry: a host, address or ``*.suffix``, and the ports it opens.

    ``host`` alone allows only the standard port of the URL's scheme (80, 443); ``host:8080``
    allows that port only; ``host:*`` allows every port (an explicit, deliberate choice).
    IPv6 addresses take brackets when a port is given (``[::1]:8080``).
    """

    host: str
    port: int | None = None
    any_port: bool = False

    @classmethod
    def parse(cls, entry: str) -> HostEntry:
        """Read ``host``, ``host:port``, ``host:*`` or ``[v6]:port``; raises ConfigError."""
        text = entry.strip().lower()
        host, port = text, ""
        if text.startswith("["):
            host, _, rest = text[1:].partition("]")
            if rest and not rest.startswith(":"):
                raise ConfigError(f"allowed host entry {entry!r} is not host or host:port")
            port = rest[1:]
        elif text.count(":") == 1:
            host, port = text.split(":")
        if not host:
            raise ConfigError(f"allowed host entry {entry!r} names no host")
        if port == "*":
            return cls(host, any_port=True)
        if port == "" and not text.endswith(":"):
            return cls(host)
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"allowed host entry {entry!r} has no valid port (1-65535 or *)")
        return cls(host, int(port))

    def allows_port(self, port: int, standard: Iterable[int]) -> bool:
        """Whether this entry opens ``port``; ``standard`` are the ports a bare entry opens."""
        if self.any_port:
            return True
        return port == self.port if self.port is not None else port in standard

    def names(self, host: str) -> bool:
        """Whether this entry names ``host`` (exactly, or as a ``*.suffix`` wildcard)."""
        if self.host.startswith("*."):
            return host.endswith(self.host[1:])
        return host == self.host


def parse_host_entries(entries: Iterable[str]) -> tuple[HostEntry, ...]:
    """Allowlist entries from settings or sources; raises ConfigError for a malformed one."""
    return tuple(HostEntry.parse(e) for e in entries if e.strip())


class AddressPolicy:
    """Decides which resolved addresses may be dialled; raises RefusedError for the others."""

    def __init__(self, trusted: Iterable[str]) -> None:
        self.trusted = parse_host_entries(trusted)

    def allows(self, host: str, address: str, port: int) -> bool:
        """Whether ``address`` (resolved from ``host``) may be connected to on ``port``."""
        if is_public_address(address):
            return True
        names = {address.lower(), host.lower().strip("[]")}
        standard = STANDARD_PORTS.values()
        # Trust is exact (no wildcards) and per port: trusting the replay's 127.0.0.1:8765
        # must not open every other service listening on loopback.
        return any(e.host in names and e.allows_port(port, standard) for e in self.trusted)

    def check(self, host: str, addresses: list[str], port: int) -> list[str]:
        """The addresses to dial; raises RefusedError when any is refused."""
        refused = [a for a in addresses if not self.allows(host, a, port)]
        if refused or not addresses:
            raise RefusedError(
                f"{host} resolves to a refused address {', '.join(refused) or '(none)'} "
                f"(port {port}); name it in CLAUSEWATCH_ALLOWED_HOSTS as "
                f"{_entry_for(host, port)} to allow it"
            )
        return addresses


def _entry_for(host: str, port: int) -> str:
    bare = host.strip("[]")
    return f"[{bare}]:{port}" if ":" in bare else f"{bare}:{port}"


Remaining = Callable[[], float | None]


def _bounded(timeout: float | None, remaining: Remaining, error: type[Exception]) -> float | None:
    """The per-operation timeout cut to what is left of the fetch deadline; raises ``error``
    when nothing is left."""
    left = remaining()
    if left is None:
        return timeout
    if left <= 0:
        raise error("fetch deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every read, write and handshake ends by the fetch deadline.

    httpx's timeouts apply per socket operation, so a server sending one byte every few
    seconds never trips them; cutting each operation to the time left makes the deadline
    hold while headers or a body trickle in.
    """

    def __init__(self, stream: httpcore.NetworkStream, remaining: Remaining) -> None:
        self._stream = stream
        self._remaining = remaining

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        timeout = _bounded(timeout, self._remaining, httpcore.ReadTimeout)
        return self._stream.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        timeout = _bounded(timeout, self._remaining, httpcore.WriteTimeout)
        self._stream.write(buffer, timeout)

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _bounded(timeout, self._remaining, httpcore.ConnectTimeout)
        stream = self._stream.start_tls(ssl_context, server_hostname, timeout)
        return _DeadlineStream(stream, self._remaining)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _GuardedBackend(httpcore.SyncBackend):
    """httpcore network backend that dials only addresses the policy accepts, on streams
    bounded by the fetch deadline."""

    def __init__(
        self, policy: AddressPolicy, resolver: Resolver, remaining: Remaining = lambda: None
    ) -> None:
        self._policy = policy
        self._resolver = resolver
        self._remaining = remaining

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        """Resolve, check every address, then connect to the first that answers."""
        try:
            addresses = self._resolver(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        # Refuse when ANY address is refused: a name that mixes public and private answers
        # is exactly what a rebinding attack looks like.
        allowed = self._policy.check(host, addresses, port)
        last: Exception | None = None
        for address in allowed:
            try:
                bounded = _bounded(timeout, self._remaining, httpcore.ConnectTimeout)
                stream = super().connect_tcp(address, port, bounded, local_address, socket_options)
                return _DeadlineStream(stream, self._remaining)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last


class _Inflater:
    """Undo one content-encoding while streaming, never holding more than ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int, url: str) -> None:
        self.encoding = encoding
        self.limit = limit
        self.url = url
        self.parts: list[bytes] = []
        self.size = 0
        self._inflate: Any = None

    def feed(self, data: bytes) -> None:
        """Decode a chunk; raises FetchError past the limit or on corrupt data."""
        if self.encoding == "identity":
            self._keep(data)
            return
        try:
            while data:
                if self._inflate is None:
                    self._inflate = zlib.decompressobj(self._wbits(data))
                out = self._inflate.decompress(data, self.limit - self.size + 1)
                self._keep(out)
                data = self._inflate.unconsumed_tail
                if self._inflate.eof:
                    # A gzip stream may hold several members; start afresh on the rest.
                    data = self._inflate.unused_data + data
                    self._inflate = None
        except zlib.error as exc:
            raise FetchError(f"corrupt {self.encoding} body: {exc}", url=self.url) from exc

    def finish(self) -> bytes:
        """The decoded body; raises FetchError when it is cut short."""
        if self._inflate is not None:
            try:
                self._keep(self._inflate.flush())
            except zlib.error as exc:
                raise FetchError(f"corrupt {self.encoding} body: {exc}", url=self.url) from exc
        return b"".join(self.parts)

    def _wbits(self, data: bytes) -> int:
        if self.encoding in ("gzip", "x-gzip"):
            return 16 + zlib.MAX_WBITS
        # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
        zlib_wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
        return zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise FetchError(
                f"body larger than {self.limit} bytes after decompression", url=self.url
            )
        if data:
            self.parts.append(data)


def _sniff_type(body: bytes) -> str:
    start = body[:512].lstrip().lower()
    if start.startswith(b"%pdf-"):
        return "application/pdf"
    if start.startswith(b"<?xml") or start.startswith(b"<rss") or start.startswith(b"<feed"):
        return "application/xml"
    if start.startswith(b"<"):
        return "text/html"
    if start[:1] in (b"{", b"["):
        return "application/json"
    return "application/octet-stream"


def _retry_after_seconds(value: str | None, now: datetime.datetime) -> float | None:
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass
class _Exchange:
    status: int
    reason: str
    http_version: str
    headers: tuple[tuple[str, str], ...]
    raw: bytes
    body: bytes
    request_line: str
    request_headers: tuple[tuple[str, str], ...]


class PoliteClient:
    """The only network client for sources (thread-safe); see the module docstring."""

    def __init__(
        self,
        allowed_hosts: Iterable[str] = (),
        *,
        trusted_hosts: Iterable[str] = (),
        user_agent: str = DEFAULT_USER_AGENT,
        rate_limiter: HostRateLimiter | None = None,
        rate_limit_per_host: float = DEFAULT_RATE_LIMIT_PER_HOST,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        deadline: float = DEFAULT_FETCH_DEADLINE,
        max_retries: int = 3,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        retry_after_cap: float = 120.0,
        max_redirects: int = 5,
        respect_robots: bool = True,
        accepted_content_types: Iterable[str] = ACCEPTED_CONTENT_TYPES,
        resolver: Resolver = resolve_addresses,
        sleep: Callable[[float], None] = time.sleep,
        source: str | None = None,
    ) -> None:
        trusted = list(trusted_hosts)
        self.allowed_hosts = parse_host_entries([*allowed_hosts, *trusted])
        self.user_agent = user_agent
        self.max_body_bytes = max_body_bytes
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.retry_after_cap = retry_after_cap
        self.max_redirects = max_redirects
        self.respect_robots = respect_robots
        self.deadline = deadline
        # Per thread: one client serves concurrent fetches, each with its own deadline.
        self._local = threading.local()
        self.accepted_content_types = frozenset(accepted_content_types)
        self.source = source
        self._limiter = rate_limiter or shared_rate_limiter(rate_limit_per_host)
        self._sleep = sleep
        self._robots: dict[str, tuple[Protego | None, float]] = {}
        self._robots_lock = threading.Lock()
        self._robots_load_lock = threading.Lock()
        transport = httpx.HTTPTransport(trust_env=False)
        # httpx has no public hook for the dialler; swapping the pool for one with a guarded
        # backend is the only way to check the address actually connected to (ADR 0031).
        transport._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            network_backend=_GuardedBackend(AddressPolicy(trusted), resolver, self._remaining),
        )
        self._client = httpx.Client(
            transport=transport,
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            headers={
                "User-Agent": self.user_agent,
                "Accept": _ACCEPT,
                "Accept-Encoding": "gzip, deflate",
                "Connection": "keep-alive",
            },
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, allowed_hosts: Iterable[str] = (), **options: Any
    ) -> PoliteClient:
        """A client with the settings' trusted hosts, user agent, rate, body limit and deadline
        (``options`` win)."""
        configured: dict[str, Any] = {
            "trusted_hosts": settings.allowed_hosts,
            "user_agent": settings.user_agent,
            "rate_limit_per_host": settings.rate_limit_per_host,
            "max_body_bytes": settings.max_body_bytes,
            "deadline": settings.fetch_deadline,
        }
        return cls(allowed_hosts, **{**configured, **options})

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()

    # -- public --------------------------------------------------------------------------

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        source: str | None = None,
    ) -> FetchResult:
        """GET ``url`` politely (conditional when validators are given) within the fetch
        deadline; raises FetchError or RefusedError (allowlist, address, robots.txt)."""
        # One deadline for everything this fetch does: robots.txt, every attempt, every retry
        # wait and every redirect (ADR 0034). Only our own rate limiter's queue is not
        # counted (see _exchange): it is our politeness, not the server's slowness.
        self._local.deadline = time.monotonic() + self.deadline
        try:
            return self._fetch(url, etag, last_modified, source or self.source)
        finally:
            self._local.deadline = None

    def _fetch(
        self, url: str, etag: str | None, last_modified: str | None, source: str | None
    ) -> FetchResult:
        conditional: dict[str, str] = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        redirects: list[Redirect] = []
        seen = {url}
        current = url
        while True:
            try:
                self.check_url(current, source=source)
                if self.respect_robots:
                    self._check_robots(current, source)
                exchange = self._exchange_with_retries(current, conditional, source, page=True)
            except RefusedError as exc:
                if current == url:
                    raise
                # Name the URL that was asked for: that is where the error gets recorded.
                raise RefusedError(
                    f"redirect to {current} refused: {exc.message}", url=url, source=source
                ) from exc
            location = _header(exchange.headers, "location")
            if exchange.status in _REDIRECT_STATUSES and location:
                target = urljoin(current, location.strip())
                redirects.append(Redirect(exchange.status, current, target))
                if target in seen:
                    raise FetchError(
                        f"redirect loop back to {target}",
                        status=exchange.status,
                        url=url,
                        source=source,
                    )
                if len(redirects) > self.max_redirects:
                    raise FetchError(
                        f"more than {self.max_redirects} redirects",
                        status=exchange.status,
                        url=url,
                        source=source,
                    )
                seen.add(target)
                current = target
                continue
            return self._result(url, current, exchange, redirects, source)

    def check_url(self, url: str, *, source: str | None = None) -> None:
        """Raise RefusedError unless ``url`` is http(s) on an allowed host."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise RefusedError(
                f"refused scheme {parts.scheme or '(none)'!r}", url=url, source=source
            )
        host = (parts.hostname or "").lower()
        try:
            port = parts.port or STANDARD_PORTS[parts.scheme]
        except ValueError as exc:
            raise RefusedError(f"refused port in {url!r}: {exc}", url=url, source=source) from exc
        if not host or not self._host_allowed(host, port, STANDARD_PORTS[parts.scheme]):
            listed = any(e.names(host) for e in self.allowed_hosts)
            hint = (
                f"port {port} is not allowed for {host} (a bare entry allows only the standard "
                f"port; add {_entry_for(host, port)} to CLAUSEWATCH_ALLOWED_HOSTS)"
                if listed
                else f"host {host or '(none)'} is not an allowed source host "
                "(add it to CLAUSEWATCH_ALLOWED_HOSTS)"
            )
            raise RefusedError(hint, url=url, source=source)

    # -- steps ---------------------------------------------------------------------------

    def _host_allowed(self, host: str, port: int, standard: int) -> bool:
        return any(e.names(host) and e.allows_port(port, (standard,)) for e in self.allowed_hosts)

    def _check_robots(self, url: str, source: str | None) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        now = time.monotonic()
        with self._robots_lock:
            cached = self._robots.get(origin)
        if cached is None or cached[1] < now:
            # One loader at a time, re-checking the cache: concurrent fetches of a new origin
            # must not each ask for its robots.txt.
            with self._robots_load_lock:
                with self._robots_lock:
                    cached = self._robots.get(origin)
                if cached is None or cached[1] < now:
                    try:
                        rules = self._load_robots(origin, source)
                    except RefusedError as exc:
                        # Name the page asked for, not the robots.txt we tried first.
                        raise RefusedError(exc.message, url=url, source=source) from exc
                    cached = (rules, now + _ROBOTS_TTL)
                    with self._robots_lock:
                        self._robots[origin] = cached
        rules = cached[0]
        if rules is not None and not rules.can_fetch(url, self.user_agent):
            raise RefusedError("robots.txt disallows this URL", url=url, source=source)
        delay = self._crawl_delay(origin)
        if delay > CRAWL_DELAY_CAP:
            raise FetchError(
                f"robots.txt asks for a crawl delay of {delay:.0f} s, more than the "
                f"{CRAWL_DELAY_CAP:.0f} s cap",
                url=url,
                source=source,
            )

    def _crawl_delay(self, origin: str) -> float:
        """The origin's robots.txt ``Crawl-delay`` for our agent in seconds (0 when none)."""
        with self._robots_lock:
            cached = self._robots.get(origin)
        rules = cached[0] if cached else None
        delay = rules.crawl_delay(self.user_agent) if rules is not None else None
        return float(delay or 0.0)

    def _load_robots(self, origin: str, source: str | None) -> Protego | None:
        robots_url = origin + "/robots.txt"
        exchange = self._exchange_with_retries(robots_url, {}, source, page=False)
        if 200 <= exchange.status < 300:
            return Protego.parse(exchange.body.decode("utf-8", errors="replace"))
        if exchange.status >= 500 or exchange.status == 429:
            # RFC 9309 says an unreachable robots.txt means "disallow everything"; we fail
            # this fetch and leave the cache empty so the next run asks again.
            raise FetchError(
                "robots.txt unavailable", status=exchange.status, url=robots_url, source=source
            )
        # 4xx (and, simplifying RFC 9309, redirects): no rules, everything allowed.
        return None

    def _remaining(self) -> float | None:
        """Seconds left before this thread's fetch deadline; None outside a fetch."""
        deadline: float | None = getattr(self._local, "deadline", None)
        return None if deadline is None else deadline - time.monotonic()

    def _past_deadline(self, after: float = 0.0) -> bool:
        left = self._remaining()
        return left is not None and left <= after

    def _deadline_error(
        self, url: str, source: str | None, attempts: int, why: str, status: int | None = None
    ) -> FetchError:
        return FetchError(
            f"no answer within the {self.deadline:g} s fetch deadline "
            f"({attempts} attempt{'s' if attempts > 1 else ''}; {why})",
            status=status,
            url=url,
            source=source,
        )

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0**attempt)
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _exchange_with_retries(
        self, url: str, extra: dict[str, str], source: str | None, *, page: bool
    ) -> _Exchange:
        attempt = 0
        while True:
            try:
                exchange = self._exchange(url, extra, source, page=page)
            except RefusedError as exc:
                # The dialler only knows the host; give the error the URL and source.
                raise RefusedError(exc.message, url=url, source=source) from exc
            except httpx.TransportError as exc:
                if self._past_deadline():
                    raise self._deadline_error(
                        url, source, attempt + 1, f"last: {type(exc).__name__}"
                    ) from exc
                if attempt >= self.max_retries:
                    raise FetchError(
                        f"{type(exc).__name__} after {attempt + 1} attempts: {exc}",
                        url=url,
                        source=source,
                    ) from exc
                delay = self._backoff(attempt)
                if self._past_deadline(after=delay):
                    raise self._deadline_error(
                        url, source, attempt + 1, f"last: {type(exc).__name__}: {exc}"
                    ) from exc
            else:
                if not (exchange.status == 429 or exchange.status >= 500):
                    return exchange
                if attempt >= self.max_retries:
                    if not page:
                        return exchange
                    raise FetchError(
                        f"HTTP {exchange.status} after {attempt + 1} attempts",
                        status=exchange.status,
                        url=url,
                        source=source,
                    )
                wait = _retry_after_seconds(
                    _header(exchange.headers, "retry-after"), datetime.datetime.now(datetime.UTC)
                )
                if wait is not None and wait > self.retry_after_cap:
                    raise FetchError(
                        f"HTTP {exchange.status} asks to retry after {wait:.0f} s, "
                        f"more than the {self.retry_after_cap:.0f} s cap",
                        status=exchange.status,
                        url=url,
                        source=source,
                    )
                delay = wait if wait is not None else self._backoff(attempt)
                if self._past_deadline(after=delay):
                    # Waiting would end past the deadline: give up now, not after the wait.
                    if not page:
                        return exchange
                    raise self._deadline_error(
                        url,
                        source,
                        attempt + 1,
                        f"HTTP {exchange.status}, next try in {delay:.0f} s",
                        exchange.status,
                    )
            attempt += 1
            self._sleep(delay)

    def _exchange(
        self, url: str, extra: dict[str, str], source: str | None, *, page: bool
    ) -> _Exchange:
        parts = urlsplit(url)
        queued = self._limiter.wait(
            parts.netloc.lower(), self._crawl_delay(f"{parts.scheme}://{parts.netloc}")
        )
        if queued > 0 and getattr(self._local, "deadline", None) is not None:
            self._local.deadline += queued
        request = self._client.build_request("GET", url, headers=extra)
        target = request.url.raw_path.decode("ascii")
        request_headers = tuple(
            (k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw
        )
        response = self._client.send(request, stream=True)
        try:
            headers = tuple(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw
            )
            ok = 200 <= response.status_code < 300
            if page and ok:
                self._check_declared(response, url, source)
            encoding = (response.headers.get("content-encoding") or "identity").strip().lower()
            if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
                raise FetchError(
                    f"unsupported content encoding {encoding!r}",
                    status=response.status_code,
                    url=url,
                    source=source,
                )
            inflater = _Inflater(encoding, self.max_body_bytes, url)
            raw = bytearray()
            for chunk in response.iter_raw():
                raw += chunk
                if len(raw) > self.max_body_bytes:
                    raise FetchError(
                        f"body larger than {self.max_body_bytes} bytes",
                        status=response.status_code,
                        url=url,
                        source=source,
                    )
                inflater.feed(chunk)
            body = inflater.finish()
        finally:
            response.close()
        return _Exchange(
            status=response.status_code,
            reason=response.reason_phrase,
            http_version=response.http_version,
            headers=headers,
            raw=bytes(raw),
            body=body,
            request_line=f"GET {target} {response.http_version}",
            request_headers=request_headers,
        )

    def _check_declared(self, response: httpx.Response, url: str, source: str | None) -> None:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise FetchError(
                f"declared body of {declared} bytes exceeds the {self.max_body_bytes} byte cap",
                status=response.status_code,
                url=url,
                source=source,
            )
        mime = _mime(response.headers.get("content-type"))
        if mime and mime not in self.accepted_content_types:
            raise FetchError(
                f"refused content type {mime}", status=response.status_code, url=url, source=source
            )

    def _result(
        self,
        url: str,
        final_url: str,
        exchange: _Exchange,
        redirects: list[Redirect],
        source: str | None,
    ) -> FetchResult:
        status = exchange.status
        not_modified = status == 304
        if not not_modified and not 200 <= status < 300:
            raise FetchError(f"HTTP {status}", status=status, url=final_url, source=source)
        content_type_header = _header(exchange.headers, "content-type")
        mime = _mime(content_type_header) or ("" if not_modified else _sniff_type(exchange.body))
        if not not_modified and mime not in self.accepted_content_types:
            raise FetchError(
                f"refused content type {mime}", status=status, url=final_url, source=source
            )
        return FetchResult(
            url=url,
            final_url=final_url,
            status=status,
            reason=exchange.reason,
            http_version=exchange.http_version,
            headers=exchange.headers,
            raw=exchange.raw,
            body=b"" if not_modified else exchange.body,
            content_type=mime,
            etag=_header(exchange.headers, "etag"),
            last_modified=_header(exchange.headers, "last-modified"),
            not_modified=not_modified,
            fetched_at=datetime.datetime.now(datetime.UTC),
            redirects=tuple(redirects),
            request_line=exchange.request_line,
            request_headers=exchange.request_headers,
            source=source,
        )


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def _mime(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()
