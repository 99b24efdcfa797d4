"""``clausewatch replay``: the official sites replayed on loopback, in the foreground.

For running the real pipeline offline (a backfill from the Prefect UI, ``run``, ``fetch``)
against the project's corpus, as the demo does. Before serving it writes a sources file
pointing every source at the replay and prints the ``export`` lines that make clausewatch
(and a Prefect worker started from the same shell) use it; docs/operators.md walks through
a backfill against it.
"""

from __future__ import annotations

import datetime as dt
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from core.errors import InputError

DEFAULT_PORT = 8765


def _sources_file(given: Path | None) -> Path:
    from core.settings import get_settings

    return (given or get_settings().data_dir / "replay" / "sources.yaml").expanduser().resolve()


def export_lines(sources_file: Path, allowed_host: str) -> list[str]:
    """The shell lines that point clausewatch at the replay (quoted for a POSIX shell)."""
    import shlex

    return [
        f"export CLAUSEWATCH_SOURCES_FILE={shlex.quote(str(sources_file))}",
        f"export CLAUSEWATCH_ALLOWED_HOSTS={shlex.quote(allowed_host)}",
        # Every replayed site shares one loopback origin: one request a second (the polite
        # rate for a real host) would make a backfill crawl.
        "export CLAUSEWATCH_RATE_LIMIT_PER_HOST=1000",
    ]


def replay(
    port: Annotated[
        int, typer.Option("--port", help="Port on 127.0.0.1 (0: any free port).", min=0, max=65535)
    ] = DEFAULT_PORT,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Serve the sites as they stood on this date (default: today)."
        ),
    ] = None,
    sources_file: Annotated[
        Path | None,
        typer.Option(
            "--sources-file",
            help="Where to write the sources file (default: <data dir>/replay/sources.yaml).",
        ),
    ] = None,
) -> None:
    """Serve the replayed official sites on loopback until Ctrl-C, for offline runs."""
    import yaml

    from clausewatch.demo.replay.server import ReplayServer
    from clausewatch.demo.replay.site import ReplaySite
    from scrapers.sources import replay_config

    day = None
    if as_of is not None:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            raise InputError(f"--as-of must be a date like 2025-12-31, not {as_of!r}") from None
    try:
        server = ReplayServer(ReplaySite.from_corpus(), as_of=day, port=port)
    except OSError as exc:
        raise InputError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
    target = _sources_file(sources_file)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(replay_config(server.url)), encoding="utf-8")
    except OSError as exc:
        server.stop()
        raise InputError(
            f"cannot write the sources file: {exc.strerror or exc}", path=str(target)
        ) from None
    for line in export_lines(target, server.allowed_host):
        typer.echo(line)
    sys.stdout.flush()
    typer.echo(
        f"# serving the official sites as of {server.as_of} on {server.url} (Ctrl-C stops)",
        err=True,
    )
    stop = threading.Event()

    def _stop(_signum: int, _frame: object) -> None:
        stop.set()

    # Installed explicitly: a shell starts background jobs with SIGINT ignored, and Python
    # keeps an inherited "ignore", which would leave only SIGKILL to stop the replay.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stop)
    server.start()
    try:
        while not stop.wait(0.5):
            pass
        typer.echo("# replay stopped", err=True)
    finally:
        server.stop()


def register(app: typer.Typer) -> None:
    """Add ``replay`` to the CLI."""
    app.command("replay")(replay)
