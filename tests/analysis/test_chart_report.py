"""The timeline PNG (a valid image of the expected size) and the HTML report."""

from __future__ import annotations

import base64
import datetime as dt
import struct

import pytest

from clausewatch.analyst.chart import dropped_cells, render_png
from clausewatch.analyst.report import render_report
from models.analysis import (
    SeriesComparison,
    Timeline,
    TimelineCell,
    TimelineDocument,
    TimelineRow,
    VersionRow,
)

P = TimelineCell("present", "strong")
W = TimelineCell("present", "weak")
A = TimelineCell("absent", None)


def timeline(columns: int = 3, rows: int = 2, title: str = "Statement") -> Timeline:
    documents = [
        TimelineDocument(i + 1, i + 1, f"{title} {i}", dt.date(2024, 1, 1 + i), f"u{i}")
        for i in range(columns)
    ]
    pattern = [P, A, W, A, P]
    commitments = [
        TimelineRow(f"k{r}", f"Commitment {r}", [pattern[(r + c) % 5] for c in range(columns)])
        for r in range(rows)
    ]
    return Timeline("demo", "Demo series", "en", documents, commitments)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ([P, A, P, A], {(0, 1), (0, 3)}),
        ([A, A, P, P], set()),
        ([P, W, A, A], {(0, 2)}),
        ([A], set()),
    ],
)
def test_dropped_cells(cells: list[TimelineCell], expected: set[tuple[int, int]]) -> None:
    t = Timeline("s", "S", "en", [], [TimelineRow("k", "K", cells)])
    assert dropped_cells(t) == expected


@pytest.mark.parametrize(
    ("columns", "rows", "size"),
    [(5, 6, (1600, 900)), (0, 0, (1600, 900)), (12, 16, (2130, 1004))],
)
def test_png_is_valid_and_sized(columns: int, rows: int, size: tuple[int, int]) -> None:
    assert png_size(render_png(timeline(columns, rows, "제5차 핵협의그룹"))) == size


def _row(version_id: int, day: int) -> VersionRow:
    return VersionRow(
        version_id,
        version_id,
        1,
        "demo",
        "src",
        "en",
        f"<b>Title {day}</b>",
        dt.date(2024, 1, day),
        "u",
        dt.datetime(2024, 1, day),
        2,
    )


def test_report_renders_escaped_with_chart() -> None:
    result = {
        "kind": "successor",
        "clauses": [
            {
                "status": "dropped",
                "old": [0],
                "new": [],
                "old_text": "<script>x()</script>",
                "new_text": None,
                "score": None,
                "diff": None,
            },
            {
                "status": "modified",
                "old": [1],
                "new": [0],
                "old_text": "a b",
                "new_text": "a c",
                "score": 80.0,
                "diff": [["equal", ["a"], ["a"]], ["replace", ["b"], ["c & d"]]],
            },
        ],
        "commitments": [
            {
                "key": "k",
                "label": "Retained one",
                "status": "retained",
                "old_evidence": "e",
                "new_evidence": "e",
                "strength_old": "strong",
                "strength_new": "strong",
            },
            {
                "key": "j",
                "label": "Joint <planning>",
                "status": "dropped",
                "old_evidence": "ev",
                "new_evidence": None,
                "strength_old": "strong",
                "strength_new": None,
            },
        ],
        "phrases": [{"text": "joint planning", "status": "dropped", "support": 2}],
        "summary": {"dropped": 1, "modified": 1},
    }
    comparison = SeriesComparison(7, "successor", "high", _row(1, 1), _row(2, 2), result)
    chart = b"\x89PNGfake"
    page = render_report(timeline(), [comparison], chart)
    assert "<script>x()" not in page and "&lt;script&gt;x()&lt;/script&gt;" in page
    assert "&lt;b&gt;Title 2&lt;/b&gt;" in page and "Joint &lt;planning&gt;" in page
    assert "<del>b</del>" in page and "<ins>c &amp; d</ins>" in page
    assert f'src="data:image/png;base64,{base64.b64encode(chart).decode()}"' in page
    # Dropped commitments come before retained ones.
    assert page.index("Joint &lt;planning&gt;") < page.index("Retained one")
    assert 'id="cmp-7"' in page and "sev-high" in page


def test_report_shows_figures_and_leads_escaped() -> None:
    result = {
        "kind": "successor",
        "clauses": [],
        "commitments": [],
        "phrases": [],
        "quantities": [
            {"kind": "deadline", "status": "dropped", "old": "by <2027>", "new": None},
        ],
        "participants": [
            {
                "side": "US",
                "status": "changed",
                "level": "lower",
                "old": [{"name": "Cara Abercrombie", "title": "Deputy Under Secretary"}],
                "new": [{"name": "Robert Soofer", "title": "acting <DAS>"}],
            }
        ],
        "summary": {},
    }
    comparison = SeriesComparison(8, "successor", "medium", _row(1, 1), _row(2, 2), result)
    page = render_report(timeline(), [comparison], None)
    assert "Figures</h3>" in page and "by &lt;2027&gt;" in page
    assert "Who led the meeting</h3>" in page and "Robert Soofer" in page
    assert "acting &lt;DAS&gt;" in page and page.index("Figures") < page.index("Who led")


def test_report_without_comparisons_or_statements() -> None:
    empty = Timeline("demo", "Demo", "en", [], [])
    page = render_report(empty, [], None)
    assert "No comparison is stored" in page and "data:image" not in page
    alone = render_report(timeline(), None, b"png")
    assert "No comparison" not in alone and "cmp-" not in alone and "data:image/png" in alone


def test_a_korean_chart_renders_hangul_without_a_warning() -> None:
    """Issue 15.6: Hangul came out as empty boxes, with a matplotlib warning per glyph."""
    import warnings

    from clausewatch.analyst.chart import _fonts, bundled_fonts

    korean = timeline(3, 4, "제5차 핵협의그룹 공동언론성명")
    korean = Timeline("ncg", "한미 핵협의그룹 공동성명", "ko", korean.documents, korean.commitments)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = render_png(korean)
    assert png_size(data) == (1600, 900)
    assert bundled_fonts() and "NanumGothic" in _fonts()
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    chosen = font_manager.findfont(font_manager.FontProperties(family="NanumGothic"))
    assert FT2Font(chosen).get_char_index(ord("핵")) != 0
