"""Datasette over a read-only snapshot of the history: table and column descriptions, and
the ten analyst questions of docs/analysts.md as canned queries.

The same ten SQL texts are printed in docs/analysts.md (a test keeps the two identical)
and run by the tests on SQLite and PostgreSQL. Where the dialects differ (date
arithmetic) a question carries a PostgreSQL variant.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATABASE_NAME = "history"


@dataclass(frozen=True)
class AnalystQuery:
    """One analyst question and the SQL that answers it (``postgresql`` when it differs)."""

    name: str
    question: str
    sql: str
    postgresql: str | None = None
    params: tuple[str, ...] = ()

    def sql_for(self, dialect: str) -> str:
        """The SQL text for ``dialect`` ("sqlite" or "postgresql")."""
        return self.postgresql if dialect == "postgresql" and self.postgresql else self.sql


_DROPPED_LAST_YEAR = """\
SELECT sc.series, sc.new_published, sc.new_language, sc.new_title, c.label, x.old_evidence
FROM commitment_change x
JOIN commitment c ON c.id = x.commitment_id
JOIN statement_changes sc ON sc.comparison_id = x.comparison_id
WHERE x.status = 'dropped' AND sc.kind = 'successor'
  AND sc.new_published >= {since}
ORDER BY sc.new_published, sc.new_language, c.label"""

_TRANSLATION_GAPS = """\
WITH meeting AS (
  SELECT e.id AS en_id, k.id AS ko_id, e.published
  FROM document e
  JOIN document k ON k.series_id = e.series_id AND k.language = 'ko'
  WHERE e.language = 'en' AND {within_three_days}
)
SELECT m.published, t.label,
       CASE WHEN t.language = 'en' THEN 'English only' ELSE 'Korean only' END AS found_in,
       t.evidence
FROM meeting m
JOIN commitment_timeline t ON t.document_id IN (m.en_id, m.ko_id)
WHERE NOT EXISTS (
  SELECT 1 FROM commitment_timeline o
  WHERE o.commitment = t.commitment
    AND o.document_id = CASE WHEN t.document_id = m.en_id THEN m.ko_id ELSE m.en_id END
)
ORDER BY m.published, t.label"""

ANALYST_QUERIES: tuple[AnalystQuery, ...] = (
    AnalystQuery(
        "phrase-last-seen",
        "When did a phrase (say, “joint planning and execution”) last appear, and where?",
        """\
SELECT d.published, d.language, d.title, v.seq AS version, c.position, c.text
FROM clause c
JOIN version v ON v.id = c.version_id
JOIN document d ON d.id = v.document_id
WHERE lower(c.text) LIKE '%' || lower(:phrase) || '%'
ORDER BY d.published DESC, d.id, v.seq, c.position""",
        params=("phrase",),
    ),
    AnalystQuery(
        "dropped-last-year",
        "Which commitments were dropped in the year up to the newest statement?",
        _DROPPED_LAST_YEAR.format(since="date((SELECT max(published) FROM document), '-1 year')"),
        _DROPPED_LAST_YEAR.format(
            since="(SELECT max(published) FROM document) - interval '1 year'"
        ),
    ),
    AnalystQuery(
        "korean-wording",
        "What exactly did the Korean text say about a term (say, 공동기획)?",
        """\
SELECT d.published, d.title, c.position, c.text
FROM clause c
JOIN version v ON v.id = c.version_id
JOIN document d ON d.id = v.document_id
WHERE d.language = 'ko' AND c.text LIKE '%' || :term || '%'
  AND v.seq = (SELECT max(v2.seq) FROM version v2 WHERE v2.document_id = d.id)
ORDER BY d.published, c.position""",
        params=("term",),
    ),
    AnalystQuery(
        "commitments-by-statement",
        "Which commitments does each statement carry, and how strongly worded?",
        """\
SELECT series, language, published, title, label, strength, evidence
FROM commitment_timeline
ORDER BY series, language, published, label""",
    ),
    AnalystQuery(
        "silent-edits",
        "Which statements were edited after publication, and when was each version seen?",
        """\
SELECT series, language, published, title, seq, observed_at, clauses
FROM version_history
WHERE document_id IN (SELECT document_id FROM version GROUP BY document_id HAVING count(*) > 1)
ORDER BY published, document_id, seq""",
    ),
    AnalystQuery(
        "high-severity-changes",
        "Which comparisons were flagged high severity, and how much did they drop or add?",
        """\
SELECT series, kind, old_published, new_published, new_language, new_title,
       commitments_dropped, commitments_added, commitments_weakened, clauses_dropped
FROM statement_changes
WHERE severity = 'high'
ORDER BY new_published, new_language""",
    ),
    AnalystQuery(
        "weakened-or-strengthened",
        "Which commitments were weakened or strengthened, with the wording before and after?",
        """\
SELECT sc.new_published, sc.new_language, sc.kind, c.label, x.status,
       x.strength_old, x.strength_new, x.old_evidence, x.new_evidence
FROM commitment_change x
JOIN commitment c ON c.id = x.commitment_id
JOIN statement_changes sc ON sc.comparison_id = x.comparison_id
WHERE x.status IN ('weakened', 'strengthened')
ORDER BY sc.new_published, c.label""",
    ),
    AnalystQuery(
        "statement-length",
        "How has the length of the statements changed (clauses in each latest version)?",
        """\
SELECT series, language, published, title, clauses
FROM version_history vh
WHERE seq = (SELECT max(v.seq) FROM version v WHERE v.document_id = vh.document_id)
ORDER BY series, language, published""",
    ),
    AnalystQuery(
        "phrases-dropped",
        "Which phrases vanished, and how many earlier statements had carried them?",
        """\
SELECT sc.new_published, sc.new_language, sc.new_title, p.phrase, p.support
FROM phrase_change p
JOIN statement_changes sc ON sc.comparison_id = p.comparison_id
WHERE p.status = 'dropped'
ORDER BY p.support DESC, sc.new_published, p.phrase""",
    ),
    AnalystQuery(
        "translation-gaps",
        "Which commitments does one language's text of a meeting carry and the other's not?",
        _TRANSLATION_GAPS.format(
            within_three_days="abs(julianday(k.published) - julianday(e.published)) <= 3"
        ),
        _TRANSLATION_GAPS.format(within_three_days="abs(k.published - e.published) <= 3"),
    ),
)

TABLE_DESCRIPTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "series": ("Families of statements (e.g. ncg).", {"slug": "Short name used by commands"}),
    "source": ("Official sites (or archives) that publish statements.", {}),
    "document": (
        "One publication: a statement at one URL, in one language.",
        {"published": "Publication date (local date of the source)", "language": "en or ko"},
    ),
    "capture": ("One fetch of a URL, with its WARC location.", {}),
    "version": (
        "A distinct text of a document; a new row only when the text changed.",
        {"seq": "1 for the first text seen, 2 after the first silent edit, ..."},
    ),
    "clause": (
        "The clauses of a version in reading order.",
        {"position": "0-based clause index", "match_key": "Normalized text used for alignment"},
    ),
    "comparison": ("Two versions aligned: revision, successor or translation.", {}),
    "clause_change": ("One alignment step of a comparison.", {}),
    "commitment": ("Tracked commitments from the lexicons.", {}),
    "commitment_mention": (
        "A commitment present in a version (the timeline's cells).",
        {"strength": "strong, medium or weak wording"},
    ),
    "commitment_change": ("How a commitment fared in a comparison.", {}),
    "phrase_change": (
        "Salient phrases one side has and the other lacks.",
        {"support": "How many earlier statements of the series carried the phrase"},
    ),
    "quantity_change": (
        "Figures (amounts, counts, percentages, deadlines, frequencies) that changed.",
        {"kind": "amount, percent, count, deadline or frequency"},
    ),
    "participant_change": (
        "A side whose officials leading the meeting changed.",
        {"level": "Whether the side's most senior official is higher, lower or the same"},
    ),
    "version_history": ("View: every version with its document's metadata.", {}),
    "statement_changes": ("View: every comparison with counts of what changed.", {}),
    "commitment_timeline": (
        "View: commitments in the latest version of each document.",
        {"strength": "strong, medium or weak wording"},
    ),
}

#: The only tables and views a snapshot keeps. An allowlist, not a list of what to hide:
#: Datasette serves a hidden table to anyone who types its URL or a ``SELECT``, and a table
#: added later (subscribers, outbox, credentials) must stay out until someone decides.
ANALYST_TABLES: tuple[str, ...] = tuple(TABLE_DESCRIPTIONS)


def datasette_metadata() -> dict[str, Any]:
    """Datasette metadata: descriptions of tables, views and columns, and the canned queries."""
    tables: dict[str, Any] = {
        name: {"description": text, "columns": columns}
        for name, (text, columns) in TABLE_DESCRIPTIONS.items()
    }
    return {
        "title": "clausewatch history (read-only snapshot)",
        "description": "Statements, versions, clauses and commitment changes. "
        "The canned queries answer the questions of docs/analysts.md.",
        "databases": {
            DATABASE_NAME: {
                "tables": tables,
                "queries": {q.name: {"title": q.question, "sql": q.sql} for q in ANALYST_QUERIES},
            }
        },
    }


def make_datasette(snapshot: Path) -> Any:
    """A Datasette instance serving ``snapshot`` immutable, with our metadata; the snapshot
    must hold only :data:`ANALYST_TABLES` (``snapshot_sqlite(..., keep=ANALYST_TABLES)``)."""
    from datasette.app import Datasette

    return Datasette(
        immutables=[str(snapshot)],
        metadata=datasette_metadata(),
        settings={"default_page_size": 50, "sql_time_limit_ms": 3000},
    )


def serve(snapshot: Path, *, host: str, port: int, open_browser: bool) -> None:
    """Serve the snapshot with Datasette until interrupted (blocks)."""
    import uvicorn

    datasette = make_datasette(snapshot)
    url = f"http://{host}:{port}/{DATABASE_NAME}"
    if open_browser:
        import threading
        import webbrowser

        # The browser asks only once the server is up; a short timer is enough here.
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning")
