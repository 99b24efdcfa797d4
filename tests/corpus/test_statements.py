"""The embedded NCG statements and unrelated releases: they load, and they carry the facts."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from clausewatch.demo.corpus import CorpusStatement, get_statement, load_other, load_statements
from core.errors import InputError

STATEMENTS = load_statements()
ORIGINALS = [s for s in STATEMENTS if s.edit_of is None]
PUBLISHERS = {"white-house", "us-dod", "state-dept", "rok-president", "rok-mnd", "korea-kr"}
MEETING_DATES = {
    1: dt.date(2023, 7, 18),
    2: dt.date(2023, 12, 15),
    3: dt.date(2024, 6, 10),
    4: dt.date(2025, 1, 10),
    5: dt.date(2025, 12, 11),
}


def _words(statement: CorpusStatement) -> int:
    return len(statement.text.split())


def test_every_meeting_has_one_english_and_one_korean_statement() -> None:
    pairs = sorted((s.meeting or 0, s.language) for s in ORIGINALS)
    assert pairs == [(m, lang) for m in range(1, 6) for lang in ("en", "ko")]
    assert len({s.id for s in STATEMENTS}) == len(STATEMENTS)


@pytest.mark.parametrize("statement", ORIGINALS, ids=lambda s: s.id)
def test_statement_shape(statement: CorpusStatement) -> None:
    assert statement.id == f"ncg-{statement.meeting}-{statement.language}"
    assert statement.file == f"ncg-{statement.meeting}.{statement.language}.txt"
    assert statement.publisher in PUBLISHERS
    assert 4 <= len(statement.paragraphs) <= 12
    assert not statement.text.startswith(statement.title)
    # Korean counts eojeol (space-separated words), which run about 0.6 of the English count.
    low, high = (300, 700) if statement.language == "en" else (170, 450)
    assert low <= _words(statement) <= high


@pytest.mark.parametrize("statement", ORIGINALS, ids=lambda s: s.id)
def test_statement_date_and_publisher(statement: CorpusStatement) -> None:
    assert statement.meeting is not None
    meeting_date = MEETING_DATES[statement.meeting]
    assert meeting_date <= statement.published <= meeting_date + dt.timedelta(days=1)
    if statement.language == "en":
        assert statement.published == meeting_date
    expected = {
        ("en", True): "white-house",
        ("ko", True): "rok-president",
        ("en", False): "us-dod",
        ("ko", False): "rok-mnd",
    }[(statement.language, statement.meeting <= 2)]
    assert statement.publisher == expected


@pytest.mark.parametrize("meeting", range(1, 6))
def test_english_and_korean_have_the_same_paragraph_structure(meeting: int) -> None:
    english, korean = get_statement(f"ncg-{meeting}-en"), get_statement(f"ncg-{meeting}-ko")
    assert len(english.paragraphs) == len(korean.paragraphs)
    sentence_end = re.compile(r"[.다]\s*$")
    for en_par, ko_par in zip(english.paragraphs, korean.paragraphs, strict=True):
        assert sentence_end.search(en_par) and sentence_end.search(ko_par)


def test_paragraph_counts_follow_the_facts() -> None:
    assert len(get_statement("ncg-4-en").paragraphs) == 12
    assert len(get_statement("ncg-5-en").paragraphs) == 5


# (statement, phrase, present): the commitments table of NCG-FACTS, rows a-j.
FACTS = [
    *[
        (f"ncg-{m}-en", "full range of U.S. capabilities, including nuclear", True)
        for m in range(1, 6)
    ],
    *[(f"ncg-{m}-ko", "핵을 포함한 모든 범주의 미국 역량", True) for m in range(1, 6)],
    *[(f"ncg-{m}-en", "end of the", True) for m in range(1, 5)],
    *[(f"ncg-{m}-en", "swift, overwhelming and decisive response", True) for m in range(1, 5)],
    *[(f"ncg-{m}-ko", "즉각적이고 압도적이며 결정적인 대응", True) for m in range(1, 5)],
    *[(f"ncg-{m}-en", "North Korea", True) for m in range(1, 5)],
    *[(f"ncg-{m}-ko", "북한", True) for m in range(1, 5)],
    *[(f"ncg-{m}-en", "leading role", False) for m in range(1, 5)],
    *[(f"ncg-{m}-ko", "주도적 역할", False) for m in range(1, 5)],
    *[(f"ncg-{m}-en", "joint planning and execution", True) for m in range(1, 5)],
    *[(f"ncg-{m}-ko", "공동기획 및 실행", True) for m in range(1, 5)],
    *[(f"ncg-{m}-en", "regular visibility of U.S. strategic assets", True) for m in range(1, 5)],
    ("ncg-2-en", "risk reduction", True),
    ("ncg-3-en", "strategic communications", True),
    ("ncg-4-en", "end of the Kim regime", True),
    ("ncg-4-en", "Russia and the DPRK", True),
    ("ncg-4-ko", "러시아와 북한", True),
    ("ncg-4-ko", "정권의 종말", True),
    ("ncg-5-en", "North Korea", False),
    ("ncg-5-en", "DPRK", False),
    ("ncg-5-en", "Pyongyang", False),
    ("ncg-5-en", "regime", False),
    ("ncg-5-en", "decisive response", False),
    ("ncg-5-en", "joint planning", False),
    ("ncg-5-en", "visibility", False),
    ("ncg-5-en", "enduring bilateral consultative body", True),
    ("ncg-5-en", "information sharing", True),
    ("ncg-5-en", "consultation and communication", True),
    ("ncg-5-en", "conventional-nuclear integration (CNI)", True),
    ("ncg-5-en", "NCG tabletop simulation (TTS)", True),
    ("ncg-5-en", "CNI tabletop exercise (TTX)", True),
    ("ncg-5-en", "advanced nuclear-deterrence education", True),
    ("ncg-5-en", "leading role in the conventional defense of the Korean Peninsula", True),
    ("ncg-5-en", "work plan for the first half of 2026, including the sixth NCG meeting", True),
    ("ncg-5-ko", "북한", False),
    ("ncg-5-ko", "정권", False),
    ("ncg-5-ko", "공동기획", False),
    ("ncg-5-ko", "가시성", False),
    ("ncg-5-ko", "지속적인 양자 협의체", True),
    ("ncg-5-ko", "핵·재래식 통합", True),
    ("ncg-5-ko", "도상모의(TTS)", True),
    ("ncg-5-ko", "도상연습(TTX)", True),
    ("ncg-5-ko", "재래식 방위에서 주도적 역할", True),
    ("ncg-5-ko", "2026년 상반기 작업계획", True),
]


@pytest.mark.parametrize(("statement_id", "phrase", "present"), FACTS)
def test_key_facts(statement_id: str, phrase: str, present: bool) -> None:
    assert (phrase in get_statement(statement_id).text) is present


def test_silent_edit_changes_one_commitment_and_fixes_a_typo() -> None:
    original, edited = get_statement("ncg-5-en"), get_statement("ncg-5-en-edit")
    assert edited.edit_of == original.id
    assert edited.edited is not None and edited.edited > original.published
    assert edited.title == original.title
    changed = [
        (old, new)
        for old, new in zip(original.paragraphs, edited.paragraphs, strict=True)
        if old != new
    ]
    assert len(changed) == 2
    assert "Deparment" in original.text and "Deparment" not in edited.text
    assert "agreed to strengthen conventional-nuclear integration" in original.text
    assert "discussed ways to strengthen conventional-nuclear integration" in edited.text


def test_unknown_statement_id_raises() -> None:
    with pytest.raises(InputError):
        get_statement("ncg-9-en")


OTHER = load_other()


def test_every_publisher_has_three_to_five_unrelated_releases() -> None:
    # Five for us-dod: a news release about the 57th SCM joined its four (ADR 0098).
    for publisher in PUBLISHERS:
        count = sum(1 for s in OTHER if s.publisher == publisher)
        assert 3 <= count <= 5, publisher


@pytest.mark.parametrize("release", OTHER, ids=lambda s: s.id)
def test_unrelated_release_is_short_and_not_an_ncg_statement(release: CorpusStatement) -> None:
    assert release.meeting is None
    assert 1 <= len(release.paragraphs) <= 2
    assert "Nuclear Consultative Group" not in release.text
    assert "핵협의그룹" not in release.text
    assert release.language == ("ko" if release.publisher.startswith(("rok", "korea")) else "en")
