"""Series as data: parsing and validating definitions, and the rule placing a statement."""

from __future__ import annotations

from typing import Any

import pytest

from core.series import (
    SeriesDefinition,
    SeriesError,
    builtin_series,
    match_series,
    parse_series,
    parse_series_yaml,
)

BUILTIN = builtin_series()


def _slug(title: str, body: str, language: str = "en", **kw: Any) -> str | None:
    found = match_series(title, body, language, kw.pop("series", BUILTIN), **kw)
    return found.slug if found else None


@pytest.mark.parametrize(
    ("title", "body", "language", "series"),
    [
        ("Joint Press Statement on the Fifth NCG Meeting", "Body.", "en", "ncg"),
        ("Joint Readout", "the Nuclear Consultative Group met", "en", "ncg"),
        ("Joint Readout", "the nuclear consultative group met", "en", "ncg"),
        ("보도자료", "제5차 핵협의그룹 회의를 개최했다.", "ko", "ncg"),
        ("보도자료", "한미 NCG 회의", "ko", "ncg"),
        ("Contracts for Dec. 11", "Awards for NCGX parts and ncg-like items.", "en", None),
        ("Readout of a Call", "The ministers discussed training.", "en", None),
        ("국방협력회의 개최", "양측은 방산협력을 논의하였다.", "ko", None),
        # The SCM communiqué names the NCG again and again; its title decides.
        (
            "Joint Communiqué of the 56th U.S.–ROK Security Consultative Meeting",
            "The Nuclear Consultative Group (NCG) met. The NCG will meet. NCG work continues.",
            "en",
            "scm",
        ),
        ("제56차 한미안보협의회의(SCM) 공동성명", "핵협의그룹(NCG)으로 확장억제 강화", "ko", "scm"),
        # An NCG statement that mentions the SCM in passing stays NCG.
        (
            "Joint Press Statement on the Fourth Nuclear Consultative Group Meeting",
            "The outcome will be reported to the Security Consultative Meeting (SCM).",
            "en",
            "ncg",
        ),
        # Neither title names a series: the body with more mentions wins.
        ("Joint Statement", "The SCM met. The SCM agreed. The NCG was noted.", "en", "scm"),
        ("Joint Statement", "The NCG met. The NCG agreed. The SCM was noted.", "en", "ncg"),
        # News about the meeting, not the statement: its title pattern says so, and the
        # NCG mentioned in the body does not pull it into the NCG series either.
        (
            "Secretary to Travel to Seoul for the 57th Security Consultative Meeting",
            "The ministers will discuss the Nuclear Consultative Group (NCG).",
            "en",
            None,
        ),
        ("제57차 한미안보협의회의(SCM) 개최 예정", "핵협의그룹(NCG) 논의", "ko", None),
        # The leaders' series: generic titles count only for statements that name Korea.
        (
            "Washington Declaration",
            "The United States and the Republic of Korea",
            "en",
            "us-rok-leaders",
        ),
        ("Joint Fact Sheet on the Summit", "The ROK will invest", "en", "us-rok-leaders"),
        ("Joint Fact Sheet: U.S.–Japan Summit", "Japan and the United States", "en", None),
        (
            "한미 정상회담 공동 설명자료",
            "한미 양국은 확장억제를 확인하였다.",
            "ko",
            "us-rok-leaders",
        ),
        # An NCG statement recalls the Washington Declaration: its own title decides.
        (
            "Joint Press Statement on the Fourth Nuclear Consultative Group Meeting",
            "The NCG was set up under the Washington Declaration of the Republic of Korea.",
            "en",
            "ncg",
        ),
        # "SCM" as an acronym only: "Scm" and "SCMP" are not the meeting.
        ("Supply-chain SCMP notice", "Scm tools", "en", None),
    ],
)
def test_a_statement_lands_in_at_most_one_series(
    title: str, body: str, language: str, series: str | None
) -> None:
    assert _slug(title, body, language) == series


def _define(**kw: Any) -> SeriesDefinition:
    return parse_series({"slug": "x", "title": "X", "keywords": ["widget"], **kw})


def test_ties_go_to_the_series_defined_first() -> None:
    a = parse_series({"slug": "a", "title": "A", "keywords": ["summit"]})
    b = parse_series({"slug": "b", "title": "B", "keywords": ["summit"]})
    assert _slug("Summit statement", "", series=[a, b]) == "a"
    assert _slug("Summit statement", "", series=[b, a]) == "b"


def test_languages_sources_and_exclusions_restrict_a_series() -> None:
    only_en = _define(languages=["en"])
    assert _slug("Widget talks", "", "ko", series=[only_en]) is None
    assert _slug("Widget talks", "", "en", series=[only_en]) == "x"
    only_dod = _define(sources=["us-dod"])
    assert _slug("Widget talks", "", series=[only_dod], source="state-dept") is None
    assert _slug("Widget talks", "", series=[only_dod], source="us-dod") == "x"
    excluding = _define(exclude={"en": ["contract award"]})
    assert _slug("Widget talks", "a contract award for widgets", series=[excluding]) is None
    requiring = _define(require={"*": ["Korea"]})
    assert _slug("Widget talks", "between Japan and Canada", series=[requiring]) is None
    assert _slug("Widget talks", "with the Republic of Korea", series=[requiring]) == "x"


def test_per_language_keywords() -> None:
    definition = _define(keywords={"en": ["summit"], "ko": ["정상회의"]})
    assert _slug("정상회의 공동성명", "", "ko", series=[definition]) == "x"
    assert _slug("summit", "", "ko", series=[definition]) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "X", "keywords": ["a"]}, "slug must be"),
        ({"slug": "Bad Slug", "title": "X", "keywords": ["a"]}, "slug must be"),
        ({"slug": "x", "keywords": ["a"]}, "title is required"),
        ({"slug": "x", "title": "X"}, "at least one keyword"),
        ({"slug": "x", "title": "X", "keywords": {"fr": ["a"]}}, "unknown language 'fr'"),
        ({"slug": "x", "title": "X", "keywords": ["a", ""]}, "empty entry"),
        ({"slug": "x", "title": "X", "keywords": ["a"], "languages": ["de"]}, "'de'"),
        ({"slug": "x", "title": "X", "keywords": ["a"], "color": "red"}, "unknown field 'color'"),
        (
            {"slug": "x", "title": "X", "keywords": ["a"], "not_statement_titles": ["(unclosed"]},
            "bad pattern '\\(unclosed'",
        ),
        ({"slug": "x", "title": "X", "keywords": ["a"], "lexicons": ["Not A Slug"]}, "family"),
    ],
)
def test_bad_definitions_are_one_line_errors(data: dict[str, Any], message: str) -> None:
    with pytest.raises(SeriesError, match=message) as caught:
        parse_series(data, where="series.yaml")
    assert "\n" not in str(caught.value) and caught.value.exit_code == 2


def test_yaml_round_trip_and_duplicates() -> None:
    import yaml

    text = yaml.safe_dump({"series": [d.to_dict() for d in BUILTIN]}, allow_unicode=True)
    assert [d.to_dict() for d in parse_series_yaml(text, where="t")] == [
        d.to_dict() for d in BUILTIN
    ]
    doubled = yaml.safe_dump({"series": [BUILTIN[0].to_dict(), BUILTIN[0].to_dict()]})
    with pytest.raises(SeriesError, match="defined twice"):
        parse_series_yaml(doubled, where="t")
    with pytest.raises(SeriesError, match="t: line 1 not valid YAML"):
        parse_series_yaml("slug: [", where="t")


def test_builtin_series_are_data_with_a_lexicon_family() -> None:
    assert [d.slug for d in BUILTIN] == ["ncg", "scm", "us-rok-leaders"]
    assert all(d.builtin and d.lexicons == ("extended-deterrence",) for d in BUILTIN)
