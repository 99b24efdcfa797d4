"""An empty history is an empty result, not an error (docs/analysts.md; issue 15.8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clausewatch.cli import main
from core.settings import get_settings


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    get_settings.cache_clear()
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


@pytest.fixture
def empty(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "init")[0] == 0


@pytest.mark.usefixtures("empty")
def test_timeline_of_a_tracked_series_on_an_empty_history(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = cli(capsys, "timeline", "--series", "ncg")
    assert (code, out) == (0, "")
    assert err.strip() == "no en statements stored for series 'ncg' yet"

    code, out, _ = cli(capsys, "timeline", "--series", "ncg", "--lang", "ko", "--format", "json")
    assert code == 0
    shaped = json.loads(out)
    assert (shaped["series"], shaped["language"], shaped["documents"]) == ("ncg", "ko", [])

    code, out, _ = cli(capsys, "report", "--series", "ncg", "--out", str(tmp_path / "r.html"))
    assert code == 0 and "0 statements, 0 comparisons" in out
    assert (tmp_path / "r.html").stat().st_size > 0


@pytest.mark.usefixtures("empty")
def test_an_unknown_series_is_still_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "timeline", "--series", "no-such-series")
    assert code == 2 and "unknown series 'no-such-series'" in err
