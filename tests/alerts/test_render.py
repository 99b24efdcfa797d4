"""Rendering is pure: subjects, the order of sections, both parts, and hostile text kept inert."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import replace
from html.parser import HTMLParser
from typing import Any

import pytest

from alerts.render import (
    build_message,
    render_alert,
    render_digest,
    safe_href,
    series_name,
    statement_number,
)
from tests.support.alert_samples import NCG_4_TO_5, ncg_item


@pytest.mark.parametrize(
    ("title", "number"),
    [
        ("Joint Press Statement on the Fourth NCG Meeting", 4),
        ("Joint Press Statement on the 5th Nuclear Consultative Group Meeting", 5),
        ("Joint Readout of the Inaugural NCG Meeting", 1),
        ("제5차 핵협의그룹 회의 공동언론발표문", 5),
        ("핵협의그룹 3차 회의 결과", 3),
        ("Joint Press Statement on the 12th meeting", 12),
        ("Washington Declaration", None),
        (None, None),
    ],
)
def test_statement_number(title: str | None, number: int | None) -> None:
    assert statement_number(title) == number


@pytest.mark.parametrize(
    ("series_title", "fallback", "name"),
    [
        ("NCG joint statements", None, "NCG joint statement"),
        ("SCM joint communiqués", None, "SCM joint communiqué"),
        ("Security Consultative Meeting press", None, "Security Consultative Meeting press"),
        ("핵협의그룹 공동언론발표문", None, "핵협의그룹 공동언론발표문"),
        (None, "Washington Declaration", "Washington Declaration"),
    ],
)
def test_series_name(series_title: str | None, fallback: str | None, name: str) -> None:
    assert series_name(series_title, fallback) == name


def _commitments(*statuses: str) -> dict[str, Any]:
    data = copy.deepcopy(NCG_4_TO_5)
    data["commitments"] = [
        {"key": f"k{i}", "label": f"K{i}", "status": s, "old_evidence": "o", "new_evidence": "n"}
        for i, s in enumerate(statuses)
    ]
    return data


def _clauses_only(*statuses: str) -> dict[str, Any]:
    data = _commitments()
    data["clauses"] = [
        {"status": s, "old_text": "a", "new_text": "b", "diff": None} for s in statuses
    ]
    return data


@pytest.mark.parametrize(
    ("comparison", "series_title", "subject"),
    [
        (
            NCG_4_TO_5,
            "NCG joint statements",
            "[clausewatch] NCG joint statement (5th, English): 5 commitments dropped, 1 added",
        ),
        (
            _commitments("weakened"),
            "NCG joint statements",
            "[clausewatch] NCG joint statement (5th, English): 1 commitment weakened",
        ),
        (
            _commitments("added", "added", "retained"),
            "SCM joint communiqués",
            "[clausewatch] SCM joint communiqué (5th, English): 2 commitments added",
        ),
        (
            _clauses_only("dropped", "dropped", "added", "modified"),
            "NCG joint statements",
            "[clausewatch] NCG joint statement (5th, English): 2 clauses dropped, 1 added",
        ),
        (
            _clauses_only("modified", "moved"),
            "NCG joint statements",
            "[clausewatch] NCG joint statement (5th, English): 2 clauses reworded",
        ),
        (
            {**_commitments("weakened"), "kind": "revision"},
            "NCG joint statements",
            "[clausewatch] NCG joint statement (5th, English) edited after publication: "
            "1 commitment weakened",
        ),
    ],
)
def test_subject(comparison: dict[str, Any], series_title: str, subject: str) -> None:
    assert render_alert(ncg_item(comparison, series_title=series_title)).subject == subject


def test_html_order_commitments_then_clauses_then_sources() -> None:
    mail = render_alert(ncg_item())
    html = mail.html
    positions = [
        html.index(marker)
        for marker in (
            "Dropped (5)",
            "Joint planning and execution",
            "Added (1)",
            "ROK leading role in conventional defense",
            "Clauses</h2>",
            "Dropped (3)",
            "Added (1)</h3>\n\n<p",
            "<del",
            "Sources</h2>",
            "https://www.defense.example/News/Releases/fourth-ncg-meeting/",
            "https://web.archive.org/web/20251212093000/",
        )
    ]
    assert positions == sorted(positions)
    assert '<del style="background:#fee4e2;color:#912018">fourth</del>' in html


def test_text_part_has_the_same_content() -> None:
    mail = render_alert(ncg_item())
    text = mail.text
    for needle in (
        "Dropped (5)",
        "Joint planning and execution",
        '4th: "The two sides reaffirmed joint planning and execution',
        "5th: (not said)",
        "Added (1)",
        "[-fourth-] {+fifth+}",
        "https://www.defense.example/News/Releases/fourth-ncg-meeting/",
        "https://web.archive.org/web/20251212093000/",
    ):
        assert needle in text
    assert text.index("COMMITMENTS") < text.index("CLAUSES") < text.index("SOURCES")
    assert "<" not in text.replace("<-", "")


HOSTILE = '<script>alert("x")</script><img src=x onerror="alert(1)">'


def _hostile_item() -> Any:
    data = copy.deepcopy(NCG_4_TO_5)
    data["commitments"][0]["old_evidence"] = "They agreed " + HOSTILE
    data["commitments"][0]["label"] = "<b onmouseover=alert(2)>bold</b>"
    data["clauses"][2]["old_text"] = "Dropped " + HOSTILE
    data["clauses"][0]["diff"][1] = ["replace", ["<script>"], ["<iframe src=javascript:x>"]]
    return ncg_item(
        data,
        new_title="5th statement </title><script>steal()</script>",
        new_url="javascript:alert(document.cookie)",
        old_url='https://ok.example/a"onmouseover="alert(3)',
    )


class _Inventory(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.extend(attrs)


def test_hostile_content_is_inert_in_html() -> None:
    html = render_alert(_hostile_item()).html
    inventory = _Inventory()
    inventory.feed(html)
    assert not inventory.tags & {"script", "img", "iframe", "b"}
    names = {name for name, _ in inventory.attributes}
    assert not any(n.startswith("on") for n in names)
    hrefs = [v or "" for n, v in inventory.attributes if n == "href"]
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs)
    assert not any(h.lower().startswith("javascript") for h in hrefs)
    assert "&lt;script&gt;" in html


def test_hostile_content_survives_as_text_in_plain_part() -> None:
    item = _hostile_item()
    mail = render_alert(item)
    message = build_message(
        mail, sender="cw <cw@example.org>", to="a@example.org", message_id="<m@clausewatch.invalid>"
    )
    plain = message.get_body(("plain",))
    assert plain is not None and plain.get_content_type() == "text/plain"
    # Shown as the words they are, in a part no client executes.
    assert HOSTILE in plain.get_content()
    assert "javascript:alert(document.cookie)" in plain.get_content()
    assert "\n" not in mail.subject


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://www.war.example/a", "https://www.war.example/a"),
        ("http://x.example/", "http://x.example/"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//evil.example/", None),
        ("https://x.example/a b", None),
        ("", None),
    ],
)
def test_safe_href(url: str, href: str | None) -> None:
    assert safe_href(url) == href


def test_digest_needs_alerts_and_lists_each() -> None:
    with pytest.raises(ValueError):
        render_digest([], dt.date(2025, 12, 12))
    revision = {**NCG_4_TO_5, "kind": "revision"}
    mail = render_digest([ncg_item(), ncg_item(revision, alert_id=2)], dt.date(2025, 12, 12))
    assert mail.subject == "[clausewatch] daily digest for 2025-12-12: 2 changes, 2 high"
    assert mail.html.count("Sources</h2>") == 2
    assert "edited after publication" in mail.text


def test_figures_and_leads_are_in_both_parts() -> None:
    item = ncg_item()
    comparison = copy.deepcopy(item.comparison)
    comparison["quantities"] = [
        {"kind": "deadline", "status": "dropped", "old": "by 2027", "new": None},
        {"kind": "frequency", "status": "changed", "old": "every six months", "new": "annually"},
    ]
    comparison["participants"] = [
        {
            "side": "US",
            "status": "changed",
            "level": "lower",
            "old": [{"name": "Cara Abercrombie", "title": "Deputy Under Secretary"}],
            "new": [{"name": "Robert Soofer", "title": "acting Deputy Assistant Secretary"}],
        }
    ]
    mail = render_alert(replace(item, comparison=comparison))
    for part in (mail.text, mail.html):
        assert "Deadline dropped: by 2027" in part
        assert "Frequency changed: every six months -&gt; annually" in part or (
            "Frequency changed: every six months -> annually" in part
        )
        assert "Robert Soofer (acting Deputy Assistant Secretary)" in part
        assert "lower level" in part
    assert mail.text.index("FIGURES") < mail.text.index("WHO LED THE MEETING")
    assert mail.text.index("WHO LED THE MEETING") < mail.text.index("CLAUSES")
    assert "FIGURES" not in render_alert(item).text


def test_english_and_korean_alerts_of_one_meeting_have_distinct_subjects() -> None:
    english = render_alert(ncg_item(NCG_4_TO_5, language="en")).subject
    korean = render_alert(ncg_item(NCG_4_TO_5, language="ko")).subject
    assert english != korean
    assert "(5th, English)" in english and "(5th, Korean)" in korean
