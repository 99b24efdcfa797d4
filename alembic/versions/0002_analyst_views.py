"""analyst views: version_history, statement_changes, commitment_timeline

The SQL is plain enough to run unchanged on SQLite and PostgreSQL; docs/analysts.md
describes each column.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSION_HISTORY = """
CREATE VIEW version_history AS
SELECT v.id AS version_id, d.id AS document_id, s.slug AS series, src.slug AS source,
       d.language, d.title, d.published, d.url, v.seq, v.sha256, v.created_at AS observed_at,
       (SELECT count(*) FROM clause c WHERE c.version_id = v.id) AS clauses
FROM version v
JOIN document d ON d.id = v.document_id
JOIN source src ON src.id = d.source_id
LEFT JOIN series s ON s.id = d.series_id
"""

STATEMENT_CHANGES = """
CREATE VIEW statement_changes AS
SELECT cmp.id AS comparison_id, cmp.kind, cmp.severity, s.slug AS series,
       od.id AS old_document_id, od.title AS old_title, od.published AS old_published,
       od.language AS old_language, ov.seq AS old_seq,
       nd.id AS new_document_id, nd.title AS new_title, nd.published AS new_published,
       nd.language AS new_language, nv.seq AS new_seq,
       (SELECT count(*) FROM commitment_change x
         WHERE x.comparison_id = cmp.id AND x.status = 'dropped') AS commitments_dropped,
       (SELECT count(*) FROM commitment_change x
         WHERE x.comparison_id = cmp.id AND x.status = 'added') AS commitments_added,
       (SELECT count(*) FROM commitment_change x
         WHERE x.comparison_id = cmp.id AND x.status = 'weakened') AS commitments_weakened,
       (SELECT count(*) FROM commitment_change x
         WHERE x.comparison_id = cmp.id AND x.status = 'strengthened') AS commitments_strengthened,
       (SELECT count(*) FROM clause_change x
         WHERE x.comparison_id = cmp.id AND x.status = 'added') AS clauses_added,
       (SELECT count(*) FROM clause_change x
         WHERE x.comparison_id = cmp.id AND x.status = 'dropped') AS clauses_dropped,
       (SELECT count(*) FROM clause_change x
         WHERE x.comparison_id = cmp.id AND x.status = 'modified') AS clauses_modified,
       cmp.created_at
FROM comparison cmp
JOIN version ov ON ov.id = cmp.old_version_id
JOIN version nv ON nv.id = cmp.new_version_id
JOIN document od ON od.id = ov.document_id
JOIN document nd ON nd.id = nv.document_id
LEFT JOIN series s ON s.id = nd.series_id
"""

# One row per commitment present in the latest version of each document.
COMMITMENT_TIMELINE = """
CREATE VIEW commitment_timeline AS
SELECT s.slug AS series, d.id AS document_id, d.title, d.published, d.language,
       v.id AS version_id, v.seq, c.key AS commitment, c.label, m.strength, m.evidence
FROM commitment_mention m
JOIN version v ON v.id = m.version_id
JOIN document d ON d.id = v.document_id
JOIN commitment c ON c.id = m.commitment_id
LEFT JOIN series s ON s.id = d.series_id
WHERE v.seq = (SELECT max(v2.seq) FROM version v2 WHERE v2.document_id = v.document_id)
"""


def upgrade() -> None:
    op.execute(VERSION_HISTORY)
    op.execute(STATEMENT_CHANGES)
    op.execute(COMMITMENT_TIMELINE)


def downgrade() -> None:
    op.execute("DROP VIEW commitment_timeline")
    op.execute("DROP VIEW statement_changes")
    op.execute("DROP VIEW version_history")
