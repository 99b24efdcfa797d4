"""Result digests: one sha256 per comparison of the demo history and of the labeled set.

The guard of issue 16 ("no speed change alters a result"). It computes every result a user
could see and reduces each to a digest of its canonical JSON:

- ``history-<mode>/...``: the embedded NCG and SCM series (English and Korean, with the
  silent edit of the 5th NCG statement) stored into a fresh SQLite history through the
  pipeline stages (``pipeline.stages.store_statement`` and ``compare_version``), in the
  order the demo publishes them; every stored comparison as ``clausewatch changes``
  shows it (``models.store.comparison_dict`` plus severity and the alerts queued for one
  subscriber), and every stored version (its clauses and commitment mentions);
- ``labeled-<mode>/<case>``: every case of ``tests/fixtures/labels/cases`` through
  ``clauses.compare_texts`` as ``benchmarks/quality.py`` runs it;

each in ``lexical`` mode and with the bundled encoder (``semantic``). Ids, timestamps and
anything else a run decides are left out; scores are rounded to 4 decimals.

The golden file (``tests/data/result-digests.json``) holds, per name, the digest, a digest
per section and a short outline (statuses, scores, flags) so that a mismatch can say what
moved. Regenerate it only for a deliberate behaviour change, and say so in the commit::

    .venv/bin/python -m tests.support.digests --write    # rewrite the golden file
    .venv/bin/python -m tests.support.digests --check    # compare, exit 1 on a mismatch
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "result-digests.json"
CASES_DIR = ROOT / "tests" / "fixtures" / "labels" / "cases"
MODES = ("lexical", "semantic")
SUBSCRIBER = "digests@example.test"
#: Digits kept of every float: what the commands display, well above encoder noise.
DIGITS = 4
SECTIONS = ("clauses", "commitments", "phrases", "quantities", "participants", "summary")


# -- canonical form and digests ------------------------------------------------------------


def canonical(value: Any) -> Any:
    """``value`` as plain JSON data with floats rounded and tuples as lists (keys kept)."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        rounded = round(value, DIGITS)
        return 0.0 if rounded == 0 else rounded  # -0.0 and 0.0 digest alike
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot digest a {type(value).__name__}: {value!r}")


def dumps(value: Any) -> str:
    """The canonical JSON text of ``value`` (sorted keys, no spaces, UTF-8 kept)."""
    return json.dumps(canonical(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest(value: Any) -> str:
    """The sha256 of the canonical JSON of ``value``."""
    return hashlib.sha256(dumps(value).encode("utf-8")).hexdigest()


def _short(value: Any) -> str:
    return digest(value)[:10]


def _score(value: Any) -> str:
    return "-" if value is None else f"{float(value):.{DIGITS}f}"


def outline(result: Mapping[str, Any]) -> list[str]:
    """A few readable lines per result: what a mismatch report diffs."""
    if "clause_rows" in result:  # a stored version
        lines = [f"version {result['language']} sha {result['text_sha256'][:10]}"]
        lines += [f"clause {c[0]} p{c[1]} #{_short(c)}" for c in result["clause_rows"]]
        lines += [
            f"mention {m['key']} {m['strength']} @{m['position']}" for m in result["mentions"]
        ]
        return lines
    lines = [f"{result.get('kind')} severity={result.get('severity', '-')}"]
    for c in result.get("clauses", []):
        lines.append(
            f"clause {c['status']} {c['old']}->{c['new']} {_score(c.get('score'))} #{_short(c)}"
        )
    for c in result.get("commitments", []):
        lines.append(
            f"commitment {c['key']} {c['status']} {c['strength_old']}->{c['strength_new']}"
            f" #{_short(c)}"
        )
    lines += [f"phrase {p['status']} {p['text']!r} {p['support']}" for p in result["phrases"]]
    lines += [
        f"quantity {q['kind']} {q['status']} {q['old']!r}->{q['new']!r}"
        for q in result.get("quantities", [])
    ]
    lines += [
        f"participant {p['side']} {p['status']} {p['level']} #{_short(p)}"
        for p in result.get("participants", [])
    ]
    summary = ", ".join(f"{k} {v}" for k, v in sorted(result.get("summary", {}).items()) if v)
    lines.append(f"summary {summary}")
    if "alerts" in result:
        lines.append(f"alerts {result['alerts']}")
    return lines


def entry(result: Mapping[str, Any]) -> dict[str, Any]:
    """The golden-file entry of one result: its digest, section digests and outline."""
    return {
        "sha256": digest(result),
        "sections": {
            name: digest(value) for name, value in sorted(result.items()) if name != "outline"
        },
        "outline": outline(result),
    }


# -- the demo history ----------------------------------------------------------------------


def _history_inputs() -> list[tuple[str, Any]]:
    """(corpus id, StatementInput) for every series statement, in the demo's order."""
    from clausewatch.demo.corpus import load_all_series
    from core.series import builtin_series
    from tests.support.corpus_inputs import corpus_input

    definitions = {d.slug: d for d in builtin_series()}
    statements = load_all_series()
    order = {s.id: i for i, s in enumerate(statements)}
    # The demo publishes each statement on its date and the silent edit on its edit day.
    statements.sort(key=lambda s: (s.edited or s.published, order[s.id]))
    inputs = []
    for s in statements:
        definition = definitions[s.series] if s.series else None
        # The edit is the same page as the statement it edits: a new version of it.
        page = s.edit_of or s.id
        inputs.append(
            (
                s.id,
                corpus_input(
                    s,
                    page=page,
                    host="digests.example.test",
                    series=s.series,
                    series_title=definition.title if definition else None,
                    series_rules=definition.to_dict() if definition else None,
                ),
            )
        )
    return inputs


def _version_name(version: Any) -> str:
    page = version.document.url.rsplit("/", 1)[-1]
    return f"{page}@v{version.seq}"


def history_results(
    url: str, *, lexical: bool, after_ingest: Callable[[Any], None] | None = None
) -> dict[str, dict[str, Any]]:
    """Ingest the series into the fresh, migrated history at ``url``; every stored result.

    ``after_ingest`` is called with the open history before the results are read (e.g. to
    damage it and reprocess it: the results must not move)."""
    from sqlalchemy import select

    from models import open_history, store
    from models.outbox import subscribe
    from models.schema import (
        Alert,
        Clause,
        Commitment,
        CommitmentMention,
        Subscription,
        Version,
    )
    from pipeline.stages import compare_version, store_statement

    mode = "lexical" if lexical else "semantic"
    history = open_history(url)
    results: dict[str, dict[str, Any]] = {}
    try:
        with history.sessions.begin() as session:
            subscribe(session, SUBSCRIBER, min_severity="medium")
        for _, statement in _history_inputs():
            outcome = store_statement(history, statement, lexical=lexical)
            compare_version(history, outcome.version_id, lexical=lexical)
        if after_ingest is not None:
            after_ingest(history)
        with history.sessions() as session:
            for comparison in store.list_comparisons(session):
                data = store.comparison_dict(session, comparison)
                data["severity"] = comparison.severity
                data["alerts"] = sorted(
                    [email, severity, status]
                    for email, severity, status in session.execute(
                        select(Subscription.email, Alert.severity, Alert.status)
                        .join(Subscription, Subscription.id == Alert.subscription_id)
                        .where(Alert.comparison_id == comparison.id)
                    )
                )
                name = (
                    f"history-{mode}/{comparison.kind}/"
                    f"{_version_name(comparison.old_version)}->"
                    f"{_version_name(comparison.new_version)}"
                )
                results[name] = canonical(data)
            for version in session.scalars(select(Version).order_by(Version.id)):
                clause_rows = [
                    [c.position, c.paragraph, c.text, c.match_key]
                    for c in session.scalars(
                        select(Clause)
                        .where(Clause.version_id == version.id)
                        .order_by(Clause.position)
                    )
                ]
                mentions = sorted(
                    (
                        {
                            "key": key,
                            "label": label,
                            "strength": m.strength,
                            "evidence": m.evidence,
                            "position": m.position,
                        }
                        for m, key, label in session.execute(
                            select(CommitmentMention, Commitment.key, Commitment.label)
                            .join(Commitment, Commitment.id == CommitmentMention.commitment_id)
                            .where(CommitmentMention.version_id == version.id)
                        )
                    ),
                    key=lambda m: (m["position"] if m["position"] is not None else -1, m["key"]),
                )
                results[f"history-{mode}/version/{_version_name(version)}"] = canonical(
                    {
                        "language": version.document.language,
                        "title": version.document.title,
                        "text_sha256": store.text_sha256(version.text),
                        "clause_rows": clause_rows,
                        "mentions": mentions,
                    }
                )
    finally:
        history.close()
    return results


def _fresh_sqlite(folder: Path) -> str:
    from tests.support.databases import migrate, sqlite_url

    return migrate(sqlite_url(folder / "history.db"))


# -- the labeled set -----------------------------------------------------------------------


def case_paths() -> list[Path]:
    """The labeled cases, as benchmarks/quality.py finds them."""
    return sorted(CASES_DIR.glob("*.yaml"))


def labeled_results(*, lexical: bool) -> dict[str, dict[str, Any]]:
    """Every labeled case compared as ``benchmarks/quality.py`` compares it."""
    from clauses import compare_texts

    mode = "lexical" if lexical else "semantic"
    results: dict[str, dict[str, Any]] = {}
    for path in case_paths():
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        old_text = (ROOT / case["old"]["file"]).read_text(encoding="utf-8")
        new_text = (ROOT / case["new"]["file"]).read_text(encoding="utf-8")
        history = tuple((ROOT / p).read_text(encoding="utf-8") for p in case.get("history", []))
        result = compare_texts(
            old_text,
            new_text,
            kind=case["kind"],
            old_lang=case["old"]["language"],
            new_lang=case["new"]["language"],
            lexical=lexical,
            history=history,
        ).to_dict()
        results[f"labeled-{mode}/{path.stem}"] = canonical(result)
    return results


# -- all of it -----------------------------------------------------------------------------


def compute(modes: Sequence[str] = MODES) -> dict[str, dict[str, Any]]:
    """Every result, by name (history and labeled set, in each mode)."""
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="digests-") as folder:
        for mode in modes:
            lexical = mode == "lexical"
            sub = Path(folder) / mode
            sub.mkdir()
            results.update(history_results(_fresh_sqlite(sub), lexical=lexical))
            results.update(labeled_results(lexical=lexical))
    return results


def entries(results: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Golden-file entries for ``results``, by name."""
    return {name: entry(results[name]) for name in sorted(results)}


def load_golden(path: Path = GOLDEN) -> dict[str, dict[str, Any]]:
    """The committed entries, by name."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return dict(document["results"])


def write_golden(current: Mapping[str, Mapping[str, Any]], path: Path = GOLDEN) -> None:
    """Write the golden file for these entries."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "about": (
            "sha256 of every comparison of the demo history and the labeled set;"
            " written by `python -m tests.support.digests --write` (tests/support/digests.py)."
            " Regenerate only for a deliberate behaviour change, said in the commit message."
        ),
        "results": dict(current),
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def mismatches(
    golden: Mapping[str, Mapping[str, Any]], current: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """Names of results missing, new or changed (sorted); empty when all digests agree."""
    names = sorted(set(golden) | set(current))
    return [
        n
        for n in names
        if n not in golden or n not in current or golden[n]["sha256"] != current[n]["sha256"]
    ]


def report(
    golden: Mapping[str, Mapping[str, Any]],
    current: Mapping[str, Mapping[str, Any]],
    *,
    context: int = 2,
    max_lines: int = 40,
) -> str:
    """What changed: every changed name (with its sections), then a diff of the first one."""
    changed = mismatches(golden, current)
    if not changed:
        return ""
    lines = [f"{len(changed)} of {len(golden)} result digests differ from {GOLDEN.name}:"]
    for name in changed:
        if name not in current:
            lines.append(f"  missing now: {name}")
        elif name not in golden:
            lines.append(f"  new (not in the golden file): {name}")
        else:
            before, after = golden[name]["sections"], current[name]["sections"]
            moved = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            lines.append(f"  changed: {name} [{', '.join(moved)}]")
    first = next((n for n in changed if n in golden and n in current), None)
    if first is not None:
        diff = list(
            difflib.unified_diff(
                golden[first]["outline"],
                current[first]["outline"],
                fromfile=f"golden {first}",
                tofile=f"now {first}",
                n=context,
                lineterm="",
            )
        )
        if not diff:
            diff = ["(the outline is the same: texts, word diffs or labels moved)"]
        if len(diff) > max_lines:
            diff = [*diff[:max_lines], f"... {len(diff) - max_lines} more lines"]
        lines += ["", f"first change, {first}:", *diff]
    lines += [
        "",
        "A speed change must not alter a result: find out why it moved. Regenerate the golden"
        " file (python -m tests.support.digests --write) only for a deliberate behaviour change.",
    ]
    return "\n".join(lines)


@contextmanager
def isolated_settings() -> Iterator[None]:
    """No CLAUSEWATCH_* from the outside and an empty data directory (no user lexicons)."""
    from core.settings import get_settings

    saved = {k: v for k, v in os.environ.items() if k.startswith("CLAUSEWATCH_")}
    for name in saved:
        del os.environ[name]
    with tempfile.TemporaryDirectory(prefix="digests-data-") as data_dir:
        os.environ["CLAUSEWATCH_DATA_DIR"] = data_dir
        get_settings.cache_clear()
        try:
            yield
        finally:
            del os.environ["CLAUSEWATCH_DATA_DIR"]
            os.environ.update(saved)
            get_settings.cache_clear()


def main(argv: Sequence[str] | None = None) -> int:
    """Write or check the golden file; exit 1 on a mismatch."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="rewrite the golden file")
    action.add_argument("--check", action="store_true", help="compare with the golden file")
    parser.add_argument("--dump", type=Path, help="also write the full canonical results here")
    args = parser.parse_args(argv)
    with isolated_settings():
        results = compute()
    current = entries(results)
    if args.dump:
        args.dump.write_text(
            json.dumps(results, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
        )
    if args.write:
        write_golden(current)
        print(f"wrote {len(current)} digests to {GOLDEN}")
        return 0
    text = report(load_golden(), current)
    if text:
        print(text)
        return 1
    print(f"{len(current)} result digests match {GOLDEN.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
