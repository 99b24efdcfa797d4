"""``clausewatch compare OLD NEW``: compare two statement files clause by clause (no database)."""

from __future__ import annotations

import enum
import io
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from core.charset import decode_text
from core.errors import InputError, ParseError
from core.language import Language
from core.vocabulary import ComparisonKind

MAX_FILE_BYTES = 5 * 1024 * 1024
_HTML_SUFFIXES = (".html", ".htm", ".xhtml")


class OutputFormat(enum.StrEnum):
    """Output formats of ``compare``."""

    text = "text"
    json = "json"
    html = "html"


@dataclass(frozen=True)
class StatementFile:
    """The text of a statement file and the title it carries, if any."""

    text: str
    title: str | None


def _decode(data: bytes, path: Path) -> tuple[str, str | None]:
    if b"\x00" in data[:8192]:
        raise InputError("looks like a binary file, not a statement", path=str(path))
    decoded = decode_text(data)
    if decoded.fallback:
        raise InputError("cannot decode the file as text", path=str(path))
    return decoded.text, decoded.warning


def _html_statement(markup: str, path: Path) -> StatementFile:
    # The scrapers' extractor, so a saved page reads as the same statement as the fetched one.
    from scrapers.extract import ANY_PAGE, read_page

    try:
        page = read_page(markup, path.resolve().as_uri(), ANY_PAGE, source="file", need_date=False)
    except ParseError as exc:
        raise InputError(exc.message, path=str(path)) from exc
    return StatementFile("\n\n".join(page.paragraphs), page.title or None)


def _pdf_statement(data: bytes, path: Path) -> StatementFile:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs its repairs of damaged files; the user gets our one line instead.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"cannot read the PDF: {exc}", path=str(path)) from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise InputError("the PDF has no text layer (scanned image?)", path=str(path))
    return StatementFile(text, str(title) if title else None)


def read_statement(path: Path) -> StatementFile:
    """Read a plain-text, HTML or PDF statement; raises InputError for anything unusable."""
    if not path.exists():
        raise InputError("no such file", path=str(path))
    if not path.is_file():
        raise InputError("not a regular file", path=str(path))
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", path=str(path)
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", path=str(path)) from exc
    if data.startswith(b"%PDF-") or path.suffix.lower() == ".pdf":
        statement = _pdf_statement(data, path)
    else:
        text, warning = _decode(data, path)
        if warning:
            # A damaged byte is shown as U+FFFD in the comparison, never hidden; say so once.
            typer.echo(f"clausewatch: warning: {path}: {warning}", err=True)
        head = text.lstrip()[:512].lower()
        if path.suffix.lower() in _HTML_SUFFIXES or head.startswith(("<!doctype html", "<html")):
            statement = _html_statement(text, path)
        else:
            statement = StatementFile(text, None)
    if not statement.text.strip():
        raise InputError("the file holds no statement text", path=str(path))
    control = sum(1 for ch in statement.text if ord(ch) < 32 and ch not in "\n\r\t\f")
    if control > max(8, len(statement.text) // 100):
        raise InputError("looks like a binary file, not a statement", path=str(path))
    return statement


def compare(
    old: Annotated[Path, typer.Argument(help="The earlier statement (text, HTML or PDF).")],
    new: Annotated[Path, typer.Argument(help="The later statement, or its translation.")],
    output: Annotated[
        OutputFormat, typer.Option("--format", help="Output format.")
    ] = OutputFormat.text,
    lexical: Annotated[
        bool, typer.Option("--lexical", help="Match wording only; do not load the encoder.")
    ] = False,
    lang: Annotated[
        Language | None,
        typer.Option("--lang", help="Read both files as this language instead of detecting it."),
    ] = None,
    kind: Annotated[
        ComparisonKind,
        typer.Option(
            "--kind",
            help="revision (two versions of one statement), successor (a later meeting, in"
            " either language), translation (one meeting in two languages), or auto:"
            " successor in one language, translation across two.",
        ),
    ] = ComparisonKind.auto,
) -> None:
    """Compare two statement files clause by clause and show what changed (no database)."""
    from clauses import compare_texts, render_html, render_text
    from clauses.encoder import configure_encoder
    from core.settings import get_settings

    if not lexical:
        settings = get_settings()
        configure_encoder(settings)
    old_statement = read_statement(old)
    new_statement = read_statement(new)
    language = lang.value if lang else None
    try:
        result = compare_texts(
            old_statement.text,
            new_statement.text,
            kind=kind.value,
            old_lang=language,
            new_lang=language,
            old_title=old_statement.title or old.name,
            new_title=new_statement.title or new.name,
            lexical=lexical,
        )
    except ValueError as exc:
        # Only an impossible --kind reaches here (a revision across two languages).
        raise InputError(str(exc), path=str(new)) from exc
    if output is OutputFormat.json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    elif output is OutputFormat.html:
        typer.echo(render_html(result), nl=False)
    else:
        typer.echo(render_text(result), nl=False)


def register(app: typer.Typer) -> None:
    """Add ``compare`` to the CLI."""
    app.command("compare")(compare)
