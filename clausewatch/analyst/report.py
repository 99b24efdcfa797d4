"""The static HTML report of a series: the timeline chart, then each successive comparison
with its commitment summary and a side-by-side clause diff. One file, no external assets
(the chart is a data: URI); every piece of statement text goes through Jinja2's autoescape.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import jinja2

from core.vocabulary import COMMITMENT_STATUSES
from models.analysis import SeriesComparison, Timeline

LANGUAGE_NAMES = {"en": "English", "ko": "Korean"}

_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ timeline.language }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ timeline.series_title }} — clausewatch report</title>
<style>
body { font: 15px/1.45 system-ui, "Noto Sans", "Noto Sans CJK KR", sans-serif; color: #1f2328;
       margin: 0 auto; max-width: 1180px; padding: 1.2rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: .2rem 0; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .3rem; padding-top: .8rem; border-top: 2px solid #d0d7de; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
.meta, .muted { color: #59636e; }
img.chart { width: 100%; height: auto; border: 1px solid #d0d7de; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { border-bottom: 1px solid #e4e7eb; padding: .35rem .5rem; vertical-align: top;
         text-align: left; overflow-wrap: anywhere; }
th { background: #f6f8fa; font-weight: 600; }
col.status { width: 7.5rem; } col.label { width: 16rem; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: .8rem;
         font-weight: 600; white-space: nowrap; }
.b-dropped { background: #ffd7d5; color: #82071e; } .b-added { background: #d2f4dc; color: #0f5323; }
.b-weakened { background: #fff1c2; color: #6f4400; } .b-strengthened { background: #cfe8ff; color: #033d8b; }
.b-retained, .b-unchanged { background: #eef1f4; color: #444c56; }
.b-modified, .b-moved, .b-split, .b-merged { background: #e7e1ff; color: #3c1e8e; }
.sev-high { color: #82071e; font-weight: 600; } .sev-medium { color: #6f4400; font-weight: 600; }
tr.dropped td.old { background: #fff0ef; } tr.added td.new { background: #eefbf1; }
tr.unchanged td { color: #59636e; }
del { background: #ffc8c4; text-decoration: line-through; }
ins { background: #b6efc4; text-decoration: none; }
.strength { font-size: .8rem; color: #59636e; }
.counts span { margin-right: 1rem; }
nav ol { columns: 2; padding-left: 1.2rem; }
details { margin: .6rem 0; } summary { cursor: pointer; color: #0969da; }
table.matrix { table-layout: auto; font-size: .9rem; }
</style>
</head>
<body>
{#- A statement edited after publication shows its version, so two comparisons of the
    same dates stay apart. -#}
{% macro when(row) %}{{ row.published or "undated" }}{% if row.seq > 1 %} (v{{ row.seq }}){% endif %}{% endmacro %}
<h1>{{ timeline.series_title }}</h1>
<p class="meta">Series <code>{{ timeline.series }}</code> · statements in {{ language }} ·
{{ timeline.documents|length }} statements from {{ first_date }} to {{ last_date }} ·
{% if comparisons is not none %}{{ comparisons|length }} comparisons · {% endif %}generated {{ generated }} by clausewatch</p>

<h2 id="timeline">Commitments by statement</h2>
{% if chart %}
<img class="chart" src="data:image/png;base64,{{ chart }}"
     alt="Timeline of {{ timeline.commitments|length }} commitments across {{ timeline.documents|length }} statements">
{% endif %}
{% if timeline.commitments %}
<details><summary>The same as a table</summary>
<table class="matrix">
<tr><th>commitment</th>{% for d in timeline.documents %}<th>{{ d.published or "undated" }}</th>{% endfor %}</tr>
{% for row in timeline.commitments %}
<tr><td>{{ row.label }}</td>{% for cell in row.cells %}<td>{% if cell.state == "present" %}{{ cell.strength or "present" }}{% elif (loop.index0 > 0) and row.cells[loop.index0 - 1].state == "present" %}<span class="badge b-dropped">dropped</span>{% else %}<span class="muted">—</span>{% endif %}</td>{% endfor %}</tr>
{% endfor %}
</table>
</details>
{% else %}<p class="muted">No tracked commitment appears in these statements.</p>{% endif %}

{% if comparisons is none %}
{% elif comparisons %}
<nav><h3>Comparisons</h3><ol>
{% for c in comparisons %}<li><a href="#cmp-{{ c.id }}">{{ when(c.old) }} → {{ when(c.new) }}</a>
({{ c.kind }}{% if c.severity %}, <span class="sev-{{ c.severity }}">{{ c.severity }}</span>{% endif %})</li>
{% endfor %}</ol></nav>
{% else %}
<p class="muted">No comparison is stored for this series and language yet.</p>
{% endif %}

{% for c in comparisons or [] %}
<h2 id="cmp-{{ c.id }}">{{ when(c.old) }} → {{ when(c.new) }}
<span class="muted">· {{ c.kind }}</span></h2>
<p class="meta"><strong>{{ c.old.title or "untitled" }}</strong>
(version {{ c.old.seq }}, {{ c.old.clauses }} clauses) →
<strong>{{ c.new.title or "untitled" }}</strong> (version {{ c.new.seq }}, {{ c.new.clauses }} clauses)
{% if c.severity %} · severity <span class="sev-{{ c.severity }}">{{ c.severity }}</span>{% endif %}</p>
<p class="counts">{% for name, n in c.result.summary.items() if n %}<span><span class="badge b-{{ name }}">{{ name }}</span> {{ n }}</span>{% endfor %}</p>

<h3>Commitments</h3>
{% if c.commitments %}
<table>
<colgroup><col class="status"><col class="label"><col><col></colgroup>
<tr><th>status</th><th>commitment</th><th>before</th><th>after</th></tr>
{% for m in c.commitments %}
<tr><td><span class="badge b-{{ m.status }}">{{ m.status }}</span></td><td>{{ m.label }}</td>
<td>{{ m.old_evidence or "—" }}{% if m.strength_old %} <span class="strength">({{ m.strength_old }})</span>{% endif %}</td>
<td>{{ m.new_evidence or "—" }}{% if m.strength_new %} <span class="strength">({{ m.strength_new }})</span>{% endif %}</td></tr>
{% endfor %}
</table>
{% else %}<p class="muted">No tracked commitment in either statement.</p>{% endif %}

{% if c.result.phrases %}
<h3>Phrases</h3>
<p>{% for p in c.result.phrases %}<span class="badge b-{{ p.status }}">{{ p.status }}</span> {{ p.text }}{% if p.support %} <span class="muted">(in {{ p.support }} earlier)</span>{% endif %}{% if not loop.last %} · {% endif %}{% endfor %}</p>
{% endif %}

{% if c.result.get("quantities") %}
<h3>Figures</h3>
<table>
<colgroup><col class="status"><col class="label"><col><col></colgroup>
<tr><th>status</th><th>kind</th><th>before</th><th>after</th></tr>
{% for q in c.result.quantities %}
<tr><td><span class="badge b-{{ q.status }}">{{ q.status }}</span></td><td>{{ q.kind }}</td><td>{{ q.old or "—" }}</td><td>{{ q.new or "—" }}</td></tr>
{% endfor %}
</table>
{% endif %}

{% if c.result.get("participants") %}
<h3>Who led the meeting</h3>
<table>
<colgroup><col class="status"><col class="label"><col><col></colgroup>
<tr><th>side</th><th>level</th><th>before</th><th>after</th></tr>
{% for p in c.result.participants %}
<tr><td>{{ p.side }}</td><td>{{ p.level or "—" }}</td>
<td>{% for x in p.old %}{{ x.name }}{% if x.title %} <span class="muted">({{ x.title }})</span>{% endif %}{% if not loop.last %}<br>{% endif %}{% else %}—{% endfor %}</td>
<td>{% for x in p.new %}{{ x.name }}{% if x.title %} <span class="muted">({{ x.title }})</span>{% endif %}{% if not loop.last %}<br>{% endif %}{% else %}—{% endfor %}</td></tr>
{% endfor %}
</table>
{% endif %}

<h3>Clauses, side by side</h3>
<table>
<colgroup><col class="status"><col><col></colgroup>
<tr><th>status</th><th>{{ when(c.old) }}</th><th>{{ when(c.new) }}</th></tr>
{% for x in c.result.clauses %}
<tr class="{{ x.status }}"><td><span class="badge b-{{ x.status }}">{{ x.status }}</span></td>
{% if x.diff %}
<td class="old">{% for op, a, b in x.diff %}{% if op == "equal" %}{{ a|join(" ") }} {% elif a %}<del>{{ a|join(" ") }}</del> {% endif %}{% endfor %}</td>
<td class="new">{% for op, a, b in x.diff %}{% if op == "equal" %}{{ b|join(" ") }} {% elif b %}<ins>{{ b|join(" ") }}</ins> {% endif %}{% endfor %}</td>
{% else %}
<td class="old">{{ x.old_text or "" }}</td><td class="new">{{ x.new_text or "" }}</td>
{% endif %}</tr>
{% endfor %}
</table>
{% endfor %}
</body>
</html>
"""  # noqa: E501 -- template markup reads better unwrapped

_environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
_template = _environment.from_string(_TEMPLATE)


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
    return _template.render(
        timeline=timeline,
        language=LANGUAGE_NAMES.get(timeline.language, timeline.language),
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
