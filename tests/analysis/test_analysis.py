"""The analyst reads of models/analysis.py on SQLite and PostgreSQL, Korean included."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, update

from core.errors import InputError
from models import History, analysis, open_history
from models.schema import Clause, Version
from tests.support.ncg_history import NcgHistory, build, module_database


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ncg(request: pytest.FixtureRequest) -> NcgHistory:
    """One history per backend for the module's read-only tests."""
    return build(module_database(request, request.param))


@pytest.fixture
def ncg_history(ncg: NcgHistory) -> Iterator[History]:
    """The module's shared NCG history, opened for one test (read only)."""
    h = open_history(ncg.url)
    yield h
    h.close()


@pytest.fixture
def writable(db_url: str) -> Iterator[tuple[History, NcgHistory]]:
    """A history of its own for a test that writes."""
    built = build(db_url)
    h = open_history(db_url)
    yield h, built
    h.close()


def _cells(timeline: analysis.Timeline, key: str) -> list[tuple[str, str | None]]:
    row = next(r for r in timeline.commitments if r.key == key)
    return [(c.state, c.strength) for c in row.cells]


def test_timeline_json_shape_and_cells(ncg_history: History, ncg: NcgHistory) -> None:
    with ncg_history.sessions() as s:
        timeline = analysis.commitment_timeline(s, "ncg", "en")
    data = timeline.to_dict()
    assert set(data) == {"series", "language", "documents", "commitments", "phrases"}
    assert all(set(p) == {"phrase", "cells"} for p in data["phrases"])
    assert (data["series"], data["language"]) == ("ncg", "en")
    assert [d["published"] for d in data["documents"]] == [
        "2023-07-18",
        "2023-12-15",
        "2024-06-10",
        "2025-01-10",
        "2025-12-11",
    ]
    assert all(set(d) == {"id", "title", "published", "url"} for d in data["documents"])
    assert data["documents"][0]["id"] == ncg.documents[(1, "en")]
    for row in data["commitments"]:
        assert set(row) == {"key", "label", "cells"}
        assert len(row["cells"]) == 5
        for cell in row["cells"]:
            assert set(cell) == {"state", "strength"}
            assert cell["state"] in ("present", "absent")
            assert cell["strength"] in ("strong", "medium", "weak", None)
            assert (cell["state"] == "absent") == (cell["strength"] is None)
    assert _cells(timeline, "joint-planning-execution") == [
        ("present", "medium"),
        ("absent", None),
        ("present", "strong"),
        ("present", "strong"),
        ("absent", None),
    ]
    # The 5th statement's latest version is the silent edit, which weakened the wording.
    assert _cells(timeline, "rok-leading-role")[-1] == ("present", "weak")
    # Rows follow first appearance; a commitment no statement carries has no row.
    assert data["commitments"][0]["key"] == "extended-deterrence"
    assert data["commitments"][-1]["key"] == "rok-leading-role"


def test_timeline_in_korean(ncg_history: History) -> None:
    with ncg_history.sessions() as s:
        timeline = analysis.commitment_timeline(s, "ncg", "ko")
    assert len(timeline.documents) == 5
    assert {r.key for r in timeline.commitments} == {
        "extended-deterrence",
        "end-of-regime",
        "swift-response",
        "joint-planning-execution",
        "rok-leading-role",
    }
    assert [c.state for c in timeline.commitments[2].cells] == [
        "present",
        "absent",
        "present",
        "present",
        "absent",
    ]


def test_unknown_series_and_empty_language(ncg_history: History) -> None:
    with ncg_history.sessions() as s:
        with pytest.raises(InputError, match="unknown series 'nope'; known series: ncg"):
            analysis.commitment_timeline(s, "nope", "en")
        with pytest.raises(InputError, match="unknown source"):
            analysis.version_rows(s, source="nope")
        empty = analysis.commitment_timeline(s, "ncg", "fr")
    assert (empty.documents, empty.commitments) == ([], [])


def test_version_rows_and_detail(ncg_history: History, ncg: NcgHistory) -> None:
    with ncg_history.sessions() as s:
        rows = analysis.version_rows(s, series="ncg", source="us-dod")
        detail = analysis.version_detail(s, ncg.versions[(3, "en")])
        with pytest.raises(InputError, match="no version with id 99999"):
            analysis.version_detail(s, 99999)
    assert [(r.published.month if r.published else 0, r.seq) for r in rows] == [
        (7, 1),
        (12, 1),
        (6, 1),
        (1, 1),
        (12, 1),
        (12, 2),
    ]
    assert detail.row.clauses == len(detail.clauses) == 4
    assert [m.key for m in detail.mentions] == [
        "extended-deterrence",
        "joint-planning-execution",
        "strategic-assets",
    ]


def meetings(result: analysis.SearchResult) -> list[tuple[int, str, int]]:
    """(month, language, seq) of each statement version found, in result order."""
    return [
        (s.row.published.month if s.row.published else 0, s.row.language, s.row.seq)
        for s in result.statements
    ]


JPE_EN = [(7, "en", 1), (6, "en", 1), (1, "en", 1)]
JPE_KO = [(7, "ko", 1), (6, "ko", 1), (1, "ko", 1)]


@pytest.mark.parametrize(
    ("phrase", "fuzzy", "mode", "expected"),
    [
        ("joint planning and execution", False, "fts", JPE_EN),
        ("JOINT   Planning", False, "fts", JPE_EN),
        ("공동기획 및 실행", False, "fts", JPE_KO),
        # Two syllables: shorter than a trigram, answered by LIKE.
        ("북한", False, "like", [(7, "ko", 1), (12, "ko", 1), (1, "ko", 1)]),
        ("leading role", False, "fts", [(12, "en", 1), (12, "en", 2)]),
        ("100%", False, "fts", []),
        ("%", False, "like", []),
        ("nothing like this", False, "fts", []),
        ("joint planing and executon", True, "fuzzy", JPE_EN),
    ],
)
def test_search(
    ncg_history: History,
    phrase: str,
    fuzzy: bool,
    mode: str,
    expected: list[tuple[int, str, int]],
) -> None:
    dialect = ncg_history.engine.dialect.name
    with ncg_history.sessions() as s:
        result = analysis.search_clauses(s, phrase, series="ncg", fuzzy=fuzzy)
    expected_mode = mode if dialect == "sqlite" or mode == "fuzzy" else "like"
    assert result.mode == expected_mode
    assert meetings(result) == expected


def test_search_first_and_last_seen_and_shape(ncg_history: History, ncg: NcgHistory) -> None:
    with ncg_history.sessions() as s:
        result = analysis.search_clauses(s, "joint planning and execution", language="en")
    assert result.first_seen is not None and result.last_seen is not None
    assert result.first_seen.version_id == ncg.versions[(1, "en")]
    assert result.last_seen.version_id == ncg.versions[(4, "en")]
    data = result.to_dict()
    assert set(data) == {"query", "mode", "series", "first_seen", "last_seen", "statements"}
    assert data["last_seen"] == {
        "document_id": ncg.documents[(4, "en")],
        "version_id": ncg.versions[(4, "en")],
        "title": "Joint Press Statement on the Fourth Nuclear Consultative Group Meeting",
        "published": "2025-01-10",
        "language": "en",
    }
    statement = data["statements"][2]
    assert statement["clauses"] == [
        {
            "position": 4,
            "text": "The allies reaffirmed joint planning and execution of nuclear contingencies.",
        }
    ]


def test_search_rejects_empty_phrase_and_unknown_series(ncg_history: History) -> None:
    with ncg_history.sessions() as s:
        with pytest.raises(InputError, match="empty"):
            analysis.search_clauses(s, "   ")
        with pytest.raises(InputError, match="unknown series"):
            analysis.search_clauses(s, "joint", series="nope")


def test_search_index_follows_clause_writes(writable: tuple[History, NcgHistory]) -> None:
    history, ncg = writable
    with history.sessions.begin() as s:
        s.execute(
            update(Clause)
            .where(Clause.version_id == ncg.versions[(3, "en")], Clause.position == 2)
            .values(text="The allies spoke of combined exercises.")
        )
        s.execute(delete(Version).where(Version.id == ncg.versions[(1, "en")]))
    with history.sessions() as s:
        assert meetings(analysis.search_clauses(s, "joint planning", language="en")) == [
            (1, "en", 1)
        ]
        assert meetings(analysis.search_clauses(s, "combined exercises")) == [(6, "en", 1)]


def test_series_comparisons(ncg_history: History) -> None:
    with ncg_history.sessions() as s:
        en = analysis.series_comparisons(s, "ncg", "en")
        ko = analysis.series_comparisons(s, "ncg", "ko")
    assert [(c.kind, c.new.published) for c in en] == [
        ("successor", dt.date(2023, 12, 15)),
        ("successor", dt.date(2024, 6, 10)),
        ("successor", dt.date(2025, 1, 10)),
        ("successor", dt.date(2025, 12, 11)),
        ("revision", dt.date(2025, 12, 11)),
    ]
    assert len(ko) == 4
    dropped = {m["key"] for m in en[3].result["commitments"] if m["status"] == "dropped"}
    assert "joint-planning-execution" in dropped


def test_snapshot_is_one_readonly_file(db_url: str, tmp_path: Path) -> None:
    if not db_url.startswith("sqlite"):
        with pytest.raises(InputError, match="SQLite"):
            analysis.snapshot_sqlite(db_url, tmp_path / "s.db")
        return
    build(db_url)
    target = analysis.snapshot_sqlite(db_url, tmp_path / "snap" / "history.db")
    assert sorted(p.name for p in target.parent.iterdir()) == ["history.db"]
    with sqlite3.connect(f"file:{target}?immutable=1", uri=True) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("SELECT count(*) FROM version").fetchone()[0] == 11
        hits = conn.execute(
            "SELECT count(*) FROM clause_search WHERE clause_search MATCH '\"공동기획\"'"
        ).fetchone()[0]
    assert hits == 3
    with pytest.raises(InputError, match="no history"):
        analysis.snapshot_sqlite(f"sqlite:///{tmp_path / 'missing.db'}", tmp_path / "x.db")
