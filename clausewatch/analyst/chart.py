"""The commitment timeline as a PNG: statements by date across, commitments down.

Present cells are shaded by strength and also carry the strength as a word, so the chart
still reads on a grey-scale printout; a cell where a commitment disappears (absent right
after a statement that had it) is outlined in red and crossed. matplotlib is imported
here only, and this module only when a chart is asked for, so ``clausewatch --help``
stays fast.
"""

from __future__ import annotations

import io
import textwrap
from functools import lru_cache
from typing import TYPE_CHECKING

from core.vocabulary import language_name
from models.analysis import Timeline

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH_PX = 1600
HEIGHT_PX = 900
DPI = 100

# Blues from dark to light: darker is stronger; the text colour keeps contrast on each.
STRENGTH_STYLE: dict[str | None, tuple[str, str, str]] = {
    "strong": ("#1d4e89", "white", "strong"),
    "medium": ("#5b8fc9", "white", "medium"),
    "weak": ("#c6dbef", "#1b2a3a", "weak"),
    None: ("#9aa5b1", "white", "present"),
}
ABSENT_FILL = "#f4f5f7"
DROPPED_COLOUR = "#c62828"
DROPPED_HATCH = "#ef9a9a"
GRID_COLOUR = "white"
# Fonts tried in order for each glyph; the CJK family only matters for Korean titles.
FONT_FAMILIES = ("DejaVu Sans", "Noto Sans CJK KR", "Noto Sans CJK JP", "NanumGothic")


def dropped_cells(timeline: Timeline) -> set[tuple[int, int]]:
    """(row, column) of every cell where a commitment is absent right after being present."""
    marked: set[tuple[int, int]] = set()
    for r, row in enumerate(timeline.commitments):
        for c in range(1, len(row.cells)):
            if row.cells[c].state == "absent" and row.cells[c - 1].state == "present":
                marked.add((r, c))
    return marked


#: Hangul for a fresh machine: the NanumGothic files of the koreanize-matplotlib
#: distribution (ADR 0102). Only the files are used; importing that package would restyle
#: every chart of the process (and it imports distutils, gone in Python 3.12).
BUNDLED_FONT_DISTRIBUTION = "koreanize-matplotlib"
BUNDLED_FONT_FILES = ("NanumGothic.ttf", "NanumGothicBold.ttf")


@lru_cache(maxsize=1)
def bundled_fonts() -> tuple[str, ...]:
    """Register the bundled Korean font files with matplotlib once; returns their paths."""
    from importlib import metadata

    from matplotlib import font_manager

    try:
        files = metadata.files(BUNDLED_FONT_DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        return ()
    paths = tuple(str(f.locate()) for f in files if f.name in BUNDLED_FONT_FILES)
    for path in paths:
        font_manager.fontManager.addfont(path)
    return paths


def _fonts() -> list[str]:
    from matplotlib import font_manager

    bundled_fonts()
    available = {f.name for f in font_manager.fontManager.ttflist}
    return [name for name in FONT_FAMILIES if name in available] or ["sans-serif"]


def _wrap(text: str, width: int, lines: int) -> str:
    wrapped = textwrap.wrap(text, width=width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: max(1, width - 1)].rstrip() + "…"
    return "\n".join(wrapped)


def _short_title(title: str | None, series_title: str) -> str:
    # The series name repeats in every title; dropping it leaves what tells them apart.
    if not title:
        return ""
    for prefix in ("Joint Press Statement on the ", "Joint Press Statement on ", "Joint "):
        if title.startswith(prefix):
            return title[len(prefix) :]
    return title.replace(series_title, "").strip() or title


def _draw_legend(figure: Figure) -> None:
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor=STRENGTH_STYLE[s][0], edgecolor="none", label=f"present, {s} wording")
        for s in ("strong", "medium", "weak")
    ]
    handles.append(Patch(facecolor=ABSENT_FILL, edgecolor="#c8ccd2", label="absent"))
    handles.append(
        Patch(
            facecolor=ABSENT_FILL,
            edgecolor=DROPPED_COLOUR,
            linewidth=2,
            hatch="//",
            label="dropped (absent after being present)",
        )
    )
    figure.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.015),
        ncol=len(handles),
        frameon=False,
        fontsize=11,
        handlelength=2.2,
        handleheight=1.4,
    )


def render_png(timeline: Timeline) -> bytes:
    """Draw the timeline as a PNG (1600×900 px, larger for big matrices) and return its bytes."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    columns = max(1, len(timeline.documents))
    rows = max(1, len(timeline.commitments))
    width = max(WIDTH_PX, 330 + 150 * columns) / DPI
    height = max(HEIGHT_PX, 300 + 44 * rows) / DPI
    figure = Figure(figsize=(width, height), dpi=DPI)
    figure.set_facecolor("white")
    fonts = _fonts()
    import matplotlib

    with matplotlib.rc_context({"font.family": fonts}):
        label_px = 420
        left = label_px / (width * DPI)
        ax = figure.add_axes((left, 0.10, 0.985 - left, 0.68))
        ax.set_xlim(0, columns)
        ax.set_ylim(rows, 0)
        ax.set_axis_off()
        language = language_name(timeline.language)
        figure.suptitle(
            f"{timeline.series_title}: which commitments each statement carries",
            x=0.5,
            y=0.975,
            fontsize=20,
            fontweight="bold",
        )
        figure.text(
            0.5,
            0.925,
            f"{len(timeline.documents)} statements in {language}, oldest to newest · "
            f"{len(timeline.commitments)} tracked commitments · series “{timeline.series}”",
            ha="center",
            fontsize=12,
            color="#444",
        )
        if not timeline.documents or not timeline.commitments:
            ax.text(
                columns / 2,
                rows / 2,
                "no statements or commitments to show",
                ha="center",
                va="center",
                fontsize=14,
            )
        marked = dropped_cells(timeline)
        for r, row in enumerate(timeline.commitments):
            ax.annotate(
                _wrap(row.label, 44, 2),
                xy=(0, r + 0.5),
                xycoords=ax.get_yaxis_transform(),
                xytext=(-10, 0),
                textcoords="offset points",
                ha="right",
                va="center",
                fontsize=11.5,
            )
            for c, cell in enumerate(row.cells):
                if cell.state == "present":
                    fill, ink, word = STRENGTH_STYLE.get(cell.strength, STRENGTH_STYLE[None])
                    ax.add_patch(
                        Rectangle((c, r), 1, 1, facecolor=fill, edgecolor=GRID_COLOUR, lw=3)
                    )
                    ax.text(c + 0.5, r + 0.5, word, ha="center", va="center", color=ink, size=11)
                elif (r, c) in marked:
                    ax.add_patch(
                        Rectangle((c, r), 1, 1, facecolor=ABSENT_FILL, edgecolor=GRID_COLOUR, lw=3)
                    )
                    # A light hatch under a solid outline: marked, yet the word stays legible.
                    ax.add_patch(
                        Rectangle(
                            (c + 0.04, r + 0.08),
                            0.92,
                            0.84,
                            facecolor="none",
                            edgecolor=DROPPED_HATCH,
                            hatch="//",
                            lw=0,
                        )
                    )
                    ax.add_patch(
                        Rectangle(
                            (c + 0.04, r + 0.08),
                            0.92,
                            0.84,
                            facecolor="none",
                            edgecolor=DROPPED_COLOUR,
                            lw=2.5,
                        )
                    )
                    ax.text(
                        c + 0.5,
                        r + 0.5,
                        "dropped",
                        ha="center",
                        va="center",
                        color=DROPPED_COLOUR,
                        size=11,
                        fontweight="bold",
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5},
                    )
                else:
                    ax.add_patch(
                        Rectangle((c, r), 1, 1, facecolor=ABSENT_FILL, edgecolor=GRID_COLOUR, lw=3)
                    )
        for c, document in enumerate(timeline.documents):
            date = document.published.isoformat() if document.published else "undated"
            ax.annotate(
                date,
                xy=(c + 0.5, 1),
                xycoords=ax.get_xaxis_transform(),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=12.5,
                fontweight="bold",
            )
            ax.annotate(
                _wrap(_short_title(document.title, timeline.series_title), 26, 3),
                xy=(c + 0.5, 1),
                xycoords=ax.get_xaxis_transform(),
                xytext=(0, 26),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=9.5,
                color="#444",
                linespacing=1.15,
            )
        _draw_legend(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()
