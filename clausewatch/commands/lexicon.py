"""``clausewatch lexicon list`` and ``lexicon check FILE``: the commitment lexicon families.

``lexicon check STATEMENT [--family NAME_OR_FILE]`` runs a family's patterns over a
statement file and prints, for every commitment, the clause it matched (or that it was not
found), so a lexicon author sees the evidence before a series uses the family. JSON shape:
``{"file", "language", "clauses", "families": [{"family", "where", "commitments": [{"key",
"label", "found", "strength", "clause", "evidence"}]}]}`` (``clause`` is the 1-based clause
number, None when not found).
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from core.language import Language

lexicon_app = typer.Typer(
    name="lexicon",
    help="Inspect and check the commitment lexicon families.",
    no_args_is_help=True,
)


class OutputFormat(enum.StrEnum):
    """Output formats of the lexicon commands."""

    text = "text"
    json = "json"


def _families(names: list[str] | None) -> list[Any]:
    """The families named (a name, or a path to a YAML file), or every known family."""
    from core.errors import InputError
    from core.settings import get_settings
    from pipeline.catalog import lexicon_families, read_family

    known = lexicon_families(get_settings().lexicon_dir)
    if not names:
        return list(known.values())
    chosen = []
    for name in names:
        path = Path(name)
        if name in known:
            chosen.append(known[name])
        elif path.suffix in (".yaml", ".yml") or path.exists():
            chosen.append(read_family(path))
        else:
            raise InputError(
                f"unknown lexicon family {name!r}; known: {', '.join(known)} (or a YAML file)"
            )
    return chosen


def check_report(
    statement: Path, families: list[str] | None, lang: str | None = None
) -> dict[str, Any]:
    """Which clause of ``statement`` each commitment of the families matched."""
    from clauses import find_commitments, segment
    from clausewatch.commands.compare import read_statement
    from core.language import detect_language
    from pipeline.stages import normalized_text

    chosen = _families(families)
    text = normalized_text(read_statement(statement).text)
    language = lang or detect_language(text)
    clauses = segment(text, language)
    out: list[dict[str, Any]] = []
    for family in chosen:
        found = {m.key: m for m in find_commitments(clauses, language, family.commitments)}
        rows = []
        for definition in family.commitments:
            mention = found.get(definition.key)
            rows.append(
                {
                    "key": definition.key,
                    "label": definition.label,
                    "found": mention is not None,
                    "strength": mention.strength if mention else None,
                    "clause": mention.position + 1 if mention else None,
                    "evidence": mention.evidence if mention else None,
                }
            )
        out.append({"family": family.name, "where": family.where, "commitments": rows})
    return {"file": str(statement), "language": language, "clauses": len(clauses), "families": out}


@lexicon_app.command("check")
def check(
    statement: Annotated[Path, typer.Argument(help="A statement file (text, HTML or PDF).")],
    family: Annotated[
        list[str] | None,
        typer.Option("--family", help="A family name or YAML file (repeat); default: all."),
    ] = None,
    lang: Annotated[
        Language | None, typer.Option("--lang", help="Language instead of detecting it.")
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = (
        OutputFormat.text
    ),
) -> None:
    """Show which clause each commitment of a lexicon family matches in a statement."""
    report = check_report(statement, family, lang.value if lang else None)
    if output is OutputFormat.json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{report['file']}: {report['language']}, {report['clauses']} clauses")
    for fam in report["families"]:
        hits = sum(1 for c in fam["commitments"] if c["found"])
        typer.echo("")
        typer.echo(f"{fam['family']} ({fam['where']}): {hits} of {len(fam['commitments'])} found")
        width = max((len(c["key"]) for c in fam["commitments"]), default=0)
        for c in fam["commitments"]:
            if not c["found"]:
                typer.echo(f"  {c['key']:<{width}}  not found")
                continue
            evidence = c["evidence"]
            if len(evidence) > 110:
                evidence = evidence[:107] + "..."
            typer.echo(f"  {c['key']:<{width}}  clause {c['clause']} ({c['strength']}): {evidence}")


@lexicon_app.command("list")
def list_families(
    output: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = (
        OutputFormat.text
    ),
) -> None:
    """List the lexicon families, where each is defined and its commitments."""
    rows = [
        {
            "family": f.name,
            "title": f.title,
            "where": f.where,
            "commitments": [c.key for c in f.commitments],
        }
        for f in _families(None)
    ]
    if output is OutputFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['family']}  {row['title']}")
        typer.echo(f"  file         {row['where']}")
        typer.echo(f"  commitments  {', '.join(row['commitments'])}")


def register(app: typer.Typer) -> None:
    """Add the ``lexicon`` command group to the CLI."""
    app.add_typer(lexicon_app, name="lexicon")
