"""A reprocess worker killed while saving a comparison (ADR 0109): nothing half-saved, no
duplicate, and the next reprocess leaves the history an uninterrupted ingest left.

Real spawned worker processes (``SeriesPool``) on one PostgreSQL database; the history is
the synthetic series of tests/support/synthetic_series.py, aged as test_reprocess ages it
(stale stamps, each series' last successor comparison gone).
"""

from __future__ import annotations

import functools
import os
import signal
from typing import Any

from models import store
from pipeline import reprocess
from tests.support.fingerprints import duplicates, fingerprint
from tests.support.synthetic_series import age, ingested, keys


def _die_saving(doomed: int) -> None:
    """In a worker process: SIGKILL itself inside the transaction that saves a comparison
    whose new side is version ``doomed``, after the comparison row is written."""
    real = store.save_comparison

    def save_then_die(session: Any, old: int, new: int, *args: Any, **kwargs: Any) -> Any:
        saved = real(session, old, new, *args, **kwargs)
        if new == doomed:
            os.kill(os.getpid(), signal.SIGKILL)
        return saved

    store.save_comparison = save_then_die  # type: ignore[assignment]


def test_a_worker_killed_mid_comparison_leaves_no_half_and_a_rerun_completes(
    pg_url: str,
) -> None:
    history = ingested(pg_url)
    try:
        clean, clean_keys = fingerprint(history), keys(history)
        with history.sessions() as session:
            ncg = store.get_series(session, "ncg")
            assert ncg is not None
            _, old_id, new_id = max(store.successor_comparisons(session, ncg.id))
            doomed = store.latest_version_ids(session, [new_id])[new_id]
        age(history)

        dying = functools.partial(
            reprocess.reprocess_in_processes, initializer=_die_saving, initargs=(doomed,)
        )
        first = reprocess.reprocess(history, workers=2, lexical=True, side_by_side=dying)
        # The run ends (no hang, no exception) and says which series' worker stopped.
        assert first.failed
        assert any("series worker stopped" in e for s in first.series for e in s.errors)
        assert duplicates(fingerprint(history)) == 0
        # The killed transaction left nothing of its comparison (nor of its alerts, which
        # only a saved comparison can carry).
        with history.sessions() as session:
            old = store.latest_version_ids(session, [old_id])[old_id]
            assert store.find_comparison(session, old, doomed, "successor") is None

        rerun = reprocess.reprocess(history, workers=2, lexical=True)
        assert not rerun.failed
        assert fingerprint(history) == clean
        assert keys(history) == clean_keys
    finally:
        history.close()
