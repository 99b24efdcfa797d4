"""The test PostgreSQL server's database copies (tests/support/postgres.py): a template
that stays in use is an error, not a URL to a database that was never made."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from tests.support.postgres import ThrowawayPostgres


def test_a_template_held_open_fails_the_copy_with_a_clear_error(
    postgres: ThrowawayPostgres,
) -> None:
    tag = uuid.uuid4().hex[:8]
    template, copy = f"held_{tag}", f"copy_{tag}"
    postgres.create_database(template)
    dsn = f"host=127.0.0.1 port={postgres.port} user=postgres"
    with (
        psycopg.connect(f"{dsn} dbname={template}"),
        pytest.raises(RuntimeError, match=f"'{template}': still in use after 2 attempts"),
    ):
        postgres.create_database(copy, template=template, attempts=2)
    with psycopg.connect(f"{dsn} dbname=postgres", autocommit=True) as admin:
        names = {row[0] for row in admin.execute("SELECT datname FROM pg_database")}
        assert copy not in names
        # Once the template is free the same call makes the copy.
        assert postgres.create_database(copy, template=template, attempts=2) == postgres.url(copy)
        for name in (copy, template):
            admin.execute(f'DROP DATABASE "{name}"')
