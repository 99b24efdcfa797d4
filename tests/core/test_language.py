"""One language rule (ADR 0043) for scraped, imported and compared statements."""

from __future__ import annotations

import pytest

from clauses import compare_texts
from core.language import detect_language, hangul_ratio
from scrapers.extract import SiteSelectors, extract_statement


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The two sides met in Washington.", "en"),
        ("한미 양국은 워싱턴에서 회의를 개최했다.", "ko"),
        ("제5차 핵협의그룹(NCG) 회의 — CNI TTX 및 TTS 결과", "ko"),
        ("양측은 NCG TTS와 CNI TTX를 평가하였다.", "ko"),
        ("The NCG (핵협의그룹) met again in Washington to review the workstreams.", "en"),
        ("The term 확장억제 means extended deterrence in Korean texts.", "en"),
        ("ㄱㄴㄷ NCG", "ko"),  # compatibility jamo count as Hangul
        ("", "en"),
        ("2025.12.11", "en"),
        ("12345 !!!", "en"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


# Hangul is between a fifth and a quarter of the letters: the scrapers' old rule (a fifth of
# the letters) said Korean, the clause engine's old rule (one syllable per three Latin
# letters) said English, so a scraped and an imported copy of one page got two labels.
BAND = "양측은 NCG가 joint nuclear planning and CNI tabletop exercises를 진전시켰다고 평가했다."


def test_band_case_is_in_the_band() -> None:
    assert 0.2 <= hangul_ratio(BAND) < 0.25


def test_scraped_and_compared_copies_get_one_label() -> None:
    page = (
        "<html><body><h1>핵협의그룹 NCG joint statement</h1><time datetime='2025-12-11'>11</time>"
        f"<div class='body'><p>{BAND}</p></div></body></html>"
    ).encode()
    selectors = SiteSelectors(title="h1", body="div.body")
    scraped = extract_statement(page, "https://x.gov/a", selectors, canonical_url="c", source="t")
    compared = compare_texts(BAND, BAND, lexical=True)
    assert scraped.language == compared.old_lang == detect_language(BAND) == "ko"
