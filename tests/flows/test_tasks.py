"""Tasks that run in worker processes get the parent's encoder configuration (ADRs 0104,
0110): a process of the pool starts from the defaults (one thread, no table cache)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clauses import encoder
from flows import tasks
from pipeline import parallel, reprocess


def _fresh_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The encoder configuration a spawned pool process starts with."""
    monkeypatch.setattr(encoder, "_threads", encoder.DEFAULT_THREADS)
    monkeypatch.setattr(encoder, "_weights_cache", None)


@pytest.fixture
def parent_encoder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    _fresh_worker(monkeypatch)
    encoder.configure_default_encoder(threads=3, weights_cache=tmp_path / "cache")
    return tmp_path / "cache"


def test_the_parents_encoder_configuration_is_what_the_tasks_are_given(
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

    def ingest_series_at(*args: object) -> list[object]:
        seen.append(encoder.default_encoder_configuration())
        return []

    monkeypatch.setattr(parallel, "ingest_series_at", ingest_series_at)
    assert tasks.ingest_series.fn("sqlite://", "ncg", [], True, **arguments) == []
    assert seen == [(3, parent_encoder)]


def test_reprocess_series_configures_the_encoder_before_its_work(
    parent_encoder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arguments = tasks._encoder_as_configured()
    _fresh_worker(monkeypatch)
    seen: list[Any] = []

    def reprocess_series_at(*args: object) -> None:
        seen.append(encoder.default_encoder_configuration())

    monkeypatch.setattr(reprocess, "reprocess_series_at", reprocess_series_at)
    tasks.reprocess_series_at.fn("sqlite://", "ncg", True, None, **arguments)
    assert seen == [(3, parent_encoder)]


# -- the pool's workers and the Prefect API ------------------------------------------------


def _worker_environment() -> dict[str, str]:
    """What ProcessPoolTaskRunner hands each worker from the current settings."""
    from prefect.settings import get_current_settings

    return get_current_settings().to_environment_variables(exclude_unset=True)


@pytest.fixture
def flow_on_a_temporary_api(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A flow run talking to a temporary API of its own (no PREFECT_API_URL)."""
    from types import SimpleNamespace

    from prefect.context import FlowRunContext
    from prefect.settings import PREFECT_API_URL
    from prefect.settings.context import temporary_settings

    run = SimpleNamespace(client=SimpleNamespace(api_url="http://127.0.0.1:8123/api/"))
    monkeypatch.setattr(FlowRunContext, "get", classmethod(lambda cls: run))
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        yield run


def test_workers_reach_the_flows_temporary_api_instead_of_starting_their_own(
    flow_on_a_temporary_api: Any,
) -> None:
    assert "PREFECT_API_URL" not in _worker_environment()
    with tasks._workers_share_this_api():
        assert _worker_environment()["PREFECT_API_URL"] == "http://127.0.0.1:8123/api"
    assert "PREFECT_API_URL" not in _worker_environment()


def test_a_configured_api_and_a_call_outside_a_flow_are_left_alone(
    flow_on_a_temporary_api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.context import FlowRunContext
    from prefect.settings import PREFECT_API_URL
    from prefect.settings.context import temporary_settings

    real = "http://prefect.internal:4200/api"
    with temporary_settings(updates={PREFECT_API_URL: real}), tasks._workers_share_this_api():
        assert _worker_environment()["PREFECT_API_URL"] == real
    monkeypatch.setattr(FlowRunContext, "get", classmethod(lambda cls: None))
    with tasks._workers_share_this_api():
        assert "PREFECT_API_URL" not in _worker_environment()
