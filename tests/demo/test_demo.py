"""The offline demo, run for real: its 4th→5th step must flag what analysts reported.

One module-scoped run serves every assertion (the run costs about a minute); a second
run into another folder must leave the same history.
"""

from __future__ import annotations

import email
import sqlite3
from email import policy
from pathlib import Path
from typing import Any

import pytest

from clausewatch.demo.runner import DemoResult, run_demo

# NCG-FACTS.md, "What analysts reported changed from the 4th to the 5th statement".
REPORTED_DROPPED = {
    "end-of-regime",
    "swift-decisive-response",
    "joint-planning-execution",
    "strategic-asset-visibility",
    "dprk-named",
}
REPORTED_ADDED = {"rok-leading-conventional-role"}
REPORTED_KEPT = {"extended-deterrence-full-range"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return run_demo(tmp_path_factory.mktemp("demo") / "run")


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute(sql).fetchall())


HISTORY_QUERIES = {
    "documents": "SELECT url, language, published, title FROM document",
    "versions": "SELECT d.url, v.seq, v.sha256 FROM version v "
    "JOIN document d ON d.id = v.document_id",
    "comparisons": """
        SELECT c.kind, od.url, ov.seq, nd.url, nv.seq, c.severity
        FROM comparison c
        JOIN version ov ON ov.id = c.old_version_id JOIN document od ON od.id = ov.document_id
        JOIN version nv ON nv.id = c.new_version_id JOIN document nd ON nd.id = nv.document_id""",
    "commitment_changes": """
        SELECT nd.url, nv.seq, c.kind, k.key, x.status
        FROM commitment_change x JOIN commitment k ON k.id = x.commitment_id
        JOIN comparison c ON c.id = x.comparison_id
        JOIN version nv ON nv.id = c.new_version_id JOIN document nd ON nd.id = nv.document_id""",
    "alerts": "SELECT s.email, a.severity, a.status FROM alert a "
    "JOIN subscription s ON s.id = a.subscription_id",
}


def test_fourth_to_fifth_step_flags_what_analysts_reported(demo: DemoResult) -> None:
    db = demo.directory / "clausewatch.db"
    rows = _rows(
        db,
        """
        SELECT k.key, x.status FROM commitment_change x
        JOIN commitment k ON k.id = x.commitment_id
        JOIN comparison c ON c.id = x.comparison_id
        JOIN version ov ON ov.id = c.old_version_id JOIN document od ON od.id = ov.document_id
        JOIN version nv ON nv.id = c.new_version_id JOIN document nd ON nd.id = nv.document_id
        WHERE c.kind = 'successor' AND od.language = 'en'
          AND od.published LIKE '2025-01-%' AND nd.published LIKE '2025-12-%' AND nv.seq = 1
        """,
    )
    statuses = dict(rows)
    assert {k for k, s in statuses.items() if s == "dropped"} == REPORTED_DROPPED
    assert {k for k, s in statuses.items() if s == "added"} >= REPORTED_ADDED
    assert all(statuses.get(k) == "retained" for k in REPORTED_KEPT)
    # "little else": beyond the report, only the tabletop exercises the 5th names first.
    added_beyond = {k for k, s in statuses.items() if s == "added"} - REPORTED_ADDED
    assert added_beyond <= {"tabletop-exercises"}
    assert not {k for k, s in statuses.items() if s in ("weakened", "strengthened")}


def test_steps_quiet_day_and_silent_edit(demo: DemoResult) -> None:
    by_label = {r.step.label: r for r in demo.steps}
    quiet = by_label["a day with no change"]
    assert (quiet.statements, quiet.versions, quiet.comparisons) == (0, 0, 0)
    assert quiet.not_modified >= 1
    edit = next(r for r in demo.steps if r.step.label.startswith("silent edit"))
    assert (edit.statements, edit.versions) == (0, 1)
    assert all(r.errors == 0 for r in demo.steps)
    # Five NCG meetings and three SCM meetings, two languages each.
    assert sum(r.statements for r in demo.steps) == 16
    per_series: dict[str, int] = {}
    for r in demo.steps:
        for slug, figures in r.by_series.items():
            per_series[slug] = per_series.get(slug, 0) + figures["statements"]
    assert per_series == {"ncg": 10, "scm": 6}
    # A meeting's day adds statements to its own series only.
    for r in demo.steps:
        if r.step.label.endswith("meeting"):
            assert set(r.by_series) == {r.step.series}, r.step


def test_the_summary_has_a_row_per_series_and_date(demo: DemoResult) -> None:
    from clausewatch.commands.demo import summary_rows

    rows = summary_rows(demo.steps)
    meetings = [row for row in rows if row[2].endswith("meeting")]
    assert [row[1] for row in meetings].count("ncg") == 5
    assert [row[1] for row in meetings].count("scm") == 3
    # The day after the Korean communiqué of 2024-10-31.
    assert ("2024-11-01", "scm", "56th SCM meeting") in {row[:3] for row in rows}
    assert rows[-1][:2] == ("total", "") and rows[-1][3] == "16"


def test_a_news_release_about_a_meeting_is_read_and_listed_as_unmatched(
    demo: DemoResult,
) -> None:
    unmatched = [title for r in demo.steps for title in r.unmatched]
    assert any("Co-Host the 57th Security Consultative Meeting" in t for t in unmatched)


def test_series_are_compared_only_within_themselves(demo: DemoResult) -> None:
    db = demo.directory / "clausewatch.db"
    pairs = _rows(
        db,
        """
        SELECT os.slug, ns.slug, c.kind FROM comparison c
        JOIN version ov ON ov.id = c.old_version_id JOIN document od ON od.id = ov.document_id
        JOIN series os ON os.id = od.series_id
        JOIN version nv ON nv.id = c.new_version_id JOIN document nd ON nd.id = nv.document_id
        JOIN series ns ON ns.id = nd.series_id
        """,
    )
    assert pairs and all(old == new for old, new, _ in pairs)
    kinds = {(old, kind) for old, _, kind in pairs}
    assert {("scm", "successor"), ("scm", "translation")} <= kinds
    # The SCM report and timeline were written beside the NCG ones.
    assert set(demo.reports) == {"ncg", "scm"}
    assert demo.timelines["scm"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Security Consultative Meeting" in demo.reports["scm"].read_text(encoding="utf-8")


def test_mail_chart_and_report_were_written(demo: DemoResult) -> None:
    assert demo.mail_dir is not None
    messages = sorted(demo.mail_dir.glob("*.eml"))
    assert len(messages) == demo.mail_sent >= 1
    subjects = [
        email.message_from_bytes(m.read_bytes(), policy=policy.default)["Subject"] for m in messages
    ]
    assert any("5 commitments dropped" in s for s in subjects)
    assert demo.timeline.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "joint planning and execution" in demo.report.read_text(encoding="utf-8").lower()


def test_a_second_run_gives_the_same_history(demo: DemoResult, tmp_path: Path) -> None:
    again = run_demo(tmp_path / "again", lexical=False)
    first_db = demo.directory / "clausewatch.db"
    second_db = again.directory / "clausewatch.db"
    for name, sql in HISTORY_QUERIES.items():
        assert _rows(first_db, sql) == _rows(second_db, sql), name


def test_the_demo_folder_must_be_new(tmp_path: Path) -> None:
    from core.errors import InputError

    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "file").write_text("x")
    with pytest.raises(InputError, match="new or empty"):
        run_demo(tmp_path / "used")


def test_the_silent_edit_is_stamped_with_its_simulated_day(demo: DemoResult) -> None:
    """Issue 15.7: the edit was stamped with the real clock, seconds after the original."""
    edit = next(r for r in demo.steps if r.step.label.startswith("silent edit"))
    rows = _rows(
        demo.directory / "clausewatch.db",
        "SELECT v.seq, v.created_at FROM version v JOIN document d ON d.id = v.document_id "
        "WHERE d.language = 'en' AND d.published = '2025-12-11'",
    )
    assert [seq for seq, _ in rows] == [1, 2]
    assert rows[1][1].startswith(edit.step.day.isoformat()) and edit.step.day.isoformat() == (
        "2025-12-16"
    )
    assert rows[0][1][:10] < rows[1][1][:10]


def test_flagged_lines_name_their_language(demo: DemoResult) -> None:
    lines = [line for r in demo.steps for line in r.flagged_lines]
    assert lines and all(line.endswith(")") for line in lines)
    assert any(line.endswith("(English)") for line in lines)
    assert any(line.endswith("(Korean)") for line in lines)


def test_the_closing_hint_runs_as_printed(demo: DemoResult, tmp_path: Path) -> None:
    """Issue 15.7: the hint named `clausewatch`, which `make demo` does not put on PATH."""
    import os
    import subprocess

    from clausewatch.commands.demo import history_command

    command = history_command(demo.directory)
    assert "finished in" not in command
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWATCH_")}
    env["PATH"] = "/usr/bin:/bin"
    out = subprocess.run(
        ["sh", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "series ncg" in out.stdout
