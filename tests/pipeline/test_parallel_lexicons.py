"""Series side by side read the operator's lexicon families as a serial run does
(ADR 0108): a user series whose only family lives in the lexicon folder is stored and
compared in worker processes with that family, not refused for a family they never read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

from models import open_history, store
from pipeline import tracking
from pipeline.stages import StatementInput
from tests.support.fingerprints import subscribe_analyst

TRADE_FAMILY = "commitments:\n  - key: tariff-cut\n    patterns: {en: ['cut tariffs?']}\n"
#: Two meetings of a trade series written for this test: the second drops the tariff cut.
MEETINGS = (
    "The trade ministers met in Lisbon.\n\nThe partners agreed to cut tariffs on machine "
    "parts by the end of the year.",
    "The trade ministers met in Oslo.\n\nThe partners reviewed customs procedures for "
    "machine parts.",
)


def _statements() -> list[StatementInput]:
    return [
        StatementInput(
            url=f"https://example.org/trade/{n}",
            source="synthetic",
            text=text,
            language="en",
            title=f"Trade ministers, meeting {n}",
            published=dt.date(2025, 3, 1) + dt.timedelta(days=180 * n),
            series="trade",
        )
        for n, text in enumerate(MEETINGS, 1)
    ]


def test_worker_processes_read_the_lexicon_folder(pg_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "lexicons"
    folder.mkdir()
    (folder / "trade.yaml").write_text(TRADE_FAMILY, encoding="utf-8")
    history = open_history(pg_url)
    try:
        subscribe_analyst(history)
        with history.sessions.begin() as session:
            store.save_user_series(
                session,
                "trade",
                "Trade",
                {"slug": "trade", "title": "Trade", "keywords": {"en": ["trade"]},
                 "lexicons": ["trade"]},
            )  # fmt: skip
        run = SimpleNamespace(history=history, lexicon_dir=folder)
        [results] = tracking.ingest_in_processes(run, [_statements()], True, 2)  # type: ignore[arg-type]
        assert [r.error for r in results] == [None, None]
        with history.sessions() as session:
            [comparison] = store.list_comparisons(session)
            changes = store.comparison_dict(session, comparison)["commitments"]
        assert [(c["key"], c["status"]) for c in changes] == [("tariff-cut", "dropped")]
    finally:
        history.close()
