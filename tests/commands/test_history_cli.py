"""``history``, ``show`` and ``diff`` through the CLI entry point, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest

from clausewatch.cli import main
from tests.support.databases import use_in_settings
from tests.support.ncg_history import NcgHistory

#: The ``cli`` fixture (tests/commands/conftest.py): (exit code, stdout, stderr).
Runner = Callable[..., tuple[int, str, str]]

HISTORY_FIELDS = {
    "version_id", "document_id", "seq", "series", "source", "language", "title",
    "published", "url", "observed_at", "clauses",
}  # fmt: skip


def test_history_json_csv_text(cli: Runner, ncg: NcgHistory) -> None:
    code, out, _ = cli("history", "--series", "ncg", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 11
    assert all(set(r) == HISTORY_FIELDS for r in rows)
    assert [r["published"] for r in rows] == sorted(r["published"] for r in rows)
    code, out, _ = cli("history", "--source", "rok-mnd", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(table) == 5 and {r["language"] for r in table} == {"ko"}
    code, out, _ = cli("history")
    assert code == 0 and "series ncg" in out and "v2 (version" in out


def test_show(cli: Runner, ncg: NcgHistory) -> None:
    version = ncg.versions[(4, "ko")]
    code, out, _ = cli("show", str(version), "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert set(data) == HISTORY_FIELDS | {"clauses", "commitments"}
    assert data["clauses"][3] == {
        "position": 3,
        "paragraph": 3,
        "text": "양측은 공동기획 및 실행을 재확인했다.",
    }
    assert {c["key"] for c in data["commitments"]} >= {"joint-planning-execution"}
    code, out, _ = cli("show", str(version))
    assert code == 0 and "[3] 양측은 공동기획 및 실행을 재확인했다." in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("history", "--series", "nope"), "unknown series 'nope'"),
        (("history", "--source", "nope"), "unknown source 'nope'"),
        (("show", "99999"), "no version with id 99999"),
        (("diff", "1", "99999"), "no version with id 99999"),
    ],
)
def test_bad_arguments_exit_2(cli: Runner, args: tuple[str, ...], message: str) -> None:
    code, out, err = cli(*args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err


def test_diff_uses_the_clause_engine(cli: Runner, ncg: NcgHistory) -> None:
    old, new = ncg.versions[(4, "en")], ncg.versions[(5, "en")]
    code, out, _ = cli("diff", str(old), str(new), "--format", "json", "--lexical")
    result = json.loads(out)
    assert code == 0 and result["kind"] == "successor"
    assert set(result) == {
        "kind",
        "old",
        "new",
        "clauses",
        "commitments",
        "phrases",
        "quantities",
        "participants",
        "summary",
    }
    assert (result["old"]["clauses"], result["new"]["clauses"]) == (6, 3)
    assert result["summary"]["unchanged"] >= 1
    dropped = [c["old_text"] for c in result["clauses"] if c["status"] == "dropped"]
    assert any("joint planning and execution" in text for text in dropped)
    code, out, _ = cli("diff", str(new), str(ncg.edit_version), "--lexical")
    assert code == 0 and out.strip()
    code, out, _ = cli("diff", str(old), str(new), "--format", "html", "--lexical")
    assert code == 0 and out.startswith("<!DOCTYPE html>")


def test_empty_history(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    use_in_settings(db_url, monkeypatch)
    for fmt, expected in (("text", "the history holds no statements yet\n"), ("json", "[]\n")):
        with pytest.raises(SystemExit) as exited:
            main(["history", "--format", fmt])
        assert exited.value.code in (0, None)
        assert capsys.readouterr().out == expected


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        ((5, "en"), (5, "ko"), "translation"),  # one meeting, two languages
        ((4, "en"), (5, "ko"), "successor"),  # a later meeting in the other language
        ((4, "ko"), (5, "ko"), "successor"),
    ],
)
def test_diff_kind_from_metadata(
    cli: Runner, ncg: NcgHistory, old: tuple[int, str], new: tuple[int, str], kind: str
) -> None:
    code, out, _ = cli(
        "diff", str(ncg.versions[old]), str(ncg.versions[new]), "--format", "json", "--lexical"
    )
    assert code == 0 and json.loads(out)["kind"] == kind


def test_changes_text_lists_figures_and_leads() -> None:
    from clausewatch.commands.statements import _render_change

    item = {
        "id": 3,
        "kind": "successor",
        "severity": "medium",
        "old": {"title": "4th", "language": "en"},
        "new": {"title": "5th", "language": "en"},
        "old_published": "2025-01-10",
        "new_published": "2025-12-11",
        "commitments": [],
        "phrases": [],
        "quantities": [
            {"kind": "deadline", "status": "dropped", "old": "by 2027", "new": None},
        ],
        "participants": [
            {
                "side": "US",
                "status": "changed",
                "level": "lower",
                "old": [{"name": "", "title": "Deputy Under Secretary"}],
                "new": [{"name": "Robert Soofer", "title": "acting DAS"}],
            }
        ],
        "summary": {},
    }
    lines = _render_change(item)
    assert "  figure dropped (deadline): by 2027 -> -" in lines
    assert "  lead US changed: Deputy Under Secretary -> Robert Soofer (level lower)" in lines
