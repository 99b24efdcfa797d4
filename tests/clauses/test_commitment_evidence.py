"""Commitment evidence: the clause that states a commitment, and strength judged on it (ADR 0096).

Every sentence here is written for these tests, in the shape of the NCG statements (a clause
that only names the topic before the clause that states the commitment, present tense for a
standing body, purpose infinitives, list lead-ins).
"""

from __future__ import annotations

import pytest

from clauses import compare_texts, evidence_excerpt, find_commitments, render_text, segment
from clauses.commitments import LexiconError, parse_lexicon
from clauses.modality import clause_modality, stated_tiers

FULL_RANGE = "extended-deterrence-full-range"
WORKSTREAMS = "ncg-workstreams"
PLANNING = "joint-planning-execution"
VISIBILITY = "strategic-asset-visibility"

TOPIC_ONLY_EN = (
    "The NCG is a standing bilateral consultative body to talk through nuclear deterrence and "
    "enhance extended deterrence on the peninsula."
)
STATES_EN = (
    "The United States reaffirmed its steadfast commitment to provide extended deterrence to "
    "the ROK, backed by the full range of U.S. capabilities, including nuclear."
)
TOPIC_ONLY_KO = "NCG는 한반도에서 확장억제를 강화하기 위한 상설 양자 협의체이다."
STATES_KO = "미국은 핵을 포함한 모든 범주의 미국 역량으로 뒷받침되는 확장억제 공약을 재확인했다."


@pytest.mark.parametrize(
    ("text", "lang", "key", "evidence"),
    [
        # A clause on the topic comes first; the evidence is the clause that states it.
        (f"{TOPIC_ONLY_EN}\n\n{STATES_EN}", "en", FULL_RANGE, "full range"),
        (f"{TOPIC_ONLY_KO}\n\n{STATES_KO}", "ko", FULL_RANGE, "모든 범주"),
        # Only the topic: the commitment is not stated at all.
        (TOPIC_ONLY_EN, "en", FULL_RANGE, None),
        (TOPIC_ONLY_KO, "ko", FULL_RANGE, None),
        ("Both sides pledged to keep extended deterrence credible.", "en", FULL_RANGE, None),
        # Patterns without a role still define their commitment.
        (
            "The allies noted progress on joint planning and execution.",
            "en",
            PLANNING,
            "joint planning",
        ),
    ],
)
def test_evidence_is_the_clause_that_states_the_commitment(
    text: str, lang: str, key: str, evidence: str | None
) -> None:
    found = {m.key: m for m in find_commitments(segment(text, lang), lang)}
    if evidence is None:
        assert key not in found
    else:
        assert evidence in found[key].evidence


def _status(old: str, new: str, key: str, kind: str = "successor") -> tuple[str, str | None]:
    result = compare_texts(old, new, kind=kind, lexical=True)
    change = next(c for c in result.commitments if c.key == key)
    return change.status, change.new_evidence


@pytest.mark.parametrize(
    ("old", "new", "key", "status"),
    [
        # 1st -> 2nd shape: the new statement opens with the topic-only clause.
        (
            "The two sides said that the NCG will reaffirm and strengthen the U.S. commitment "
            "to provide extended deterrence to the ROK, backed by the full range of U.S. "
            "capabilities, including nuclear.",
            f"{TOPIC_ONLY_EN}\n\n{STATES_EN}",
            FULL_RANGE,
            "retained",
        ),
        # 4th -> 5th shape: topic clauses differ in their verbs; the stating clause does not.
        (
            "The NCG is a standing consultative body to discuss nuclear policy and enhance "
            f"extended deterrence.\n\n{STATES_EN}",
            "The NCG is a standing consultative body to enhance extended deterrence."
            f"\n\n{STATES_EN}",
            FULL_RANGE,
            "retained",
        ),
        # The stating sentence is gone and only the topic remains: dropped, never retained.
        (f"{TOPIC_ONLY_EN}\n\n{STATES_EN}", TOPIC_ONLY_EN, FULL_RANGE, "dropped"),
        (f"{TOPIC_ONLY_KO}\n\n{STATES_KO}", TOPIC_ONLY_KO, FULL_RANGE, "dropped"),
        # A standing body in the future and in the present tense: no weakening.
        (
            "The NCG will serve as an enduring consultative body for nuclear and strategic "
            "planning.",
            "The NCG serves as an enduring consultative body for nuclear and strategic planning.",
            WORKSTREAMS,
            "retained",
        ),
        (
            "NCG는 핵 및 전략 기획을 위한 상설 협의체로 기능할 것이다.",
            "NCG는 핵 및 전략 기획을 위한 상설 협의체로 기능하고 있다.",
            WORKSTREAMS,
            "retained",
        ),
        # A role sentence and a progress report are not one statement: not aligned, retained.
        (
            "The NCG will play a central part in discussing guidelines for information sharing "
            "and for consultation and communication in a crisis.",
            "The NCG reviewed progress on its workstreams: information sharing; consultation "
            "and communication in a crisis; and nuclear and strategic planning.",
            WORKSTREAMS,
            "retained",
        ),
        # A purpose infinitive describes the body; the main verb is what commits.
        (
            "The NCG will serve as a body to discuss joint planning and execution.",
            "The NCG is a body to discuss joint planning and execution.",
            PLANNING,
            "retained",
        ),
        # The same statement, its governing verb moved between tiers: still caught.
        (
            "The two sides agreed to deepen joint planning and execution of ROK support.",
            "The two sides discussed joint planning and execution of ROK support.",
            PLANNING,
            "weakened",
        ),
        (
            "The delegations noted the regular visibility of U.S. strategic assets nearby.",
            "The United States will maintain the regular visibility of U.S. strategic assets "
            "nearby.",
            VISIBILITY,
            "strengthened",
        ),
        (
            "양측은 미국의 핵작전에 대한 한국의 재래식 지원에 관한 공동기획 및 실행을 심화하기로 "
            "합의했다.",
            "양측은 미국의 핵작전에 대한 한국의 재래식 지원에 관한 공동기획 및 실행을 논의했다.",
            PLANNING,
            "weakened",
        ),
    ],
)
def test_successor_strength_is_judged_on_the_evidence_pair(
    old: str, new: str, key: str, status: str
) -> None:
    assert _status(old, new, key)[0] == status


# The same commitment stated twice: once in a list, once in a clause of its own.
TWICE = (
    "The two sides reviewed the NCG workstreams: information sharing; and CNI.\n\n"
    "The two sides agreed to strengthen CNI across the alliance."
)
SOFTENED = TWICE.replace("agreed to strengthen", "discussed ways to strengthen")


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        # A silent edit changes few clauses, each on purpose: one softened pair is news.
        ("revision", "weakened"),
        # A successor is rewritten throughout: the evidence pairs disagree, so it is retained.
        ("successor", "retained"),
    ],
)
def test_one_softened_mention_among_several(kind: str, status: str) -> None:
    assert _status(TWICE, SOFTENED, WORKSTREAMS, kind)[0] == status


def test_retained_shows_the_aligned_evidence_pair() -> None:
    old = f"{TOPIC_ONLY_EN}\n\n{STATES_EN}"
    new = f"{TOPIC_ONLY_EN}\n\n{STATES_EN.replace('steadfast', 'unwavering')}"
    result = compare_texts(old, new, kind="successor", lexical=True)
    change = next(c for c in result.commitments if c.key == FULL_RANGE)
    assert change.status == "retained"
    assert change.old_evidence is not None and "steadfast" in change.old_evidence
    assert change.new_evidence is not None and "unwavering" in change.new_evidence


REAFFIRMED_OLD = """\
The United States reaffirmed that its extended deterrence commitment to the ROK is backed by \
the full range of U.S. capabilities, including nuclear.

The two sides reaffirmed that any nuclear attack by North Korea would result in the end of \
the regime and would be met with a swift, overwhelming and decisive response.

The two sides agreed to deepen joint planning and execution of ROK conventional support to \
U.S. nuclear operations.

The United States will maintain the regular visibility of U.S. strategic assets on and around \
the peninsula.

The NCG will serve as a standing body for nuclear and strategic planning.
"""
REAFFIRMED_NEW = """\
The NCG serves as a standing body for nuclear and strategic planning.

Washington reaffirmed its commitment to extended deterrence for the ROK, backed by the full \
range of U.S. military capabilities, including nuclear.

The United States will keep up the regular visibility of U.S. strategic assets around the \
peninsula.

The allies reaffirmed their commitment to joint planning and execution of nuclear operations.

Both sides reaffirmed that a North Korean nuclear attack would be met with a swift, \
overwhelming and decisive response and would mean the end of the regime.
"""


@pytest.mark.parametrize("lexical", [True, False])
def test_a_statement_that_only_reaffirms_raises_no_commitment_flag(lexical: bool) -> None:
    result = compare_texts(REAFFIRMED_OLD, REAFFIRMED_NEW, kind="successor", lexical=lexical)
    flagged = [(c.key, c.status) for c in result.commitments if c.status != "retained"]
    assert flagged == []


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("The NCG is a body to discuss nuclear planning.", None),
        ("The delegations met to review progress on the workstreams.", None),
        ("The two sides agreed to discuss nuclear planning.", "agreed"),
        ("The allies continue to review the guidelines.", "continue to"),
        ("The NCG will serve as a body to discuss planning.", "will"),
        ("They discussed ways to strengthen CNI.", "discussed"),
        # A noun names a commitment; it does not say how strongly this clause commits.
        ("The port call was cited as an example of this commitment.", None),
        ("The allies reaffirmed their commitment to CNI.", "reaffirmed"),
    ],
)
def test_purpose_infinitives_do_not_govern(text: str, word: str | None) -> None:
    modality = clause_modality(text, "en")
    assert (modality.word if modality else None) == word


def test_stated_tiers_inherit_from_a_list_lead_in_and_say_none_for_facts() -> None:
    texts = ["The allies agreed to pursue:", "information sharing;", "and CNI.", "It rained."]
    assert stated_tiers(texts, [0, 0, 0, 0], "en") == ["strong", "strong", "strong", None]
    assert stated_tiers(["The NCG serves as a body."], [0], "en") == [None]


def test_lexicon_roles_parse() -> None:
    [definition] = parse_lexicon(
        {
            "commitments": [
                {
                    "key": "coal",
                    "patterns": {
                        "en": {"defines": ["phase out coal"], "mentions": ["\\bcoal\\b"]},
                        "ko": ["석탄 (?:\\S+ )?퇴출"],
                    },
                }
            ]
        }
    )
    assert definition.patterns == {"en": ("phase out coal",), "ko": ("석탄 (?:\\S+ )?퇴출",)}
    assert definition.mentions == {"en": ("\\bcoal\\b",), "ko": ()}
    clauses = segment("Coal use was discussed.\n\nThe parties will phase out coal.", "en")
    assert not definition.defines(clauses[0], "en") and definition.mentioned(clauses[0], "en")
    assert definition.defines(clauses[1], "en") and not definition.mentioned(clauses[1], "en")


@pytest.mark.parametrize(
    "patterns",
    [
        {"en": {"states": ["x"]}},  # unknown role
        {"en": {"mentions": ["coal"]}},  # nothing defines the commitment
        {"en": {"defines": "coal"}},  # not a list
        {"en": {"defines": ["(unclosed"]}},
    ],
)
def test_malformed_roles_raise(patterns: dict[str, object]) -> None:
    with pytest.raises(LexiconError):
        parse_lexicon({"commitments": [{"key": "k", "patterns": patterns}]})


LONG_EN = (
    "On the first day of the meeting in Washington, after long and detailed talks between the "
    "two delegations on many subjects of common interest, the two sides agreed to strengthen "
    "conventional-nuclear integration so that the conventional and nuclear capabilities of "
    "the alliance reinforce each other in every contingency on the peninsula and beyond it."
)
LONG_KO = (
    "양측은 워싱턴에서 열린 이번 회의에서 여러 분야에 걸친 긴 논의를 거친 뒤, 핵을 포함한 "
    "모든 범주의 미국 역량으로 뒷받침되는 확장억제 공약을 재확인하였으며, 앞으로도 동맹의 "
    "억제 태세를 한층 강화해 나가기 위해 긴밀히 협력하고 모든 수준에서 협의를 이어가기로 하였다."
)


@pytest.mark.parametrize(
    ("text", "key", "lang", "kept"),
    [
        # The match (through an alias: "cni") and the verb before it are kept.
        (LONG_EN, WORKSTREAMS, "en", "agreed to strengthen conventional-nuclear integration"),
        (LONG_KO, FULL_RANGE, "ko", "모든 범주의 미국 역량"),
        # The full-range pattern matched across "U.S." (the alias "usa").
        (
            "The United States reaffirmed, after a long exchange of views on many matters of "
            "common interest in the region and well beyond it, that its commitment to the ROK "
            "is backed by the full range of U.S. capabilities, including nuclear.",
            FULL_RANGE,
            "en",
            "full range of U.S. capabilities",
        ),
    ],
)
def test_evidence_excerpt_keeps_the_match(text: str, key: str, lang: str, kept: str) -> None:
    excerpt = evidence_excerpt(text, key, lang, width=90)
    assert kept in excerpt
    assert len(excerpt) < len(text)
    # Cut at word boundaries: every word shown is a whole word of the clause.
    words = set(text.replace(",", " ").split())
    assert all(w in words for w in excerpt.strip("…").replace(",", " ").split())


@pytest.mark.parametrize("key", [WORKSTREAMS, "no-such-commitment"])
def test_short_evidence_is_shown_whole(key: str) -> None:
    assert evidence_excerpt("They agreed to strengthen CNI.", key, "en") == (
        "They agreed to strengthen CNI."
    )


def test_unknown_commitment_keeps_the_start_of_the_clause() -> None:
    excerpt = evidence_excerpt(LONG_EN, "no-such-commitment", "en", width=60)
    assert excerpt.startswith("On the first day") and excerpt.endswith("…")


def test_text_report_prints_evidence_of_flagged_commitments_only() -> None:
    old = f"{STATES_EN}\n\nThe two sides agreed to deepen joint planning and execution."
    new = f"{STATES_EN}\n\nThe two sides discussed joint planning and execution."
    lines = render_text(compare_texts(old, new, kind="successor", lexical=True)).splitlines()
    weakened = next(i for i, line in enumerate(lines) if PLANNING in line)
    assert "weakened" in lines[weakened]
    assert lines[weakened + 1].strip() == (
        "was: The two sides agreed to deepen joint planning and execution."
    )
    assert (
        lines[weakened + 2].strip() == "now: The two sides discussed joint planning and execution."
    )
    retained = next(i for i, line in enumerate(lines) if FULL_RANGE in line)
    assert "retained" in lines[retained]
    assert not lines[retained + 1].strip().startswith(("was:", "now:"))


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The partners agreed to hold the fourth meeting of the forum in Busan.", "en"),
        ("The fourth meeting of the forum will be held in Busan next year.", "en"),
        ("The next session will take place in Busan.", "en"),
        ("양측은 내년에 부산에서 제4차 포럼을 개최하기로 합의했다.", "ko"),
        ("양측이 합의한 대로 제4차 포럼은 내년에 부산에서 열릴 것이다.", "ko"),
    ],
)
def test_the_next_meeting_in_either_voice(text: str, lang: str) -> None:
    assert "next-meeting" in {m.key for m in find_commitments(segment(text, lang), lang)}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The fourth meeting of the forum was held in Busan.", "en"),
        ("제4차 포럼은 부산에서 열렸다.", "ko"),
    ],
)
def test_a_meeting_that_took_place_is_not_the_next_one(text: str, lang: str) -> None:
    assert "next-meeting" not in {m.key for m in find_commitments(segment(text, lang), lang)}


def test_a_clause_a_little_over_the_width_is_shown_whole() -> None:
    text = STATES_EN  # about 160 characters
    assert evidence_excerpt(text, FULL_RANGE, "en", width=len(text) - 10) == text
    assert evidence_excerpt(text, FULL_RANGE, "en", width=len(text) // 2) != text
