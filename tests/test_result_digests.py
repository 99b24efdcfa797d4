"""No speed change alters a result (issue 16): every result's digest matches the golden file.

The results are every stored comparison and version of the demo series ingested through the
pipeline stages, and every labeled case through ``clauses.compare_texts``, lexical and with
the bundled encoder (tests/support/digests.py says exactly what is digested and what is left
out). The history is also stored in PostgreSQL and must digest exactly as on SQLite. On a
mismatch the failure names every changed result and its changed sections, and diffs the
outline of the first one.

The golden file ``tests/data/result-digests.json`` is written by

    .venv/bin/python -m tests.support.digests --write

Regenerate it only for a deliberate behaviour change, and say so in the commit message;
never to make a speed change pass.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import digests as D


@pytest.fixture(scope="module")
def results() -> Iterator[dict[str, dict[str, Any]]]:
    # Module-scoped fixtures are set up before the per-test settings isolation: isolate here.
    with D.isolated_settings():
        yield D.compute()


def test_every_result_digest_matches_the_golden_file(results: dict[str, dict[str, Any]]) -> None:
    golden = D.load_golden()
    text = D.report(golden, D.entries(results))
    if text:
        pytest.fail(text, pytrace=False)
    # The guard covers what it claims: both modes, comparisons of every kind, every case.
    cases = len(D.case_paths())
    for mode in D.MODES:
        assert len([n for n in results if n.startswith(f"labeled-{mode}/")]) == cases
        for kind in ("revision", "successor", "translation", "version"):
            assert any(n.startswith(f"history-{mode}/{kind}/") for n in results), (mode, kind)


@pytest.mark.postgres
@pytest.mark.parametrize("mode", D.MODES)
def test_the_history_on_postgresql_has_the_same_digests(mode: str, pg_url: str) -> None:
    # The same statements stored in PostgreSQL read back exactly as from SQLite: bulk
    # inserts, COPY or parallel workers there must not reorder or change a result either.
    current = D.entries(D.history_results(pg_url, lexical=mode == "lexical"))
    golden = {n: e for n, e in D.load_golden().items() if n.startswith(f"history-{mode}/")}
    text = D.report(golden, current)
    if text:
        pytest.fail(text, pytrace=False)


def test_a_changed_result_is_named_with_its_section_and_diff(
    results: dict[str, dict[str, Any]],
) -> None:
    name = "history-semantic/revision/ncg-5-en@v1->ncg-5-en@v2"
    golden = D.entries({name: results[name], "labeled-lexical/other": {"phrases": []}})
    changed = copy.deepcopy(results[name])
    flagged = next(c for c in changed["commitments"] if c["status"] != "retained")
    flagged["status"] = "retained"
    current = D.entries({name: changed, "labeled-lexical/other": {"phrases": []}})

    assert D.mismatches(golden, current) == [name]
    text = D.report(golden, current)
    assert f"changed: {name} [commitments]" in text
    assert f"-commitment {flagged['key']} " in text
    assert f"+commitment {flagged['key']} retained" in text


def test_score_noise_below_the_shown_digits_is_not_a_change() -> None:
    base: dict[str, Any] = {
        "kind": "successor",
        "clauses": [{"status": "modified", "score": 0.81234}],
    }
    noisy = copy.deepcopy(base)
    noisy["clauses"][0]["score"] = 0.81234 + 1e-9
    moved = copy.deepcopy(base)
    moved["clauses"][0]["score"] = 0.8125
    assert D.digest(base) == D.digest(noisy)
    assert D.digest(base) != D.digest(moved)


def test_missing_and_new_results_are_reported() -> None:
    golden = D.entries({"labeled-lexical/a": {"phrases": []}})
    current = D.entries({"labeled-lexical/b": {"phrases": []}})
    text = D.report(golden, current)
    assert "missing now: labeled-lexical/a" in text
    assert "new (not in the golden file): labeled-lexical/b" in text
