"""Flow tests: one Prefect test harness per session, and the corpus replayed on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import get_settings
from tests.support import corpus_replay
from tests.support.databases import migrate
from tests.support.faults import FaultyReplayServer
from tests.support.replay_settings import point_sources_at

corpus_site = corpus_replay.corpus_site_fixture("session")
replay = corpus_replay.replay


@pytest.fixture
def replay_env(
    replay: FaultyReplayServer,
    _isolated_settings: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> FaultyReplayServer:
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
