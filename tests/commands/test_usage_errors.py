"""Usage errors are one line and exit 2; ``--help`` keeps typer's rich layout (issue 15.19)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clausewatch", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100"},
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nosuch"], "No such command 'nosuch'. (see `clausewatch --help`)"),
        (["history", "--bogus"], "No such option: --bogus (see `clausewatch history --help`)"),
        (["compare"], "Missing argument 'old'. (see `clausewatch compare --help`)"),
        (["backfill", "--source", "us-dod"], "Missing option '--since'."),
        (["show", "abc"], "Invalid value for 'ID'"),
        (["history", "--format", "xml"], "Invalid value for '--format'"),
        (["alerts", "nosuch"], "(see `clausewatch alerts --help`)"),
        (
            [
                "backfill",
                "--source",
                "us-dod",
                "--since",
                "2024-01-01",
                "--until",
                "2024-02-01",
                "--workers",
                "17",
            ],
            "Invalid value for '--workers'",
        ),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    out = run(*args)
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("clausewatch: error: ") and message in lines[0]
    assert "╭" not in out.stderr and "Usage:" not in out.stderr


@pytest.mark.parametrize("args", [["--help"], ["history", "--help"], ["alerts", "--help"]])
def test_help_stays_rich(args: list[str]) -> None:
    out = run(*args)
    assert out.returncode == 0
    assert "Usage:" in out.stdout and "─" in out.stdout and "--help" in out.stdout


def test_help_loads_neither_the_engine_nor_the_pipeline() -> None:
    # Every command module is imported to draw the help: their heavy imports stay inside
    # the commands, so `--help` costs the CLI's own imports only.
    script = (
        "import sys\n"
        "from clausewatch.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('clauses', 'pipeline', 'models', 'flows', 'numpy', 'prefect', 'sqlalchemy')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy), file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip() == "[]"


def test_no_arguments_show_the_help() -> None:
    out = run()
    assert out.returncode == 2
    assert "Usage:" in out.stdout + out.stderr and "history" in out.stdout + out.stderr
