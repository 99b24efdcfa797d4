"""Rendering of a comparison as readable text or as one standalone side-by-side HTML page."""

from __future__ import annotations

import jinja2

from clauses.compare import ComparisonResult

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


def render_text(result: ComparisonResult) -> str:
    """Return a plain-text report: summary, commitment changes, phrases, then the clause diff."""
    lines: list[str] = []
    old_name = result.old_title or "old"
    new_name = result.new_title or "new"
    lines.append(
        f"{result.kind}: {old_name} ({result.old_lang}, {len(result.old_clauses)} clauses)"
        f" -> {new_name} ({result.new_lang}, {len(result.new_clauses)} clauses)"
    )
    counts = ", ".join(f"{k} {v}" for k, v in result.summary.items() if v)
    lines.append(f"clauses: {counts or 'none'}")
    if result.commitments:
        lines.append("")
        lines.append("commitments:")
        for c in result.commitments:
            strength = ""
            if c.strength_old or c.strength_new:
                strength = f" [{c.strength_old or '-'} -> {c.strength_new or '-'}]"
            lines.append(
                f"  {_COMMITMENT_MARKERS.get(c.status, '?')} {c.status:<12} {c.key}{strength}"
            )
    if result.phrases:
        lines.append("")
        lines.append("phrases:")
        for p in result.phrases:
            support = f" (in {p.support} earlier)" if p.support else ""
            lines.append(f"  {p.status:<12} {p.text}{support}")
    lines.append("")
    lines.append("clauses:")
    for change in result.clause_changes:
        marker = _MARKERS.get(change.status, "?")
        where = f"{list(change.old)}->{list(change.new)}"
        if change.status == "unchanged" or change.status == "added":
            lines.append(f"  {marker} {where} {change.new_text}")
        elif change.status == "dropped":
            lines.append(f"  {marker} {where} {change.old_text}")
        elif change.diff is not None:
            lines.append(
                f"  {marker} {change.status} {where} ({change.score}) {_diff_text(change.diff)}"
            )
        else:
            lines.append(f"  {marker} {change.status} {where} ({change.score}) {change.old_text}")
            lines.append(f"      {' ' * len(where)} {change.new_text}")
    return "\n".join(lines) + "\n"


_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ result.new_lang }}">
<head>
<meta charset="utf-8">
<title>clausewatch: {{ result.kind }} comparison</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 1px solid #ddd; padding: .35rem .5rem; vertical-align: top; }
th { text-align: left; background: #f4f4f4; }
td.status { white-space: nowrap; font-size: .85em; color: #555; }
tr.added td.new, tr.strengthened { background: #e6ffed; }
tr.dropped td.old, tr.weakened { background: #ffeef0; }
tr.moved td, tr.split td, tr.merged td { background: #f1f8ff; }
del { background: #fdb8c0; text-decoration: line-through; }
ins { background: #acf2bd; text-decoration: none; }
.summary span { margin-right: 1rem; }
</style>
</head>
<body>
<h1>{{ result.kind|capitalize }} comparison</h1>
<p>{{ result.old_title or "old" }}
({{ result.old_lang }}, {{ result.old_clauses|length }} clauses) &rarr;
{{ result.new_title or "new" }}
({{ result.new_lang }}, {{ result.new_clauses|length }} clauses)</p>
<p class="summary">
{%- for k, v in result.summary.items() if v %}<span>{{ k }}: {{ v }}</span>{% endfor -%}
</p>
{% if result.commitments %}
<h2>Commitments</h2>
<table>
<tr><th>status</th><th>commitment</th><th>old</th><th>new</th></tr>
{% for c in result.commitments %}
<tr class="{{ c.status }}"><td class="status">{{ c.status }}</td><td>{{ c.label }}</td>
<td>{{ c.old_evidence or "" }}
{%- if c.strength_old %} <em>({{ c.strength_old }})</em>{% endif %}</td>
<td>{{ c.new_evidence or "" }}
{%- if c.strength_new %} <em>({{ c.strength_new }})</em>{% endif %}</td></tr>
{% endfor %}
</table>
{% endif %}
{% if result.phrases %}
<h2>Phrases</h2>
<ul>
{% for p in result.phrases %}
<li class="{{ p.status }}">{{ p.status }}: {{ p.text }}
{%- if p.support %} (in {{ p.support }} earlier){% endif %}</li>
{% endfor %}
</ul>
{% endif %}
<h2>Clauses</h2>
<table>
<tr><th>status</th><th>old</th><th>new</th></tr>
{% for c in result.clause_changes %}
<tr class="{{ c.status }}"><td class="status">{{ c.status }}
{%- if c.score is not none and c.status != "unchanged" %} {{ "%.2f"|format(c.score) }}{% endif -%}
</td>
{% if c.diff %}
<td class="old">
{%- for op, a, b in c.diff %}{% if op == "equal" %}{{ a|join(" ") }} {% elif a -%}
<del>{{ a|join(" ") }}</del> {% endif %}{% endfor -%}
</td>
<td class="new">
{%- for op, a, b in c.diff %}{% if op == "equal" %}{{ b|join(" ") }} {% elif b -%}
<ins>{{ b|join(" ") }}</ins> {% endif %}{% endfor -%}
</td>
{% else %}
<td class="old">{{ c.old_text or "" }}</td><td class="new">{{ c.new_text or "" }}</td>
{% endif %}
</tr>
{% endfor %}
</table>
</body>
</html>
"""

_environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
_template = _environment.from_string(_TEMPLATE)


def render_html(result: ComparisonResult) -> str:
    """Return one standalone side-by-side HTML page; all text is escaped."""
    return _template.render(result=result)
