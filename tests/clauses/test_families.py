"""Lexicon families: one YAML file per family, validated on load with file and line."""

from __future__ import annotations

import pytest

from clauses import segment
from clauses.commitments import LexiconError, find_commitments
from clauses.families import bundled_families, commitments_of, merge_families, parse_family

GOOD = """\
family: trade
title: Trade commitments
commitments:
  - key: tariff-cut
    label: Tariffs are cut
    patterns:
      en:
        - 'cut (?:\\w+ ){0,2}tariffs?'
      ko:
        - '관세\\s?인하'
"""


def test_a_family_parses_and_finds_its_commitments() -> None:
    family = parse_family(GOOD, where="trade.yaml", default_name="ignored")
    assert (family.name, family.title) == ("trade", "Trade commitments")
    clauses = segment("The two sides will cut import tariffs by half.", "en")
    [mention] = find_commitments(clauses, "en", family.commitments)
    assert mention.key == "tariff-cut" and mention.position == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # The bad pattern is on line 8 of the file.
        (
            GOOD.replace("cut (?:", "cut (?:(", 1),
            r"^bad\.yaml:8: commitment 'tariff-cut': bad pattern",
        ),
        (
            GOOD.replace("      ko:", "      fr:"),
            r"^bad\.yaml:9: commitment 'tariff-cut': unknown language 'fr'",
        ),
        (
            GOOD.replace("  - key: tariff-cut\n", "  - name: tariff-cut\n"),
            r"^bad\.yaml:4: a commitment needs a 'key'",
        ),
        (
            GOOD + "  - key: tariff-cut\n    patterns: {en: [x]}\n",
            r"^bad\.yaml:11: .*defined twice \(first on line 4\)",
        ),
        (GOOD.replace("commitments:", "commitment:"), r"^bad\.yaml:1: no 'commitments' list"),
        ("commitments: [\n", r"^bad\.yaml:2: "),
        ("", r"^bad\.yaml: the file is empty"),
        (GOOD.replace("family: trade", "family: Trade Talks"), "family name must be"),
    ],
)
def test_bad_families_name_file_line_and_pattern(text: str, message: str) -> None:
    with pytest.raises(LexiconError, match=message) as caught:
        parse_family(text, where="bad.yaml", default_name="bad")
    assert "\n" not in str(caught.value) and caught.value.exit_code == 2


ROLES = """\
commitments:
  - key: full-range
    patterns:
      en:
        defines:
          - 'full range'
        mentions:
          - 'extended (deterrence'
"""


def test_pattern_roles_are_validated_with_their_line() -> None:
    with pytest.raises(LexiconError, match=r"^r\.yaml:8: commitment 'full-range': bad pattern"):
        parse_family(ROLES, where="r.yaml", default_name="r")
    with pytest.raises(LexiconError, match=r"^r\.yaml:5: .*unknown pattern role 'states'"):
        parse_family(ROLES.replace("defines:", "states:"), where="r.yaml", default_name="r")
    fixed = parse_family(ROLES.replace("(deterrence", "deterrence"), where="r", default_name="r")
    assert fixed.commitments[0].mentions["en"] == ("extended deterrence",)


def test_the_extended_deterrence_lexicon_is_one_bundled_family() -> None:
    families = bundled_families()
    assert list(families) == ["extended-deterrence"]
    keys = [c.key for c in families["extended-deterrence"].commitments]
    assert "joint-planning-execution" in keys and "end-of-regime" in keys


def test_two_files_cannot_claim_one_family() -> None:
    a = parse_family(GOOD, where="a.yaml", default_name="a")
    b = parse_family(GOOD, where="b.yaml", default_name="b")
    clash = r"b\.yaml: family 'trade' is already defined by a\.yaml"
    with pytest.raises(LexiconError, match=clash):
        merge_families([a, b])
    # Merging a family's commitments twice keeps each key once.
    assert [c.key for c in commitments_of([a, b])] == ["tariff-cut"]
