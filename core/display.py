"""Text made safe to show: on a terminal, in a report, in a mail.

Statement titles and text come from the web and from files anyone can write. On a terminal
an ESC sequence can clear the screen, retitle the window or write the clipboard (OSC 52),
and a CR or LF inside a field can forge or split rows. In any view, bidirectional controls
(U+202A-U+202E, U+2066-U+2069, ...) can make text read differently from what it holds, so
they are shown as visible ``<U+202E>`` marks rather than obeyed or silently dropped.
"""

from __future__ import annotations

import re

from markupsafe import Markup

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_BIDI = re.compile(f"[{''.join(sorted(BIDI_CONTROLS))}]")
# Whole escape sequences go, so no payload (``]52;c;<base64>``) is left behind: CSI,
# OSC/DCS/SOS/PM/APC strings up to BEL or ST, two-byte escapes, and their C1 forms.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]P^_X]|[\x9d\x90\x9e\x9f\x98])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")


def show_bidi(text: str) -> str:
    """``text`` with every bidirectional control replaced by a visible ``<U+XXXX>`` mark."""
    return _BIDI.sub(lambda m: f"<U+{ord(m.group(0)):04X}>", text)


def for_terminal(text: str) -> str:
    """``text`` as it may reach a terminal: escape sequences and control characters removed
    (newline and tab kept; CRLF becomes LF), bidirectional controls shown visibly."""
    text = _ESCAPE_SEQUENCE.sub("", text.replace("\r\n", "\n"))
    return show_bidi(_CONTROL.sub("", text))


def one_line(text: str) -> str:
    """A field for a one-line view: every line break and run of whitespace becomes one space."""
    return " ".join(_LINE_BREAK.sub(" ", text).split())


def template_value(value: object) -> object:
    """Jinja2 ``finalize`` for every report and mail template: bidi controls shown visibly.

    Markup (a macro's output, already made of finalized values) gets the mark escaped, so
    it never reads as a tag and is never escaped twice.
    """
    if isinstance(value, Markup):
        return Markup(_BIDI.sub(lambda m: f"&lt;U+{ord(m.group(0)):04X}&gt;", str(value)))
    return show_bidi(value) if isinstance(value, str) else value
