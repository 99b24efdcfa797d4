"""Source health: check each source's listing and newest statement, judge, remember, alert.

``check_sources`` is what ``clausewatch sources check`` and the ``check-sources`` flow run:
for each source it fetches the first listing page (``listing_probe``) and the newest
statement listed there, records the health facts of both fetches, and turns them into a
verdict (``scrapers.health.verdict``). When a source's verdict differs from the one
recorded before, the change is stored as a source event and one operator alert per
operator subscription is queued in the same transaction — so a source that stays broken
sends nothing more, and one that recovers sends one "recovered" mail.

The tracking run records the same facts for every page it reads (``pipeline/tracking.py``)
and judges each source from them at its end (:func:`judge_run`), so a redesign is noticed
by the first run after it, not only by the daily check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.errors import ClausewatchError, FetchError, ParseError, RefusedError
from core.settings import Settings
from core.vocabulary import Verdict
from models import History, store
from models.outbox import enqueue_health_alerts
from scrapers.base import ListingItem, SourceAdapter, get_adapter
from scrapers.health import (
    FIELDS,
    BodyNorm,
    Diagnosis,
    body_shape,
    fallback_fields,
    implausible,
    one_line,
    verdict,
)
from scrapers.http import PoliteClient
from scrapers.sources import SourceConfig


@dataclass
class SourceCheck:
    """One source's check: what the listing and the newest statement gave, and the verdict."""

    source: str
    listing_url: str = ""
    listing_items: int | None = None
    listing_error: str | None = None
    article_url: str | None = None
    article_title: str | None = None
    article_error: str | None = None
    provenance: dict[str, str] = field(default_factory=dict)
    body_chars: int | None = None
    paragraphs: int | None = None
    median_chars: float | None = None
    refusals: list[str] = field(default_factory=list)
    verdict: Verdict = Verdict.BROKEN
    reasons: list[str] = field(default_factory=list)
    last_good: dt.datetime | None = None
    #: The verdict recorded before this check (None: never checked or no history).
    previous: str | None = None
    alerts_queued: int = 0

    @property
    def listing_cell(self) -> str:
        """The table's "listing" column: OK (n items), or what went wrong."""
        if self.listing_error is not None:
            return "FAILED"
        if not self.listing_items:
            return "EMPTY (0 items)"
        return f"OK ({self.listing_items} items)"

    @property
    def article_cell(self) -> str:
        """The table's "article" column: which fields came from the adapter or the fallback."""
        if self.article_url is None:
            return "-"
        if self.article_error is not None:
            return "FAILED"
        used = fallback_fields(self.provenance)
        state = "REFUSED" if self.refusals else "OK"
        if not used:
            return f"{state}: all from adapter"
        return f"{state}: {'+'.join(used)} from fallback"

    @property
    def reason(self) -> str:
        """The verdict's reasons as one sentence-like line."""
        return "; ".join(self.reasons) if self.reasons else "every field from the adapter"

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``clausewatch sources check --format json`` (docs/operators.md)."""
        return {
            "source": self.source,
            "verdict": str(self.verdict),
            "previous": self.previous,
            "reasons": list(self.reasons),
            "listing": {
                "url": self.listing_url,
                "items": self.listing_items,
                "error": self.listing_error,
            },
            "article": {
                "url": self.article_url,
                "title": self.article_title,
                "error": self.article_error,
                "fields": {f: self.provenance.get(f) for f in FIELDS},
                "body_chars": self.body_chars,
                "paragraphs": self.paragraphs,
                "median_chars": self.median_chars,
                "refusals": list(self.refusals),
            },
            "last_good_fetch": self.last_good.isoformat() if self.last_good else None,
            "alerts_queued": self.alerts_queued,
        }


class SourcesUnhealthy(ClausewatchError):
    """Raised by the ``check-sources`` flow when any source is degraded or broken."""

    def __init__(self, sources: Sequence[str]) -> None:
        super().__init__(f"not healthy: {', '.join(sources)} (see the source-health artifact)")
        self.sources = list(sources)


def newest(items: Sequence[ListingItem]) -> ListingItem:
    """The newest item of a listing (the first one among equals, as listed)."""
    return max(items, key=lambda i: i.published or dt.date.min)


def _robots(exc: BaseException) -> str:
    return "disallowed" if isinstance(exc, RefusedError) and "robots" in str(exc) else "allowed"


def _error(exc: BaseException) -> str:
    return one_line(str(exc) if isinstance(exc, ClausewatchError) else f"{type(exc).__name__}")


def check_source(
    slug: str,
    client: PoliteClient,
    history: History | None = None,
    *,
    sources: Mapping[str, SourceConfig] | None = None,
    now: dt.datetime | None = None,
) -> SourceCheck:
    """Fetch ``slug``'s first listing page and newest statement (at the base URLs of
    ``sources``; None: the live sites), judge them and (with a history) record the facts and
    the verdict, queuing operator alerts on a change."""
    now = now or dt.datetime.now(dt.UTC)
    adapter = get_adapter(slug, sources)
    check = SourceCheck(slug)
    facts: list[dict[str, Any]] = []
    url, read = adapter.listing_probe()
    check.listing_url = url
    items: list[ListingItem] = []
    try:
        page = client.fetch(url, source=slug)
        items = read(page.body, page.final_url or url)
        check.listing_items = len(items)
        facts.append(
            {
                "kind": "listing",
                "url": url,
                "status": page.status,
                "redirects": len(page.redirects),
                "items": len(items),
            }
        )
    except (FetchError, ParseError) as exc:
        check.listing_error = _error(exc)
        facts.append(
            {
                "kind": "listing",
                "url": url,
                "status": getattr(exc, "status", None),
                "robots": _robots(exc),
                "outcome": "error",
                "note": check.listing_error,
            }
        )
    norm = _norm(history, slug)
    if items:
        facts.append(_check_article(check, adapter, client, newest(items), norm))
    check.verdict, check.reasons = verdict(
        Diagnosis(
            listing_items=check.listing_items,
            listing_error=check.listing_error,
            article_url=check.article_url,
            article_error=check.article_error,
            provenance=check.provenance,
            refusals=check.refusals,
            shape=body_shape_reasons(check, norm),
        )
    )
    if history is not None:
        _remember(history, check, facts, now)
    return check


def body_shape_reasons(check: SourceCheck, norm: BodyNorm) -> list[str]:
    """The body-size reasons for a check whose statement was read and believed."""
    if check.article_error is not None or check.refusals or check.body_chars is None:
        return []
    return body_shape(check.body_chars, norm)


def _norm(history: History | None, slug: str) -> BodyNorm:
    if history is None:
        return BodyNorm()
    with history.sessions() as session:
        return BodyNorm.of(store.recent_bodies(session, slug))


def _check_article(
    check: SourceCheck,
    adapter: SourceAdapter,
    client: PoliteClient,
    item: ListingItem,
    norm: BodyNorm,
) -> dict[str, Any]:
    check.article_url = item.url
    fact: dict[str, Any] = {"kind": "article", "url": item.url}
    if norm.trusted:
        fact.update(median_chars=norm.chars, median_paragraphs=norm.paragraphs)
        check.median_chars = norm.chars
    try:
        page = client.fetch(item.url, source=adapter.slug)
        fact.update(status=page.status, redirects=len(page.redirects))
        statement = adapter.parse_statement(page.body, page.final_url or item.url)
    except (FetchError, ParseError) as exc:
        check.article_error = _error(exc)
        fact.update(
            status=fact.get("status") or getattr(exc, "status", None),
            robots=_robots(exc),
            outcome="error",
            note=check.article_error,
        )
        return fact
    check.article_title = statement.title
    check.provenance = dict(statement.provenance)
    check.body_chars = len(statement.text)
    check.paragraphs = len(statement.paragraphs)
    owner = statement_languages(adapter, item)
    check.refusals = implausible(
        statement,
        listed_title=item.title,
        listed_date=item.published,
        archived=item.original_url is not None,
        languages=owner,
        norm=norm,
    )
    fact.update(
        {f"{f}_from": statement.provenance.get(f) for f in FIELDS},
        body_chars=check.body_chars,
        paragraphs=check.paragraphs,
        outcome="refused" if check.refusals else "ok",
        note="; ".join(check.refusals) or None,
    )
    return fact


def statement_languages(adapter: SourceAdapter, item: ListingItem) -> tuple[str, ...]:
    """The languages the publisher of ``item`` writes in (the archive's owner for captures)."""
    if item.original_url:
        from scrapers.base import adapter_for_url

        return adapter_for_url(item.original_url).languages
    return adapter.languages


def _remember(
    history: History, check: SourceCheck, facts: list[dict[str, Any]], now: dt.datetime
) -> None:
    with history.sessions.begin() as session:
        for fact in facts:
            store.record_fetch_health(session, check.source, origin="check", fetched_at=now, **fact)
        check.previous = store.ensure_source(session, check.source).health
        event = store.set_source_health(
            session, check.source, str(check.verdict), check.reason, at=now
        )
        if event is not None:
            check.alerts_queued = enqueue_health_alerts(session, event.id)
        check.last_good = store.last_good_fetch(session, check.source)


def judge_run(
    history: History, source: str, since: dt.datetime, *, now: dt.datetime | None = None
) -> SourceCheck | None:
    """The verdict the facts a tracking run recorded since ``since`` give for ``source``,
    recorded like a check's (a change queues operator alerts); None when the run read no
    statement page and its listing was fine, which says nothing either way."""
    with history.sessions() as session:
        facts = [
            (f.kind, f.outcome, f.items, f.note, {x: getattr(f, f"{x}_from") for x in FIELDS})
            for f in store.health_facts(session, since=since, slugs=[source])
            if f.origin == "track"
        ]
    listings = [f for f in facts if f[0] == "listing"]
    articles = [f for f in facts if f[0] == "article"]
    if not listings:
        return None
    _, outcome, items, note, _ = listings[0]
    check = SourceCheck(source, listing_items=items)
    if outcome == "error":
        check.listing_error = note or "unreadable"
    elif items and not articles:
        return None
    errors = [a[3] or "unreadable" for a in articles if a[1] == "error"]
    check.article_error = errors[0] if errors else None
    check.refusals = [a[3] or "refused" for a in articles if a[1] == "refused"]
    if articles:
        check.article_url = "(this run's pages)"
        used = {x for a in articles for x, origin in a[4].items() if origin == "fallback"}
        check.provenance = {x: "fallback" if x in used else "adapter" for x in FIELDS}
    check.verdict, check.reasons = verdict(
        Diagnosis(
            listing_items=check.listing_items,
            listing_error=check.listing_error,
            article_url=check.article_url,
            article_error=check.article_error,
            provenance=check.provenance,
            refusals=check.refusals,
        )
    )
    _remember(history, check, [], now or dt.datetime.now(dt.UTC))
    return check


def check_sources(
    slugs: Sequence[str],
    client: PoliteClient,
    history: History | None = None,
    *,
    sources: Mapping[str, SourceConfig] | None = None,
) -> list[SourceCheck]:
    """Check each source in turn (see :func:`check_source`)."""
    return [check_source(slug, client, history, sources=sources) for slug in slugs]


def run_checks(settings: Settings, names: Sequence[str] | None = None) -> list[SourceCheck]:
    """Check the named sources (default: every enabled one) with a client built from
    ``settings``, recording into the history when there is one; raises InputError for an
    unknown name."""
    from core.errors import ConfigError
    from models import open_history
    from pipeline.tracking import select_sources
    from scrapers.sources import load_sources, source_hosts

    sources = load_sources(settings.sources_file)
    slugs = select_sources(names, sources)
    try:
        history: History | None = open_history(settings.resolved_database_url)
    except ConfigError:
        history = None  # no history yet: judge, but remember nothing
    try:
        with PoliteClient.from_settings(settings, source_hosts(sources)) as client:
            return check_sources(slugs, client, history, sources=sources)
    finally:
        if history is not None:
            history.close()


def check_table(checks: Sequence[SourceCheck]) -> str:
    """The checks as the fixed-width table ``clausewatch sources check`` prints."""
    header = ("source", "listing", "article", "last good fetch", "verdict", "reason")
    rows = [
        (
            c.source,
            c.listing_cell,
            c.article_cell,
            c.last_good.strftime("%Y-%m-%d %H:%M") if c.last_good else "-",
            str(c.verdict),
            c.reason,
        )
        for c in checks
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)) + "  " + cells[-1]

    return "\n".join([line(header), *(line(r) for r in rows)])
