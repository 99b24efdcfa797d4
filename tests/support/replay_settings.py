"""Settings that point every source at a replay server on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from clausewatch.demo.replay.server import ReplayServer
from core.settings import get_settings
from scrapers.sources import replay_config


def point_sources_at(server: ReplayServer, sources: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Write ``sources`` with every source's base URL on ``server``, make the settings read it
    and trust the replay's host; returns ``sources``.

    Every replayed site shares one loopback origin, so the per-host rate limit is lifted; a
    real host keeps the default rate.
    """
    sources.write_text(yaml.safe_dump(replay_config(server.url)), encoding="utf-8")
    monkeypatch.setenv("CLAUSEWATCH_SOURCES_FILE", str(sources))
    monkeypatch.setenv("CLAUSEWATCH_ALLOWED_HOSTS", server.allowed_host)
    monkeypatch.setenv("CLAUSEWATCH_RATE_LIMIT_PER_HOST", "1000")
    get_settings.cache_clear()
    return sources
