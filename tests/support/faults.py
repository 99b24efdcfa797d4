"""Fault switches for the replay server (test-only): what can go wrong on a real official site.

A :class:`FaultSet` holds rules; each rule pairs a :class:`Fault` with a host pattern and a
path pattern (shell globs matched against the replayed host and its path with query) and a
budget: ``times=1`` ("once"), ``times=n`` or ``times=None`` ("always"). The server asks the
set for the first live rule matching each request; a matching rule spends one unit of its
budget and disappears when the budget is spent. Rules can be added and removed while the
server runs (all access is under one lock), so a test or the demo can switch a site's
failure on and off mid-run.

The set is the server's :class:`ResponseInterceptor`; :class:`FaultyReplayServer` is a
replay server with one attached as ``server.faults``.

``robots.txt`` is exempt from every fault except :attr:`FaultKind.ROBOTS_DISALLOW` unless a
rule's path pattern names ``robots.txt`` itself: switching a host to "always 500" should
break its pages, not make the client give up at the robots check.
"""

from __future__ import annotations

import datetime
import fnmatch
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

from clausewatch.demo.replay.server import (
    Delivery,
    InterceptedRequest,
    Interception,
    ReplayResponse,
    ReplayServer,
    ReplaySiteProtocol,
    StreamedResponse,
)

_CHUNK = 64 * 1024


class FaultKind(StrEnum):
    """The kinds of misbehaviour the replay server can put on."""

    SERVER_ERROR = "server-error"
    TOO_MANY_REQUESTS = "too-many-requests"
    SLOW = "slow"
    TRUNCATED = "truncated"
    WRONG_CHARSET = "wrong-charset"
    REDIRECT = "redirect"
    REDIRECT_PRIVATE = "redirect-private"
    REDIRECT_LOOP = "redirect-loop"
    ROBOTS_DISALLOW = "robots-disallow"
    OVERSIZED = "oversized"
    GZIP_BOMB = "gzip-bomb"


@dataclass(frozen=True)
class Fault:
    """One misbehaviour and its knobs; build it with the class methods below."""

    kind: FaultKind
    status: int = 500
    retry_after: str = "1"
    delay: float = 0.0
    declared_charset: str = "utf-8"
    actual_charset: str = "cp949"
    location: str = ""
    size: int = 0
    declare_length: bool = True

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        """A 5xx answer with a short plain-text body."""
        return cls(FaultKind.SERVER_ERROR, status=status)

    @classmethod
    def too_many_requests(cls, retry_after: str = "1") -> Fault:
        """A 429 answer carrying ``Retry-After`` (seconds or an HTTP date)."""
        return cls(FaultKind.TOO_MANY_REQUESTS, status=429, retry_after=retry_after)

    @classmethod
    def slow(cls, delay: float) -> Fault:
        """Send the status line and headers, then wait ``delay`` seconds before the body."""
        return cls(FaultKind.SLOW, delay=delay)

    @classmethod
    def truncated(cls) -> Fault:
        """Declare the full Content-Length, send half the body, then close the connection."""
        return cls(FaultKind.TRUNCATED)

    @classmethod
    def wrong_charset(cls, declared: str = "utf-8", actual: str = "cp949") -> Fault:
        """Re-encode the page's text as ``actual`` while the header declares ``declared``."""
        return cls(FaultKind.WRONG_CHARSET, declared_charset=declared, actual_charset=actual)

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Fault:
        """Answer with a redirect to ``location`` (another host, another path)."""
        return cls(FaultKind.REDIRECT, status=status, location=location)

    @classmethod
    def redirect_private(cls, location: str = "http://169.254.169.254/latest/meta-data/") -> Fault:
        """Redirect to a private or link-local address that a client must never connect to."""
        return cls(FaultKind.REDIRECT_PRIVATE, status=302, location=location)

    @classmethod
    def redirect_loop(cls) -> Fault:
        """Bounce between the path and the path with ``_loop=1`` added, forever."""
        return cls(FaultKind.REDIRECT_LOOP, status=302)

    @classmethod
    def robots_disallow(cls) -> Fault:
        """Make ``robots.txt`` disallow the matching host and path pattern for every agent."""
        return cls(FaultKind.ROBOTS_DISALLOW)

    @classmethod
    def oversized(cls, size: int = 11 * 1024 * 1024, *, declare_length: bool = True) -> Fault:
        """Send ``size`` bytes of HTML; without a declared length the body runs until close."""
        return cls(FaultKind.OVERSIZED, size=size, declare_length=declare_length)

    @classmethod
    def gzip_bomb(cls, size: int = 64 * 1024 * 1024) -> Fault:
        """Send a small gzip body that inflates to ``size`` bytes."""
        return cls(FaultKind.GZIP_BOMB, size=size)


@dataclass
class FaultRule:
    """A fault switched on for requests matching ``host`` and ``path`` globs."""

    fault: Fault
    host: str = "*"
    path: str = "*"
    times: int | None = None
    hits: int = field(default=0)

    def matches(self, host: str, path_and_query: str) -> bool:
        """Whether a request for ``host`` and ``path_and_query`` falls under this rule."""
        if not fnmatch.fnmatchcase(host, self.host):
            return False
        if path_and_query.startswith("/robots.txt") and "robots.txt" not in self.path:
            return False
        return fnmatch.fnmatchcase(path_and_query, self.path)


class FaultSet:
    """Thread-safe list of fault rules, consulted by the replay server on every request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []

    def add(
        self, fault: Fault, *, host: str = "*", path: str = "*", times: int | None = None
    ) -> FaultRule:
        """Switch ``fault`` on for matching requests; ``times=None`` means always."""
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for always")
        rule = FaultRule(fault=fault, host=host, path=path, times=times)
        with self._lock:
            self._rules.append(rule)
        return rule

    def once(self, fault: Fault, *, host: str = "*", path: str = "*") -> FaultRule:
        """Switch ``fault`` on for the next matching request only."""
        return self.add(fault, host=host, path=path, times=1)

    def flapping(
        self, failures: int, *, host: str = "*", path: str = "*", status: int = 503
    ) -> FaultRule:
        """Fail the next ``failures`` matching requests with ``status``, then succeed."""
        return self.add(Fault.server_error(status), host=host, path=path, times=failures)

    def remove(self, rule: FaultRule) -> None:
        """Switch one rule off (no error when it already ran out)."""
        with self._lock:
            if rule in self._rules:
                self._rules.remove(rule)

    def clear(self) -> None:
        """Switch every fault off."""
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        """A snapshot of the live rules."""
        with self._lock:
            return list(self._rules)

    def take(self, host: str, path_and_query: str) -> Fault | None:
        """The fault to apply to this request, spending one use of its rule; None if none."""
        with self._lock:
            for rule in self._rules:
                if rule.fault.kind is FaultKind.ROBOTS_DISALLOW:
                    continue
                if rule.matches(host, path_and_query):
                    self._spend(rule)
                    return rule.fault
        return None

    def robots_disallowed(self) -> list[tuple[str, str]]:
        """(host glob, path glob) pairs that robots.txt must disallow now, spending one use each."""
        with self._lock:
            found = []
            for rule in list(self._rules):
                if rule.fault.kind is FaultKind.ROBOTS_DISALLOW:
                    found.append((rule.host, rule.path))
                    self._spend(rule)
            return found

    def _spend(self, rule: FaultRule) -> None:
        rule.hits += 1
        if rule.times is not None and rule.hits >= rule.times:
            self._rules.remove(rule)

    # -- the interceptor -----------------------------------------------------------------

    def intercept(self, request: InterceptedRequest) -> Interception | None:
        """The switched-on fault's answer or delivery for ``request`` (one use); None if none."""
        fault = self.take(request.host, request.path_and_query)
        answer = _answer(fault, request) if fault is not None else None
        if answer is not None:
            return answer
        if request.path == "/robots.txt":
            return self._robots(request.host or None)
        if fault is None:
            return None
        if fault.kind is FaultKind.WRONG_CHARSET:
            return Delivery(transform=lambda body, ctype: _reencode(body, ctype, fault))
        if fault.kind is FaultKind.TRUNCATED:
            return Delivery(truncate=True)
        if fault.kind is FaultKind.SLOW:
            return Delivery(delay=fault.delay)
        return None

    def _robots(self, host: str | None) -> ReplayResponse | None:
        # Because all sites share one origin, a client's per-origin robots check reads the
        # root /robots.txt; it disallows /<host><path> for every robots-disallow rule. Each
        # host's own /<host>/robots.txt carries the same rules relative to that host.
        lines = ["User-agent: *"]
        for host_glob, path_glob in self.robots_disallowed():
            if host is None:
                lines.append(f"Disallow: /{host_glob}{_robots_pattern(path_glob)}")
            elif fnmatch.fnmatchcase(host, host_glob):
                lines.append(f"Disallow: {_robots_pattern(path_glob)}")
        if len(lines) == 1:
            return None
        body = ("\n".join(lines) + "\n").encode("ascii")
        return ReplayResponse(200, body, "text/plain; charset=utf-8")


def _answer(fault: Fault, request: InterceptedRequest) -> ReplayResponse | StreamedResponse | None:
    """The fault's own answer, or None when it only changes how the page is delivered."""
    kind = fault.kind
    if kind in (FaultKind.SERVER_ERROR, FaultKind.TOO_MANY_REQUESTS):
        extra = {"Retry-After": fault.retry_after} if kind is FaultKind.TOO_MANY_REQUESTS else {}
        return ReplayResponse(fault.status, b"fault\n", "text/plain; charset=utf-8", extra)
    host, rest = request.host, request.path
    if kind in (FaultKind.REDIRECT, FaultKind.REDIRECT_PRIVATE):
        location = fault.location.format(port=request.port, host=host, path=rest)
        return ReplayResponse(fault.status, b"", "text/plain", {"Location": location})
    if kind is FaultKind.REDIRECT_LOOP:
        target = f"/{host}{rest}" if "_loop=1" in request.query else f"/{host}{rest}?_loop=1"
        return ReplayResponse(fault.status, b"", "text/plain", {"Location": target})
    if kind is FaultKind.OVERSIZED:
        length = fault.size if fault.declare_length else None
        return StreamedResponse(200, "text/html; charset=utf-8", _filler(fault.size), length)
    if kind is FaultKind.GZIP_BOMB:
        bomb = _gzip_bomb(fault.size)
        return ReplayResponse(200, bomb, "text/html; charset=utf-8", {"Content-Encoding": "gzip"})
    return None


def _filler(size: int) -> Iterator[bytes]:
    filler = b"<p>" + b"x" * (_CHUNK - 8) + b"</p>\n\n"
    remaining = size
    while remaining > 0:
        step = min(remaining, len(filler))
        yield filler[:step]
        remaining -= step


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


def _reencode(body: bytes, content_type: str, fault: Fault) -> tuple[bytes, str]:
    mime = content_type.split(";", 1)[0].strip()
    text = body.decode("utf-8", errors="replace")
    wrong = text.encode(fault.actual_charset, errors="xmlcharrefreplace")
    return wrong, f"{mime}; charset={fault.declared_charset}"


def _robots_pattern(path_glob: str) -> str:
    return "/" if path_glob == "*" else path_glob


class FaultyReplayServer(ReplayServer):
    """A replay server whose fault switches are ``server.faults`` (a :class:`FaultSet`)."""

    def __init__(
        self, site: ReplaySiteProtocol, *, as_of: datetime.date | None = None, **kwargs: Any
    ) -> None:
        self.faults = FaultSet()
        super().__init__(site, as_of=as_of, interceptor=self.faults, **kwargs)
