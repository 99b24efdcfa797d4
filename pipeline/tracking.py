"""One tracking or backfill run, stage by stage, in plain Python.

A run opens its resources once (:class:`TrackingRun`: the settings' source configuration,
the history, one polite client and one WARC archive). :func:`track` is the whole run — the
order of the stages, the per-source counts, the error handling — and runs each stage
through a :class:`Stages` table: :data:`DIRECT_STAGES` calls the functions below one after
the other; ``flows/track.py`` hands a table of Prefect tasks (fetches submitted
concurrently), so ``clausewatch run``, ``backfill``, the demo and a deployment all go
through this one function. The stages:

    select_sources / tracking_window     validate what was asked, before any request
    discover                             the statement pages a source lists in the window
    capture_page                         fetch (conditional) → WARC record → capture row
    extract                              parse → plausibility → series match → a
                                         StatementInput, or None
    stages.store_statement / compare_version

Health facts (ADR 0100): discovery records what the first listing page held, and
extraction records, for every page read, which fields came from the adapter or the generic
fallback and how its body compares with the source's recent median. An extraction that
leaned on the fallback and is not plausible is refused (ParseError): nothing wrong is
stored. When rok-mnd's listing is broken (unreachable, or listing nothing; a robots.txt
refusal is not broken but a decision to respect), its statements are discovered from
korea.kr's copy and the Wayback Machine's captures instead, and stored under their real
provenance (``LISTING_FALLBACKS``).

Healing after a crash: a page is fetched conditionally only when its document is already
in the history. A run killed after capturing a page but before storing it therefore gets
the full page again next time instead of a 304 with nothing to store (ADR 0071).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Generic, TypeVar

from clauses.encoder import configure_encoder
from core.errors import (
    ClausewatchError,
    ConfigError,
    FetchError,
    InputError,
    ParseError,
    RefusedError,
)
from core.series import SeriesDefinition, match_series
from core.settings import Settings
from core.vocabulary import FLAGGED_COMMITMENT_STATUSES
from models import History, open_history, store
from pipeline import catalog
from pipeline.parallel import (
    Pending,
    StatementResult,
    dead_worker_results,
    error_line,
    gather,
    history_url,
    parallel_allowed,
    series_groups,
    series_pool,
)
from pipeline.stages import ComparisonOutcome, StatementInput, StoreOutcome, store_statement
from pipeline.stages import compare_version as compare_stored_version
from scrapers.archive import CaptureArchive
from scrapers.base import (
    ListingItem,
    ListingRecorder,
    SourceAdapter,
    Statement,
    adapter_classes,
    adapter_for_url,
    get_adapter,
)
from scrapers.health import FIELDS, BodyNorm, implausible, one_line
from scrapers.http import PoliteClient
from scrapers.sources import SourceConfig, default_sources, load_sources, source_hosts

T = TypeVar("T")

#: Where a source's statements are found when its own listing is broken, in order: an
#: aggregator's copy (its own source, its own URL) and the Wayback Machine's captures.
LISTING_FALLBACKS: dict[str, tuple[str, ...]] = {"rok-mnd": ("korea-kr", "wayback")}
#: The korea.kr feed that carries MND's releases.
KOREA_KR_MND_FEED = "/rss/dept_mnd.xml"

#: How far back a scheduled run looks when no window is given: listings are read newest
#: first, and a statement edited silently weeks after publication is still caught.
DEFAULT_LOOKBACK_DAYS = 30
#: Seoul is ahead of UTC: a statement dated "tomorrow" in UTC can already be out there.
FUTURE_GRACE_DAYS = 1
#: How long after a window's end an archive capture may still show a statement of it.
WAYBACK_CAPTURE_SLACK_DAYS = 60


def known_series(
    history: History | None = None, *, database_url: str | None = None
) -> dict[str, SeriesDefinition]:
    """The series a run can store, by slug: built-in and the history's user series.

    Without ``history`` the one at ``database_url`` is read; when there is none (yet), only
    the built-in series exist (a user series lives in the history).
    """
    if history is not None:
        return {d.slug: d for d in catalog.all_series(history)}
    try:
        if database_url is None:
            raise ConfigError("no history given")
        opened = open_history(database_url)
    except ConfigError:
        return {d.slug: d for d in catalog.all_series(None)}
    try:
        return {d.slug: d for d in catalog.all_series(opened)}
    finally:
        opened.close()


def tracked_series(
    definitions: Sequence[SeriesDefinition], series: str | None
) -> list[SeriesDefinition]:
    """The series a run looks for: all of them, or only ``series`` (the one filter)."""
    if series is None:
        return list(definitions)
    return [d for d in definitions if d.slug == series]


def select_sources(
    names: Sequence[str] | None, sources: Mapping[str, SourceConfig] | None = None
) -> list[str]:
    """The sources to read: those named, or every one enabled in ``sources`` (None: the
    defaults, all enabled); raises InputError if a name is unknown."""
    registered = list(adapter_classes())
    if not names:
        configs = sources if sources is not None else default_sources()
        return [slug for slug in registered if configs[slug].enabled]
    unknown = [n for n in names if n not in registered]
    if unknown:
        raise InputError(
            f"unknown source {', '.join(repr(u) for u in unknown)}; known: {', '.join(registered)}"
        )
    return list(dict.fromkeys(names))


def tracking_window(
    since: dt.date | None,
    until: dt.date | None,
    *,
    today: dt.date | None = None,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
) -> tuple[dt.date, dt.date]:
    """The (since, until) window, defaults filled in; raises InputError when it is unusable."""
    today = today or dt.datetime.now(dt.UTC).date()
    latest = today + dt.timedelta(days=FUTURE_GRACE_DAYS)
    until = until or today
    since = since or until - dt.timedelta(days=lookback_days)
    if since > until:
        raise InputError(f"since ({since}) is after until ({until})")
    if since > latest or until > latest:
        raise InputError(f"the window {since}..{until} is in the future (today is {today})")
    return since, until


def check_series(
    series: str | None, history: History | None = None, *, database_url: str | None = None
) -> str | None:
    """``series`` if it names a known series (or is None); raises InputError otherwise."""
    if series is None:
        return None
    known = known_series(history, database_url=database_url)
    if series not in known:
        raise InputError(f"unknown series {series!r}; known: {', '.join(known)}")
    return series


def check_backfill(
    source: str,
    since: dt.date,
    until: dt.date,
    series: str | None,
    *,
    today: dt.date | None = None,
    database_url: str | None = None,
) -> tuple[list[str], dt.date, dt.date]:
    """The source list and window of a backfill request (series checked against the history
    at ``database_url``); raises InputError when unusable."""
    sources = select_sources([source])
    check_series(series, database_url=database_url)
    start, end = tracking_window(since, until, today=today)
    return sources, start, end


@dataclass(frozen=True)
class PageCapture:
    """One statement page after fetching: its capture row and, unless unchanged, its body."""

    url: str
    source: str
    status: int
    not_modified: bool
    capture_id: int | None = None
    body: bytes = b""
    final_url: str = ""
    #: For an unchanged page: the latest version of its document (compared again to heal).
    version_id: int | None = None
    original_url: str | None = None
    #: What the listing said about the page: the plausibility check compares with it.
    listed_title: str = ""
    listed_date: dt.date | None = None
    redirects: int = 0


@dataclass
class SourceCounts:
    """What one source produced in a run (one row of the per-source table artifact)."""

    source: str
    discovered: int = 0
    fetched: int = 0
    not_modified: int = 0
    new_versions: int = 0
    errors: int = 0
    error: str | None = None

    @property
    def failed(self) -> bool:
        """Whether the source produced nothing because of errors."""
        return self.error is not None

    def row(self) -> dict[str, Any]:
        """The table row: source, discovered, fetched, not modified, new versions, errors."""
        return {
            "source": self.source,
            "discovered": self.discovered,
            "fetched": self.fetched,
            "not modified": self.not_modified,
            "new versions": self.new_versions,
            "errors": self.errors,
        }


@dataclass
class RunReport:
    """Everything a run did: counts per source, what was added and the flagged changes."""

    since: dt.date
    until: dt.date
    counts: dict[str, SourceCounts] = field(default_factory=dict)
    added: list[dict[str, Any]] = field(default_factory=list)
    flagged: list[dict[str, Any]] = field(default_factory=list)
    #: Statements read that matched no tracked series: source, date, language, title, URL.
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    #: Alerts put in the outbox for the flagged changes (0 when no subscription matched).
    alerts_queued: int = 0

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The per-source table, one row per source in the order they were read."""
        return [c.row() for c in self.counts.values()]

    @property
    def all_failed(self) -> bool:
        """Whether every source failed (the only case a run ends Failed)."""
        return bool(self.counts) and all(c.failed for c in self.counts.values())

    def totals(self) -> dict[str, int]:
        """The columns of :attr:`rows` summed over sources."""
        keys = ("discovered", "fetched", "not modified", "new versions", "errors")
        return {k: sum(int(r[k]) for r in self.rows) for k in keys}


class TrackingRun:
    """The resources of one run, built from ``settings`` unless handed in (source
    configuration, history, polite client, WARC archive); closes what it opened on exit.

    Raises ConfigError when the history or the sources file cannot be used.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        sources: Mapping[str, SourceConfig] | None = None,
        history: History | None = None,
        client: PoliteClient | None = None,
        archive: CaptureArchive | None = None,
    ) -> None:
        self._owned: list[Any] = []
        configure_encoder(settings)
        # The sources file is read once per run; every stage uses this mapping.
        self.sources = sources if sources is not None else load_sources(settings.sources_file)
        self.history = history or self._own(open_history(settings.resolved_database_url))
        self.client = client or self._own(
            PoliteClient.from_settings(settings, source_hosts(self.sources))
        )
        self.archive = archive or self._own(CaptureArchive(settings.warc_dir))
        #: The operator's own lexicon families, read by the store and compare stages.
        self.lexicon_dir = settings.lexicon_dir
        #: Every series as the run starts: a definition added mid-run waits for the next.
        self.series: list[SeriesDefinition] = catalog.all_series(self.history)
        #: Statements read in this run that matched no tracked series (for the artifact).
        self.unmatched: list[dict[str, Any]] = []

    def _own(self, resource: Any) -> Any:
        self._owned.append(resource)
        return resource

    def close(self) -> None:
        """Close what this run opened (not what it was handed)."""
        for resource in reversed(self._owned):
            resource.close()
        self._owned.clear()

    def __enter__(self) -> TrackingRun:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def discover(
    run: TrackingRun,
    source: str,
    since: dt.date,
    until: dt.date,
    *,
    use_wayback: bool = False,
) -> list[ListingItem]:
    """The statement pages ``source`` lists in the window, or with ``use_wayback`` the
    archive's captures of its hosts; raises FetchError or ParseError."""
    if use_wayback:
        from scrapers.sources import SOURCE_HOSTS
        from scrapers.wayback import Wayback

        wayback = get_adapter("wayback", run.sources)
        assert isinstance(wayback, Wayback)
        # Capture dates trail publication: a statement is often first archived weeks later.
        until_captured = until + dt.timedelta(days=WAYBACK_CAPTURE_SLACK_DAYS)
        items = [
            item
            for host in SOURCE_HOSTS[source]
            for item in wayback.backfill(run.client, host + "/", since, until_captured)
        ]
    else:
        items = _discover_with_fallbacks(run, source, since, until)
    # A page listed twice (feed and listing, two boards) is read once.
    return list({item.url: item for item in items}.values())


def _discover_with_fallbacks(
    run: TrackingRun, source: str, since: dt.date, until: dt.date
) -> list[ListingItem]:
    recorder = ListingRecorder(run.client)
    failure: ClausewatchError | None = None
    try:
        items = get_adapter(source, run.sources).discover(recorder, since, until)
    except (FetchError, ParseError) as exc:
        items, failure = [], exc
    first = recorder.pages[0] if recorder.pages else None
    fact: dict[str, Any] = {"kind": "listing", "url": first.url if first else ""}
    if first is not None:
        fact.update(status=first.status, items=first.items)
    if failure is not None:
        fact.update(
            url=failure.url or fact["url"],
            status=getattr(failure, "status", None),
            outcome="error",
            note=one_line(str(failure)),
            robots="disallowed"
            if isinstance(failure, RefusedError) and "robots" in str(failure)
            else "allowed",
        )
    # A refusal (robots.txt, the allowlist) is a decision, not a breakage: no detour
    # around it. An unreachable or empty listing is what the fallbacks are for.
    refused = isinstance(failure, RefusedError)
    broken = (failure is not None and not refused) or (first is not None and first.items == 0)
    if broken and source in LISTING_FALLBACKS:
        items, via = _fallback_items(run, source, since, until)
        fact.update(
            via="+".join(via) or "none",
            note=one_line(
                f"listing broken ({fact.get('note') or 'no items'}); "
                f"{len(items)} items from {', '.join(via) or 'no fallback'} instead"
            ),
        )
        _record_fact(run.history, source, fact)
        return items
    _record_fact(run.history, source, fact)
    if failure is not None:
        raise failure
    return items


def _fallback_items(
    run: TrackingRun, source: str, since: dt.date, until: dt.date
) -> tuple[list[ListingItem], list[str]]:
    from scrapers.korea_kr import KoreaKr
    from scrapers.sources import SOURCE_HOSTS
    from scrapers.wayback import Wayback

    items: list[ListingItem] = []
    used: list[str] = []
    for name in LISTING_FALLBACKS[source]:
        try:
            if name == "korea-kr":
                aggregator = get_adapter("korea-kr", run.sources)
                assert isinstance(aggregator, KoreaKr)
                aggregator.feeds = (KOREA_KR_MND_FEED,)
                found = aggregator.discover(run.client, since, until)
            else:
                wayback = get_adapter("wayback", run.sources)
                assert isinstance(wayback, Wayback)
                until_captured = until + dt.timedelta(days=WAYBACK_CAPTURE_SLACK_DAYS)
                found = [
                    item
                    for host in SOURCE_HOSTS[source]
                    for item in wayback.backfill(run.client, host + "/", since, until_captured)
                ]
        except (FetchError, ParseError):
            continue
        if found:
            used.append(name)
            items += found
    return items, used


def _record_fact(history: History, source: str, fact: dict[str, Any]) -> None:
    with history.sessions.begin() as session:
        store.record_fetch_health(session, source, origin="track", **fact)


def series_candidates(
    run: TrackingRun, items: Sequence[ListingItem], series: str | None
) -> list[ListingItem]:
    """The listed pages whose title could belong to a tracked series (or to ``series``).

    Official boards list hundreds of unrelated releases for every joint statement; a title
    that names no tracked series is not fetched at all (ADR 0075). Undated or untitled
    items (archive captures) are always fetched.
    """
    rules = tracked_series(run.series, series)
    return [item for item in items if any(rule.may_list(item.title) for rule in rules)]


def document_url(run: TrackingRun, item: ListingItem) -> str:
    """The URL the page's document is stored under (the publisher's, not the replay's)."""
    if item.original_url:
        return item.original_url
    return get_adapter(item.source, run.sources).canonical(item.url)


def capture_page(run: TrackingRun, item: ListingItem) -> PageCapture:
    """Fetch one page, archive it to WARC and record the capture; raises FetchError.

    The GET is conditional only when the page's document is already stored: a 304 then
    means "nothing new" with certainty, and the latest version is handed on to be
    compared again (a no-op unless an earlier run died between storing and comparing).
    """
    etag = last_modified = None
    known_version: int | None = None
    with run.history.sessions() as session:
        document = store.document_by_url(session, document_url(run, item))
        if document is not None:
            latest = store.latest_version(session, document.id)
            if latest is not None:
                known_version = latest.id
                etag, last_modified = store.last_validators(session, item.url)
    result = run.client.fetch(item.url, etag=etag, last_modified=last_modified, source=item.source)
    with run.history.sessions.begin() as session:
        source_id = store.ensure_source(session, item.source).id
        if result.not_modified:
            capture_id = store.add_capture(
                session,
                url=item.url,
                source_id=source_id,
                status=result.status,
                etag=result.etag or etag,
                last_modified=result.last_modified or last_modified,
            )
            return PageCapture(
                item.url,
                item.source,
                result.status,
                True,
                capture_id,
                final_url=result.final_url,
                version_id=known_version,
                original_url=item.original_url,
                listed_title=item.title,
                listed_date=item.published,
                redirects=len(result.redirects),
            )
    # The WARC record is made durable before the row that points at it is committed.
    archived = run.archive.write(result)
    with run.history.sessions.begin() as session:
        capture_id = store.add_capture(
            session,
            url=item.url,
            source_id=store.ensure_source(session, item.source).id,
            status=result.status,
            etag=result.etag,
            last_modified=result.last_modified,
            sha256=archived.sha256,
            content_type=result.content_type,
            warc_path=str(archived.path),
            warc_offset=archived.offset,
            warc_length=archived.length,
            warc_record_id=archived.record_id,
        )
    return PageCapture(
        item.url,
        item.source,
        result.status,
        False,
        capture_id,
        body=result.body,
        final_url=result.final_url,
        original_url=item.original_url,
        listed_title=item.title,
        listed_date=item.published,
        redirects=len(result.redirects),
    )


def extract(
    run: TrackingRun, page: PageCapture, series: str | None = None
) -> StatementInput | None:
    """The statement on a captured page, or None when it belongs to no tracked series
    (or not to ``series``; then it is listed in ``run.unmatched``); raises ParseError, also
    when the page leaned on the generic fallback and what it gave is not plausible. The
    page's health facts are recorded, and the source's recent median body length taken
    into account (ADR 0100)."""
    adapter = get_adapter(page.source, run.sources)
    statement = _plausible_statement(run, adapter, page)
    publisher = page.source
    if page.original_url:
        # An archived copy belongs to the source that published it.
        publisher = adapter_for_url(page.original_url, sources=run.sources).slug
    rule = match_series(
        statement.title,
        statement.text,
        statement.language,
        tracked_series(run.series, series),
        source=publisher,
    )
    if rule is None:
        run.unmatched.append(
            {
                "source": publisher,
                "published": str(statement.published),
                "language": statement.language,
                "title": statement.title,
                "url": statement.canonical_url,
            }
        )
        return None
    return StatementInput(
        url=statement.canonical_url,
        source=publisher,
        text=statement.text,
        language=statement.language,
        title=statement.title,
        published=statement.published,
        series=rule.slug,
        series_title=rule.title,
        series_rules=rule.to_dict(),
        capture_id=page.capture_id,
        source_base_url=run.sources[publisher].base_url,
    )


def _plausible_statement(run: TrackingRun, adapter: SourceAdapter, page: PageCapture) -> Statement:
    """Parse the page, record its health facts, refuse an implausible fallback extraction."""
    history = run.history
    fact: dict[str, Any] = {
        "kind": "article",
        "url": page.url,
        "status": page.status,
        "redirects": page.redirects,
    }
    try:
        statement = adapter.parse_statement(page.body, page.final_url or page.url)
    except ParseError as exc:
        _record_fact(history, page.source, {**fact, "outcome": "error", "note": str(exc)})
        raise
    with history.sessions() as session:
        norm = BodyNorm.of(store.recent_bodies(session, page.source))
    owner = (
        adapter_for_url(page.original_url, sources=run.sources) if page.original_url else adapter
    )
    refusals = implausible(
        statement,
        listed_title=page.listed_title,
        listed_date=page.listed_date,
        archived=page.original_url is not None,
        languages=owner.languages,
        norm=norm,
    )
    fact.update({f"{f}_from": statement.provenance.get(f) for f in FIELDS})
    fact.update(
        body_chars=len(statement.text),
        paragraphs=len(statement.paragraphs),
        median_chars=norm.chars if norm.trusted else None,
        median_paragraphs=norm.paragraphs if norm.trusted else None,
        outcome="refused" if refusals else "ok",
        note="; ".join(refusals) or None,
    )
    _record_fact(history, page.source, fact)
    if refusals:
        raise ParseError(
            "refused to store what the generic fallback extracted: " + "; ".join(refusals),
            source=page.source,
            url=page.url,
        )
    return statement


def in_window(statement: StatementInput, since: dt.date, until: dt.date) -> bool:
    """Whether a statement was published in the window (undated ones are kept)."""
    return statement.published is None or since <= statement.published <= until


def chronological(statements: Iterable[StatementInput]) -> list[StatementInput]:
    """Statements oldest first, each URL once, so a series is compared in publication order."""
    unique = {s.url: s for s in statements}
    return sorted(
        unique.values(),
        key=lambda s: (s.published or dt.date.min, s.language or "", s.url),
    )


def added_row(statement: StatementInput, outcome: StoreOutcome) -> dict[str, Any]:
    """One row of the "what was added" table for a stored statement."""
    return {
        "published": str(statement.published or ""),
        "source": statement.source,
        "language": statement.language or "",
        "title": statement.title or "",
        "new document": outcome.new_document,
        "version id": outcome.version_id,
        "url": statement.url,
    }


def flagged_changes(
    history: History, outcomes: Sequence[ComparisonOutcome]
) -> list[dict[str, Any]]:
    """The flagged commitment changes (with evidence) of comparisons created in this run."""
    flagged: list[dict[str, Any]] = []
    with history.sessions() as session:
        for outcome in outcomes:
            if not outcome.created or not outcome.commitment_changes:
                continue
            row = store.get_comparison(session, outcome.comparison_id)
            if row is None:
                continue
            comparison = store.comparison_dict(session, row)
            for change in comparison.get("commitments", []):
                if change.get("status") in FLAGGED_COMMITMENT_STATUSES:
                    flagged.append(
                        {
                            "comparison": outcome.comparison_id,
                            "kind": outcome.kind,
                            "severity": outcome.severity,
                            "old": comparison.get("old", {}),
                            "new": comparison.get("new", {}),
                            **change,
                        }
                    )
    return flagged


def record_status(run: TrackingRun, source: str, error: str | None) -> None:
    """Record a source's success (``error`` None) or its error in the history."""
    with run.history.sessions.begin() as session:
        store.record_source_status(session, source, error=error)


HEALTH_COLUMNS: tuple[str, ...] = (
    "source",
    "kind",
    "via",
    "status",
    "redirects",
    "robots",
    "items",
    "title",
    "date",
    "body",
    "language",
    "body chars",
    "median chars",
    "outcome",
    "note",
    "url",
)


def health_rows(history: History, since: dt.datetime) -> list[dict[str, Any]]:
    """The health facts recorded since ``since`` as rows of the run's "fetch-health" table."""
    with history.sessions() as session:
        return [
            dict(
                zip(
                    HEALTH_COLUMNS,
                    (
                        f.source.slug,
                        f.kind,
                        f.via,
                        f.status,
                        f.redirects,
                        f.robots,
                        f.items,
                        f.title_from,
                        f.date_from,
                        f.body_from,
                        f.language_from,
                        f.body_chars,
                        round(f.median_chars) if f.median_chars else None,
                        f.outcome,
                        f.note,
                        f.url,
                    ),
                    strict=True,
                )
            )
            for f in store.health_facts(session, since=since)
        ]


def flagged_markdown(report: RunReport) -> str:
    """The markdown artifact: each flagged commitment change with its evidence."""
    lines = [f"# Flagged commitment changes, {report.since} to {report.until}", ""]
    if not report.flagged:
        lines.append("No commitment was dropped, added, weakened or strengthened in this run.")
        return "\n".join(lines) + "\n"
    for change in report.flagged:
        old, new = change.get("old", {}), change.get("new", {})
        lines += [
            f"## {change.get('status', '?')}: {change.get('label') or change.get('key')}",
            "",
            f"- comparison {change['comparison']} ({change['kind']}, "
            f"severity {change.get('severity') or 'none'})",
            f"- from: {old.get('title', '?')} ({old.get('language', '?')})",
            f"- to: {new.get('title', '?')} ({new.get('language', '?')})",
        ]
        strengths = (change.get("strength_old"), change.get("strength_new"))
        if any(strengths):
            lines.append(f"- strength: {strengths[0] or '-'} → {strengths[1] or '-'}")
        for label, key in (("before", "old_evidence"), ("after", "new_evidence")):
            if change.get(key):
                lines.append(f"- {label}: > {change[key]}")
        lines.append("")
    return "\n".join(lines)


class TrackingFailed(ClausewatchError):
    """Raised when every source of a run failed; carries the run's report."""

    def __init__(self, report: RunReport) -> None:
        reasons = "; ".join(f"{c.source}: {c.error}" for c in report.counts.values())
        super().__init__(f"every source failed: {reasons}")
        self.report = report


def _store_side_by_side(
    run: TrackingRun,
    report: RunReport,
    ordered: Sequence[StatementInput],
    groups: Sequence[Sequence[StatementInput]],
    by_url: Mapping[str, str],
    stages: Stages,
    log: logging.Logger | logging.LoggerAdapter[Any],
    *,
    lexical: bool,
    workers: int,
) -> list[ComparisonOutcome]:
    """Store and compare each series group in ``stages.ingest_series``, then count the
    results in publication order (the report reads as a serial run's would)."""
    log.info(
        "storing %d statements of %d series with %d workers", len(ordered), len(groups), workers
    )
    results: dict[str, StatementResult] = {}
    for group, done in zip(
        groups, stages.ingest_series(run, groups, lexical, workers), strict=True
    ):
        results.update((r.url, r) for r in done)
        log.info(
            "series %s: %d stored, %d new versions, %d errors",
            group[0].series or "(none)",
            sum(1 for r in done if r.stored is not None),
            sum(1 for r in done if r.stored is not None and r.stored.new_version),
            sum(1 for r in done if r.error is not None),
        )
    outcomes: list[ComparisonOutcome] = []
    for statement in ordered:
        counts = report.counts[by_url[statement.url]]
        result = results[statement.url]
        if result.stored is None:
            counts.errors += 1
            log.error("%s: storing %s failed: %s", counts.source, statement.url, result.error)
            continue
        outcomes += result.comparisons
        if result.stored.new_version:
            counts.new_versions += 1
            report.added.append(added_row(statement, result.stored))
    return outcomes


# -- the whole run -----------------------------------------------------------------------


@dataclass(frozen=True)
class Deferred(Generic[T]):
    """A stage call made when its result is asked for (the plain-Python runner)."""

    call: Callable[[], T]

    def result(self) -> T:
        """Run the stage now; raises what it raises."""
        return self.call()


def ingest_in_processes(
    run: TrackingRun,
    groups: Sequence[Sequence[StatementInput]],
    lexical: bool,
    workers: int,
    **pool_options: Any,
) -> list[list[StatementResult]]:
    """Each series group stored and compared in a pool of ``workers`` processes, handed out
    longest first, results in the order of ``groups`` (``pool_options``: see
    :class:`SeriesPool`)."""
    url = history_url(run.history)
    with series_pool(min(workers, len(groups)), **pool_options) as pool:
        return gather(
            [len(g) for g in groups],
            lambda i: pool.submit(url, groups[i], lexical, lexicon_dir=run.lexicon_dir),
            lambda i, exc: dead_worker_results(groups[i], exc),
        )


@dataclass(frozen=True)
class Stages:
    """How :func:`track` runs each stage; discover and fetch may run concurrently, and the
    series of a run side by side (``ingest_series``, with more than one worker)."""

    discover: Callable[[TrackingRun, str, dt.date, dt.date, bool], Pending[list[ListingItem]]]
    fetch: Callable[[TrackingRun, ListingItem], Pending[PageCapture]]
    extract: Callable[[TrackingRun, PageCapture, str | None], StatementInput | None]
    store: Callable[[TrackingRun, StatementInput, bool], StoreOutcome]
    compare: Callable[[TrackingRun, int, bool], list[ComparisonOutcome]]
    flagged_changes: Callable[[TrackingRun, list[ComparisonOutcome]], list[dict[str, Any]]]
    record_status: Callable[[TrackingRun, str, str | None], None]
    ingest_series: Callable[
        [TrackingRun, Sequence[Sequence[StatementInput]], bool, int],
        list[list[StatementResult]],
    ] = ingest_in_processes


def _discover_later(
    run: TrackingRun, source: str, since: dt.date, until: dt.date, use_wayback: bool
) -> Deferred[list[ListingItem]]:
    return Deferred(lambda: discover(run, source, since, until, use_wayback=use_wayback))


def _fetch_later(run: TrackingRun, item: ListingItem) -> Deferred[PageCapture]:
    return Deferred(lambda: capture_page(run, item))


def _store(run: TrackingRun, statement: StatementInput, lexical: bool) -> StoreOutcome:
    return store_statement(run.history, statement, lexicon_dir=run.lexicon_dir, lexical=lexical)


def _compare(run: TrackingRun, version_id: int, lexical: bool) -> list[ComparisonOutcome]:
    return compare_stored_version(
        run.history, version_id, lexical=lexical, lexicon_dir=run.lexicon_dir
    )


def _flagged(run: TrackingRun, outcomes: list[ComparisonOutcome]) -> list[dict[str, Any]]:
    return flagged_changes(run.history, outcomes)


#: Every stage called in turn, in this process (no Prefect).
DIRECT_STAGES = Stages(
    discover=_discover_later,
    fetch=_fetch_later,
    extract=extract,
    store=_store,
    compare=_compare,
    flagged_changes=_flagged,
    record_status=record_status,
)

_log = logging.getLogger(__name__)


def track(
    run: TrackingRun,
    sources: Sequence[str],
    since: dt.date,
    until: dt.date,
    *,
    lexical: bool = False,
    series: str | None = None,
    use_wayback: bool = False,
    stages: Stages = DIRECT_STAGES,
    log: logging.Logger | logging.LoggerAdapter[Any] = _log,
    workers: int = 1,
) -> RunReport:
    """Run every stage for ``sources`` over the window and report what each source did.

    The network stages fan out — every source is discovered and every page fetched
    (concurrently when ``stages`` submits them) — and the history stages funnel:
    statements are stored and compared one by one, oldest first, so a series is compared
    in publication order whatever the order pages arrived in. With ``workers`` above one
    on PostgreSQL, series go side by side in that many processes, each series still in
    order (ADR 0108); SQLite stays serial. A failing source or page is counted and
    logged, never raised; the caller decides what an all-failed run means.
    """
    report = RunReport(since, until)
    statements: list[tuple[str, StatementInput]] = []
    healing: list[int] = []
    discovered = {s: stages.discover(run, s, since, until, use_wayback) for s in sources}
    fetches: dict[str, list[Pending[PageCapture]]] = {}
    for source, pending in discovered.items():
        counts = report.counts[source] = SourceCounts(source)
        try:
            items = pending.result()
        except Exception as exc:
            counts.error = error_line(exc)
            counts.errors += 1
            log.warning("%s: discovery failed: %s", source, counts.error)
            continue
        items = series_candidates(run, items, series)
        counts.discovered = len(items)
        log.info("%s: %d statement pages listed from %s to %s", source, len(items), since, until)
        fetches[source] = [stages.fetch(run, item) for item in items]

    for source, pages in fetches.items():
        counts = report.counts[source]
        last_error = None
        for fetched in pages:
            try:
                page = fetched.result()
                if page.not_modified:
                    counts.not_modified += 1
                    if page.version_id is not None:
                        healing.append(page.version_id)
                    continue
                counts.fetched += 1
                statement = stages.extract(run, page, series)
            except Exception as exc:
                counts.errors += 1
                last_error = error_line(exc)
                log.warning("%s: %s", source, last_error)
                continue
            if statement is not None and in_window(statement, since, until):
                statements.append((source, statement))
        if pages and counts.errors == len(pages):
            counts.error = f"every page failed; last: {last_error}"
        log.info(
            "%s: %d fetched, %d not modified, %d errors",
            source,
            counts.fetched,
            counts.not_modified,
            counts.errors,
        )

    outcomes: list[ComparisonOutcome] = []
    for version_id in healing:
        outcomes += stages.compare(run, version_id, lexical)
    by_url = {statement.url: source for source, statement in statements}
    ordered = chronological(s for _, s in statements)
    groups = series_groups(ordered)
    if workers > 1 and len(groups) > 1:
        if parallel_allowed(run.history, workers):
            outcomes += _store_side_by_side(
                run, report, ordered, groups, by_url, stages, log, lexical=lexical, workers=workers
            )
            ordered = []
        else:
            log.info(
                "%d workers asked, storing serially: SQLite takes one writer at a time", workers
            )
    for number, statement in enumerate(ordered, 1):
        counts = report.counts[by_url[statement.url]]
        try:
            stored = stages.store(run, statement, lexical)
            outcomes += stages.compare(run, stored.version_id, lexical)
        except Exception as exc:
            counts.errors += 1
            log.error("%s: storing %s failed: %s", counts.source, statement.url, exc)
            continue
        if stored.new_version:
            counts.new_versions += 1
            report.added.append(added_row(statement, stored))
        log.info(
            "stored %d/%d: %s (%s)%s",
            number,
            len(ordered),
            statement.title,
            statement.published,
            " — new version" if stored.new_version else "",
        )
    report.flagged = stages.flagged_changes(run, outcomes)
    report.alerts_queued = sum(o.alerts_queued for o in outcomes)
    report.unmatched = list(run.unmatched)
    for source, counts in report.counts.items():
        stages.record_status(run, source, counts.error)
    log.info("done: %s", ", ".join(f"{k} {v}" for k, v in report.totals().items()))
    return report
