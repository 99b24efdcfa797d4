"""The ``clausewatch`` command: every user command, one exit-code policy.

Commands live in ``clausewatch/commands/<area>.py``; each module exposes
``register(app)`` and is picked up here, so areas can grow without touching this file.
Exit codes: 0 success, 1 runtime failure, 2 bad input or usage. Errors are one line on
stderr; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from importlib.metadata import version as dist_version
from typing import Any, TextIO
from urllib.parse import urlsplit

import typer
import typer.main

import clausewatch.commands
from core.display import for_terminal
from core.errors import ClausewatchError
from core.redaction import redact
from core.settings import get_settings

app = typer.Typer(
    name="clausewatch",
    help="Track how official joint statements change, clause by clause.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_debug = False


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"clausewatch {dist_version('clausewatch')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show the version."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks instead of one line."),
) -> None:
    """Track how official joint statements change, clause by clause."""
    global _debug
    _debug = debug


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(clausewatch.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"clausewatch.commands.{info.name}")
        module.register(app)


_register_commands()


def fail(message: str, code: int) -> None:
    """Print one error line on stderr and exit with ``code``."""
    # A message quoting a parser (YAML, pydantic) may span lines: it stays one line.
    line = " ".join(part.strip() for part in message.splitlines() if part.strip())
    typer.echo(f"clausewatch: error: {line}", err=True)
    raise SystemExit(code)


class TerminalStream:
    """The output boundary: every text the CLI writes to stdout or stderr passes
    :func:`core.display.for_terminal` (no escape sequences, no control characters, bidi
    controls shown) and has the configured passwords masked, whoever printed it."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write ``text`` made safe; returns the length asked for, as callers expect."""
        self._stream.write(redact(for_terminal(text), _configured_secrets()))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _configured_secrets() -> list[str | None]:
    try:
        settings = get_settings()
    except Exception:  # settings that do not load are reported elsewhere, once
        return []
    smtp = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    database = urlsplit(settings.database_url).password if settings.database_url else None
    return [smtp, database]


def _usage_line(exc: typer.TyperException) -> str:
    """A usage error as one line, naming the help that explains the command."""
    message = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "clausewatch"
    return f"{message} (see `{where} --help`)"


def _debugging(args: list[str]) -> bool:
    return _debug or "--debug" in args


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script; maps errors to exit codes 1 and 2.

    Always ends in SystemExit. Usage errors (unknown command or option, missing argument)
    are one line and exit 2; ``--help`` keeps typer's rich layout.
    """
    args = sys.argv[1:] if argv is None else argv
    if not args or "--help" in args:
        # Help is our own text, styled by rich: left as it is, colours included.
        _run(args)
        return
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = TerminalStream(stdout), TerminalStream(stderr)
    try:
        _run(args)
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def _run(args: list[str]) -> None:
    try:
        # Not standalone: click hands usage errors back instead of drawing its error box.
        code = typer.main.get_command(app).main(
            args=args, prog_name="clausewatch", standalone_mode=False
        )
    except typer.TyperException as exc:
        # Typer's (vendored click's) usage errors all derive from TyperException.
        if type(exc).__name__ == "NoArgsIsHelpError":
            # A bare `clausewatch` (or command group) shows the rich help, as before.
            from typer import rich_utils

            rich_utils.rich_format_error(exc)  # type: ignore[arg-type]
            raise SystemExit(exc.exit_code) from None
        fail(_usage_line(exc), exc.exit_code)
    except typer.Abort:
        fail("aborted", 1)
    except ClausewatchError as exc:
        if _debugging(args):
            raise
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except OSError as exc:
        if _debugging(args):
            raise
        fail(f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""), 1)
    except Exception as exc:
        # The last guard of "one line, never a traceback": an error nobody translated.
        if _debugging(args):
            raise
        reason = " ".join(str(exc).split()) or type(exc).__name__
        fail(f"unexpected {type(exc).__name__}: {reason[:300]} (--debug shows the traceback)", 1)
    raise SystemExit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
