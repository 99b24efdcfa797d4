"""Flow tests: one Prefect test harness per session, and the corpus replayed on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from clausewatch.demo.replay.server import ReplayServer
from clausewatch.demo.replay.site import ReplaySite
from core.settings import get_settings
from tests.support.databases import migrate
from tests.support.faults import FaultyReplayServer
from tests.support.replay_settings import point_sources_at
from tests.support.tracking_runs import AS_OF


@pytest.fixture(scope="session")
def corpus_site() -> ReplaySite:
    """Every official site serving the project's corpus."""
    return ReplaySite.from_corpus()


@pytest.fixture
def replay(corpus_site: ReplaySite) -> Iterator[ReplayServer]:
    """A replay server on loopback as of AS_OF (fresh per test: faults and logs are per test)."""
    with FaultyReplayServer(corpus_site, as_of=AS_OF) as server:
        yield server


@pytest.fixture
def replay_env(
    replay: ReplayServer,
    _isolated_settings: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> ReplayServer:
    """Settings pointing every source at the replay, with a migrated history in the data dir."""
    point_sources_at(replay, _isolated_settings / "sources.yaml", monkeypatch)
    migrate(get_settings().resolved_database_url)
    return replay


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A temporary Prefect API (one per session, ~25 s) with its own PREFECT_HOME."""
    home = tmp_path_factory.mktemp("prefect-home")
    saved = {k: os.environ.get(k) for k in ("PREFECT_HOME", "PREFECT_SERVER_ANALYTICS_ENABLED")}
    os.environ["PREFECT_HOME"] = str(home)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
