"""A read-only history: every reading command works, only writers refuse (issue 15.5).

The data directory and the database file are made read-only for the user running the
commands. Root can write anywhere, so as root the commands run as ``nobody`` (setpriv).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "clausewatch" / "demo" / "corpus" / "ncg"
NOBODY = 65534


def _drop_to_nobody() -> list[str]:
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot run as an unprivileged user")
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def run(*args: str, data_dir: Path, as_reader: bool = False) -> subprocess.CompletedProcess[str]:
    prefix = _drop_to_nobody() if as_reader else []
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWATCH_")}
    env.update({"CLAUSEWATCH_DATA_DIR": str(data_dir), "HOME": str(data_dir.parent)})
    return subprocess.run(
        [*prefix, sys.executable, "-m", "clausewatch", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=data_dir.parent,
        timeout=180,
    )


@pytest.fixture(scope="module")
def read_only_history() -> Iterator[Path]:
    """A history of two NCG statements whose directory and file nobody may write."""
    root = Path(tempfile.mkdtemp(prefix="cw-read-only-"))
    root.chmod(0o755)  # the unprivileged user must reach the data directory
    data = root / "data"
    try:
        assert run("init", data_dir=data).returncode == 0
        for name, day in (("ncg-1.en.txt", "2023-07-18"), ("ncg-2.en.txt", "2023-12-15")):
            out = run(
                "import", str(CORPUS / name), "--series", "ncg", "--published", day, data_dir=data
            )
            assert out.returncode == 0, out.stderr
        for leftover in data.glob("clausewatch.db-*"):
            leftover.unlink()
        (data / "clausewatch.db").chmod(0o444)
        data.chmod(
            stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
        )
        yield data
    finally:
        data.chmod(0o755)
        shutil.rmtree(root)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["history"], "ncg-2.en"),
        (["history", "--format", "json"], '"series": "ncg"'),
        (["search", "deterrence"], "deterrence"),
        (["show", "2"], "ncg-2"),
        (["changes"], "clauses:"),
        (["timeline", "--series", "ncg"], "absent"),
        (["diff", "1", "2"], "modified"),
        (["subscriptions"], "no subscriptions"),
        (["alerts", "list"], "no alerts"),
        (["sources"], "us-dod"),
    ],
)
def test_readers_work_on_a_read_only_history(
    read_only_history: Path, args: list[str], expected: str
) -> None:
    out = run(*args, data_dir=read_only_history, as_reader=True)
    assert out.returncode == 0, out.stderr
    assert expected in out.stdout
    assert sorted(p.name for p in read_only_history.iterdir()) == ["clausewatch.db"]


@pytest.mark.parametrize(
    "args",
    [
        ["subscribe", "analyst@example.com"],
        ["import", str(CORPUS / "ncg-3.en.txt"), "--series", "ncg", "--published", "2024-06-10"],
        ["init"],
    ],
)
def test_writers_refuse_a_read_only_history_in_one_line(
    read_only_history: Path, args: list[str]
) -> None:
    out = run(*args, data_dir=read_only_history, as_reader=True)
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2, out.stderr
    assert len(lines) == 1 and "not writable" in lines[0] and "reading commands" in lines[0]


def test_browse_serves_a_snapshot_of_a_read_only_history(read_only_history: Path) -> None:
    from tests.support import free_port

    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWATCH_")}
    env.update(
        {"CLAUSEWATCH_DATA_DIR": str(read_only_history), "HOME": str(read_only_history.parent)}
    )
    command = [sys.executable, "-m", "clausewatch", "browse", "--no-open"]
    server = subprocess.Popen(
        [*_drop_to_nobody(), *command, "--port", str(free_port())],
        env=env,
        cwd=read_only_history.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        taken = server.stdout.readline()
        serving = server.stdout.readline()
    finally:
        server.kill()
        _, err = server.communicate(timeout=60)
    assert "snapshot of the history taken" in taken, err
    assert "serving it read-only" in serving, err
    assert str(read_only_history) not in taken  # written outside the read-only folder
    assert sorted(p.name for p in read_only_history.iterdir()) == ["clausewatch.db"]
