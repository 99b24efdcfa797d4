"""Bytes to text, once for every way a statement comes in: a fetched page, a feed, a file.

The order: a byte-order mark; the charset the server or the document declares; UTF-8;
UTF-8 with a few damaged bytes (replaced by U+FFFD, and said so); then a guess among the
legacy charsets, Korean cp949 first when the bytes read as Hangul. A declared label Python
knows but that is no document charset (``punycode``, ``idna``, ``undefined``...) counts as
unknown, and so does any codec that fails in an unexpected way (issue 15, items 10 and 11).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from functools import cache

import charset_normalizer

_KOREAN_FAMILY = frozenset({"euc_kr", "cp949", "johab", "iso2022_kr"})
# Korean labels in the WHATWG list that Python does not know.
_KOREAN_LABELS = frozenset({"x-windows-949", "windows-949", "x-euc-kr"})
_WESTERN_SINGLE_BYTE = frozenset({"latin_1", "iso8859-1", "cp1252", "iso8859-15", "ascii"})
# Python codecs that transform text rather than encode documents: a page declaring one of
# them is declaring nothing we can use ("undefined" always fails, punycode turns ASCII into
# other scripts, the escape codecs read backslashes as escapes).
_NOT_DOCUMENT_CHARSETS = frozenset(
    {"punycode", "idna", "undefined", "unicode-escape", "raw-unicode-escape"}
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""", re.I)
# What surrogateescape makes of a byte that is not valid UTF-8.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, the codec that read it, and how many bytes had to be replaced."""

    text: str
    codec: str
    #: Bytes that were not valid in ``codec`` and became U+FFFD (0 for a clean decode).
    replaced: int = 0
    #: True when no charset fitted and the text is UTF-8 with replacements as a last resort.
    fallback: bool = False

    @property
    def warning(self) -> str | None:
        """One line saying what was replaced, or None for a clean decode."""
        if not self.replaced:
            return None
        noun = "byte" if self.replaced == 1 else "bytes"
        return f"{self.replaced} {noun} not valid {self.codec} replaced with U+FFFD"


def codec_name(label: str | None) -> str | None:
    """The Python codec for a charset label, or None when unknown or not a document charset."""
    if not label:
        return None
    label = label.strip().strip("\"'")
    if label.lower() in _KOREAN_LABELS:
        return "cp949"
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    name = info.name
    # Bytes-to-bytes codecs (hex, base64, zlib) say so in a private flag; decoding with one
    # would fail anyway, but they are no charset either.
    if name in _NOT_DOCUMENT_CHARSETS or not getattr(info, "_is_text_encoding", True):
        return None
    # EUC-KR labels mean cp949 in practice (browsers do the same): cp949 is its superset.
    return "cp949" if name in _KOREAN_FAMILY else name


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except Exception:
        # UnicodeDecodeError and LookupError are the usual answers, but some codecs fail
        # with a bare UnicodeError, ValueError or IndexError: each means "does not fit".
        return None


@cache
def _common_hangul() -> frozenset[str]:
    # The 2,350 syllables of KS X 1001 (EUC-KR proper): nearly every syllable of real Korean
    # text. cp949 adds the other 8,822, which is where Western bytes land by accident
    # ("\x97a", an em dash and a letter in cp1252, reads as one of them).
    syllables = (chr(code) for code in range(0xAC00, 0xD7A4))
    return frozenset(s for s in syllables if _strict(s.encode("cp949"), "euc_kr") is not None)


def _looks_korean(body: bytes) -> bool:
    """Whether ``body`` reads as cp949 and at least half its non-ASCII is common Hangul."""
    text = _strict(body, "cp949")
    if text is None:
        return False
    common = _common_hangul()
    non_ascii = sum(1 for char in text if ord(char) > 127)
    return non_ascii > 0 and sum(1 for char in text if char in common) * 2 >= non_ascii


def _lenient_utf8(body: bytes, codec: str = "utf-8") -> Decoded:
    escaped = body.decode(codec, errors="surrogateescape")
    return Decoded(body.decode(codec, errors="replace"), codec, len(_ESCAPED_BYTE.findall(escaped)))


def _damaged_utf8(body: bytes) -> Decoded | None:
    """UTF-8 with replacements when most of the non-ASCII bytes form valid UTF-8 characters."""
    escaped = body.decode("utf-8", errors="surrogateescape")
    bad = len(_ESCAPED_BYTE.findall(escaped))
    valid = sum(1 for char in escaped if ord(char) > 127) - bad
    # Legacy text almost never forms valid multi-byte UTF-8 by accident: a single-byte
    # charset's accented letters and cp949's Hangul are nearly all invalid sequences.
    if valid <= bad:
        return None
    return Decoded(body.decode("utf-8", errors="replace"), "utf-8", bad)


def decode_text(body: bytes, declared: str | None = None) -> Decoded:
    """Decode ``body``; ``declared`` is a charset from outside the bytes (an HTTP header).

    Never raises: when nothing fits, the result is UTF-8 with replacements and ``fallback``.
    """
    if body.startswith(codecs.BOM_UTF8):
        return _lenient_utf8(body, "utf-8-sig")
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _strict(body, "utf-16")
        if text is not None:
            return Decoded(text, "utf-16")
    head = body[:4096]
    meta = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    labels = [declared, meta.group(1).decode("ascii", "replace") if meta else None]
    utf8 = _strict(body, "utf-8")
    damaged = None if utf8 is not None else _damaged_utf8(body)
    declared_utf8 = False
    for codec in filter(None, map(codec_name, labels)):
        # Valid non-ASCII UTF-8 is almost never a legacy encoding by accident, so it wins
        # over a declared legacy charset (the "declares euc-kr, sends UTF-8" page); so does
        # UTF-8 that is valid but for a few damaged bytes.
        if codec != "utf-8" and utf8 is not None and not body.isascii():
            return Decoded(utf8, "utf-8")
        if codec != "utf-8" and damaged is not None:
            return damaged
        if codec in _WESTERN_SINGLE_BYTE and _looks_korean(body):
            # Servers long defaulted to ISO-8859-1 for pages that never said otherwise;
            # single-byte codecs decode anything, so only the content can overrule them.
            return Decoded(body.decode("cp949"), "cp949")
        text = _strict(body, codec)
        if text is not None:
            return Decoded(text, codec)
        declared_utf8 = declared_utf8 or codec == "utf-8"
    if utf8 is not None:
        return Decoded(utf8, "utf-8")
    if damaged is not None:
        return damaged
    korean = _strict(body, "cp949")
    if declared_utf8 and not _looks_korean(body):
        # Declared UTF-8 with a few broken bytes and hardly any other non-ASCII text: the
        # declaration is the better evidence than a guess from so little.
        return _lenient_utf8(body)
    best = charset_normalizer.from_bytes(body).best()
    detected = codec_name(best.encoding) if best is not None else None
    if detected and detected != "cp949" and _looks_korean(body):
        # Detection is unreliable on short Korean pages; a clean cp949 decode full of
        # Hangul is the better evidence.
        detected = "cp949"
    if detected:
        text = _strict(body, detected)
        if text is not None:
            return Decoded(text, detected)
    if korean is not None:
        return Decoded(korean, "cp949")
    decoded = _lenient_utf8(body)
    return Decoded(decoded.text, decoded.codec, decoded.replaced, fallback=True)
