"""Text made safe for a terminal, a one-line field, a report or a mail."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from core.display import for_terminal, one_line, show_bidi, template_value


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("clear\x1b[2Jscreen", "clearscreen"),
        ("clip\x1b]52;c;ZXZpbA==\x07board", "clipboard"),
        ("clip\x1b]52;c;ZXZpbA==\x1b\\board", "clipboard"),
        ("title\x1b]0;owned\x07 bar", "title bar"),
        ("c1\x9b31mcsi", "c1csi"),
        ("nul\x00 bell\x07 del\x7f", "nul bell del"),
        ("line\r\nnext\rover", "line\nnextover"),
        ("tab\tkept\nnewline kept", "tab\tkept\nnewline kept"),
        ("abc\u202edcba\u202c", "abc<U+202E>dcba<U+202C>"),
        ("공동기획 및 실행", "공동기획 및 실행"),
        ("lone escape at end\x1b", "lone escape at end"),
    ],
)
def test_for_terminal(raw: str, shown: str) -> None:
    assert for_terminal(raw) == shown


@pytest.mark.parametrize(
    ("raw", "line"),
    [("a\r\nb", "a b"), ("a\nb\u2028c", "a b c"), ("  a   b ", "a b"), ("a\x85b", "a b")],
)
def test_one_line(raw: str, line: str) -> None:
    assert one_line(raw) == line


def test_template_values_show_bidi_without_double_escaping_markup() -> None:
    assert template_value("a\u2066b") == "a<U+2066>b"
    assert template_value(Markup("<a>x\u202ey</a>")) == Markup("<a>x&lt;U+202E&gt;y</a>")
    assert template_value(3) == 3
    assert show_bidi("plain") == "plain"
