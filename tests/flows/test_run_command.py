"""``clausewatch run`` / ``backfill``: bad input exits 2 before any flow starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clausewatch.cli import main
from tests.support import free_port


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


@pytest.mark.parametrize(
    "argv",
    [
        ["backfill", "--source", "us-dod", "--since", "2024-06-01", "--until", "2024-06-30"],
        ["run", "--source", "us-dod"],
    ],
)
def test_a_stopped_prefect_server_is_one_line_and_exit_1(argv: list[str], tmp_path: Path) -> None:
    """PREFECT_API_URL names a server that is not running (issue 15.3): no traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUSEWATCH_", "PREFECT_"))}
    env.update(
        {
            "CLAUSEWATCH_DATA_DIR": str(tmp_path),
            "PREFECT_HOME": str(tmp_path / "prefect"),
            "PREFECT_API_URL": f"http://operator:s3cret@127.0.0.1:{free_port()}/api",
        }
    )
    python = [sys.executable, "-m", "clausewatch"]
    subprocess.run([*python, "init"], env=env, check=True, capture_output=True, timeout=120)
    out = subprocess.run([*python, *argv], env=env, capture_output=True, text=True, timeout=120)
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 1
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith(
        "clausewatch: error: cannot reach the Prefect API at http://127.0.0.1:"
    )
    assert "s3cret" not in out.stderr and out.stdout == ""
