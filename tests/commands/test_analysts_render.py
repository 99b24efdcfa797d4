"""Text rendering of analyst commands, without a database (issue 15.7: plurals)."""

from __future__ import annotations

import datetime as dt

import pytest

from clausewatch.commands.analysts import render_search_text
from models.analysis import ClauseLine, SearchResult, SearchStatement, VersionRow


def _statement(version_id: int) -> SearchStatement:
    row = VersionRow(
        version_id=version_id,
        document_id=version_id,
        seq=1,
        series="ncg",
        source="us-dod",
        language="en",
        title=f"Statement {version_id}",
        published=dt.date(2025, 1, version_id),
        url=f"https://example.org/{version_id}",
        observed_at=dt.datetime(2025, 1, version_id, tzinfo=dt.UTC),
        clauses=3,
    )
    return SearchStatement(row, [ClauseLine(0, 0, "Joint planning continues.", "joint")])


@pytest.mark.parametrize(
    ("count", "counted"), [(1, "1 statement version "), (2, "2 statement versions ")]
)
def test_search_counts_statement_versions_in_good_english(count: int, counted: str) -> None:
    result = SearchResult("joint", "like", None, [_statement(i + 1) for i in range(count)])
    assert counted in render_search_text(result).splitlines()[0]
