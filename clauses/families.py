"""Lexicon families: one YAML file of commitments that several series share.

A family is a file ``<name>.yaml`` holding ``commitments:`` (the entries
``clauses.commitments.parse_lexicon`` reads: key, label, importance, patterns per language,
and the optional fields it knows) and optionally ``family:`` (its name; default the file's
stem) and ``title:``. The bundled families live in ``clauses/lexicons/``; an operator adds
one by dropping a file in the lexicon folder (``pipeline/catalog.py`` says where) and naming
it in a series' ``lexicons``.

Every file is validated when it is loaded, before any statement is read: a bad regular
expression, an unknown language or a commitment without patterns is reported as
``FILE:LINE: commitment KEY: ...`` so the author can go straight to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from clauses.commitments import ROLES, CommitmentDef, LexiconError, parse_lexicon
from core.language import LANGUAGES

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class LexiconFamily:
    """A named set of commitments, loaded from one YAML file."""

    name: str
    title: str
    commitments: tuple[CommitmentDef, ...]
    where: str


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _get(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            found: yaml.Node = v
            return found
    return None


def _check_nodes(root: yaml.Node, where: str) -> None:
    """Validate the structure and every pattern, naming the line of the first fault."""
    if not isinstance(root, yaml.MappingNode):
        raise LexiconError(f"{where}:{_line(root)}: a lexicon family must be a mapping")
    entries = _get(root, "commitments")
    if entries is None:
        raise LexiconError(f"{where}:{_line(root)}: no 'commitments' list")
    if not isinstance(entries, yaml.SequenceNode):
        raise LexiconError(f"{where}:{_line(entries)}: 'commitments' must be a list")
    seen: dict[str, int] = {}
    for entry in entries.value:
        if not isinstance(entry, yaml.MappingNode):
            raise LexiconError(f"{where}:{_line(entry)}: a commitment must be a mapping")
        key_node = _get(entry, "key")
        if not isinstance(key_node, yaml.ScalarNode) or not str(key_node.value).strip():
            raise LexiconError(f"{where}:{_line(entry)}: a commitment needs a 'key'")
        key = str(key_node.value)
        if key in seen:
            raise LexiconError(
                f"{where}:{_line(key_node)}: commitment {key!r} is defined twice "
                f"(first on line {seen[key]})"
            )
        seen[key] = _line(key_node)
        patterns = _get(entry, "patterns")
        if not isinstance(patterns, yaml.MappingNode) or not patterns.value:
            line = _line(patterns if patterns is not None else entry)
            raise LexiconError(f"{where}:{line}: commitment {key!r}: 'patterns' must map en/ko")
        count = 0
        for lang_node, list_node in patterns.value:
            lang = str(lang_node.value)
            if lang not in LANGUAGES:
                raise LexiconError(
                    f"{where}:{_line(lang_node)}: commitment {key!r}: unknown language "
                    f"{lang!r} ({', '.join(LANGUAGES)})"
                )
            # A list (every pattern defines the commitment) or a mapping of roles.
            lists: list[tuple[str, yaml.Node]] = [(lang, list_node)]
            if isinstance(list_node, yaml.MappingNode):
                lists = []
                for role_node, role_list in list_node.value:
                    role = str(role_node.value)
                    if role not in ROLES:
                        raise LexiconError(
                            f"{where}:{_line(role_node)}: commitment {key!r}: unknown pattern "
                            f"role {role!r} ({', '.join(ROLES)})"
                        )
                    lists.append((f"{lang}.{role}", role_list))
            for label, node in lists:
                if not isinstance(node, yaml.SequenceNode):
                    raise LexiconError(
                        f"{where}:{_line(node)}: commitment {key!r}: patterns.{label} "
                        "must be a list"
                    )
                count += _check_patterns(node, key, where)
        if not count:
            raise LexiconError(f"{where}:{_line(patterns)}: commitment {key!r} has no pattern")


def _check_patterns(node: yaml.SequenceNode, key: str, where: str) -> int:
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
            raise LexiconError(f"{where}:{_line(item)}: commitment {key!r}: an empty pattern")
        try:
            re.compile(str(item.value))
        except re.error as exc:
            raise LexiconError(
                f"{where}:{_line(item)}: commitment {key!r}: bad pattern {item.value!r}: {exc}"
            ) from exc
    return len(node.value)


def parse_family(text: str, *, where: str, default_name: str) -> LexiconFamily:
    """A family from its YAML text; raises LexiconError naming ``where`` and the line."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise LexiconError(f"{where}{line}: {problem}") from exc
    if root is None:
        raise LexiconError(f"{where}: the file is empty")
    _check_nodes(root, where)
    data = yaml.safe_load(text)
    name = str(data.get("family") or default_name)
    if not _NAME.match(name):
        raise LexiconError(f"{where}: family name must be a-z, 0-9 and -, not {name!r}")
    commitments = tuple(parse_lexicon(data, name=where))
    return LexiconFamily(name, str(data.get("title") or name), commitments, where)


@lru_cache(maxsize=1)
def _bundled() -> tuple[LexiconFamily, ...]:
    folder = resources.files("clauses").joinpath("lexicons")
    families: list[LexiconFamily] = []
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if not item.name.endswith((".yaml", ".yml")):
            continue
        text = item.read_text("utf-8")
        if "commitments" not in (yaml.safe_load(text) or {}):
            continue  # aliases.yaml and other tables share the folder
        stem = item.name.rsplit(".", 1)[0]
        families.append(
            parse_family(text, where=f"clauses/lexicons/{item.name}", default_name=stem)
        )
    return tuple(families)


def bundled_families() -> dict[str, LexiconFamily]:
    """The families shipped in clauses/lexicons/, by name; raises LexiconError if malformed."""
    return {f.name: f for f in _bundled()}


def merge_families(families: Iterable[LexiconFamily]) -> dict[str, LexiconFamily]:
    """Families by name; raises LexiconError when two files claim one name."""
    merged: dict[str, LexiconFamily] = {}
    for family in families:
        if family.name in merged:
            raise LexiconError(
                f"{family.where}: family {family.name!r} is already defined by "
                f"{merged[family.name].where}"
            )
        merged[family.name] = family
    return merged


def commitments_of(families: Sequence[LexiconFamily]) -> list[CommitmentDef]:
    """The commitments of several families in order, each key once (the first family's)."""
    seen: set[str] = set()
    out: list[CommitmentDef] = []
    for family in families:
        for definition in family.commitments:
            if definition.key not in seen:
                seen.add(definition.key)
                out.append(definition)
    return out
