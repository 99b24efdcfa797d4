"""Secrets masked in every form a server or a URL may carry them."""

from __future__ import annotations

import base64

import pytest

from core.redaction import redact

SECRET = "pa55/w0rd+x"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"535 login {SECRET} refused", "535 login *** refused"),
        ("url cw:pa55%2Fw0rd%2Bx@db", "url cw:***@db"),
        (f"echo {b64(SECRET)} refused", "echo *** refused"),
        (f"echo {b64(chr(0) + 'u' + chr(0) + SECRET).rstrip('=')} end", "echo *** end"),
        (f"(535, b'AUTH PLAIN {b64(chr(0) + 'u' + chr(0) + SECRET)}')", "(535, b'AUTH PLAIN ***')"),
        ("AUTH LOGIN dXNlcg== then", "AUTH LOGIN *** then"),
        ("Authentication failed: bad credentials", "Authentication failed: bad credentials"),
    ],
)
def test_redact_masks_the_secret_in_any_encoding(text: str, kept: str) -> None:
    assert redact(text, [SECRET, None]) == kept
