"""What a scraper's parse step returns: a statement and the files it links to.

Its own module because both the contract (``scrapers/base.py``) and the extractor
(``scrapers/extract.py``) need it, and the contract also uses the extractor's feed reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Attachment:
    """A file linked from a statement page (PDF, HWP …); read separately from the page."""

    name: str
    url: str
    kind: str


@dataclass(frozen=True)
class Statement:
    """One extracted statement: the text a version is made of, plus its metadata."""

    title: str
    published: date
    language: str
    paragraphs: list[str]
    canonical_url: str
    attachments: list[Attachment] = field(default_factory=list)
    #: Where each of title, date, body and language came from: ``"adapter"`` (the site's
    #: own selectors or feed) or ``"fallback"`` (the generic extractor, a page-wide scan).
    provenance: Mapping[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The paragraphs joined by blank lines."""
        return "\n\n".join(self.paragraphs)
