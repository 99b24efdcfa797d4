"""Every command against broken inputs: one error line and exit 1 or 2, never a traceback.

The README's promise (exit 1 a runtime failure, 2 bad input or usage; errors are one line
on stderr) checked command by command against: a history file that is not a database, a
database server that does not answer, bad files and settings, a stopped Prefect server
and a stopped SMTP server. Commands run in process through ``clausewatch.cli.main`` (the
console script's entry point); tests/commands/ and tests/flows/test_run_command.py run
the same refusals as real processes. Issue 15: this is the sweep behind its items 3-5, 19.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from clausewatch.cli import main
from core.settings import get_settings
from tests.support import free_port
from tests.support.databases import use_in_settings

CORPUS = Path(__file__).resolve().parents[2] / "clausewatch" / "demo" / "corpus" / "ncg"
GARBAGE = bytes(range(256)) * 64

#: Every command that reads or writes the history, with otherwise valid arguments.
#: ``{tmp}`` is the test's own folder.
ON_THE_HISTORY: dict[str, list[str]] = {
    "init": ["init"],
    "history": ["history"],
    "show": ["show", "1"],
    "diff": ["diff", "1", "2", "--lexical"],
    "changes": ["changes"],
    "timeline": ["timeline", "--series", "ncg"],
    "search": ["search", "deterrence"],
    "report": ["report", "--series", "ncg", "--out", "{tmp}/report.html"],
    "import": [
        "import",
        str(CORPUS / "ncg-1.en.txt"),
        "--series",
        "ncg",
        "--published",
        "2023-07-18",
        "--lexical",
    ],
    "subscribe": ["subscribe", "analyst@example.org"],
    "unsubscribe": ["unsubscribe", "analyst@example.org"],
    "subscriptions": ["subscriptions"],
    "alerts send": ["alerts", "send"],
    "alerts list": ["alerts", "list"],
    "run": ["run", "--source", "us-dod"],
    "backfill": [
        "backfill",
        "--source",
        "us-dod",
        "--since",
        "2024-06-01",
        "--until",
        "2024-06-30",
    ],
    "series add": ["series", "add", "g7", "--title", "G7 statements", "--keyword", "G7"],
    "series remove": ["series", "remove", "g7"],
    "series export": ["series", "export", "--out", "{tmp}/series.yaml"],
}
#: Listing the built-in series and sources works without a history (before ``init``): these
#: two read it only for extras (user series, last success) and do without one that fails.
WITHOUT_A_HISTORY = {"series list": ["series", "list"], "sources": ["sources"]}


def clausewatch(
    capsys: pytest.CaptureFixture[str], args: list[str], tmp: Path
) -> tuple[int, str, str]:
    get_settings.cache_clear()
    argv = [a.replace("{tmp}", str(tmp)) for a in args]
    with pytest.raises(SystemExit) as exited:
        main(argv)
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), out, err


def assert_one_line(code: int, out: str, err: str, expected: int, words: str = "") -> None:
    assert code == expected, (code, out, err)
    assert "Traceback" not in out + err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("clausewatch: error: "), err
    assert words in lines[0], lines[0]


@pytest.fixture
def migrated_history(fresh_sqlite_url: Callable[[], str], monkeypatch: pytest.MonkeyPatch) -> str:
    """The settings' history: a fresh, migrated SQLite database; returns its URL."""
    return use_in_settings(fresh_sqlite_url(), monkeypatch)


@pytest.mark.parametrize("name", list(ON_THE_HISTORY))
def test_a_history_file_that_is_not_a_database(
    name: str, _isolated_settings: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _isolated_settings / "clausewatch.db"
    db.write_bytes(b"this is a shopping list, not a database\n" * 10)
    before = db.read_bytes()
    code, out, err = clausewatch(capsys, ON_THE_HISTORY[name], tmp_path)
    assert_one_line(code, out, err, 2, "not a SQLite database")
    assert db.read_bytes() == before


@pytest.mark.parametrize("name", list(WITHOUT_A_HISTORY))
def test_listings_work_beside_a_history_file_that_is_not_a_database(
    name: str, _isolated_settings: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (_isolated_settings / "clausewatch.db").write_bytes(b"not a database\n")
    code, out, err = clausewatch(capsys, WITHOUT_A_HISTORY[name], tmp_path)
    assert code == 0 and out.strip() and "Traceback" not in out + err


@pytest.mark.parametrize("name", [*ON_THE_HISTORY, *WITHOUT_A_HISTORY])
def test_a_database_server_that_does_not_answer(
    name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql://cw:hunter2@127.0.0.1:{free_port()}/cw"
    monkeypatch.setenv("CLAUSEWATCH_DATABASE_URL", url)
    args = ON_THE_HISTORY.get(name) or WITHOUT_A_HISTORY[name]
    code, out, err = clausewatch(capsys, args, tmp_path)
    assert "hunter2" not in out + err
    assert_one_line(code, out, err, 1, "cannot reach database")


def _write(path: Path, content: bytes | None) -> str:
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    return str(path)


#: (case, arguments, file to create at {tmp}/input (None: a folder), exit code, words)
BAD_FILES: list[tuple[str, list[str], bytes | None, int, str]] = [
    ("compare-missing", ["compare", "{tmp}/nowhere.txt", "{tmp}/input"], b"x", 2, "nowhere"),
    ("compare-binary", ["compare", "{tmp}/input", "{tmp}/input"], GARBAGE, 2, "input"),
    ("compare-folder", ["compare", "{tmp}/input", "{tmp}/input"], None, 2, "input"),
    ("compare-empty", ["compare", "{tmp}/input", "{tmp}/input"], b"", 2, "input"),
    (
        "import-binary",
        ["import", "{tmp}/input", "--series", "ncg", "--published", "2025-01-01"],
        GARBAGE,
        2,
        "input",
    ),
    ("lexicon-binary", ["lexicon", "check", "{tmp}/input"], GARBAGE, 2, "input"),
    ("series-import-binary", ["series", "import", "{tmp}/input"], GARBAGE, 2, "input"),
    ("series-import-yaml", ["series", "import", "{tmp}/input"], b"{{{\n  - :", 2, "input"),
    (
        "report-into-missing-folder",
        ["report", "--series", "ncg", "--out", "{tmp}/no/such/r.html"],
        b"",
        2,
        "r.html",
    ),
    (
        "timeline-onto-a-folder",
        ["timeline", "--series", "ncg", "--format", "png", "--out", "{tmp}/input"],
        None,
        2,
        "input",
    ),
    ("demo-into-a-file", ["demo", "--dir", "{tmp}/input"], b"x", 2, "input"),
    ("replay-bad-date", ["replay", "--as-of", "2024-02-30"], b"", 2, "2024-02-30"),
    (
        "replay-sources-in-proc",
        ["replay", "--port", "0", "--sources-file", "/proc/x.yaml"],
        b"",
        2,
        "sources file",
    ),
]


@pytest.mark.parametrize(
    ("args", "content", "expected", "words"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_bad_files(
    args: list[str],
    content: bytes | None,
    expected: int,
    words: str,
    migrated_history: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _write(tmp_path / "input", content)
    code, out, err = clausewatch(capsys, args, tmp_path)
    assert_one_line(code, out, err, expected, words)


@pytest.mark.parametrize(
    ("variable", "value", "args"),
    [
        ("CLAUSEWATCH_SMTP_PORT", "twenty-five", ["alerts", "send"]),
        ("CLAUSEWATCH_SMTP_SECURITY", "tls", ["history"]),
        ("CLAUSEWATCH_RATE_LIMIT_PER_HOST", "fast", ["run"]),
        ("CLAUSEWATCH_SOURCES_FILE", "{tmp}/input", ["sources"]),
        ("CLAUSEWATCH_SOURCES_FILE", "{tmp}/input", ["fetch", "https://www.defense.gov/News/"]),
        ("CLAUSEWATCH_SOURCES_FILE", "{tmp}/missing.yaml", ["run"]),
        ("CLAUSEWATCH_DATABASE_URL", "mysql://cw@127.0.0.1/cw", ["history"]),
        ("CLAUSEWATCH_DATABASE_URL", "sqlite:///{tmp}/no/such/dir/x.db", ["init"]),
    ],
)
def test_bad_settings(
    variable: str,
    value: str,
    args: list[str],
    migrated_history: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "input").write_text("{{{\n  - :", encoding="utf-8")
    monkeypatch.setenv(variable, value.replace("{tmp}", str(tmp_path)))
    code, out, err = clausewatch(capsys, args, tmp_path)
    assert_one_line(code, out, err, 2)


@pytest.mark.parametrize("name", ["run", "backfill"])
def test_a_stopped_prefect_server(
    name: str, migrated_history: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: f"http://127.0.0.1:{free_port()}/api"}):
        code, out, err = clausewatch(capsys, ON_THE_HISTORY[name], tmp_path)
    assert_one_line(code, out, err, 1, "cannot reach the Prefect API")


@pytest.fixture
def pending_alert(migrated_history: str) -> Iterator[str]:
    from models import open_history, outbox
    from tests.support.alert_history import add_comparison

    stored = open_history(get_settings().resolved_database_url)
    with stored.sessions.begin() as session:
        outbox.subscribe(session, "analyst@example.org")
    _, queued = add_comparison(stored)
    stored.close()
    assert queued == 1
    yield migrated_history


def test_a_stopped_smtp_server(
    pending_alert: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CLAUSEWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CLAUSEWATCH_SMTP_PORT", str(free_port()))
    code, out, err = clausewatch(capsys, ["alerts", "send"], tmp_path)
    assert code == 1 and "Traceback" not in out + err
    assert out.strip() == "sent 0, retrying later 1, failed 0"
    [line] = err.strip().splitlines()
    assert line.startswith("  error: ") or "refused" in line.lower(), err


def test_fetch_from_a_stopped_server(
    migrated_history: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = free_port()
    monkeypatch.setenv("CLAUSEWATCH_ALLOWED_HOSTS", f"127.0.0.1:{port}")
    url = f"http://127.0.0.1:{port}/statement"
    code, out, err = clausewatch(capsys, ["fetch", url, "--source", "us-dod"], tmp_path)
    assert_one_line(code, out, err, 1)
