"""``clausewatch import`` and ``clausewatch changes`` through the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clausewatch.demo.corpus import get_statement


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CLAUSEWATCH_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "clausewatch", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture
def statements(tmp_path: Path) -> list[Path]:
    paths = []
    for statement_id, name in (
        ("ncg-4-en", "ncg-4-2025-01-10.txt"),
        ("ncg-5-en", "ncg-5-2025-12-11.txt"),
    ):
        path = tmp_path / name
        path.write_text(get_statement(statement_id).text, encoding="utf-8")
        paths.append(path)
    return paths


def test_import_twice_changes_nothing_and_changes_reports_the_drop(
    tmp_path: Path, statements: list[Path]
) -> None:
    data = tmp_path / "data"
    assert run("init", data_dir=data).returncode == 0
    files = [str(p) for p in statements]
    first = run("import", *files, "--series", "ncg", "--lexical", data_dir=data)
    assert first.returncode == 0, first.stderr
    before = run("changes", "--format", "json", data_dir=data)
    second = run("import", *files, "--series", "ncg", "--lexical", data_dir=data)
    assert second.returncode == 0
    assert second.stdout.count("nothing stored") == 2
    after = run("changes", "--format", "json", data_dir=data)
    assert before.stdout == after.stdout
    [change] = json.loads(after.stdout)
    assert change["kind"] == "successor" and change["severity"] == "high"
    dropped = {c["key"] for c in change["commitments"] if c["status"] == "dropped"}
    assert "joint-planning-execution" in dropped
    text = run("changes", "--series", "ncg", data_dir=data)
    assert "DROPPED" in text.stdout and "Joint planning" in text.stdout


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("history")
    assert run("init", data_dir=data).returncode == 0
    return data


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "missing.txt", "--series", "ncg"], "no such file"),
        (["import", "undated.txt", "--series", "ncg"], "no publication date"),
        (["import", "undated.txt", "--series", "NCG!", "--published", "2025-01-01"], "slug"),
        (["import", "undated.txt", "--series", "ncg", "--published", "2025-13-01"], "YYYY-MM-DD"),
        (["changes", "--series", "nope"], "unknown series"),
        (["changes", "--since", "yesterday"], "YYYY-MM-DD"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    initialised: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    from clausewatch.cli import main
    from core.settings import get_settings

    monkeypatch.setenv("CLAUSEWATCH_DATA_DIR", str(initialised))
    get_settings.cache_clear()
    (tmp_path / "undated.txt").write_text("The two sides met.", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    # Nothing was stored by a refused import.
    with pytest.raises(SystemExit) as listed:
        main(["changes", "--format", "json"])
    assert listed.value.code == 0
    assert json.loads(capsys.readouterr().out) == []


def test_the_two_sides_of_a_revision_are_told_apart_by_their_version(tmp_path: Path) -> None:
    """Issue 15.7: an edit compared with its original showed two identical headers."""
    data = tmp_path / "data"
    statement = tmp_path / "ncg-5-2025-12-11.txt"
    assert run("init", data_dir=data).returncode == 0
    for statement_id in ("ncg-5-en", "ncg-5-en-edit"):
        statement.write_text(get_statement(statement_id).text, encoding="utf-8")
        out = run("import", str(statement), "--series", "ncg", "--lexical", data_dir=data)
        assert out.returncode == 0, out.stderr
    [revision] = json.loads(run("changes", "--format", "json", data_dir=data).stdout)
    assert revision["kind"] == "revision"
    assert (revision["old_version"]["seq"], revision["new_version"]["seq"]) == (1, 2)
    header = run("changes", data_dir=data).stdout.splitlines()[0]
    old, new = header.split(" -> ")
    assert ", v1 = version " in old and ", v2 = version " in new
