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

import typer

import clausewatch.commands
from core.errors import ClausewatchError

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
    typer.echo(f"clausewatch: error: {message}", err=True)
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script; maps errors to exit codes 1 and 2."""
    args = sys.argv[1:] if argv is None else argv
    try:
        # Standalone mode: typer prints usage errors itself and exits 2.
        app(args=args, prog_name="clausewatch")
    except ClausewatchError as exc:
        if _debug or "--debug" in args:
            raise
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except OSError as exc:
        if _debug or "--debug" in args:
            raise
        fail(f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""), 1)


if __name__ == "__main__":
    main()
