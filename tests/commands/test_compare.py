"""``clausewatch compare``: files in, report out; bad input is one line and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clausewatch.cli import app, main
from clausewatch.commands.compare import read_statement
from scrapers.base import get_adapter
from tests.support.statement_samples import FIFTH_EN, FIFTH_KO, FOURTH_EN

runner = CliRunner()


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    old = tmp_path / "ncg-4.txt"
    new = tmp_path / "ncg-5.txt"
    old.write_text(FOURTH_EN, encoding="utf-8")
    new.write_text(FIFTH_EN, encoding="utf-8")
    return old, new


def test_json_output(pair: tuple[Path, Path]) -> None:
    result = runner.invoke(
        app, ["compare", str(pair[0]), str(pair[1]), "--format", "json", "--lexical"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kind"] == "successor"
    assert data["old"]["title"] == "ncg-4.txt"
    status = {c["key"]: c["status"] for c in data["commitments"]}
    assert status["joint-planning-execution"] == "dropped"
    assert status["rok-leading-conventional-role"] == "added"


def test_text_and_html_output(pair: tuple[Path, Path]) -> None:
    text = runner.invoke(app, ["compare", str(pair[0]), str(pair[1]), "--lexical"])
    assert text.exit_code == 0 and "end-of-regime" in text.stdout
    html = runner.invoke(
        app, ["compare", str(pair[0]), str(pair[1]), "--format", "html", "--lexical"]
    )
    assert html.exit_code == 0 and html.stdout.startswith("<!DOCTYPE html>")


def test_html_input_and_translation(tmp_path: Path) -> None:
    page = tmp_path / "ncg-5.html"
    paragraphs = "".join(f"<p>{p}</p>" for p in FIFTH_EN.split("\n\n"))
    page.write_text(
        f"<html><head><title>Fifth NCG</title><script>x()</script></head>"
        f"<body>{paragraphs}</body></html>",
        encoding="utf-8",
    )
    korean = tmp_path / "ncg-5.ko.txt"
    korean.write_text(FIFTH_KO, encoding="utf-8")
    result = runner.invoke(
        app, ["compare", str(page), str(korean), "--format", "json", "--lexical"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kind"] == "translation"
    # Six sentences; the list-sentence of four items is one clause.
    assert data["old"] == {"title": "Fifth NCG", "language": "en", "clauses": 6}
    assert data["new"]["language"] == "ko"


def test_lang_override(pair: tuple[Path, Path]) -> None:
    result = runner.invoke(
        app,
        ["compare", str(pair[0]), str(pair[1]), "--format", "json", "--lexical", "--lang", "en"],
    )
    assert json.loads(result.stdout)["new"]["language"] == "en"


def _pdf_without_text() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "no statement text"),
        ("blank.txt", b"  \n\n \t", "no statement text"),
        ("binary.txt", b"\x00\x01\x02binary\x00" * 50, "binary"),
        ("scan.pdf", None, "no text layer"),
        ("broken.pdf", b"%PDF-1.4 not really", "PDF"),
        ("big.txt", b"a" * (5 * 1024 * 1024 + 1), "larger than 5 MB"),
        ("empty.html", b"<html><body><script>x</script></body></html>", "no statement text"),
        ("missing.txt", "missing", "no such file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path,
    pair: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes | str | None,
    message: str,
) -> None:
    path = tmp_path / name
    if content is None:
        path.write_bytes(_pdf_without_text())
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(SystemExit) as exited:
        main(["compare", str(path), str(pair[1]), "--lexical"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in err


def test_console_script_exit_code(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "clausewatch", "compare", str(tmp_path / "nope"), str(pair[1])],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"clausewatch: error: no such file ({tmp_path / 'nope'})"
    ]


def test_kind_is_in_the_help() -> None:
    result = runner.invoke(app, ["compare", "--help"])
    assert result.exit_code == 0
    assert "--kind" in result.stdout and "successor" in result.stdout


@pytest.mark.parametrize(
    ("kind", "expected"),
    [(None, "translation"), ("auto", "translation"), ("successor", "successor")],
)
def test_kind_across_languages(tmp_path: Path, kind: str | None, expected: str) -> None:
    old = tmp_path / "ncg-4.en.txt"
    new = tmp_path / "ncg-5.ko.txt"
    old.write_text(FOURTH_EN, encoding="utf-8")
    new.write_text(FIFTH_KO, encoding="utf-8")
    args = ["compare", str(old), str(new), "--format", "json", "--lexical"]
    result = runner.invoke(app, [*args, "--kind", kind] if kind else args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kind"] == expected
    if expected == "successor":
        assert "matched" not in {c["status"] for c in data["clauses"]}
        status = {c["key"]: c["status"] for c in data["commitments"]}
        assert status["end-of-regime"] == "dropped"


def test_a_revision_across_languages_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "a.txt"
    new = tmp_path / "b.txt"
    old.write_text(FIFTH_EN, encoding="utf-8")
    new.write_text(FIFTH_KO, encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        main(["compare", str(old), str(new), "--kind", "revision", "--lexical"])
    assert exited.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "share a language" in lines[0]


def test_utf8_file_with_one_bad_byte_is_read_as_utf8_and_said_so(tmp_path: Path) -> None:
    # Issue 15 item 11: one damaged byte once made the whole file mac_iceland ("—" → "‚Äî").
    old_text = (
        "The allies reaffirmed the consultative group — their forum for nuclear planning.\n\n"
        "They will hold “joint planning and execution” exercises twice a year.\n"
    )
    old = tmp_path / "old.txt"
    new = tmp_path / "new.txt"
    old.write_text(old_text, encoding="utf-8")
    new.write_bytes(old_text.encode().replace(b"twice", b"tw\xffice"))
    result = runner.invoke(app, ["compare", str(old), str(new), "--format", "json", "--lexical"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    statuses = [c["status"] for c in data["clauses"]]
    assert statuses.count("unchanged") == 1 and statuses.count("modified") == 1
    # The clause with the em dash is unchanged; the damaged one differs by the one byte.
    (modified,) = [c for c in data["clauses"] if c["status"] == "modified"]
    assert modified["new_text"] == modified["old_text"].replace("twice", "tw\ufffdice")
    assert result.stderr.strip().splitlines() == [
        f"clausewatch: warning: {new}: 1 byte not valid utf-8 replaced with U+FFFD"
    ]


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.mark.parametrize(
    ("source", "page"),
    [
        ("us-dod", "ncg-3-release"),
        ("us-dod", "ncg-5-release-edited"),
        ("korea-kr", "ncg-3-article"),
        ("rok-president", "ncg-1-briefing-ko"),
    ],
)
def test_a_saved_page_reads_as_the_scraped_statement(source: str, page: str) -> None:
    # One HTML extractor: compare reads a saved page with the scrapers' extract.py, so the
    # banners, "IMMEDIATE RELEASE" and "###" that the scrapers drop are no clauses here either.
    path = FIXTURES / source / f"{page}.html"
    url = path.with_suffix(".url").read_text().strip()
    scraped = get_adapter(source).parse_statement(path.read_bytes(), url)
    saved = read_statement(path)
    assert (saved.title, saved.text) == (scraped.title, scraped.text)
