"""The ten analyst queries on SQLite and PostgreSQL, their copy in docs/analysts.md, and
Datasette serving them from a snapshot through its own request API."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from clausewatch.analyst.browse import (
    ANALYST_QUERIES,
    ANALYST_TABLES,
    DATABASE_NAME,
    datasette_metadata,
    make_datasette,
)
from models import analysis, open_history
from tests.support.ncg_history import NcgHistory, build, module_database

DOCS = Path(__file__).resolve().parents[2] / "docs" / "analysts.md"
PARAMS = {"phrase": "joint planning and execution", "term": "공동기획"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ncg(request: pytest.FixtureRequest) -> NcgHistory:
    return build(module_database(request, request.param))


def _rows(url: str, name: str) -> list[dict[str, Any]]:
    query = next(q for q in ANALYST_QUERIES if q.name == name)
    history = open_history(url)
    try:
        with history.engine.connect() as conn:
            sql = query.sql_for(conn.dialect.name)
            params = {p: PARAMS[p] for p in query.params}
            return [dict(r._mapping) for r in conn.execute(text(sql), params)]
    finally:
        history.close()


def test_ten_distinct_questions() -> None:
    assert len(ANALYST_QUERIES) == 10
    assert len({q.name for q in ANALYST_QUERIES}) == 10


@pytest.mark.parametrize("query", ANALYST_QUERIES, ids=lambda q: q.name)
def test_query_runs_and_is_documented(ncg: NcgHistory, query: Any) -> None:
    rows = _rows(ncg.url, query.name)
    # Every question has an answer in the NCG test history.
    assert rows, query.name
    docs = DOCS.read_text(encoding="utf-8")
    assert query.sql in docs
    if query.postgresql:
        assert query.postgresql in docs


def test_query_answers(ncg: NcgHistory) -> None:
    last = _rows(ncg.url, "phrase-last-seen")[0]
    assert (str(last["published"]), last["language"]) == ("2025-01-10", "en")
    dropped = {(r["new_language"], r["label"]) for r in _rows(ncg.url, "dropped-last-year")}
    assert ("en", "Joint planning and execution") in dropped
    assert ("ko", "Joint planning and execution") in dropped
    korean = _rows(ncg.url, "korean-wording")
    assert [str(r["published"]) for r in korean] == ["2023-07-18", "2024-06-10", "2025-01-11"]
    edits = _rows(ncg.url, "silent-edits")
    assert [r["seq"] for r in edits] == [1, 2]
    gaps = {
        (str(r["published"]), r["label"], r["found_in"]) for r in _rows(ncg.url, "translation-gaps")
    }
    assert ("2023-07-18", "Regular visibility of US strategic assets", "English only") in gaps
    weakened = _rows(ncg.url, "weakened-or-strengthened")
    assert [(r["status"], r["strength_old"], r["strength_new"]) for r in weakened] == [
        ("weakened", "strong", "weak")
    ]


def test_metadata_describes_tables_and_hides_internals() -> None:
    database = datasette_metadata()["databases"][DATABASE_NAME]
    assert set(database["queries"]) == {q.name for q in ANALYST_QUERIES}
    assert database["tables"]["commitment_mention"]["columns"]["strength"]
    assert "alert" not in database["tables"] and "subscription" not in database["tables"]


def test_datasette_serves_canned_queries(sqlite_url: str, tmp_path: Path) -> None:
    url = sqlite_url
    build(url)
    snapshot = analysis.snapshot_sqlite(
        url, tmp_path / "snapshots" / "history.db", keep=ANALYST_TABLES
    )
    datasette = make_datasette(snapshot)

    async def fetch() -> tuple[Any, Any, Any, Any]:
        phrase = await datasette.client.get(
            "/history/phrase-last-seen.json?_shape=array&phrase=joint+planning+and+execution"
        )
        korean = await datasette.client.get(
            "/history/korean-wording.json?_shape=array&term=%EA%B3%B5%EB%8F%99%EA%B8%B0%ED%9A%8D"
        )
        table = await datasette.client.get("/history/commitment_mention.json?_shape=array")
        write = await datasette.client.post("/history/-/query", data={"sql": "DELETE FROM clause"})
        return phrase, korean, table, write

    phrase, korean, table, write = asyncio.run(fetch())
    assert phrase.status_code == 200
    assert [r["published"] for r in phrase.json()] == ["2025-01-10", "2024-06-10", "2023-07-18"]
    assert korean.status_code == 200
    assert all("공동기획" in r["text"] for r in korean.json()) and len(korean.json()) == 3
    assert table.status_code == 200 and len(table.json()) > 0
    # The snapshot is immutable: a write through Datasette is refused.
    assert write.status_code != 200 or "error" in write.text.lower()


def test_browse_never_serves_subscriber_addresses(sqlite_url: str, tmp_path: Path) -> None:
    from models import outbox

    url = sqlite_url
    build(url)
    history = open_history(url)
    with history.sessions() as session:
        outbox.subscribe(session, "analyst-must-not-see@example.org")
    history.close()
    snapshot = analysis.snapshot_sqlite(
        url, tmp_path / "snapshots" / "history.db", keep=ANALYST_TABLES
    )
    datasette = make_datasette(snapshot)

    async def fetch() -> list[Any]:
        return [
            await datasette.client.get("/history/subscription.json"),
            await datasette.client.get("/history/alert.json"),
            await datasette.client.get(
                "/history/-/query.json?_shape=array&sql=select+email+from+subscription"
            ),
            await datasette.client.get("/history.json"),
            await datasette.client.get("/history/version_history.json?_shape=array"),
        ]

    subscription, alert, query, listing, view = asyncio.run(fetch())
    assert subscription.status_code == 404 and alert.status_code == 404
    assert "analyst-must-not-see" not in query.text
    assert "subscription" not in listing.text
    # The analyst views still work, and the address is in no byte of the file.
    assert view.status_code == 200 and len(view.json()) > 0
    assert b"analyst-must-not-see" not in snapshot.read_bytes()
