"""``clausewatch run`` and ``clausewatch backfill``: the deployments' flows, here and now.

Both validate their arguments before Prefect is even imported (bad input exits 2 at once),
run the same flow a deployment runs — against ``PREFECT_API_URL`` when set, otherwise
Prefect's ephemeral API — show the run log's progress lines, and end with the per-source
counts table that the run's artifact holds.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from core.settings import MAX_WORKERS

if TYPE_CHECKING:
    from rich.console import Console

    from pipeline.tracking import RunReport


def _date(value: str | None, name: str) -> dt.date | None:
    from core.errors import InputError

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--{name} must be a date like 2025-12-31, not {value!r}") from None


class _ProgressHandler(logging.Handler):
    """Shows each run-log line of the flow in a rich status line."""

    def __init__(self, update: Callable[[str], None]) -> None:
        super().__init__(logging.INFO)
        self._update = update

    def emit(self, record: logging.LogRecord) -> None:
        """Show the record's message as the current step."""
        self._update(record.getMessage())


@contextmanager
def _progress(console: Console, title: str) -> Iterator[None]:
    status = console.status(title)
    handler = _ProgressHandler(lambda line: status.update(f"{title}: {line[:110]}"))
    logger = logging.getLogger("prefect.flow_runs")
    logger.addHandler(handler)
    status.start()
    try:
        yield
    finally:
        status.stop()
        logger.removeHandler(handler)


def print_counts(console: Console, report: RunReport) -> None:
    """The per-source counts (the run's table artifact) and their totals."""
    from rich.table import Table

    table = Table(title=f"Sources read, {report.since} to {report.until}")
    columns = ("source", "discovered", "fetched", "not modified", "new versions", "errors")
    for column in columns:
        table.add_column(column, justify="left" if column == "source" else "right")
    for row in report.rows:
        table.add_row(*(str(row[c]) for c in columns))
    totals = report.totals()
    table.add_row("total", *(str(totals[c]) for c in columns[1:]), style="bold")
    console.print(table)
    if report.flagged or report.alerts_queued:
        console.print(flagged_line(len(report.flagged), report.alerts_queued))


def flagged_line(flagged: int, queued: int) -> str:
    """What a run flagged and whether anyone will be told (alerts need a subscription)."""
    changes = f"{flagged} flagged commitment change{'' if flagged == 1 else 's'}"
    if not queued:
        return f"{changes}; no alert queued (no subscription matches)."
    return f"{changes}; {queued} alert{'' if queued == 1 else 's'} queued."


def _require_prefect_api() -> None:
    """With ``PREFECT_API_URL`` set, check that the server answers before any run starts.

    Raises OrchestrationError (exit 1, one line): without the check a stopped server costs
    the client's retries and then a 140-line traceback from deep inside Prefect. Any HTTP
    answer counts as reachable (an auth problem is Prefect's to report); only a failed
    connection is refused here.
    """
    from urllib.parse import urlsplit, urlunsplit

    import httpx
    from prefect.settings import PREFECT_API_URL

    from core.errors import OrchestrationError

    url = PREFECT_API_URL.value()
    if not url:
        return  # the ephemeral API: started and stopped by the run itself
    try:
        httpx.get(f"{str(url).rstrip('/')}/health", timeout=10.0)
    except httpx.HTTPError:
        parts = urlsplit(str(url))
        # The URL may carry credentials (user:password@host): show only host and port.
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        netloc = f"{host}:{parts.port}" if parts.port else host
        shown = urlunsplit(parts._replace(netloc=netloc))
        raise OrchestrationError(
            f"cannot reach the Prefect API at {shown}: start it "
            "(`prefect server start`) or unset PREFECT_API_URL to use a temporary one"
        ) from None


def _execute(title: str, call: Callable[[], RunReport]) -> None:
    from rich.console import Console

    from core.settings import get_settings
    from flows.ephemeral import patient_ephemeral_server
    from models import open_history
    from pipeline.tracking import TrackingFailed

    # Both refusals come before Prefect starts: a missing, foreign or unreachable history
    # and a stopped API server are one line each, not a failed run minutes later.
    open_history(get_settings().resolved_database_url).close()
    _require_prefect_api()
    console = Console(stderr=True)
    try:
        with _progress(console, title), patient_ephemeral_server():
            report = call()
    except TrackingFailed as exc:
        print_counts(Console(), exc.report)
        raise
    print_counts(Console(), report)


def run(
    source: Annotated[
        list[str] | None,
        typer.Option("--source", help="Read only this source (repeatable). Default: all enabled."),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="First publication date (default: 30 days ago).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Last publication date (default: today).")
    ] = None,
    lexical: Annotated[
        bool, typer.Option("--lexical", help="Align by wording only (no sentence encoder).")
    ] = False,
    series: Annotated[
        str | None, typer.Option(help="Store only this series (default: every series).")
    ] = None,
) -> None:
    """Run the tracking flow once, now: fetch, store, compare, queue alerts."""
    from core.settings import get_settings
    from pipeline import tracking
    from scrapers.sources import load_sources

    sources = tracking.select_sources(source, load_sources(get_settings().sources_file))
    window = tracking.tracking_window(_date(since, "since"), _date(until, "until"))
    tracking.check_series(series)

    def call() -> RunReport:
        from flows.forms import ALL_SERIES
        from flows.track import track_statements

        return track_statements(
            sources=sources,
            since=window[0],
            until=window[1],
            lexical=lexical,
            series=series or ALL_SERIES,
        )

    _execute("tracking", call)


def backfill(
    source: Annotated[str, typer.Option("--source", help="The source to read.")],
    since: Annotated[str, typer.Option(help="First publication date, e.g. 2023-07-01.")],
    until: Annotated[str, typer.Option(help="Last publication date, e.g. 2023-12-31.")],
    wayback: Annotated[
        bool, typer.Option("--wayback", help="Read the Wayback Machine's captures instead.")
    ] = False,
    series: Annotated[
        str | None, typer.Option(help="Store only this series (default: every series).")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=MAX_WORKERS,
            help="Processes storing series side by side (PostgreSQL only; SQLite stays serial).",
        ),
    ] = 1,
) -> None:
    """Load one source's statements over a past window, as the backfill deployment does."""
    from core.settings import get_settings
    from pipeline import tracking

    start, end = _date(since, "since"), _date(until, "until")
    assert start is not None and end is not None
    url = get_settings().resolved_database_url
    tracking.check_backfill(source, start, end, series, database_url=url)

    def call() -> RunReport:
        from flows.backfill import backfill
        from flows.forms import ALL_SERIES

        # Checked against the registries above; the flow's Literal types are for the form.
        parameters: dict[str, Any] = {
            "source": source,
            "since": start,
            "until": end,
            "use_wayback": wayback,
            "series": series or ALL_SERIES,
            "workers": workers,
        }
        report: RunReport = backfill(**parameters)
        return report

    _execute(f"backfill of {source}", call)


def register(app: typer.Typer) -> None:
    """Add ``run`` and ``backfill`` to the CLI."""
    app.command("run")(run)
    app.command("backfill")(backfill)
