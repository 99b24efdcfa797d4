"""What a reprocess remakes is what ingest made (ADR 0109): the demo history of the result
digests (tests/support/digests.py), with every stamp made stale and every comparison the
current history calls for removed, digests as the golden file says after one reprocess —
comparisons, severities, commitment changes and alerts alike, lexical and semantic.

Comparisons made against a version that was since edited (the first version of a silently
edited statement with its predecessor and translation) are kept: a reprocess never remakes
them, because ``compare_version`` pairs only the versions that are current now.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select, update

from models import History, store
from models.schema import Comparison, Version
from pipeline import reprocess
from tests.support import digests as D


def _age_and_reprocess(lexical: bool, removed: list[int]) -> Callable[[History], None]:
    def after_ingest(history: History) -> None:
        with history.sessions.begin() as session:
            documents = session.scalars(select(Version.document_id))
            latest = set(store.latest_version_ids(session, documents).values())
            for comparison in list(session.scalars(select(Comparison))):
                sides = {comparison.old_version_id, comparison.new_version_id}
                if comparison.kind == "revision" or sides <= latest:
                    assert store.retire_comparison(session, comparison.id, "test: lost")
                    removed.append(comparison.id)
            session.execute(update(Version).values(support_stamp="0ld", embedding_stamp="0ld"))
        report = reprocess.reprocess(history, lexical=lexical)
        assert report.totals()["comparisons"] == len(removed) and not report.failed

    return after_ingest


@pytest.mark.parametrize("mode", D.MODES)
def test_reprocess_remakes_what_ingest_made(mode: str, tmp_path: Path) -> None:
    removed: list[int] = []
    with D.isolated_settings():
        url = D._fresh_sqlite(tmp_path)
        current = D.entries(
            D.history_results(
                url,
                lexical=mode == "lexical",
                after_ingest=_age_and_reprocess(mode == "lexical", removed),
            )
        )
    assert len(removed) > 15
    golden = {n: e for n, e in D.load_golden().items() if n.startswith(f"history-{mode}/")}
    text = D.report(golden, current)
    if text:
        pytest.fail(text, pytrace=False)
