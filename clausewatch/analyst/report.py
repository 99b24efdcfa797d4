"""The static HTML report of a series: the timeline chart, then each successive comparison
with its commitment summary and a side-by-side clause diff. One file, no external assets
(the chart is a data: URI); every piece of statement text goes through Jinja2's autoescape.
The page is ``templates/report.html.j2`` beside this module.
"""

from __future__ import annotations

import base64
import datetime as dt
from functools import cache
from typing import Any

import jinja2

from core.display import template_value
from core.vocabulary import COMMITMENT_STATUSES, language_name
from models.analysis import SeriesComparison, Timeline


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("clausewatch.analyst", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=template_value,
    )
    return environment.get_template("report.html.j2")


def _commitment_order(status: str) -> int:
    return COMMITMENT_STATUSES.index(status) if status in COMMITMENT_STATUSES else 9


def _commitments(result: dict[str, Any]) -> list[dict[str, Any]]:
    # The changes an analyst looks for first (dropped, weakened) go to the top.
    return sorted(
        result.get("commitments") or [],
        key=lambda m: (_commitment_order(m["status"]), m["label"]),
    )


def render_report(
    timeline: Timeline,
    comparisons: list[SeriesComparison] | None,
    chart_png: bytes | None,
    *,
    generated: dt.datetime | None = None,
) -> str:
    """Render the report page as a string (``comparisons`` None: the timeline alone).

    All statement text is escaped.
    """
    dates = [d.published for d in timeline.documents if d.published is not None]
    when = generated or dt.datetime.now(dt.UTC)
    return _template().render(
        timeline=timeline,
        language=language_name(timeline.language),
        first_date=min(dates).isoformat() if dates else "—",
        last_date=max(dates).isoformat() if dates else "—",
        generated=when.strftime("%Y-%m-%d %H:%M UTC"),
        chart=base64.b64encode(chart_png).decode("ascii") if chart_png else None,
        comparisons=None
        if comparisons is None
        else [
            {
                "id": c.id,
                "kind": c.kind,
                "severity": c.severity,
                "old": c.old,
                "new": c.new,
                "result": c.result,
                "commitments": _commitments(c.result),
            }
            for c in comparisons
        ],
    )
