"""Shared parts for the reliability tests: the hostile replay, fast clients, an offline guard.

The guard wraps ``socket.create_connection`` and ``socket.getaddrinfo`` for the whole test:
every connection attempt is recorded, and any attempt to reach a non-loopback address, or to
ask DNS about a name that is not ``localhost``, fails at once. So a test that expects
"refused, nothing fetched" can count the attempts, and a policy bug can never send a packet
off this machine.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from clausewatch.demo.replay.server import ReplayServer
from scrapers.http import HostRateLimiter, PoliteClient
from tests.support.faults import FaultyReplayServer
from tests.support.hostile import HostileSite

ClientFactory = Callable[..., PoliteClient]


class ConnectionLog:
    """Every (address, port) the process tried to connect to while the guard was on."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, int]] = []

    def outside_loopback(self) -> list[tuple[str, int]]:
        """Attempts aimed at anything but loopback (each one is a policy failure)."""
        return [a for a in self.attempts if not _is_loopback(a[0])]


def _is_loopback(host: str) -> bool:
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host == "localhost"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> ConnectionLog:
    """Record connection attempts; refuse (without a packet) any that would leave loopback."""
    log = ConnectionLog()
    real_connect = socket.create_connection
    real_getaddrinfo = socket.getaddrinfo

    def guarded_connect(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        log.attempts.append((str(address[0]), int(address[1])))
        if not _is_loopback(str(address[0])):
            raise ConnectionRefusedError(f"test guard: no traffic to {address[0]}")
        return real_connect(address, *args, **kwargs)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = (host.decode() if isinstance(host, bytes) else str(host)).strip("[]")
        # Numeric forms (2130706433, 0x7f.1) resolve without DNS; real names must not.
        if name != "localhost" and not _is_address(name) and not _numeric_ipv4(name):
            raise socket.gaierror(socket.EAI_NONAME, f"test guard: no DNS for {name}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    return log


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _numeric_ipv4(name: str) -> bool:
    try:
        socket.inet_aton(name)
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def hostile_site() -> HostileSite:
    """The hostile pages, built once per module (the big ones take a moment)."""
    return HostileSite()


@pytest.fixture
def hostile_replay(hostile_site: HostileSite) -> Iterator[ReplayServer]:
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
