"""Settings that only the core interprets: the encoder's thread count."""

from __future__ import annotations

import os

import pytest

from core.errors import ConfigError
from core.settings import DEFAULT_ENCODER_THREADS, available_cores, get_settings


def test_the_encoder_runs_one_thread_unless_told() -> None:
    assert get_settings().encoder_thread_count == DEFAULT_ENCODER_THREADS == 1


@pytest.mark.parametrize(("value", "expected"), [("3", 3), ("1", 1)])
def test_encoder_threads_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: int
) -> None:
    monkeypatch.setenv("CLAUSEWATCH_ENCODER_THREADS", value)
    get_settings.cache_clear()
    assert get_settings().encoder_thread_count == expected


def test_zero_encoder_threads_means_the_cores_this_process_may_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLAUSEWATCH_ENCODER_THREADS", "0")
    get_settings.cache_clear()
    assert get_settings().encoder_thread_count == available_cores()
    assert available_cores() == len(os.sched_getaffinity(0))


def test_negative_encoder_threads_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUSEWATCH_ENCODER_THREADS", "-2")
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match="CLAUSEWATCH_ENCODER_THREADS"):
        get_settings()
