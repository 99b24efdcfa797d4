"""``clausewatch reprocess`` on SQLite: stale stamps refreshed, a missing comparison made,
nothing the second time, bad input one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from clausewatch.cli import main
from models import open_history
from models.schema import Version
from tests.support import databases
from tests.support.databases import use_in_settings
from tests.support.fingerprints import fingerprint
from tests.support.synthetic_series import ALL, age, ingested, keys


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), out, err


@pytest.fixture
def history_url(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    return use_in_settings(sqlite_url, monkeypatch)


def test_reprocess_refreshes_makes_what_is_missing_then_adds_nothing(
    history_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    history = ingested(history_url)
    try:
        clean, clean_keys = fingerprint(history), keys(history)
        stale, removed = age(history)
    finally:
        history.close()

    code, out, err = cli(["reprocess", "--lexical", "--workers", "2", "--format", "json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["workers"] == 1  # SQLite stays serial whatever was asked
    totals = report["totals"]
    assert (totals["versions"], totals["refreshed"], totals["comparisons"]) == (
        len(ALL),
        stale,
        removed,
    )
    assert totals["errors"] == 0 and totals["alerts queued"] > 0

    history = open_history(history_url)
    try:
        assert keys(history) == clean_keys
        assert fingerprint(history) == clean
        with history.sessions() as session:
            assert None not in set(session.scalars(select(Version.support_stamp)))
    finally:
        history.close()

    code, out, err = cli(["reprocess", "--lexical"], capsys)
    assert code == 0, err
    total = next(line for line in out.splitlines() if "total" in line)
    assert [cell for cell in total.split() if cell.isdigit()] == [str(len(ALL)), "0", "0", "0", "0"]


def test_one_series_in_text(history_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    ingested(history_url).close()
    code, out, _ = cli(["reprocess", "--series", "ncg", "--lexical"], capsys)
    assert code == 0
    assert "ncg" in out and "scm" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["reprocess", "--series", "g7"], "unknown series 'g7'"),
        (["reprocess", "--workers", "0"], "--workers"),
        (["reprocess", "--workers", "17"], "--workers"),
        (["reprocess", "--format", "yaml"], "--format"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    history_url: str, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ingested(history_url).close()
    code, out, err = cli(argv, capsys)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_no_history_and_an_empty_history_exit_2(
    history_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = cli(["reprocess"], capsys)
    assert code == 2 and "no statements yet" in err and len(err.strip().splitlines()) == 1
    use_in_settings(databases.sqlite_url(tmp_path / "missing.db"), monkeypatch)
    code, _, err = cli(["reprocess"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_help_says_existing_comparisons_are_not_re_decided(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = cli(["reprocess", "--help"], capsys)
    assert code == 0
    assert "Never re-decides a comparison that exists" in " ".join(out.split())


def test_a_failing_version_prints_the_report_and_exits_1(
    history_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline import reprocess

    ingested(history_url).close()

    def refresh(*_: object, **__: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(reprocess, "refresh_derived", refresh)
    code, out, err = cli(["reprocess", "--series", "ncg", "--lexical"], capsys)
    assert code == 1
    assert "ncg: 6 error(s); first: version" in out and "disk on fire" in out
    assert "6 version(s) could not be reprocessed" in err
    assert len(err.strip().splitlines()) == 1
