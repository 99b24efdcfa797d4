"""The offline demo: two and a half years of NCG statements replayed through the real pipeline.

Everything is local: the replay of the official sites on a free loopback port, a SQLite
history in the demo folder, Prefect's ephemeral API in that folder, and an SMTP sink that
writes each message as an ``.eml`` file (unless ``CLAUSEWATCH_SMTP_HOST`` names a real
server). Time is replayed: the site is served as it stood on each step's date and the real
``track-statements`` flow runs as the scheduler would have run it that day.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from clausewatch.demo.corpus import CorpusStatement, load_statements
from core.settings import get_settings

DEMO_SUBSCRIBER = "analyst@demo.clausewatch.invalid"
DEMO_SERIES = "ncg"
# Loopback serves the replay instantly; the polite 1 request/s would make the demo slow
# without making it any more honest about the live sites.
DEMO_RATE_LIMIT = "1000"


@dataclass(frozen=True)
class Step:
    """One simulated day: the site as of ``day``, tracked over (since, until)."""

    day: dt.date
    label: str
    since: dt.date


@dataclass
class StepResult:
    """What the tracking run of one step left in the history."""

    step: Step
    statements: int
    versions: int
    comparisons: int
    flagged: int
    new_versions: int
    not_modified: int
    errors: int
    flagged_lines: list[str] = field(default_factory=list)


@dataclass
class DemoResult:
    """The whole run: per-step results, mail sent and the files written."""

    directory: Path
    steps: list[StepResult]
    mail_sent: int
    mail_dir: Path | None
    report: Path
    timeline: Path


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def plan_steps(statements: list[CorpusStatement]) -> list[Step]:
    """The simulated days, from the corpus: each meeting, a quiet day and the silent edit."""
    meetings: dict[int, dt.date] = {}
    edits: list[tuple[dt.date, CorpusStatement]] = []
    for s in statements:
        if s.edit_of and s.edited:
            edits.append((s.edited, s))
            continue
        if s.meeting is None:
            continue
        # The day after the last release of a meeting: both languages are out by then.
        meetings[s.meeting] = max(meetings.get(s.meeting, s.published), s.published)
    days: list[tuple[dt.date, str]] = [
        (published + dt.timedelta(days=1), f"{_ordinal(n)} NCG meeting")
        for n, published in sorted(meetings.items())
    ]
    if len(days) >= 2:
        # Half-way between the last two meetings nothing new is published: a run that finds
        # only unchanged pages (answered 304) must change nothing.
        a, b = days[-2][0], days[-1][0]
        days.append((a + (b - a) // 2, "a day with no change"))
    for edited, s in edits:
        days.append((edited + dt.timedelta(days=1), f"silent edit of {s.edit_of}"))
    days.sort()
    steps: list[Step] = []
    previous: dt.date | None = None
    for day, label in days:
        # Each run looks back over the interval since the previous run (plus a margin), as
        # the 6-hourly schedule would have; the first run starts a month before.
        since = (previous or day - dt.timedelta(days=30)) - dt.timedelta(days=7)
        steps.append(Step(day, label, since))
        previous = day
    return steps


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


def default_directory() -> Path:
    """A fresh folder under the data directory for one demo run."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return get_settings().data_dir / "demo" / stamp


def _history_figures(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from models import open_history
    from models.schema import CommitmentChange, Comparison, Document, Version

    history = open_history(url)
    try:
        with history.sessions() as session:
            return {
                "statements": session.scalar(select(func.count()).select_from(Document)) or 0,
                "versions": session.scalar(select(func.count()).select_from(Version)) or 0,
                "comparisons": session.scalar(select(func.count()).select_from(Comparison)) or 0,
                "flagged": session.scalar(
                    select(func.count())
                    .select_from(CommitmentChange)
                    .where(CommitmentChange.status != "retained")
                )
                or 0,
            }
    finally:
        history.close()


def run_demo(
    directory: Path,
    *,
    lexical: bool = False,
    on_step: Callable[[StepResult], None] | None = None,
    on_status: Callable[[str], None] | None = None,
) -> DemoResult:
    """Run the whole demo into ``directory`` (which becomes the data directory)."""
    from clausewatch.demo.mailsink import MailServer
    from clausewatch.demo.replay.server import ReplayServer
    from clausewatch.demo.replay.site import ReplaySite
    from core.errors import InputError
    from models.db import make_engine, upgrade
    from scrapers.sources import replay_config

    status = on_status or (lambda _message: None)
    directory = directory.expanduser().resolve()
    if directory.exists() and any(directory.iterdir()):
        raise InputError(f"the demo folder must be new or empty: {directory}")
    directory.mkdir(parents=True, exist_ok=True)
    statements = load_statements()
    steps = plan_steps(statements)
    outer_smtp = os.environ.get("CLAUSEWATCH_SMTP_HOST")

    with ExitStack() as stack:
        status("starting the replay of the official sites on loopback")
        replay = stack.enter_context(ReplayServer(ReplaySite.from_corpus()))
        sources_file = directory / "sources.yaml"
        sources_file.write_text(yaml.safe_dump(replay_config(replay.url)), encoding="utf-8")
        env = {
            "CLAUSEWATCH_DATA_DIR": str(directory),
            "CLAUSEWATCH_SOURCES_FILE": str(sources_file),
            "CLAUSEWATCH_ALLOWED_HOSTS": replay.allowed_host,
            "CLAUSEWATCH_RATE_LIMIT_PER_HOST": DEMO_RATE_LIMIT,
            "PREFECT_HOME": str(directory / "prefect"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
        env.pop("CLAUSEWATCH_DATABASE_URL", None)
        os.environ.pop("CLAUSEWATCH_DATABASE_URL", None)
        mail_dir: Path | None = None
        if not outer_smtp:
            mail_dir = directory / "mail"
            mail_dir.mkdir()
            sink = stack.enter_context(MailServer(eml_dir=mail_dir))
            env.update(
                {
                    "CLAUSEWATCH_SMTP_HOST": sink.host,
                    "CLAUSEWATCH_SMTP_PORT": str(sink.port),
                    "CLAUSEWATCH_SMTP_SECURITY": "none",
                }
            )
        stack.enter_context(_environment(env))
        url = get_settings().resolved_database_url
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()

        from models import open_history
        from models.outbox import subscribe

        history = open_history(url)
        with history.sessions.begin() as session:
            subscribe(session, DEMO_SUBSCRIBER, series_slug=DEMO_SERIES, min_severity="high")
        history.close()

        status("starting Prefect (ephemeral, in the demo folder)")
        from flows.alerts import deliver_alerts
        from flows.ephemeral import patient_ephemeral_server
        from flows.track import track_statements

        stack.enter_context(patient_ephemeral_server())

        results: list[StepResult] = []
        before = _history_figures(url)
        for step in steps:
            replay.as_of = step.day
            report = track_statements(since=step.since, until=step.day, lexical=lexical)
            after = _history_figures(url)
            totals = report.totals()
            result = StepResult(
                step=step,
                statements=after["statements"] - before["statements"],
                versions=after["versions"] - before["versions"],
                comparisons=after["comparisons"] - before["comparisons"],
                flagged=after["flagged"] - before["flagged"],
                new_versions=totals["new versions"],
                not_modified=totals["not modified"],
                errors=totals["errors"],
                flagged_lines=[_flag_line(f) for f in report.flagged],
            )
            results.append(result)
            if on_step:
                on_step(result)
            before = after

        status("delivering alerts")
        delivery = deliver_alerts()
        sent = len(delivery.get("sent", []))

        status("writing the report and the timeline chart")
        report_path, timeline_path = _write_outputs(url, directory)
    return DemoResult(directory, results, sent, mail_dir, report_path, timeline_path)


def _flag_line(item: dict[str, Any]) -> str:
    label = item.get("label") or item.get("key") or "?"
    return f"{item.get('status', '?')}: {label}"


def _write_outputs(url: str, directory: Path) -> tuple[Path, Path]:
    from clausewatch.analyst.chart import render_png
    from clausewatch.analyst.report import render_report
    from models import open_history
    from models.analysis import commitment_timeline, series_comparisons

    history = open_history(url)
    try:
        with history.sessions() as session:
            timeline = commitment_timeline(session, DEMO_SERIES, "en")
            comparisons = series_comparisons(session, DEMO_SERIES, "en")
    finally:
        history.close()
    chart = render_png(timeline)
    timeline_path = directory / "timeline-ncg.png"
    timeline_path.write_bytes(chart)
    report_path = directory / "report-ncg.html"
    report_path.write_text(render_report(timeline, comparisons, chart), encoding="utf-8")
    return report_path, timeline_path
