"""Shared parts for the reliability tests: the hostile replay, fast clients, an offline guard.

The guard wraps ``socket.create_connection`` and ``socket.getaddrinfo`` for the whole test:
every connection attempt is recorded, and any attempt to reach a non-loopback address, or to
ask DNS about a name that is not ``localhost``, fails at once. So a test that expects
"refused, nothing fetched" can count the attempts, and a policy bug can never send a packet
off this machine.
"""

from __future__ import annotations

import datetime
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scrapers.http import HostRateLimiter, PoliteClient
from tests.support import corpus_replay
from tests.support.faults import FaultyReplayServer
from tests.support.hostile import HostileSite
from tests.support.offline_guard import (
    ClientFactory,
    ConnectionLog,
    is_address,
    is_loopback,
    numeric_ipv4,
)
from tests.support.replay_settings import point_sources_at


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> ConnectionLog:
    """Record connection attempts; refuse (without a packet) any that would leave loopback."""
    log = ConnectionLog()
    real_connect = socket.create_connection
    real_getaddrinfo = socket.getaddrinfo

    def guarded_connect(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        log.attempts.append((str(address[0]), int(address[1])))
        if not is_loopback(str(address[0])):
            raise ConnectionRefusedError(f"test guard: no traffic to {address[0]}")
        return real_connect(address, *args, **kwargs)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = (host.decode() if isinstance(host, bytes) else str(host)).strip("[]")
        # Numeric forms (2130706433, 0x7f.1) resolve without DNS; real names must not.
        if name != "localhost" and not is_address(name) and not numeric_ipv4(name):
            raise socket.gaierror(socket.EAI_NONAME, f"test guard: no DNS for {name}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    return log


@pytest.fixture(scope="module")
def hostile_site() -> HostileSite:
    """The hostile pages, built once per module (the big ones take a moment)."""
    return HostileSite()


@pytest.fixture
def hostile_replay(hostile_site: HostileSite) -> Iterator[FaultyReplayServer]:
    """A replay server on loopback serving the hostile pages, with no fault switched on."""
    with FaultyReplayServer(hostile_site, as_of=datetime.date(2025, 1, 1)) as server:
        yield server


@pytest.fixture
def make_client() -> Iterator[ClientFactory]:
    """Build a client trusting loopback by default, with fast limits; closes them afterwards."""
    made: list[PoliteClient] = []

    def build(**overrides: Any) -> PoliteClient:
        options: dict[str, Any] = {
            # The replay picks a free port per test, so loopback is trusted on any port here.
            "allowed_hosts": ["127.0.0.1:*"],
            "trusted_hosts": ["127.0.0.1:*"],
            "rate_limiter": HostRateLimiter(10_000),
            "backoff_base": 0.001,
            "connect_timeout": 1.0,
            "read_timeout": 5.0,
            "max_retries": 1,
            "sleep": lambda seconds: None,
        }
        options.update(overrides)
        client = PoliteClient(options.pop("allowed_hosts"), **options)
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()


# -- the corpus replayed, for the tracking fault tests -----------------------------------


corpus_site = corpus_replay.corpus_site_fixture("module")
replay = corpus_replay.replay


@pytest.fixture
def replay_sources(
    replay: FaultyReplayServer, _isolated_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> FaultyReplayServer:
    """Every source pointed at the replay (loopback trusted, politeness off)."""
    point_sources_at(replay, _isolated_settings / "sources.yaml", monkeypatch)
    return replay


@pytest.fixture
def fast_client(make_client: Callable[..., PoliteClient]) -> Callable[[], PoliteClient]:
    """Build a client that gives up quickly (short read timeout, one quick retry).

    Each run gets its own, as each flow run does: a client caches robots.txt per origin.
    """
    return lambda: make_client(read_timeout=0.5, max_retries=1)
