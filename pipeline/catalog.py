"""Where series and lexicon families come from: shipped data files and the history.

Built-in series are the YAML files of ``core/builtin_series/``; user series are rows of the
history's ``series`` table marked ``user_defined`` (``clausewatch series add``). Lexicon
families are the files of ``clauses/lexicons/`` plus any ``*.yaml`` in the operator's
lexicon folder (``Settings.lexicon_dir``, which the edges pass in: this module reads no
settings). Tracking, backfill, import, the deployments' forms and the analyst commands all
ask this module; nothing else names a series.
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from clauses.commitments import CommitmentDef, LexiconError, load_lexicons
from clauses.families import LexiconFamily, bundled_families, commitments_of, merge_families
from clauses.families import parse_family as _parse_family
from core.errors import InputError
from core.series import SeriesDefinition, SeriesError, builtin_series, parse_series
from models import History, store

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def read_family(path: Path) -> LexiconFamily:
    """One family file; raises InputError when unreadable and LexiconError when malformed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read lexicon family {path}: {exc}", path=str(path)) from exc
    return _parse_family(text, where=str(path), default_name=path.stem)


# A folder's parsed families, kept while none of its files changed (name, size, mtime):
# ingest asks for them at every statement and comparison.
_folder_cache: dict[Path, tuple[tuple[tuple[str, int, int], ...], list[LexiconFamily]]] = {}
_folder_lock = threading.Lock()


def _folder_families(directory: Path) -> list[LexiconFamily]:
    paths = sorted(directory.glob("*.y*ml"))
    try:
        signature = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in paths)
    except OSError:
        signature = None
    with _folder_lock:
        cached = _folder_cache.get(directory)
    if signature is not None and cached is not None and cached[0] == signature:
        return cached[1]
    families = [read_family(p) for p in paths]
    if signature is not None:
        with _folder_lock:
            _folder_cache[directory] = (signature, families)
    return families


def lexicon_families(directory: Path | None) -> dict[str, LexiconFamily]:
    """Every family by name: bundled, then those of the lexicon folder ``directory`` (None:
    the bundled ones only); raises LexiconError. A folder is parsed again only when one of
    its files was added, removed or changed."""
    user: list[LexiconFamily] = []
    if directory is not None and directory.is_dir():
        user = _folder_families(directory)
    return merge_families([*bundled_families().values(), *user])


def series_from_row(slug: str, rules: dict[str, object]) -> SeriesDefinition:
    """A user series' definition as stored; raises SeriesError if the row is damaged."""
    return parse_series({**rules, "slug": slug}, where=f"series {slug!r} in the history")


def all_series(history: History | None, session: Session | None = None) -> list[SeriesDefinition]:
    """Built-in series, then the history's user series (oldest first); read in ``session``
    when the caller has one open (a stage's read session), else in a session of its own."""
    definitions = builtin_series()
    if history is None:
        return definitions
    taken = {d.slug for d in definitions}
    with nullcontext(session) if session is not None else history.reads() as reading:
        for row in store.user_series(reading):
            if row.slug not in taken:
                definitions.append(series_from_row(row.slug, dict(row.rules or {})))
    return definitions


def find_series(
    history: History | None, slug: str, session: Session | None = None
) -> SeriesDefinition | None:
    """The definition of ``slug`` or None. A built-in series is answered without reading
    the history (a user series never overrides one, see :func:`all_series`): every stored
    and compared statement asks, twice."""
    builtin = next((d for d in builtin_series() if d.slug == slug), None)
    if builtin is not None:
        return builtin
    return next((d for d in all_series(history, session) if d.slug == slug), None)


def require_series(history: History | None, slug: str) -> SeriesDefinition:
    """The definition of ``slug``; raises InputError naming the known series."""
    definitions = all_series(history)
    for definition in definitions:
        if definition.slug == slug:
            return definition
    known = ", ".join(d.slug for d in definitions)
    raise InputError(
        f"unknown series {slug!r}; known: {known} (define one with `clausewatch series add`)"
    )


def check_families(definition: SeriesDefinition, families: dict[str, LexiconFamily]) -> None:
    """Raise SeriesError when the series names a lexicon family that does not exist."""
    missing = [f for f in definition.lexicons if f not in families]
    if missing:
        raise SeriesError(
            f"series {definition.slug!r}: unknown lexicon family {missing[0]!r}; "
            f"known: {', '.join(families) or 'none'}"
        )


def lexicon_for(
    definition: SeriesDefinition, families: dict[str, LexiconFamily]
) -> list[CommitmentDef]:
    """The commitments a defined series looks for: exactly its families' (none: phrases and
    figures); raises SeriesError when it names a family not in ``families``."""
    check_families(definition, families)
    return commitments_of([families[name] for name in definition.lexicons])


def series_lexicon(
    history: History,
    slug: str | None,
    lexicon_dir: Path | None,
    session: Session | None = None,
) -> list[CommitmentDef]:
    """The commitments for statements of series ``slug``, with the operator's families from
    ``lexicon_dir`` (None: the bundled families only).

    A statement of no series, or of a series the history names but no longer defines, is
    read with every bundled family, as before series were data.
    """
    definition = None if slug is None else find_series(history, slug, session)
    if definition is None:
        return load_lexicons()
    return lexicon_for(definition, lexicon_families(lexicon_dir))


def choices(history: History | None) -> list[str]:
    """Every series slug, built-in first."""
    return [d.slug for d in all_series(history)]


__all__ = [
    "LexiconError",
    "all_series",
    "check_families",
    "choices",
    "find_series",
    "lexicon_families",
    "lexicon_for",
    "read_family",
    "require_series",
    "series_from_row",
    "series_lexicon",
]
