"""Normalisation: the displayed text, language detection and match keys."""

from __future__ import annotations

import pytest

from clauses import match_key, normalize_display
from core.language import detect_language


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("“Joint planning” and ‘execution’", "\"Joint planning\" and 'execution'"),
        ("conventional–nuclear — integration", "conventional-nuclear - integration"),
        ("two\u00a0\u00a0spaces\tand tab", "two spaces and tab"),
        ("ＮＣＧ full-width", "NCG full-width"),
        ("zero\u200bwidth soft\u00adhyphen", "zerowidth softhyphen"),
        ("• first item\n◦ second item", "- first item\n- second item"),
        ("1. numbered\n2) numbered", "- numbered\n- numbered"),
        ("para one\n\n\n\npara two", "para one\n\npara two"),
        ("line\r\nbreaks\rold", "line\nbreaks\nold"),
        ("  padded  \n", "padded"),
        ("핵·재래식 통합", "핵·재래식 통합"),
    ],
)
def test_normalize_display(raw: str, expected: str) -> None:
    assert normalize_display(raw) == expected


@pytest.mark.parametrize(
    ("a", "b", "lang"),
    [
        ("North Korea's missile launch", "DPRK missile launch", "en"),
        ("the Democratic People's Republic of Korea", "the DPRK", "en"),
        ("the U.S. and the Republic of Korea", "the United States and the ROK", "en"),
        ("the Nuclear Consultative Group (NCG)", "the NCG", "en"),
        ("“Joint” planning—and execution", "joint planning and execution", "en"),
        ("북한의 핵공격", "조선민주주의인민공화국의 핵공격", "ko"),
        ("미국은 한국과", "미합중국은 대한민국과", "ko"),
        ("핵·재래식 통합(CNI)", "CNI", "ko"),
    ],
)
def test_match_keys_equal_for_aliases(a: str, b: str, lang: str) -> None:
    assert match_key(a, lang) == match_key(b, lang)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("The U.S. will Act.", "the usa will act"),
        ("North Korea; Pyongyang", "dprk"),
        ("북한", "dprk"),
        ("the U.S.-ROK alliance", "the usa rok alliance"),
        ("campus is not us", "campus is not us"),
    ],
)
def test_match_key_values(text: str, key: str) -> None:
    assert match_key(text, "ko" if detect_language(text) == "ko" else "en") == key


def test_display_keeps_published_names() -> None:
    assert "North Korea" in normalize_display("North Korea")
