"""Settings that only the core interprets: the encoder's thread count, the cache folder."""

from __future__ import annotations

import os
from pathlib import Path

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


def test_the_cache_folder_follows_xdg_unless_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CLAUSEWATCH_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    get_settings.cache_clear()
    assert get_settings().cache_dir == tmp_path / "xdg" / "clausewatch"
    monkeypatch.delenv("XDG_CACHE_HOME")
    get_settings.cache_clear()
    assert get_settings().cache_dir == Path.home() / ".cache" / "clausewatch"
    monkeypatch.setenv("CLAUSEWATCH_CACHE_DIR", str(tmp_path / "mine"))
    get_settings.cache_clear()
    assert get_settings().cache_dir == tmp_path / "mine"
