"""Shared parts for the scraper tests: a small site, a replay server, fast clients."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from clausewatch.demo.replay.server import ReplayResponse, ReplayServer
from scrapers.http import HostRateLimiter, PoliteClient
from tests.support.faults import FaultyReplayServer

ENGLISH_PAGE = (
    b"<html><head><meta charset='utf-8'><title>Joint statement</title></head><body>"
    b"<h1>Joint statement of the test consultative group</h1>"
    b"<p>The two sides reaffirmed their joint planning and execution.</p>"
    b"</body></html>"
)
KOREAN_TEXT = "한미 양국은 핵협의그룹 회의에서 공동 기획과 실행을 재확인하였다."
KOREAN_PAGE = (
    f"<html><head><title>보도자료</title></head><body><p>{KOREAN_TEXT}</p></body></html>"
).encode()


class MiniSite:
    """A few pages per host; a page can change from a date on (silent edits)."""

    def __init__(self) -> None:
        self.pages: dict[tuple[str, str], list[tuple[datetime.date, ReplayResponse]]] = {}

    def put(
        self,
        host: str,
        path: str,
        body: bytes,
        *,
        since: datetime.date = datetime.date(2000, 1, 1),
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Serve ``body`` at ``host`` + ``path`` from ``since`` on."""
        versions = self.pages.setdefault((host, path), [])
        versions.append((since, ReplayResponse(200, body, content_type, dict(headers or {}))))
        versions.sort(key=lambda item: item[0])

    def get(self, host: str, path_and_query: str, as_of: datetime.date) -> ReplayResponse | None:
        """The latest version published on or before ``as_of``."""
        live = [
            page for since, page in self.pages.get((host, path_and_query), []) if since <= as_of
        ]
        return live[-1] if live else None


@pytest.fixture
def site() -> MiniSite:
    """A site with an English statement, a Korean one and a PDF."""
    mini = MiniSite()
    mini.put("www.example.gov", "/statement", ENGLISH_PAGE)
    mini.put("www.example.go.kr", "/briefing/1", KOREAN_PAGE)
    mini.put("www.example.gov", "/file.pdf", b"%PDF-1.4\n%fake\n", content_type="application/pdf")
    return mini


@pytest.fixture
def replay(site: MiniSite) -> Iterator[ReplayServer]:
    """A started replay server on loopback, as of 2025-11-14."""
    with FaultyReplayServer(site, as_of=datetime.date(2025, 11, 14)) as server:
        yield server


class SleepRecorder:
    """Stands in for time.sleep in the retry loop: records the waits, waits nothing."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    """The waits the client asked for between retries."""
    return SleepRecorder()


@pytest.fixture
def make_client(sleeps: SleepRecorder) -> Iterator[Callable[..., PoliteClient]]:
    """Build a client trusting loopback, with fast limits; closes them afterwards."""
    made: list[PoliteClient] = []

    def build(**overrides: Any) -> PoliteClient:
        options: dict[str, Any] = {
            # The replay picks a free port per test, so loopback is trusted on any port here.
            "allowed_hosts": ["127.0.0.1:*"],
            "trusted_hosts": ["127.0.0.1:*"],
            "rate_limiter": HostRateLimiter(10_000),
            "backoff_base": 0.001,
            "connect_timeout": 1.0,
            "read_timeout": 2.0,
            "max_retries": 2,
            "sleep": sleeps,
        }
        options.update(overrides)
        client = PoliteClient(options.pop("allowed_hosts"), **options)
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()
