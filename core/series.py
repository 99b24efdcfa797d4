"""Statement series as data: the definition format, validation, and the matching rule.

A *series* is a family of statements issued after the same kind of meeting (the NCG joint
press statements, the SCM joint communiqués). It is data, never code: built-in series ship
as YAML files in ``core/builtin_series/``; an analyst's own series live in the history
database (``clausewatch series add``) and use the same fields:

``slug``        short name used by commands (a-z, 0-9, -)
``title``       what the series is called in reports and alerts
``languages``   the languages it is published in (empty: any)
``sources``     the source slugs that publish it (empty: any source)
``keywords``    per language (``"*"`` for every language): words or names that place a
                statement in the series when its title or body contains one
``exclude``     per language: words that keep a statement out even when a keyword matches
``require``     per language: words of which one must also appear in the title or body (a
                generic keyword such as "Joint Fact Sheet" restricted to Korea)
``not_statement_titles``  per language: regular expressions on the title marking a page
                about the meeting that is not the statement itself (a news release
                announcing or describing the meeting)
``lexicons``    the commitment lexicon families to look for (empty: phrase and quantity flags)

The rule that puts a statement in exactly one series (ADR 0098), in order:

1. A series is *eligible* when the statement's language and source are allowed and none of
   its ``exclude`` words appears in the title or body, and (when it has ``require`` words)
   one of those does.
2. **Title first.** If some eligible series has a keyword in the title, only those compete;
   the one with the most keyword occurrences in the title wins, then the most in the body,
   then the one defined first (built-in before user, in file order). When the winner's
   ``not_statement_titles`` pattern matches, the page is a news release about that meeting
   and belongs to no series: the title said what the page is about.
3. Otherwise the eligible series with a keyword in the body compete the same way (body
   occurrences, then order), skipping any whose ``not_statement_titles`` match.

This module is pure: it parses mappings and strings, and reads only its own package data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from core.errors import InputError

#: A series slug: what commands, URLs and subscriptions use.
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
#: Language codes a series may name; "*" in keyword tables means every language.
LANGUAGES = ("en", "ko")
_FIELDS = (
    "slug",
    "title",
    "languages",
    "sources",
    "keywords",
    "exclude",
    "require",
    "not_statement_titles",
    "lexicons",
)


class SeriesError(InputError):
    """Raised when a series definition is malformed; the message names where."""


@dataclass(frozen=True)
class SeriesDefinition:
    """One series: how to recognise its statements and which lexicon families apply."""

    slug: str
    title: str
    keywords: Mapping[str, tuple[str, ...]]
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    exclude: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    require: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    not_statement_titles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    lexicons: tuple[str, ...] = ()
    builtin: bool = False

    def words(self, table: Mapping[str, tuple[str, ...]], language: str | None) -> list[str]:
        """The entries of a per-language ``table`` that apply to ``language`` (None: all)."""
        if language is None:
            return [w for words in table.values() for w in words]
        return [*table.get(language, ()), *table.get("*", ())]

    def may_list(self, title: str) -> bool:
        """Whether a listing title could belong to the series (an empty title could)."""
        if not title.strip():
            return True
        return any(keyword_pattern(w).search(title) for w in self.words(self.keywords, None))

    def eligible(self, language: str, source: str | None, title: str, body: str) -> bool:
        """Language and source allowed, and no exclusion word in the title or body."""
        if self.languages and language not in self.languages:
            return False
        if self.sources and source is not None and source not in self.sources:
            return False
        text = title + "\n" + body
        if any(keyword_pattern(w).search(text) for w in self.words(self.exclude, language)):
            return False
        required = self.words(self.require, language)
        return not required or any(keyword_pattern(w).search(text) for w in required)

    def hits(self, text: str, language: str) -> int:
        """How many times the series' keywords occur in ``text``."""
        return sum(
            len(keyword_pattern(w).findall(text)) for w in self.words(self.keywords, language)
        )

    def is_news_about(self, title: str, language: str) -> bool:
        """Whether the title marks a page about the meeting rather than the statement."""
        return any(
            re.search(p, title, re.IGNORECASE)
            for p in self.words(self.not_statement_titles, language)
        )

    def to_dict(self) -> dict[str, Any]:
        """The definition as plain data (the YAML and database shape)."""
        return {
            "slug": self.slug,
            "title": self.title,
            "languages": list(self.languages),
            "sources": list(self.sources),
            "keywords": {k: list(v) for k, v in self.keywords.items()},
            "exclude": {k: list(v) for k, v in self.exclude.items()},
            "require": {k: list(v) for k, v in self.require.items()},
            "not_statement_titles": {k: list(v) for k, v in self.not_statement_titles.items()},
            "lexicons": list(self.lexicons),
        }

    def summary(self) -> dict[str, Any]:
        """The ``series list --format json`` row."""
        return {
            "slug": self.slug,
            "title": self.title,
            "builtin": self.builtin,
            "keywords": {k: list(v) for k, v in self.keywords.items()},
            "languages": list(self.languages),
            "lexicons": list(self.lexicons),
        }


def keyword_pattern(word: str) -> re.Pattern[str]:
    """The pattern of one keyword: acronyms as whole words in their case, phrases any case."""
    return _keyword_pattern(word)


@lru_cache(maxsize=1024)
def _keyword_pattern(word: str) -> re.Pattern[str]:
    # Acronyms match as whole words and in their case ("NCG", not "ncgx" or "Scm"); phrases
    # ignore case, and Korean has no word boundaries to respect ("한미안보협의회의").
    if word.isupper() and word.isascii():
        return re.compile(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])")
    return re.compile(re.escape(word), re.IGNORECASE)


def _table(value: Any, name: str, where: str, *, regex: bool = False) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if isinstance(value, list):
        value = {"*": value}
    if not isinstance(value, dict):
        raise SeriesError(f"{where}: {name} must map a language (en, ko or *) to a list")
    table: dict[str, tuple[str, ...]] = {}
    for lang, words in value.items():
        if lang not in (*LANGUAGES, "*"):
            raise SeriesError(f"{where}: {name}: unknown language {lang!r} (en, ko or *)")
        if words is None:
            words = []
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise SeriesError(f"{where}: {name}.{lang} must be a list of strings")
        cleaned = tuple(w.strip() for w in words if w.strip())
        if len(cleaned) != len(words):
            raise SeriesError(f"{where}: {name}.{lang} has an empty entry")
        if regex:
            for pattern in cleaned:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise SeriesError(f"{where}: {name}: bad pattern {pattern!r}: {exc}") from exc
        table[str(lang)] = cleaned
    return table


def _strings(value: Any, name: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SeriesError(f"{where}: {name} must be a list of non-empty strings")
    return tuple(dict.fromkeys(v.strip() for v in value))


def parse_series(data: Any, *, where: str = "series", builtin: bool = False) -> SeriesDefinition:
    """A definition from plain data; raises SeriesError naming ``where`` when malformed."""
    if not isinstance(data, dict):
        raise SeriesError(f"{where}: a series definition must be a mapping")
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise SeriesError(
            f"{where}: unknown field {', '.join(map(repr, unknown))}; known: {', '.join(_FIELDS)}"
        )
    slug = data.get("slug")
    if not isinstance(slug, str) or not SLUG_PATTERN.match(slug):
        raise SeriesError(f"{where}: slug must be a-z, 0-9 and -, not {slug!r}")
    where = f"{where}: {slug}" if slug not in where else where
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise SeriesError(f"{where}: title is required")
    keywords = _table(data.get("keywords"), "keywords", where)
    if not any(keywords.values()):
        raise SeriesError(f"{where}: at least one keyword is required")
    languages = _strings(data.get("languages"), "languages", where)
    bad = [lang for lang in languages if lang not in LANGUAGES]
    if bad:
        raise SeriesError(f"{where}: unknown language {bad[0]!r} ({', '.join(LANGUAGES)})")
    lexicons = _strings(data.get("lexicons"), "lexicons", where)
    for family in lexicons:
        if not SLUG_PATTERN.match(family):
            raise SeriesError(f"{where}: lexicon family must be a slug, not {family!r}")
    return SeriesDefinition(
        slug=slug,
        title=title.strip(),
        keywords=keywords,
        languages=languages,
        sources=_strings(data.get("sources"), "sources", where),
        exclude=_table(data.get("exclude"), "exclude", where),
        require=_table(data.get("require"), "require", where),
        not_statement_titles=_table(
            data.get("not_statement_titles"), "not_statement_titles", where, regex=True
        ),
        lexicons=lexicons,
        builtin=builtin,
    )


def parse_series_yaml(text: str, *, where: str) -> list[SeriesDefinition]:
    """The series in a YAML text (one mapping, or ``series:`` with a list); raises SeriesError."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise SeriesError(f"{where}:{line} not valid YAML") from exc
    if isinstance(data, dict) and "series" in data and "slug" not in data:
        data = data["series"]
    entries = data if isinstance(data, list) else [data]
    definitions = [
        parse_series(entry, where=f"{where} (entry {n})") for n, entry in enumerate(entries, 1)
    ]
    check_unique(definitions)
    return definitions


def check_unique(definitions: Iterable[SeriesDefinition]) -> None:
    """Raise SeriesError when two definitions share a slug."""
    seen: set[str] = set()
    for definition in definitions:
        if definition.slug in seen:
            raise SeriesError(f"series {definition.slug!r} is defined twice")
        seen.add(definition.slug)


@lru_cache(maxsize=1)
def _builtin() -> tuple[SeriesDefinition, ...]:
    folder = resources.files("core").joinpath("builtin_series")
    definitions: list[SeriesDefinition] = []
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if not item.name.endswith((".yaml", ".yml")):
            continue
        where = f"core/builtin_series/{item.name}"
        for definition in parse_series_yaml(item.read_text("utf-8"), where=where):
            definitions.append(replace(definition, builtin=True))
    check_unique(definitions)
    return tuple(definitions)


def builtin_series() -> list[SeriesDefinition]:
    """The series shipped with clausewatch, in file-name order (the rule's tie-break)."""
    return list(_builtin())


def match_series(
    title: str,
    body: str,
    language: str,
    series: Sequence[SeriesDefinition],
    *,
    source: str | None = None,
) -> SeriesDefinition | None:
    """The one series a statement belongs to by the rule in the module docstring, or None."""
    eligible = [s for s in series if s.eligible(language, source, title, body)]
    ranked: list[tuple[int, int, int, SeriesDefinition]] = []
    for order, definition in enumerate(eligible):
        in_title = definition.hits(title, language)
        in_body = definition.hits(body, language)
        if in_title or in_body:
            ranked.append((in_title, in_body, -order, definition))
    if not ranked:
        return None
    titled = [r for r in ranked if r[0]]
    if titled:
        best = max(titled, key=lambda r: r[:3])[3]
        return None if best.is_news_about(title, language) else best
    candidates = [r for r in ranked if not r[3].is_news_about(title, language)]
    if not candidates:
        return None
    return max(candidates, key=lambda r: r[1:3])[3]
