"""Tasks that run in worker processes get the parent's encoder configuration (ADRs 0104,
0110): a process of the pool starts from the defaults (one thread, no table cache)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clauses import encoder
from flows import tasks


@pytest.fixture
def parent_encoder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(encoder, "_threads", encoder.DEFAULT_THREADS)
    monkeypatch.setattr(encoder, "_weights_cache", None)
    encoder.configure_default_encoder(threads=3, weights_cache=tmp_path / "cache")
    return tmp_path / "cache"


def _fresh_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoder, "_threads", encoder.DEFAULT_THREADS)
    monkeypatch.setattr(encoder, "_weights_cache", None)


def test_the_worker_tasks_are_handed_the_parents_encoder_configuration(
    parent_encoder: Path,
) -> None:
    assert tasks._encoder_as_configured() == {
        "encoder_threads": 3,
        "weights_cache": parent_encoder,
    }


def test_ingest_series_configures_the_encoder_before_its_work(
    parent_encoder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arguments = tasks._encoder_as_configured()
    _fresh_worker(monkeypatch)
    seen: list[Any] = []
    monkeypatch.setattr(
        tasks.parallel,
        "ingest_series_at",
        lambda *args: seen.append(encoder.default_encoder_configuration()) or [],
    )
    assert tasks.ingest_series.fn("sqlite://", "ncg", [], True, **arguments) == []
    assert seen == [(3, parent_encoder)]


def test_reprocess_series_configures_the_encoder_before_its_work(
    parent_encoder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arguments = tasks._encoder_as_configured()
    _fresh_worker(monkeypatch)
    seen: list[Any] = []
    monkeypatch.setattr(
        tasks.reprocess,
        "reprocess_series_at",
        lambda *args: seen.append(encoder.default_encoder_configuration()),
    )
    tasks.reprocess_series_at.fn("sqlite://", "ncg", True, None, **arguments)
    assert seen == [(3, parent_encoder)]
