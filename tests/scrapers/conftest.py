"""Shared parts for the scraper tests: a small site, a replay server, fast clients."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from scrapers.http import HostRateLimiter, PoliteClient
from tests.support.faults import FaultyReplayServer
from tests.support.mini_site import ENGLISH_PAGE, KOREAN_PAGE, MiniSite, SleepRecorder


@pytest.fixture
def site() -> MiniSite:
    """A site with an English statement, a Korean one and a PDF."""
    mini = MiniSite()
    mini.put("www.example.gov", "/statement", ENGLISH_PAGE)
    mini.put("www.example.go.kr", "/briefing/1", KOREAN_PAGE)
    mini.put("www.example.gov", "/file.pdf", b"%PDF-1.4\n%fake\n", content_type="application/pdf")
    return mini


@pytest.fixture
def replay(site: MiniSite) -> Iterator[FaultyReplayServer]:
    """A started replay server on loopback, as of 2025-11-14."""
    with FaultyReplayServer(site, as_of=datetime.date(2025, 11, 14)) as server:
        yield server


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
