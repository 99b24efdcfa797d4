"""The demo and ``clausewatch run`` wait long enough for Prefect's ephemeral server."""

from __future__ import annotations

import pytest
from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS as TIMEOUT

from flows.ephemeral import STARTUP_TIMEOUT_VARIABLE, patient_ephemeral_server


def test_waits_longer_than_prefects_default_inside_the_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(STARTUP_TIMEOUT_VARIABLE, raising=False)
    before = TIMEOUT.value()
    with patient_ephemeral_server(150):
        assert TIMEOUT.value() == 150
    assert TIMEOUT.value() == before


def test_an_operators_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STARTUP_TIMEOUT_VARIABLE, "45")
    before = TIMEOUT.value()
    with patient_ephemeral_server(150):
        assert TIMEOUT.value() == before
