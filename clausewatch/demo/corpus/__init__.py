"""The embedded corpus: the statements of two series and unrelated releases.

The five NCG joint statements (``ncg/``) and the 55th–57th SCM joint communiqués (``scm/``),
each in English and Korean, and unrelated releases of the same publishers (``other/``).

The demo and the replay site serve these texts; the quality benchmark and the tests label them.
Every text was written for clausewatch from public facts, never copied from an official page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import yaml

from core.errors import InputError

_REQUIRED = ("id", "language", "title", "published", "publisher", "file")


@dataclass(frozen=True)
class CorpusStatement:
    """One embedded statement: its index metadata and its text (blank-line paragraphs)."""

    id: str
    meeting: int | None
    language: str
    title: str
    published: dt.date
    publisher: str
    file: str
    text: str
    edit_of: str | None = None
    edited: dt.date | None = None
    #: The series the statement belongs to (its folder's index says), None for releases.
    series: str | None = None
    #: What a meeting of the series is called in the demo ("NCG", "SCM").
    meeting_label: str | None = None

    @property
    def paragraphs(self) -> list[str]:
        """The statement's paragraphs in order."""
        return [p.strip() for p in self.text.split("\n\n") if p.strip()]


def _as_date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise InputError(f"{where}: not an ISO date: {value!r}") from exc


def _load(folder: str, index: str) -> list[CorpusStatement]:
    base: Traversable = resources.files(__package__) / folder
    where = f"clausewatch/demo/corpus/{folder}/{index}"
    try:
        document = yaml.safe_load((base / index).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read the corpus index {where}: {exc}") from exc
    statements: list[CorpusStatement] = []
    series = document.get("series")
    meeting_label = document.get("meeting_label")
    for entry in document["statements"]:
        missing = [name for name in _REQUIRED if not entry.get(name)]
        if missing:
            raise InputError(f"{where}: entry {entry.get('id')!r} lacks {', '.join(missing)}")
        try:
            text = (base / entry["file"]).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{where}: cannot read {entry['file']}: {exc}") from exc
        edited = entry.get("edited")
        statements.append(
            CorpusStatement(
                id=entry["id"],
                meeting=entry.get("meeting"),
                language=entry["language"],
                title=entry["title"],
                published=_as_date(entry["published"], where),
                publisher=entry["publisher"],
                file=entry["file"],
                text=text,
                edit_of=entry.get("edit_of"),
                edited=_as_date(edited, where) if edited is not None else None,
                series=series,
                meeting_label=meeting_label,
            )
        )
    return statements


#: The series folders of the corpus, in the order the demo and the replay read them.
SERIES_FOLDERS = ("ncg", "scm")


def load_statements() -> list[CorpusStatement]:
    """The NCG statements and the edited variant; raises InputError if the corpus is broken."""
    return _load("ncg", "statements.yaml")


def load_series(folder: str) -> list[CorpusStatement]:
    """The statements of one series folder (``ncg``, ``scm``); raises InputError if broken."""
    if folder not in SERIES_FOLDERS:
        raise InputError(f"no corpus series {folder!r}; known: {', '.join(SERIES_FOLDERS)}")
    return _load(folder, "statements.yaml")


def load_all_series() -> list[CorpusStatement]:
    """The statements of every series in the corpus; raises InputError if the corpus is broken."""
    return [s for folder in SERIES_FOLDERS for s in load_series(folder)]


def load_other() -> list[CorpusStatement]:
    """Unrelated releases of the same publishers; raises InputError if the corpus is broken."""
    return _load("other", "other.yaml")


def get_statement(statement_id: str) -> CorpusStatement:
    """The statement with this id (e.g. ``ncg-4-en``, ``scm-56-ko``); raises InputError if none."""
    for statement in load_all_series():
        if statement.id == statement_id:
            return statement
    raise InputError(f"no corpus statement with id {statement_id!r}")


__all__ = [
    "SERIES_FOLDERS",
    "CorpusStatement",
    "get_statement",
    "load_all_series",
    "load_other",
    "load_series",
    "load_statements",
]
