"""``clausewatch run`` / ``backfill``: bad input exits 2 before any flow starts."""

from __future__ import annotations

import pytest

from clausewatch.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--source", "nowhere"], "unknown source 'nowhere'"),
        (["run", "--since", "2025-02-01", "--until", "2025-01-01"], "after until"),
        (["run", "--since", "yesterday"], "must be a date"),
        (
            ["backfill", "--source", "nowhere", "--since", "2024-01-01", "--until", "2024-02-01"],
            "unknown source",
        ),
        (
            ["backfill", "--source", "us-dod", "--since", "2099-01-01", "--until", "2099-02-01"],
            "in the future",
        ),
        (
            [
                "backfill",
                "--source",
                "us-dod",
                "--series",
                "g7",
                "--since",
                "2024-01-01",
                "--until",
                "2024-02-01",
            ],
            "unknown series",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
