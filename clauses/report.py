"""Rendering of a comparison as readable text or as one standalone side-by-side HTML page."""

from __future__ import annotations

from functools import cache

import jinja2

from clauses.commitments import evidence_excerpt
from clauses.compare import ComparisonResult
from core.display import template_value

_MARKERS = {
    "unchanged": " ",
    "modified": "~",
    "moved": ">",
    "split": "<",
    "merged": "+",
    "added": "+",
    "dropped": "-",
    "matched": "=",
}
_COMMITMENT_MARKERS = {
    "added": "+",
    "dropped": "-",
    "retained": "=",
    "weakened": "v",
    "strengthened": "^",
}


def _diff_text(result_diff: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]) -> str:
    parts: list[str] = []
    for op, old_words, new_words in result_diff:
        if op == "equal":
            parts.append(" ".join(old_words))
        else:
            if old_words:
                parts.append("[-" + " ".join(old_words) + "-]")
            if new_words:
                parts.append("{+" + " ".join(new_words) + "+}")
    return " ".join(p for p in parts if p)


@cache
def _environments() -> tuple[jinja2.Environment, jinja2.Environment]:
    loader = jinja2.PackageLoader("clauses", "templates")
    html = jinja2.Environment(
        loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, finalize=template_value
    )
    text = jinja2.Environment(
        loader=loader,
        autoescape=False,
        finalize=template_value,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    text.filters["word_diff"] = _diff_text
    text.filters["excerpt"] = evidence_excerpt
    return html, text


def render_text(result: ComparisonResult) -> str:
    """Return a plain-text report: summary, commitment changes, phrases, then the clause diff."""
    return (
        _environments()[1]
        .get_template("comparison.txt.j2")
        .render(result=result, clause_markers=_MARKERS, commitment_markers=_COMMITMENT_MARKERS)
    )


def render_html(result: ComparisonResult) -> str:
    """Return one standalone side-by-side HTML page; all text is escaped."""
    return _environments()[0].get_template("comparison.html.j2").render(result=result)
