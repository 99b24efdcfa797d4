"""The lexicon folder is parsed once and again only when one of its files changes; a
built-in series is found without reading the history."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clauses.commitments import LexiconError
from clauses.families import LexiconFamily
from pipeline import catalog

TRADE = """\
family: trade
title: Trade commitments
commitments:
  - key: tariff-cut
    label: {label}
    patterns:
      en:
        - 'cut (?:\\w+ ){{0,2}}tariffs?'
"""


def _labels(folder: Path) -> list[str]:
    return [c.label for c in catalog.lexicon_families(folder)["trade"].commitments]


def test_a_changed_added_or_broken_family_file_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "trade.yaml"
    path.write_text(TRADE.format(label="Tariffs are cut"), encoding="utf-8")
    reads: list[Path] = []
    real_read = catalog.read_family

    def read_family(p: Path) -> LexiconFamily:
        reads.append(p)
        return real_read(p)

    monkeypatch.setattr(catalog, "read_family", read_family)

    assert _labels(tmp_path) == ["Tariffs are cut"]
    assert _labels(tmp_path) == ["Tariffs are cut"]
    assert len(reads) == 1  # the second ask was served from the parsed folder

    path.write_text(TRADE.format(label="Tariffs are lowered"), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert _labels(tmp_path) == ["Tariffs are lowered"]

    (tmp_path / "other.yaml").write_text(
        TRADE.replace("family: trade", "family: other").format(label="x"), encoding="utf-8"
    )
    assert set(catalog.lexicon_families(tmp_path)) >= {"trade", "other"}

    path.write_text("family: trade\ncommitments: [", encoding="utf-8")
    with pytest.raises(LexiconError):
        catalog.lexicon_families(tmp_path)


class _NoHistory:
    """A history that fails the test if it is read."""

    @property
    def sessions(self) -> object:
        raise AssertionError("the history was read")

    @property
    def reads(self) -> object:
        raise AssertionError("the history was read")


@pytest.mark.parametrize("slug", ["ncg", "scm", "us-rok-leaders"])
def test_a_builtin_series_is_found_without_reading_the_history(slug: str) -> None:
    found = catalog.find_series(_NoHistory(), slug)  # type: ignore[arg-type]
    assert found is not None and found.slug == slug
    assert found == next(d for d in catalog.all_series(None) if d.slug == slug)


def test_another_series_is_still_looked_up_in_the_history() -> None:
    with pytest.raises(AssertionError, match="the history was read"):
        catalog.find_series(_NoHistory(), "wg-001")  # type: ignore[arg-type]
