"""One charset decoder for pages, feeds and files (core/charset.py), issue 15 items 10 and 11."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from core.charset import codec_name, decode_text
from scrapers.base import get_adapter
from scrapers.extract import decode_page

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KOREAN_TEXT = "핵협의그룹 공동언론성명: 양측은 확장억제 공약을 재확인하였다"
KOREAN_PAGE = f"<html><body><p>{KOREAN_TEXT}</p></body></html>".encode()
# Typographic punctuation is what a UTF-8 statement carries beyond ASCII.
TYPOGRAPHIC = "The allies’ “joint planning and execution” continues — twice a year."


@pytest.mark.parametrize(
    ("body", "declared", "text", "codec"),
    [
        (KOREAN_PAGE, None, KOREAN_TEXT, "utf-8"),
        (KOREAN_PAGE.decode().encode("cp949"), None, KOREAN_TEXT, "cp949"),
        (KOREAN_PAGE.decode().encode("cp949"), "euc-kr", KOREAN_TEXT, "cp949"),
        (KOREAN_PAGE.decode().encode("cp949"), "utf-8", KOREAN_TEXT, "cp949"),
        (KOREAN_PAGE.decode().encode("cp949"), "iso-8859-1", KOREAN_TEXT, "cp949"),
        (KOREAN_PAGE, "ks_c_5601-1987", KOREAN_TEXT, "utf-8"),
        (b"<meta charset='euc-kr'>" + "공동성명".encode("euc-kr"), None, "공동성명", "cp949"),
        (b"<meta charset='x-windows-949'>" + "공동성명".encode("cp949"), None, "공동성명", "cp949"),
        (
            b"<?xml version='1.0' encoding='cp949'?><r>" + "확장억제".encode("cp949"),
            None,
            "확장억제",
            "cp949",
        ),
        ("café déjà".encode("latin-1"), "iso-8859-1", "café déjà", "iso8859-1"),
        # cp1252 punctuation followed by a letter reads as rare cp949 syllables; the content
        # is not Korean, so the declared charset stands.
        (TYPOGRAPHIC.encode("cp1252"), "windows-1252", TYPOGRAPHIC, "cp1252"),
        (b"\xef\xbb\xbfplain", None, "plain", "utf-8-sig"),
        ("평화".encode("utf-16"), None, "평화", "utf-16"),
        (b"plain ascii", "no-such-charset", "plain ascii", "utf-8"),
    ],
)
def test_decode_text(body: bytes, declared: str | None, text: str, codec: str) -> None:
    decoded = decode_text(body, declared)
    assert text in decoded.text
    assert (decoded.codec, decoded.replaced, decoded.warning) == (codec, 0, None)


# Item 10: labels Python knows that are no document charset; the last two are bytes-to-bytes.
NOT_CHARSETS = ["punycode", "undefined", "idna", "unicode_escape", "raw_unicode_escape", "hex"]


@pytest.mark.parametrize("label", NOT_CHARSETS)
def test_a_codec_that_is_no_charset_counts_as_unknown(label: str) -> None:
    assert codec_name(label) is None
    body = "<p>hello-world — 평화</p>".encode()
    assert decode_text(body, label).text == body.decode()
    meta = f"<meta charset='{label}'><p>hello-world</p>".encode()
    assert "<p>hello-world</p>" in decode_page(meta)


def _broken_codec(name: str) -> codecs.CodecInfo | None:
    if name != "clausewatch_test_broken":
        return None

    def decode(data: object, errors: str = "strict") -> tuple[str, int]:
        raise RuntimeError("this codec fails in a way no caller expects")

    return codecs.CodecInfo(encode=codecs.utf_8_encode, decode=decode, name=name)


codecs.register(_broken_codec)


def test_a_codec_failing_unexpectedly_counts_as_unknown() -> None:
    assert decode_text(b"<p>plain</p>", "clausewatch-test-broken").text == "<p>plain</p>"


@pytest.mark.parametrize("label", ["punycode", "undefined"])
def test_a_page_declaring_a_non_charset_still_parses(label: str) -> None:
    page = FIXTURES / "state-dept" / "ncg-4-press-statement.html"
    url = (page.with_suffix(".url")).read_text().strip()
    body = page.read_bytes()
    hostile = body.replace(b'<meta charset="utf-8">', f'<meta charset="{label}">'.encode())
    assert hostile != body
    adapter = get_adapter("state-dept")
    assert adapter.parse_statement(hostile, url) == adapter.parse_statement(body, url)


# Item 11: UTF-8 with one damaged byte.
def test_utf8_with_one_bad_byte_stays_utf8_and_says_so() -> None:
    body = TYPOGRAPHIC.encode().replace(b"twice", b"tw\xffice")
    decoded = decode_text(body)
    assert decoded.text == TYPOGRAPHIC.replace("twice", "tw\ufffdice")
    assert (decoded.codec, decoded.replaced) == ("utf-8", 1)
    assert decoded.warning == "1 byte not valid utf-8 replaced with U+FFFD"


def test_damaged_utf8_wins_over_a_declared_legacy_charset() -> None:
    body = TYPOGRAPHIC.encode().replace(b"twice", b"tw\xffice")
    decoded = decode_text(body, "iso-8859-1")
    assert "—" in decoded.text and decoded.replaced == 1


def test_declared_utf8_with_a_few_bad_bytes_in_ascii_text_stays_utf8() -> None:
    body = b"<meta charset='utf-8'><p>The \xff allies \x80\xc3 met.</p>"
    decoded = decode_text(body)
    assert decoded.codec == "utf-8" and decoded.replaced == 3
    assert "The \ufffd allies" in decoded.text


@pytest.mark.parametrize("codec", ["cp949", "euc-kr"])
def test_legacy_korean_is_not_taken_for_damaged_utf8(codec: str) -> None:
    text = (FIXTURES.parent.parent / "clausewatch/demo/corpus/ncg/ncg-5.ko.txt").read_text()
    decoded = decode_text(text.encode(codec))
    assert (decoded.text, decoded.codec, decoded.replaced) == (text, "cp949", 0)
