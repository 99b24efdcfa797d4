"""search index over clause text: SQLite FTS5 (trigram) or PostgreSQL pg_trgm + full text

SQLite: an external-content FTS5 table ``clause_search`` over ``clause.text`` with the
trigram tokenizer, so any substring of three or more characters is indexed whatever the
script (Korean has no spaces between a noun and its particle, which defeats word
tokenizers). Three triggers keep it in step with ``clause``; FK cascades fire them too.

PostgreSQL: pg_trgm's GIN index serves case-insensitive substring (ILIKE) and
similarity searches; a GIN index on ``to_tsvector('simple', text)`` serves word-level
full-text queries. Neither object is in the ORM metadata; alembic/env.py keeps
autogenerate from reporting them as drift.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = (
    "CREATE VIRTUAL TABLE clause_search USING fts5("
    "text, content='clause', content_rowid='id', tokenize='trigram')",
    # Clauses stored before this migration are indexed once here.
    "INSERT INTO clause_search(clause_search) VALUES ('rebuild')",
    "CREATE TRIGGER clause_search_insert AFTER INSERT ON clause BEGIN "
    "INSERT INTO clause_search(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER clause_search_delete AFTER DELETE ON clause BEGIN "
    "INSERT INTO clause_search(clause_search, rowid, text) VALUES ('delete', old.id, old.text); "
    "END",
    "CREATE TRIGGER clause_search_update AFTER UPDATE OF text ON clause BEGIN "
    "INSERT INTO clause_search(clause_search, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO clause_search(rowid, text) VALUES (new.id, new.text); END",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS clause_search_update",
    "DROP TRIGGER IF EXISTS clause_search_delete",
    "DROP TRIGGER IF EXISTS clause_search_insert",
    "DROP TABLE IF EXISTS clause_search",
)
POSTGRESQL_UP = (
    # pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_clause_text_trgm ON clause USING gin (text gin_trgm_ops)",
    "CREATE INDEX ix_clause_text_fts ON clause USING gin (to_tsvector('simple', text))",
)
# The extension stays: other objects may rely on it, and it holds no data.
POSTGRESQL_DOWN = (
    "DROP INDEX IF EXISTS ix_clause_text_fts",
    "DROP INDEX IF EXISTS ix_clause_text_trgm",
)


def upgrade() -> None:
    statements = SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_UP
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    statements = SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_DOWN
    for statement in statements:
        op.execute(statement)
