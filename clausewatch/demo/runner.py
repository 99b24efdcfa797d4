"""The offline demo: two and a half years of NCG and SCM statements replayed through the pipeline.

Everything is local: the replay of the official sites on a free loopback port, a SQLite
history in the demo folder, Prefect's ephemeral API in that folder, and an SMTP sink that
writes each message as an ``.eml`` file (unless ``CLAUSEWATCH_SMTP_HOST`` names a real
server). Time is replayed: the site is served as it stood on each step's date and the real
``track-statements`` flow runs as the scheduler would have run it that day.

The demo's settings are the user's (``CLAUSEWATCH_*``) with the demo folder, the replay and
the sink put in; they are handed to the flows (``flows/settings.py``), never written to
``os.environ``. Only Prefect's own variables are set for the run: its ephemeral server is a
subprocess that reads them from the environment.
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

from clausewatch.demo.corpus import CorpusStatement, load_all_series
from core.settings import get_settings

DEMO_SUBSCRIBER = "analyst@demo.clausewatch.invalid"
# Loopback serves the replay instantly; the polite 1 request/s would make the demo slow
# without making it any more honest about the live sites.
DEMO_RATE_LIMIT = 1000.0


@dataclass(frozen=True)
class Step:
    """One simulated day: the site as of ``day``, tracked over (since, until)."""

    day: dt.date
    label: str
    since: dt.date
    #: The series whose meeting or edit the day is about (None: a quiet day).
    series: str | None = None


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
    #: The same figures per series (statements, versions, comparisons, flagged).
    by_series: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Titles of the pages read that matched no series (the run's unmatched artifact).
    unmatched: list[str] = field(default_factory=list)


@dataclass
class DemoResult:
    """The whole run: per-step results, mail sent and the files written."""

    directory: Path
    steps: list[StepResult]
    mail_sent: int
    mail_dir: Path | None
    report: Path
    timeline: Path
    #: Every series' report and timeline chart (``report``/``timeline`` are the first's).
    reports: dict[str, Path] = field(default_factory=dict)
    timelines: dict[str, Path] = field(default_factory=dict)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def plan_steps(statements: list[CorpusStatement]) -> list[Step]:
    """The simulated days, from the corpus: each meeting of each series, a quiet day and
    the silent edit."""
    meetings: dict[tuple[str, int], tuple[dt.date, str]] = {}
    edits: list[tuple[dt.date, CorpusStatement]] = []
    for s in statements:
        if s.edit_of and s.edited:
            edits.append((s.edited, s))
            continue
        if s.meeting is None:
            continue
        key = (s.series or "", s.meeting)
        # The day after the last release of a meeting: both languages are out by then.
        last = max(meetings.get(key, (s.published, ""))[0], s.published)
        meetings[key] = (last, s.meeting_label or s.series or "")
    days: list[tuple[dt.date, str, str | None]] = sorted(
        (published + dt.timedelta(days=1), f"{_ordinal(n)} {label} meeting", series or None)
        for (series, n), (published, label) in meetings.items()
    )
    if len(days) >= 2:
        # Half-way between the last two meetings nothing new is published: a run that finds
        # only unchanged pages (answered 304) must change nothing.
        a, b = days[-2][0], days[-1][0]
        days.append((a + (b - a) // 2, "a day with no change", None))
    for edited, s in edits:
        days.append((edited + dt.timedelta(days=1), f"silent edit of {s.edit_of}", s.series))
    days.sort(key=lambda d: (d[0], d[1]))
    steps: list[Step] = []
    previous: dt.date | None = None
    for day, label, series in days:
        # Each run looks back over the interval since the previous run (plus a margin), as
        # the 6-hourly schedule would have; the first run starts a month before.
        since = (previous or day - dt.timedelta(days=30)) - dt.timedelta(days=7)
        steps.append(Step(day, label, since, series))
        previous = day
    return steps


@contextmanager
def _prefect_environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def default_directory() -> Path:
    """A fresh folder under the data directory for one demo run."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return get_settings().data_dir / "demo" / stamp


def _history_figures(url: str) -> dict[str, dict[str, int]]:
    """Statements, versions, comparisons and flagged changes so far, per series slug."""
    from sqlalchemy import func, select

    from models import open_history
    from models.schema import CommitmentChange, Comparison, Document, Series, Version

    history = open_history(url)
    figures: dict[str, dict[str, int]] = {}

    def count(name: str, stmt: Any) -> None:
        for slug, n in session.execute(stmt.group_by(Series.slug)):
            figures.setdefault(slug, dict.fromkeys(FIGURES, 0))[name] = int(n)

    try:
        with history.sessions() as session:
            by_series = select(Series.slug, func.count()).join(
                Document, Document.series_id == Series.id
            )
            count("statements", by_series)
            count("versions", by_series.join(Version, Version.document_id == Document.id))
            compared = by_series.join(Version, Version.document_id == Document.id).join(
                Comparison, Comparison.new_version_id == Version.id
            )
            count("comparisons", compared)
            count(
                "flagged",
                compared.join(
                    CommitmentChange, CommitmentChange.comparison_id == Comparison.id
                ).where(CommitmentChange.status != "retained"),
            )
    finally:
        history.close()
    return figures


FIGURES = ("statements", "versions", "comparisons", "flagged")


def _difference(
    after: dict[str, dict[str, int]], before: dict[str, dict[str, int]]
) -> dict[str, dict[str, int]]:
    zero = dict.fromkeys(FIGURES, 0)
    return {
        slug: {k: after[slug][k] - before.get(slug, zero)[k] for k in FIGURES} for slug in after
    }


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
    if directory.exists() and not directory.is_dir():
        raise InputError(f"the demo folder is a file, not a folder: {directory}")
    if directory.exists() and any(directory.iterdir()):
        raise InputError(f"the demo folder must be new or empty: {directory}")
    directory.mkdir(parents=True, exist_ok=True)
    statements = load_all_series()
    steps = plan_steps(statements)
    series_slugs = list(dict.fromkeys(s.series for s in statements if s.series))
    user = get_settings()

    with ExitStack() as stack:
        status("starting the replay of the official sites on loopback")
        replay = stack.enter_context(ReplayServer(ReplaySite.from_corpus()))
        sources_file = directory / "sources.yaml"
        sources_file.write_text(yaml.safe_dump(replay_config(replay.url)), encoding="utf-8")
        demo: dict[str, Any] = {
            "data_dir": directory,
            # The history always lives in the demo folder, whatever the user's database.
            "database_url": None,
            "sources_file": sources_file,
            "allowed_hosts": [replay.allowed_host],
            "rate_limit_per_host": DEMO_RATE_LIMIT,
        }
        mail_dir: Path | None = None
        if not user.smtp_host:
            mail_dir = directory / "mail"
            mail_dir.mkdir()
            sink = stack.enter_context(MailServer(eml_dir=mail_dir))
            demo.update({"smtp_host": sink.host, "smtp_port": sink.port, "smtp_security": "none"})
        settings = user.model_copy(update=demo)
        prefect_env = {
            "PREFECT_HOME": str(directory / "prefect"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
        stack.enter_context(_prefect_environment(prefect_env))
        url = settings.resolved_database_url
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()

        from models import open_history
        from models.outbox import subscribe

        history = open_history(url)
        with history.sessions.begin() as session:
            # One analyst following every series: the default subscription.
            subscribe(session, DEMO_SUBSCRIBER, min_severity="high")
        history.close()

        status("starting Prefect (ephemeral, in the demo folder)")
        from flows.alerts import deliver_alerts
        from flows.ephemeral import patient_ephemeral_server
        from flows.settings import flow_settings_override
        from flows.track import track_statements

        stack.enter_context(patient_ephemeral_server())
        stack.enter_context(flow_settings_override(settings))

        results: list[StepResult] = []
        before = _history_figures(url)
        for step in steps:
            replay.as_of = step.day
            last = _last_ids(url)
            report = track_statements(since=step.since, until=step.day, lexical=lexical)
            _stamp_step(url, last, step.day)
            after = _history_figures(url)
            totals = report.totals()
            by_series = {
                slug: figures
                for slug, figures in _difference(after, before).items()
                if any(figures.values())
            }
            result = StepResult(
                step=step,
                statements=sum(f["statements"] for f in by_series.values()),
                versions=sum(f["versions"] for f in by_series.values()),
                comparisons=sum(f["comparisons"] for f in by_series.values()),
                flagged=sum(f["flagged"] for f in by_series.values()),
                new_versions=totals["new versions"],
                not_modified=totals["not modified"],
                errors=totals["errors"],
                flagged_lines=[_flag_line(f) for f in report.flagged],
                by_series=by_series,
                unmatched=[str(u.get("title", "")) for u in report.unmatched],
            )
            results.append(result)
            if on_step:
                on_step(result)
            before = after

        status("delivering alerts")
        delivery = deliver_alerts()
        sent = len(delivery.get("sent", []))

        status("writing a report and a timeline chart per series")
        reports, timelines = _write_outputs(url, directory, series_slugs)
    first = series_slugs[0]
    return DemoResult(
        directory, results, sent, mail_dir, reports[first], timelines[first], reports, timelines
    )


def _flag_line(item: dict[str, Any]) -> str:
    from core.vocabulary import language_name

    label = item.get("label") or item.get("key") or "?"
    old = (item.get("old") or {}).get("language")
    new = (item.get("new") or {}).get("language")
    # The English and Korean statements of a meeting often flag the same commitment.
    where = language_name(new)
    if item.get("kind") == "translation" or (old and old != new):
        where = f"{language_name(old)} -> {language_name(new)} translation"
    return f"{item.get('status', '?')}: {label} ({where})"


def _last_ids(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from models import open_history
    from models.schema import Capture, Comparison, Version

    history = open_history(url)
    try:
        with history.sessions() as session:
            return {
                table.__tablename__: session.scalar(select(func.max(table.id))) or 0
                for table in (Version, Capture, Comparison)
            }
    finally:
        history.close()


def _stamp_step(url: str, after: dict[str, int], day: dt.date) -> None:
    """Stamp what a step stored with its simulated day, not the real clock.

    The replay serves the site as it stood on ``day``; without this the silent edit of
    2025-12-15 read "seen" a few seconds after the original in ``history``.
    """
    from sqlalchemy import update

    from models import open_history
    from models.schema import Capture, Comparison, Version

    at = dt.datetime.combine(day, dt.time(0, 0), dt.UTC)
    history = open_history(url)
    try:
        with history.sessions.begin() as session:
            session.execute(
                update(Version).where(Version.id > after["version"]).values(created_at=at)
            )
            session.execute(
                update(Capture).where(Capture.id > after["capture"]).values(fetched_at=at)
            )
            session.execute(
                update(Comparison).where(Comparison.id > after["comparison"]).values(created_at=at)
            )
    finally:
        history.close()


def _write_outputs(
    url: str, directory: Path, series_slugs: list[str]
) -> tuple[dict[str, Path], dict[str, Path]]:
    from clausewatch.analyst.chart import render_png
    from clausewatch.analyst.report import render_report
    from models import open_history
    from models.analysis import commitment_timeline, series_comparisons

    reports: dict[str, Path] = {}
    timelines: dict[str, Path] = {}
    history = open_history(url)
    try:
        for slug in series_slugs:
            with history.sessions() as session:
                timeline = commitment_timeline(session, slug, "en")
                comparisons = series_comparisons(session, slug, "en")
            chart = render_png(timeline)
            timelines[slug] = directory / f"timeline-{slug}.png"
            timelines[slug].write_bytes(chart)
            reports[slug] = directory / f"report-{slug}.html"
            reports[slug].write_text(render_report(timeline, comparisons, chart), encoding="utf-8")
    finally:
        history.close()
    return reports, timelines
