"""Modality tiers in English and Korean."""

from __future__ import annotations

import pytest

from clauses.modality import clause_strength, strengths_in_context


@pytest.mark.parametrize(
    ("text", "lang", "tier"),
    [
        ("The United States reaffirmed its commitment.", "en", "strong"),
        ("The two sides agreed to continue to deepen cooperation.", "en", "strong"),
        ("The ROK will take the leading role.", "en", "strong"),
        ("The two sides will continue to consult.", "en", "strong"),
        ("The two sides continue to consult closely.", "en", "medium"),
        ("The allies intend to expand exercises.", "en", "medium"),
        ("They seek to deepen planning.", "en", "medium"),
        ("The two sides discussed ways to strengthen CNI.", "en", "weak"),
        ("They noted the visits of strategic assets.", "en", "weak"),
        ("They welcomed the tabletop exercise.", "en", "weak"),
        ("The sides may explore further steps.", "en", "weak"),
        ("The meeting took place in Washington.", "en", None),
        ("미국은 확장억제 공약을 재확인하였다.", "ko", "strong"),
        ("양측은 공동기획을 강화해 나가기로 합의하였다.", "ko", "strong"),
        ("양측은 협력을 강화해 나가기로 하였다.", "ko", "medium"),
        ("대한민국은 주도적 역할을 맡을 것이다.", "ko", "strong"),
        ("양측은 핵·재래식 통합 강화 방안을 논의하였다.", "ko", "weak"),
        ("양측은 도상연습 결과를 평가하였다.", "ko", "weak"),
        ("양측은 추가 조치를 검토하였다.", "ko", "weak"),
        ("회의는 워싱턴에서 열렸다.", "ko", None),
    ],
)
def test_clause_strength(text: str, lang: str, tier: str | None) -> None:
    assert clause_strength(text, lang) == tier


def test_list_items_inherit_lead_in() -> None:
    texts = ["The two sides agreed to pursue:", "information sharing;", "and CNI.", "Then lunch."]
    assert strengths_in_context(texts, [0, 0, 0, 0], "en") == [
        "strong",
        "strong",
        "strong",
        "medium",
    ]
    # A new paragraph does not inherit.
    assert strengths_in_context(texts[:2], [0, 1], "en") == ["strong", "medium"]
