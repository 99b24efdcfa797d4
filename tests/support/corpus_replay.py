"""The project's corpus replayed on loopback: the fixtures the tracking tests share
(tests/reliability, tests/flows, tests/scrapers/test_replay_site.py).

A conftest brings in ``replay`` by importing it and makes its own ``corpus_site`` with
:func:`corpus_site_fixture`, at the scope it needs. The scopes differ on purpose: the flows
tests redesign hosts of the site and switch them back (test_health_flow, the
``redesigned`` fixture of test_health_tracking), and share one site for the session, the
corpus being slow to build; the reliability and replay-site modules each build their own,
so a redesign a flows test failed to switch back cannot reach them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal

import pytest

from clausewatch.demo.replay.site import ReplaySite
from tests.support.faults import FaultyReplayServer
from tests.support.tracking_runs import AS_OF


def corpus_site_fixture(
    scope: Literal["session", "module"],
) -> Callable[[], ReplaySite]:
    """A ``corpus_site`` fixture of ``scope``: every official site serving the corpus."""

    @pytest.fixture(scope=scope, name="corpus_site")
    def corpus_site() -> ReplaySite:
        """Every official site serving the project's corpus."""
        return ReplaySite.from_corpus()

    return corpus_site


@pytest.fixture
def replay(corpus_site: ReplaySite) -> Iterator[FaultyReplayServer]:
    """A replay of ``corpus_site`` on loopback as of AS_OF, faults off (fresh per test:
    faults and the request log are per test)."""
    with FaultyReplayServer(corpus_site, as_of=AS_OF) as server:
        yield server
