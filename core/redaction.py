"""Secrets removed from text that is stored or shown, in any form a server may echo them.

An SMTP server that repeats the client's ``AUTH`` line in its error hands back the password
base64-encoded (``AUTH PLAIN`` carries ``\\0user\\0password``, ``AUTH LOGIN`` the password
alone); a URL carries it percent-encoded. Replacing the clear text alone leaves those.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
_AUTH_ARGUMENT = re.compile(
    r"(?i)\b(AUTH\s+(?:PLAIN|LOGIN|XOAUTH2|OAUTHBEARER|CRAM-MD5))\s+[A-Za-z0-9+/=_-]+"
)
_BASE64_TOKEN = re.compile(r"[A-Za-z0-9+/_-]{4,}={0,2}")


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every secret masked: in clear, percent-encoded, and inside any base64
    token that decodes to something containing it; the argument of an ``AUTH`` line is
    masked whatever it holds."""
    wanted = [s for s in dict.fromkeys(secrets) if s]
    text = _AUTH_ARGUMENT.sub(rf"\1 {MASK}", text)
    if not wanted:
        return text
    for secret in sorted(wanted, key=len, reverse=True):
        for form in dict.fromkeys((secret, quote(secret, safe=""), quote_plus(secret))):
            text = text.replace(form, MASK)
    raw = [s.encode("utf-8") for s in wanted]
    return _BASE64_TOKEN.sub(lambda m: MASK if _hides(m.group(0), raw) else m.group(0), text)


def _hides(token: str, secrets: list[bytes]) -> bool:
    padded = token.rstrip("=") + "=" * (-len(token.rstrip("=")) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            decoded = decode(padded)
        except (binascii.Error, ValueError):
            continue
        if any(secret in decoded for secret in secrets):
            return True
    return False
