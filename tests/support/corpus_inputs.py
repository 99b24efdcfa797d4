"""Corpus statements (clausewatch.demo.corpus) as the pipeline's input."""

from __future__ import annotations

from typing import Any

from clausewatch.demo.corpus import CorpusStatement
from pipeline.stages import StatementInput


def corpus_input(
    statement: CorpusStatement,
    *,
    page: str | None = None,
    host: str = "example.test",
    series: str | None = "ncg",
    series_title: str | None = None,
    series_rules: dict[str, Any] | None = None,
) -> StatementInput:
    """``statement`` as read from ``https://HOST/PAGE`` (``page``: the statement's id; an
    edit passes the page of the statement it edits, to become a new version of it)."""
    return StatementInput(
        url=f"https://{host}/{page or statement.id}",
        source=statement.publisher,
        text=statement.text,
        language=statement.language,
        title=statement.title,
        published=statement.published,
        series=series,
        series_title=series_title,
        series_rules=series_rules,
    )
