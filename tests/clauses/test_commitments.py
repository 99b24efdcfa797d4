"""Commitments: the bundled lexicon, rewording-tolerant matching and strength changes."""

from __future__ import annotations

import pytest

from clauses import compare_texts, find_commitments, load_lexicons, segment
from clauses.commitments import LexiconError, parse_lexicon
from tests.support.statement_samples import FIFTH_EN, FIFTH_KO, FOURTH_EN


def test_lexicon_covers_ncg_items() -> None:
    keys = {d.key for d in load_lexicons()}
    assert {
        "extended-deterrence-full-range",
        "end-of-regime",
        "swift-decisive-response",
        "joint-planning-execution",
        "strategic-asset-visibility",
        "ncg-workstreams",
        "rok-leading-conventional-role",
        "dprk-named",
        "tabletop-exercises",
        "next-meeting",
    } <= keys
    for definition in load_lexicons():
        assert definition.patterns["en"] and definition.patterns["ko"], definition.key


@pytest.mark.parametrize(
    ("text", "lang", "key"),
    [
        (
            "The allies will expand joint and combined planning and execution.",
            "en",
            "joint-planning-execution",
        ),
        (
            "They committed to joint planning & execution of nuclear operations.",
            "en",
            "joint-planning-execution",
        ),
        ("Any attack would bring about the end of the Kim regime.", "en", "end-of-regime"),
        ("Such an attack would mean the end of that regime.", "en", "end-of-regime"),
        (
            "It would meet a swift, overwhelming and decisive response.",
            "en",
            "swift-decisive-response",
        ),
        (
            "Backed by the full range of U.S. military capabilities, including nuclear.",
            "en",
            "extended-deterrence-full-range",
        ),
        (
            "The U.S. will increase the regular visibility of its strategic assets.",
            "en",
            "strategic-asset-visibility",
        ),
        (
            "Strategic assets will become more visible near the peninsula.",
            "en",
            "strategic-asset-visibility",
        ),
        (
            "The Republic of Korea will lead the conventional defense of the peninsula.",
            "en",
            "rok-leading-conventional-role",
        ),
        (
            "South Korea takes the leading role in conventional defense.",
            "en",
            "rok-leading-conventional-role",
        ),
        ("North Korea's launches were condemned.", "en", "dprk-named"),
        ("They welcomed the NCG tabletop simulation (TTS).", "en", "tabletop-exercises"),
        ("They agreed to hold the sixth meeting in Seoul.", "en", "next-meeting"),
        ("북한의 핵공격은 김정은 정권의 종말로 이어질 것이다.", "ko", "end-of-regime"),
        ("즉각적이고 압도적이며 결정적인 대응에 직면할 것이다.", "ko", "swift-decisive-response"),
        ("양측은 공동기획 및 실행을 강화하기로 하였다.", "ko", "joint-planning-execution"),
        ("미국 전략자산의 정례적 가시성을 증진할 것이다.", "ko", "strategic-asset-visibility"),
        ("대한민국은 재래식 방위에서 주도적 역할을 맡는다.", "ko", "rok-leading-conventional-role"),
        ("양측은 NCG 도상연습(TTX)을 평가하였다.", "ko", "tabletop-exercises"),
        (
            "핵을 포함한 모든 범주의 미국 역량으로 확장억제를 제공한다.",
            "ko",
            "extended-deterrence-full-range",
        ),
    ],
)
def test_patterns_tolerate_rewording(text: str, lang: str, key: str) -> None:
    keys = {m.key for m in find_commitments(segment(text, lang), lang)}
    assert key in keys


@pytest.mark.parametrize(
    ("text", "lang", "absent"),
    [
        ("They discussed nuclear and strategic planning.", "en", "joint-planning-execution"),
        ("The two sides held the fifth meeting of the NCG.", "en", "next-meeting"),
        ("The Korean Peninsula is at peace.", "en", "dprk-named"),
        ("양측은 다음 분야에 대한 NCG의 작업을 점검했다:", "ko", "next-meeting"),
    ],
)
def test_patterns_do_not_overreach(text: str, lang: str, absent: str) -> None:
    assert absent not in {m.key for m in find_commitments(segment(text, lang), lang)}


def test_fourth_to_fifth_flags_what_analysts_reported() -> None:
    result = compare_texts(FOURTH_EN, FIFTH_EN, lexical=True)
    status = {c.key: c.status for c in result.commitments}
    for key in (
        "end-of-regime",
        "swift-decisive-response",
        "joint-planning-execution",
        "strategic-asset-visibility",
        "dprk-named",
    ):
        assert status[key] == "dropped", key
    assert status["rok-leading-conventional-role"] == "added"
    assert status["extended-deterrence-full-range"] == "retained"
    assert status["ncg-workstreams"] == "retained"
    assert status["next-meeting"] == "retained"
    dropped = next(c for c in result.commitments if c.key == "end-of-regime")
    assert dropped.old_evidence and "Kim regime" in dropped.old_evidence
    assert dropped.new_evidence is None and dropped.strength_old == "strong"


@pytest.mark.parametrize(
    ("old", "new", "status"),
    [
        (
            "The two sides agreed to strengthen joint planning and execution.",
            "The two sides discussed joint planning and execution.",
            "weakened",
        ),
        (
            "The two sides noted joint planning and execution.",
            "The two sides reaffirmed joint planning and execution.",
            "strengthened",
        ),
        (
            "The two sides will pursue joint planning and execution.",
            "The two sides agreed to pursue joint planning and execution.",
            "retained",
        ),
        (
            "양측은 공동기획 및 실행을 재확인하였다.",
            "양측은 공동기획 및 실행을 논의하였다.",
            "weakened",
        ),
    ],
)
def test_strength_changes(old: str, new: str, status: str) -> None:
    result = compare_texts(old, new, lexical=True)
    change = next(c for c in result.commitments if c.key == "joint-planning-execution")
    assert change.status == status


def test_dprk_named_ignores_strength() -> None:
    result = compare_texts("They condemned North Korea.", "They noted North Korea.", lexical=True)
    assert {c.key: c.status for c in result.commitments}["dprk-named"] == "retained"


def test_translation_commitments_agree() -> None:
    result = compare_texts(FIFTH_EN, FIFTH_KO, lexical=True)
    assert result.kind == "translation"
    keys = {c.key: c.status for c in result.commitments}
    assert keys["extended-deterrence-full-range"] == "retained"
    assert keys["rok-leading-conventional-role"] == "retained"


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"commitments": "x"},
        {"commitments": [{"label": "no key"}]},
        {"commitments": [{"key": "k", "patterns": {"en": ["(unclosed"]}}]},
    ],
)
def test_malformed_lexicon_raises(data: object) -> None:
    with pytest.raises(LexiconError):
        parse_lexicon(data)


def test_custom_lexicon_replaces_bundled() -> None:
    lexicon = parse_lexicon(
        {
            "commitments": [
                {
                    "key": "coal",
                    "label": "coal phase-out",
                    "patterns": {"en": ["phase (?:out|down) (?:\\w+ )?coal"]},
                }
            ]
        }
    )
    result = compare_texts(
        "Parties will phase out unabated coal power.", "Parties met.", lexical=True, lexicon=lexicon
    )
    assert [(c.key, c.status) for c in result.commitments] == [("coal", "dropped")]


def test_translation_compares_presence_not_strength() -> None:
    # English marks this commitment weakly ("discussed"), Korean strongly ("합의하였다"): the
    # languages carry strength differently, so a translation reports it retained.
    result = compare_texts(
        "The two sides discussed joint planning and execution.\n\nThey noted North Korea.",
        "양측은 공동기획 및 실행을 강화하기로 합의하였다.\n\n양측은 북한을 언급하였다.",
        lexical=True,
    )
    assert result.kind == "translation"
    statuses = {c.key: c.status for c in result.commitments}
    assert statuses["joint-planning-execution"] == "retained"
    same_language = compare_texts(
        "The two sides discussed joint planning and execution.",
        "The two sides agreed to joint planning and execution.",
        lexical=True,
    )
    statuses = {c.key: c.status for c in same_language.commitments}
    assert statuses["joint-planning-execution"] == "strengthened"


# A statement that names a commitment twice: first in a list, then in a clause of its own.
TWICE = (
    "The two sides reviewed the NCG workstreams: information sharing; and CNI. "
    "The two sides agreed to strengthen CNI across the alliance. "
    "They also noted the weather."
)


def _status(result: object, key: str) -> tuple[str, str | None]:
    change = next(c for c in result.commitments if c.key == key)  # type: ignore[attr-defined]
    return change.status, change.new_evidence


def test_silent_edit_softening_a_later_mention_is_weakened() -> None:
    edited = TWICE.replace("agreed to strengthen", "discussed ways to strengthen")
    status, evidence = _status(compare_texts(TWICE, edited, kind="revision"), "ncg-workstreams")
    assert status == "weakened"
    assert evidence is not None and evidence.startswith("The two sides discussed ways")


def test_silent_edit_elsewhere_keeps_the_commitment_retained() -> None:
    edited = TWICE.replace("the weather", "the rain")
    status, _ = _status(compare_texts(TWICE, edited, kind="revision"), "ncg-workstreams")
    assert status == "retained"


def test_successors_need_every_evidence_pair_to_agree() -> None:
    # Successors are rewritten throughout: the list pair keeps its tier, the CNI pair is
    # softened, so the engine is unsure and says retained (ADR 0096).
    edited = TWICE.replace("agreed to strengthen", "discussed ways to strengthen")
    status, _ = _status(compare_texts(TWICE, edited, kind="successor"), "ncg-workstreams")
    assert status == "retained"
