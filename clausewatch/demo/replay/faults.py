"""Fault switches for the replay server: what can go wrong on a real official site.

A :class:`FaultSet` holds rules; each rule pairs a :class:`Fault` with a host pattern and a
path pattern (shell globs matched against the replayed host and its path with query) and a
budget: ``times=1`` ("once"), ``times=n`` or ``times=None`` ("always"). The server asks the
set for the first live rule matching each request; a matching rule spends one unit of its
budget and disappears when the budget is spent. Rules can be added and removed while the
server runs (all access is under one lock), so a test or the demo can switch a site's
failure on and off mid-run.

``robots.txt`` is exempt from every fault except :attr:`FaultKind.ROBOTS_DISALLOW` unless a
rule's path pattern names ``robots.txt`` itself: switching a host to "always 500" should
break its pages, not make the client give up at the robots check.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass, field
from enum import StrEnum


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
