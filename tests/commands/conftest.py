"""The NCG history the read-only command tests share, and the CLI run against it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from clausewatch.cli import main
from tests.support.databases import use_in_settings
from tests.support.ncg_history import NcgHistory, build, module_database

#: Runs ``clausewatch ARGS``: (exit code, stdout, stderr).
Runner = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ncg(request: pytest.FixtureRequest) -> NcgHistory:
    """The NCG history, built once per module and backend (the tests only read it)."""
    return build(module_database(request, request.param))


@pytest.fixture
def cli(
    ncg: NcgHistory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Runner:
    """Run the CLI entry point on ``ncg``'s history; returns (exit code, out, err)."""
    use_in_settings(ncg.url, monkeypatch)

    def run(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        out, err = capsys.readouterr()
        return int(exited.value.code or 0), out, err

    return run
