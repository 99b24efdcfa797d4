"""What the reliability tests' offline guard (``connections`` in tests/reliability/conftest.py)
records, and how it tells loopback from the rest; the type of their ``make_client`` fixture.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

from scrapers.http import PoliteClient

#: The ``make_client`` fixture: builds a client trusting loopback, with keyword overrides.
ClientFactory = Callable[..., PoliteClient]


class ConnectionLog:
    """Every (address, port) the process tried to connect to while the guard was on."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, int]] = []

    def outside_loopback(self) -> list[tuple[str, int]]:
        """Attempts aimed at anything but loopback (each one is a policy failure)."""
        return [a for a in self.attempts if not is_loopback(a[0])]


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address, bracketed or not, or a name) is this machine."""
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host == "localhost"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def is_address(name: str) -> bool:
    """Whether ``name`` is an IP address written in a standard form."""
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def numeric_ipv4(name: str) -> bool:
    """Whether ``name`` is an IPv4 address in any form the C library reads (2130706433)."""
    try:
        socket.inet_aton(name)
    except OSError:
        return False
    return True
