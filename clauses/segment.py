"""Segmentation of a statement into paragraphs, sentences and clauses (list items)."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from clauses.normalize import match_key, normalize_display
from core.language import detect_language


@dataclass(frozen=True)
class Clause:
    """One clause of a statement: its 0-based position, paragraph, displayed text and match key."""

    position: int
    paragraph: int
    text: str
    key: str

    @property
    def items(self) -> tuple[str, ...]:
        """The items of a list-sentence (its lead-in left out); empty for any other clause."""
        return list_items(self.text)


# Lower-cased tokens (without their final period) that end in a period but do not end a
# sentence. Multi-dot abbreviations such as "u.s" are matched whole.
_ABBREVIATIONS = frozenset(
    [
        "u.s",
        "u.s.a",
        "u.k",
        "u.n",
        "d.c",
        "r.o.k",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
        "st",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "lt",
        "col",
        "maj",
        "adm",
        "capt",
        "sgt",
        "sen",
        "rep",
        "gov",
        "amb",
        "pres",
        "no",
        "nos",
        "vol",
        "art",
        "sec",
        "para",
        "pp",
        "p",
        "fig",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "inc",
        "ltd",
        "co",
        "corp",
        "jr",
        "sr",
        "vs",
        "cf",
        "al",
        "approx",
        "dept",
    ]
)

_SENTENCE_END = re.compile(r"([.!?])([\"')\]]*)\s+(?=[\"'(\[]?[A-Z0-9\u3131-\ud7a3-])")
_LAST_TOKEN = re.compile(r"(\S+)$")

_kiwi_lock = threading.Lock()
_kiwi: Any = None


def _kiwi_instance() -> Any:
    global _kiwi
    # kiwipiepy takes a few seconds to load its model, so one instance serves the process.
    with _kiwi_lock:
        if _kiwi is None:
            from kiwipiepy import Kiwi

            # Without the multi-word dictionary (WikiData names such as "미국 전쟁부"): it
            # costs a second and 190 MB in every process. Sentences and every result on
            # the corpus are the same without it; such a name is read word by word
            # (ADR 0106).
            _kiwi = Kiwi(load_multi_dict=False)
        return _kiwi


def _is_abbreviation(before: str) -> bool:
    match = _LAST_TOKEN.search(before)
    if not match:
        return False
    token = match.group(1).lower().lstrip("(\"'[")
    if token in _ABBREVIATIONS:
        return True
    # Initials ("J. Smith") and dotted acronyms ("R.O.K.") never end a sentence here.
    return bool(re.fullmatch(r"[a-z]|(?:[a-z]\.)+[a-z]", token))


def split_english_sentences(paragraph: str) -> list[str]:
    """Split one English paragraph into sentences, keeping abbreviations (U.S., No.) intact."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        if match.group(1) == "." and _is_abbreviation(paragraph[start : match.start(1)]):
            continue
        end = match.end(2)
        piece = paragraph[start:end].strip()
        if piece:
            sentences.append(piece)
        start = match.end()
    rest = paragraph[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


def split_korean_sentences(paragraph: str) -> list[str]:
    """Split one Korean paragraph into sentences with kiwipiepy (loaded once, lazily)."""
    kiwi = _kiwi_instance()
    with _kiwi_lock:
        pieces = kiwi.split_into_sents(paragraph)
    sentences = [paragraph[p.start : p.end].strip() for p in pieces]
    return [s for s in sentences if s] or ([paragraph.strip()] if paragraph.strip() else [])


#: Distinct texts whose morphemes are kept. A comparison asks for the same clause three
#: times or more (phrase tokens of both sides, strength pairs, modality, the series'
#: earlier statements): 304 requests for 91 texts on SCM 56->57.
MORPHEME_CACHE_SIZE = 8192


def korean_morphemes(text: str) -> list[tuple[str, str, int, int]]:
    """Return (form, tag, start, end) of every kiwipiepy morpheme of ``text`` (offsets in it)."""
    return list(_cached_morphemes(text))


@lru_cache(maxsize=MORPHEME_CACHE_SIZE)
def _cached_morphemes(text: str) -> tuple[tuple[str, str, int, int], ...]:
    kiwi = _kiwi_instance()
    with _kiwi_lock:
        tokens = kiwi.tokenize(text)
    return tuple((t.form, t.tag, t.start, t.start + t.len) for t in tokens)


def split_list_items(sentence: str) -> list[str]:
    """Split a list-sentence ("workstreams: A; B; and C") at semicolons; others stay whole."""
    if ";" not in sentence:
        return [sentence]
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in sentence:
        if char in "([":
            depth += 1
        elif char in ")]" and depth:
            depth -= 1
        current.append(char)
        if char == ";" and depth == 0:
            parts.append("".join(current).strip())
            current = []
    tail = "".join(current).strip()
    if tail:
        parts.append(tail)
    head = parts[0]
    # The lead-in of a list ("... in the following workstreams:") is its own part.
    if ":" in head and not head.rstrip().endswith(":"):
        lead, _, first = head.partition(":")
        if lead.strip() and first.strip():
            parts = [lead.strip() + ":", first.strip(), *parts[1:]]
    return [p for p in parts if p and p != ";"]


_ITEM_END = re.compile(r"[\s;,.]+$")
_ITEM_GLUE = re.compile(r"^(?:and|or|그리고|및)\s+", re.IGNORECASE)


def list_items(sentence: str) -> tuple[str, ...]:
    """Return the items of a list-sentence, without its lead-in; () when it is no list."""
    parts = split_list_items(sentence)
    if len(parts) < 2:
        return ()
    if parts[0].endswith(":"):
        parts = parts[1:]
    # "…; and risk reduction." -> "risk reduction": the item, without the list's glue.
    items = tuple(_ITEM_GLUE.sub("", _ITEM_END.sub("", p)) for p in parts)
    return items if len(items) >= 2 else ()


def _lead_ins_joined(sentences: list[str]) -> list[str]:
    """Join a sentence ending in ":" (a list's lead-in, which kiwipiepy ends at "했다:")
    with the sentence that follows it."""
    joined: list[str] = []
    for sentence in sentences:
        if joined and joined[-1].endswith(":"):
            joined[-1] = f"{joined[-1]} {sentence}"
        else:
            joined.append(sentence)
    return joined


def _paragraph_units(paragraph: str) -> list[str]:
    """Join a paragraph's lines into runs of prose; each "- " list line is its own unit."""
    units: list[str] = []
    prose: list[str] = []
    for line in paragraph.split("\n"):
        if line.startswith("- "):
            if prose:
                units.append(" ".join(prose))
                prose = []
            units.append(line[2:].strip())
        elif line.strip():
            prose.append(line.strip())
    if prose:
        units.append(" ".join(prose))
    return [u for u in units if u]


#: The longest clause kept whole, in characters. Real clauses stay far below it (the longest
#: sentence of the corpus is under 1,000); a run of text with no sentence end longer than
#: this is cut at word boundaries so alignment and phrase finding stay bounded (issue 15.12).
MAX_CLAUSE_CHARS = 2000


def bounded_pieces(text: str, limit: int = MAX_CLAUSE_CHARS) -> list[str]:
    """``text`` cut at spaces into pieces of at most ``limit`` characters (a word longer
    than ``limit`` is cut inside); one piece when it already fits."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def segment(text: str, lang: str | None = None) -> list[Clause]:
    """Split a statement into clauses (sentences; a list-sentence is one clause; pieces of at
    most :data:`MAX_CLAUSE_CHARS`); never raises."""
    display = normalize_display(text)
    if not display:
        return []
    language = lang or detect_language(display)
    clauses: list[Clause] = []
    for paragraph_index, paragraph in enumerate(display.split("\n\n")):
        for unit in _paragraph_units(paragraph):
            if language == "ko":
                sentences = split_korean_sentences(unit)
            else:
                sentences = split_english_sentences(unit)
            # A list-sentence ("reviewed progress on its workstreams: A; B; and C") stays one
            # clause whose items are aligned one by one (``Clause.items``): a list that
            # becomes a sentence is then one modified clause, not a drop per item.
            for sentence in _lead_ins_joined(sentences):
                for piece in bounded_pieces(sentence):
                    clauses.append(
                        Clause(
                            position=len(clauses),
                            paragraph=paragraph_index,
                            text=piece,
                            key=match_key(piece, language),
                        )
                    )
    return clauses
