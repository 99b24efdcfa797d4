"""The stages after a statement is extracted: store, compare, flag, queue alerts.

Each public function is one pipeline stage that a Prefect task (flows/) or a command
calls. They hold no text logic of their own (that is ``clauses/``) and touch the database
only through ``models/``. Every stage is idempotent: running it again adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.language import detect_language
from core.vocabulary import (
    FLAGGED_COMMITMENT_STATUSES,
    TRANSLATION_WINDOW_DAYS,
    comparison_kind,
)
from models import History, store
from models.outbox import enqueue_alerts

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from clauses import Encoder
    from models.schema import Document


@dataclass(frozen=True)
class StatementInput:
    """An extracted statement, ready to store."""

    url: str
    source: str
    text: str
    language: str | None = None
    title: str | None = None
    published: dt.date | None = None
    series: str | None = None
    series_title: str | None = None
    series_rules: dict[str, Any] | None = None
    capture_id: int | None = None
    source_kind: str = "official"
    source_base_url: str | None = None


@dataclass(frozen=True)
class StoreOutcome:
    """What storing a statement did; ``mirror`` when it was another URL's copy."""

    document_id: int
    version_id: int
    new_document: bool
    new_version: bool
    mirror: bool = False


@dataclass(frozen=True)
class ComparisonOutcome:
    """One comparison a new version took part in."""

    comparison_id: int
    kind: str
    severity: str | None
    created: bool
    alerts_queued: int
    commitment_changes: int


def normalized_text(text: str) -> str:
    """The statement text as stored: display-normalized, paragraphs kept."""
    from clauses import normalize_display

    paragraphs = [normalize_display(p) for p in text.replace("\r\n", "\n").split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def store_statement(
    history: History, statement: StatementInput, *, lexicon_dir: Path | None = None
) -> StoreOutcome:
    """Store a statement's document and, when its text changed, a new version with clauses
    (commitments read with the operator's families in ``lexicon_dir``; None: bundled only)."""
    from clauses import find_commitments, segment
    from clauses.derived import support_key, support_stamp
    from pipeline.catalog import series_lexicon

    text = normalized_text(statement.text)
    language = statement.language or detect_language(text)
    clauses = segment(text, language)
    key = support_key(clauses, language)
    mentions = find_commitments(
        clauses, language, series_lexicon(history, statement.series, lexicon_dir)
    )
    rows = [store.ClauseRow(c.position, c.paragraph, c.text, c.key) for c in clauses]
    with history.sessions.begin() as session:
        source = store.ensure_source(
            session,
            statement.source,
            kind=statement.source_kind,
            base_url=statement.source_base_url,
        )
        series_id = None
        if statement.series:
            series_id = store.ensure_series(
                session, statement.series, statement.series_title, statement.series_rules
            ).id
        if (
            series_id is not None
            and statement.published is not None
            and store.document_by_url(session, statement.url) is None
        ):
            mirror = store.find_mirror(
                session,
                series_id=series_id,
                language=language,
                published=statement.published,
                sha256=store.text_sha256(text),
            )
            if mirror is not None:
                latest = store.latest_version(session, mirror.id)
                assert latest is not None
                return StoreOutcome(mirror.id, latest.id, False, False, mirror=True)
        document, new_document = store.ensure_document(
            session,
            url=statement.url,
            source_id=source.id,
            language=language,
            series_id=series_id,
            title=statement.title,
            published=statement.published,
        )
        # The key is the document language's: a document first stored under another
        # language than this statement claims is segmented in that one when compared.
        same_language = document.language == language
        version, new_version = store.add_version(
            session,
            document.id,
            text,
            rows,
            capture_id=statement.capture_id,
            support_key=key if same_language else None,
            support_stamp=support_stamp() if same_language else None,
        )
        if new_version:
            store.save_mentions(
                session,
                version.id,
                [
                    {
                        "key": m.key,
                        "label": m.label,
                        "strength": m.strength,
                        "evidence": m.evidence,
                        "position": m.position,
                    }
                    for m in mentions
                ],
            )
        return StoreOutcome(document.id, version.id, new_document, new_version)


@dataclass(frozen=True)
class _Pair:
    old_version_id: int
    new_version_id: int
    kind: str


def _pairs_for(history: History, version_id: int) -> tuple[list[_Pair], str | None]:
    """Which comparisons a version takes part in, and its series slug."""
    pairs: list[_Pair] = []
    with history.sessions() as session:
        version = store.get_version(session, version_id)
        if version is None:
            raise LookupError(f"no version {version_id}")
        document = version.document
        series_slug = document.series.slug if document.series else None
        before = store.previous_version(session, version)
        if before is not None:
            pairs.append(_Pair(before.id, version.id, "revision"))
        latest = store.latest_version(session, document.id)
        if latest is None or latest.id != version.id:
            # An older version: its neighbours were compared with the newer one.
            return pairs, series_slug
        predecessor = _predecessor(session, document)
        if predecessor is not None:
            old = store.latest_version(session, predecessor.id)
            if old is not None:
                pairs.append(_Pair(old.id, version.id, "successor"))
        successor = store.next_in_series(session, document) or _other_language_neighbour(
            document, store.next_in_series(session, document, any_language=True)
        )
        if successor is not None:
            new = store.latest_version(session, successor.id)
            if new is not None:
                pairs.append(_Pair(version.id, new.id, "successor"))
        partner = store.translation_partner(session, document, TRANSLATION_WINDOW_DAYS)
        if partner is not None:
            other = store.latest_version(session, partner.id)
            if other is not None:
                # Canonical order (English first) so either arrival order stores one pair.
                if document.language <= partner.language:
                    pairs.append(_Pair(version.id, other.id, "translation"))
                else:
                    pairs.append(_Pair(other.id, version.id, "translation"))
    return pairs, series_slug


def _predecessor(session: Session, document: Document) -> Document | None:
    """The statement a successor comparison pairs ``document`` with, as things stand."""
    return store.previous_in_series(session, document) or _other_language_neighbour(
        document, store.previous_in_series(session, document, any_language=True)
    )


def _other_language_neighbour(document: Document, neighbour: Document | None) -> Document | None:
    """The nearest statement of the series in the other language, if it is another meeting.

    A series whose statements only sometimes come in both languages (the 4th in English,
    the 5th in Korean) still has a successor; the nearest one may also be this meeting's
    translation, which the translation pair already covers.
    """
    if neighbour is None or neighbour.published is None or document.published is None:
        return None
    kind = comparison_kind(
        same_document=False,
        same_language=neighbour.language == document.language,
        days_apart=(document.published - neighbour.published).days,
        window=TRANSLATION_WINDOW_DAYS,
    )
    return neighbour if kind == "successor" else None


# How many earlier statements of the series count towards a phrase's support.
SUPPORT_HISTORY = 20


def _series_support(history: History, version_id: int) -> list[str]:
    """Phrase-support keys of the earlier statements of the same series and language.

    Keys stored under another engine's stamp (or none: a version stored before keys were)
    are computed from the stored text and written back for the next comparison.
    """
    from clauses import segment
    from clauses.derived import support_key, support_stamp

    stamp = support_stamp()
    with history.sessions() as session:
        version = store.get_version(session, version_id)
        assert version is not None
        language = version.document.language
        earlier = store.series_history(session, version.document, SUPPORT_HISTORY)
    keys: list[str] = []
    computed: dict[int, str] = {}
    for row in earlier:
        if row.support_stamp == stamp and row.support_key is not None:
            keys.append(row.support_key)
        else:
            computed[row.version_id] = support_key(segment(row.text, language), language)
            keys.append(computed[row.version_id])
    if computed:
        with history.sessions.begin() as session:
            store.save_support_keys(session, computed, stamp)
    return keys


def compare_pair(
    history: History,
    old_version_id: int,
    new_version_id: int,
    kind: str,
    *,
    lexical: bool = False,
    encoder: Encoder | None = None,
    lexicon_dir: Path | None = None,
) -> tuple[dict[str, Any], str | None]:
    """Align two stored versions; returns the comparison JSON and its severity."""
    from alerts.severity import comparison_severity
    from clauses import Clause, compare_clauses
    from pipeline.catalog import series_lexicon

    series_slug: str | None = None
    with history.sessions() as session:
        sides = []
        for vid in (old_version_id, new_version_id):
            version = store.get_version(session, vid)
            assert version is not None
            if version.document.series is not None:
                series_slug = version.document.series.slug
            sides.append(
                (
                    [
                        Clause(c.position, c.paragraph, c.text, c.match_key)
                        for c in store.version_clauses(session, vid)
                    ],
                    version.document.language,
                    version.document.title,
                )
            )
    result = compare_clauses(
        sides[0][0],
        sides[1][0],
        kind=kind,
        old_lang=sides[0][1],
        new_lang=sides[1][1],
        old_title=sides[0][2],
        new_title=sides[1][2],
        lexical=lexical,
        encoder=encoder,
        support=_series_support(history, new_version_id) if kind == "successor" else None,
        lexicon=series_lexicon(history, series_slug, lexicon_dir),
    ).to_dict()
    return result, comparison_severity(result)


def compare_version(
    history: History,
    version_id: int,
    *,
    lexical: bool = False,
    encoder: Encoder | None = None,
    lexicon_dir: Path | None = None,
) -> list[ComparisonOutcome]:
    """Compare a version with its previous version, series neighbours and translation.

    Each comparison is saved with its alert rows in one transaction, so an alert is
    never lost between the two and a repeated run adds nothing.
    """
    pairs, series_slug = _pairs_for(history, version_id)
    outcomes: list[ComparisonOutcome] = []
    for pair in pairs:
        with history.sessions() as session:
            found = store.find_comparison(
                session, pair.old_version_id, pair.new_version_id, pair.kind
            )
            if found is not None:
                outcomes.append(
                    ComparisonOutcome(found.id, found.kind, found.severity, False, 0, 0)
                )
                continue
        result, severity = compare_pair(
            history,
            pair.old_version_id,
            pair.new_version_id,
            pair.kind,
            lexical=lexical,
            encoder=encoder,
            lexicon_dir=lexicon_dir,
        )
        flagged = [c for c in result["commitments"] if c["status"] in FLAGGED_COMMITMENT_STATUSES]
        with history.sessions.begin() as session:
            if pair.kind == "successor" and not _still_adjacent(session, pair):
                # A statement between the two was stored while this pair was compared
                # (out-of-order or racing imports): the pair is stale, never save or alert it.
                continue
            comparison, created = store.save_comparison(
                session, pair.old_version_id, pair.new_version_id, result, severity=severity
            )
            queued = 0
            # A silent edit re-compares the statement with its predecessor; the changes
            # since the predecessor were already alerted then, the edit alerts on its own.
            repeat = (
                pair.kind == "successor"
                and store.earlier_comparison_between(session, comparison) is not None
            )
            if created and pair.kind != "translation" and not repeat:
                queued = enqueue_alerts(
                    session,
                    comparison.id,
                    severity=severity,
                    series_slug=series_slug,
                    commitment_keys=[c["key"] for c in flagged],
                )
        outcomes.append(
            ComparisonOutcome(comparison.id, pair.kind, severity, created, queued, len(flagged))
        )
    if series_slug is not None:
        # After this version's own comparisons are saved: a statement inserted into the
        # middle of its series replaces the comparison that spanned it. Run by every
        # compare, so whichever of two racing imports commits last cleans up after both.
        with history.sessions.begin() as session:
            version = store.get_version(session, version_id)
            if version is not None and version.document.series_id is not None:
                retire_stale_successors(session, version.document.series_id)
    return outcomes


def retire_stale_successors(session: Session, series_id: int) -> int:
    """Retire the series' successor comparisons whose sides are no longer neighbours (a
    statement was stored between them); returns how many (ADR 0076)."""
    retired = 0
    for comparison_id, old_document_id, new_document in store.successor_comparisons(
        session, series_id
    ):
        predecessor = _predecessor(session, new_document)
        if predecessor is None or predecessor.id != old_document_id:
            store.retire_comparison(
                session, comparison_id, "superseded: a statement between was added"
            )
            retired += 1
    return retired


def _still_adjacent(session: Session, pair: _Pair) -> bool:
    old = store.get_version(session, pair.old_version_id)
    new = store.get_version(session, pair.new_version_id)
    if old is None or new is None:
        return False
    predecessor = _predecessor(session, new.document)
    return predecessor is not None and predecessor.id == old.document_id


def ingest(
    history: History,
    statements: Sequence[StatementInput],
    *,
    lexical: bool = False,
    lexicon_dir: Path | None = None,
) -> list[tuple[StoreOutcome, list[ComparisonOutcome]]]:
    """Store then compare each statement, in order (the ``import`` command's whole job)."""
    results = []
    for statement in statements:
        outcome = store_statement(history, statement, lexicon_dir=lexicon_dir)
        comparisons = compare_version(
            history, outcome.version_id, lexical=lexical, lexicon_dir=lexicon_dir
        )
        results.append((outcome, comparisons))
    return results
