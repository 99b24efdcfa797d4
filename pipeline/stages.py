"""The stages after a statement is extracted: store, compare, flag, queue alerts.

Each public function is one pipeline stage that a Prefect task (flows/) or a command
calls. They hold no text logic of their own (that is ``clauses/``) and touch the database
only through ``models/``. Every stage is idempotent: running it again adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.language import detect_language
from core.vocabulary import FLAGGED_COMMITMENT_STATUSES
from models import History, store
from models.outbox import enqueue_alerts

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from clauses import CachedEncoder, Encoder
    from models.schema import Version


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
    history: History,
    statement: StatementInput,
    *,
    lexicon_dir: Path | None = None,
    lexical: bool = False,
) -> StoreOutcome:
    """Store a statement's document and, when its text changed, a new version with clauses
    (commitments read with the operator's families in ``lexicon_dir``; None: bundled only).

    Unless ``lexical`` (a run that never loads the encoder), the new version's clause
    vectors from the bundled encoder are stored with it (ADR 0107); a lexical run stores
    none, and the first comparison that encodes the version writes them back.
    """
    from clauses import find_commitments, segment
    from clauses.derived import embedding_stamp, support_key, support_stamp
    from pipeline.catalog import series_lexicon

    text = normalized_text(statement.text)
    language = statement.language or detect_language(text)
    clauses = segment(text, language)
    key = support_key(clauses, language)
    # One read session for the series' lexicon and the latest stored version.
    with history.reads() as session:
        lexicon = series_lexicon(history, statement.series, lexicon_dir, session)
        unchanged = not lexical and _seed_from_latest(session, statement.url, text)
    mentions = find_commitments(clauses, language, lexicon)
    vectors = None if lexical or unchanged else bundled_vectors([c.text for c in clauses])
    rows = [
        store.ClauseRow(
            c.position, c.paragraph, c.text, c.key, vectors[i] if vectors is not None else None
        )
        for i, c in enumerate(clauses)
    ]
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
        known = store.document_by_url(session, statement.url)
        if known is None and series_id is not None and statement.published is not None:
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
            known=known,
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
            embedding_stamp=embedding_stamp() if vectors is not None else None,
            first=new_document,
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


def _seed_from_latest(session: Session, url: str, text: str) -> bool:
    """Whether ``text`` is already the latest version at ``url`` (nothing will be stored,
    so nothing is encoded: a re-fetched page never loads the encoder for nothing).

    Otherwise the latest version's stored vectors are offered to the bundled encoder first,
    so a fresh process encodes only the clauses an edit changed; a text this process encoded
    before keeps the vector it had (the comparisons of this run then use the very vectors
    stored).
    """
    from clauses import default_encoder

    latest = store.latest_version_at(session, url)
    if latest is None:
        return False
    if latest.sha256 == store.text_sha256(text):
        return True
    _seed_stored_vectors(session, default_encoder(), {latest.id: latest.embedding_stamp})
    return False


def bundled_vectors(texts: Sequence[str]) -> list[bytes]:
    """The unit vectors of ``texts`` from the bundled encoder as ``clause.embedding`` bytes."""
    from clauses import default_encoder
    from clauses.derived import pack_vectors

    if not texts:
        return []
    return pack_vectors(default_encoder().encode(list(texts)))


def _seed_stored_vectors(
    session: Session, encoder: CachedEncoder, stamps: Mapping[int, str | None]
) -> set[int]:
    """Give ``encoder`` the stored clause vectors of the versions in ``stamps`` (version id →
    its ``embedding_stamp``) made by the running encoder; returns the ids whose vectors are
    missing, stale or damaged (to be encoded and written back)."""
    from clauses.derived import embedding_stamp

    current = [vid for vid, stamp in stamps.items() if stamp == embedding_stamp()]
    stale = set(stamps) - set(current)
    for vid, clauses in store.clauses_by_version(session, current).items():
        if not _seed_clauses(encoder, clauses):
            stale.add(vid)
    return stale


def _seed_clauses(encoder: CachedEncoder, clauses: Sequence[Any]) -> bool:
    """Seed ``encoder`` with one version's stored clause rows (``models.schema.Clause``);
    False when any vector is missing or damaged (nothing is seeded then)."""
    from clauses.derived import stored_vectors

    vectors = stored_vectors([c.embedding for c in clauses])
    if vectors is None:
        return False
    if clauses:
        encoder.seed([c.text for c in clauses], vectors)
    return True


def _bundled_encoder(lexical: bool, encoder: Encoder | None) -> CachedEncoder | None:
    """The bundled encoder when a comparison would use it (its vectors are the ones the
    history keeps); None in lexical mode or with another encoder handed in."""
    if lexical:
        return None
    from clauses import default_encoder

    bundled = default_encoder()
    return bundled if encoder is None or encoder is bundled else None


def use_stored_vectors(history: History, version_ids: Iterable[int]) -> set[int]:
    """Seed the bundled encoder with the stored clause vectors of ``version_ids`` (those made
    by the running encoder), so that comparing them encodes only what is missing; returns
    the ids with missing, stale or damaged vectors. Reads only (a read-only history works).
    """
    from clauses import default_encoder

    ids = sorted(set(version_ids))
    with history.reads() as session:
        stamps = store.version_embedding_stamps(session, ids)
        return _seed_stored_vectors(session, default_encoder(), stamps)


def _vectors_from_history(loaded: _Loaded, bundled: CachedEncoder | None) -> None:
    """Seed ``bundled`` with the loaded versions' stored vectors; the others are noted in
    ``loaded.stale_vectors`` for ``_vectors_to_write``."""
    from clauses.derived import embedding_stamp

    if bundled is None:
        return
    stamp = embedding_stamp()
    for vid, version in loaded.versions.items():
        clauses = loaded.clauses.get(vid, [])
        if version.embedding_stamp != stamp or not _seed_clauses(bundled, clauses):
            loaded.stale_vectors.add(vid)


def _vectors_to_write(
    loaded: _Loaded, bundled: CachedEncoder | None
) -> dict[int, list[tuple[int, bytes]]]:
    """The vectors of the versions with stale or missing ones that the comparisons encoded
    (every clause text now in the encoder's cache), as ``store.save_clause_vectors`` takes
    them. A version no comparison encoded (a lexical revision) stays as it was."""
    from clauses.derived import pack_vectors

    written: dict[int, list[tuple[int, bytes]]] = {}
    if bundled is None:
        return written
    for vid in sorted(loaded.stale_vectors):
        clauses = loaded.clauses.get(vid, [])
        vectors = bundled.known([c.text for c in clauses])
        if vectors is not None and clauses:
            written[vid] = list(zip([c.id for c in clauses], pack_vectors(vectors), strict=True))
    return written


@dataclass(frozen=True)
class _Pair:
    old_version_id: int
    new_version_id: int
    kind: str


def _pairs_for(session: Session, version_id: int) -> tuple[list[_Pair], str | None, int | None]:
    """Which comparisons a version takes part in, its series slug and series id."""
    pairs: list[_Pair] = []
    version = store.versions_with_documents(session, [version_id]).get(version_id)
    if version is None:
        raise LookupError(f"no version {version_id}")
    document = version.document
    series_slug = document.series.slug if document.series else None
    before = store.previous_version(session, version)
    if before is not None:
        pairs.append(_Pair(before.id, version.id, "revision"))
    placed = (
        store.series_documents(session, document.series_id)
        if document.series_id is not None
        else []
    )
    here = store.PlacedDocument(document.id, document.language, document.published)
    predecessor = store.predecessor_among(placed, here) if placed else None
    successor = store.successor_among(placed, here) if placed else None
    partner = store.partner_among(placed, here) if placed else None
    latest = store.latest_version_ids(
        session,
        [document.id, *(d for d in (predecessor, successor, partner) if d is not None)],
    )
    if latest.get(document.id) != version.id:
        # An older version: its neighbours were compared with the newer one.
        return pairs, series_slug, document.series_id
    if predecessor is not None and predecessor in latest:
        pairs.append(_Pair(latest[predecessor], version.id, "successor"))
    if successor is not None and successor in latest:
        pairs.append(_Pair(version.id, latest[successor], "successor"))
    if partner is not None and partner in latest:
        other = latest[partner]
        # Canonical order (English first) so either arrival order stores one pair.
        partner_language = next(d.language for d in placed if d.id == partner)
        if document.language <= partner_language:
            pairs.append(_Pair(version.id, other, "translation"))
        else:
            pairs.append(_Pair(other, version.id, "translation"))
    return pairs, series_slug, document.series_id


# How many earlier statements of the series count towards a phrase's support.
SUPPORT_HISTORY = 20


def _series_support(session: Session, version: Version, written: dict[int, str]) -> list[str]:
    """Phrase-support keys of the earlier statements of the same series and language.

    Keys stored under another engine's stamp (or none: a version stored before keys were)
    are computed from the stored text and added to ``written`` to be stored back.
    """
    from clauses import segment
    from clauses.derived import support_key, support_stamp

    stamp = support_stamp()
    language = version.document.language
    keys: list[str] = []
    for row in store.series_history(session, version.document, SUPPORT_HISTORY):
        if row.support_stamp == stamp and row.support_key is not None:
            keys.append(row.support_key)
        else:
            if row.version_id not in written:
                written[row.version_id] = support_key(segment(row.text, language), language)
            keys.append(written[row.version_id])
    return keys


@dataclass
class _Loaded:
    """What the comparisons of one version read from the history before computing."""

    versions: dict[int, Version]
    clauses: dict[int, list[Any]]
    support: dict[int, list[str]]
    written: dict[int, str]
    # Versions whose stored clause vectors could not be used (ADR 0107).
    stale_vectors: set[int] = field(default_factory=set)


def _load(session: Session, pairs: Sequence[_Pair]) -> _Loaded:
    ids = {i for p in pairs for i in (p.old_version_id, p.new_version_id)}
    versions = store.versions_with_documents(session, ids)
    clauses = store.clauses_by_version(session, ids)
    written: dict[int, str] = {}
    support = {
        p.new_version_id: _series_support(session, versions[p.new_version_id], written)
        for p in pairs
        if p.kind == "successor" and p.new_version_id in versions
    }
    return _Loaded(versions, clauses, support, written)


def _compare_pair(
    pair: _Pair,
    loaded: _Loaded,
    lexicon: list[Any],
    *,
    lexical: bool,
    encoder: Encoder | None,
) -> tuple[dict[str, Any], str | None]:
    """Align a pair's two versions from what ``compare_version`` read (``loaded``) with the
    series' commitments (``lexicon``); returns the comparison JSON and its severity."""
    from alerts.severity import comparison_severity
    from clauses import Clause, compare_clauses

    sides = []
    for vid in (pair.old_version_id, pair.new_version_id):
        version = loaded.versions[vid]
        sides.append(
            (
                [Clause(c.position, c.paragraph, c.text, c.match_key) for c in loaded.clauses[vid]],
                version.document.language,
                version.document.title,
            )
        )
    result = compare_clauses(
        sides[0][0],
        sides[1][0],
        kind=pair.kind,
        old_lang=sides[0][1],
        new_lang=sides[1][1],
        old_title=sides[0][2],
        new_title=sides[1][2],
        lexical=lexical,
        encoder=encoder,
        support=loaded.support.get(pair.new_version_id) if pair.kind == "successor" else None,
        lexicon=lexicon,
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

    Everything is read first, then computed, then saved in one transaction with the alert
    rows and the retired comparisons: an alert is never lost, a killed process leaves no
    part of the version's comparisons, and a repeated run adds nothing.
    """
    from clauses.derived import embedding_stamp, support_stamp
    from pipeline.catalog import series_lexicon

    # One read session for the pairs and what they need (one pool checkout, not two).
    with history.reads() as session:
        pairs, series_slug, series_id = _pairs_for(session, version_id)
        found = {
            pair: store.find_comparison(
                session, pair.old_version_id, pair.new_version_id, pair.kind
            )
            for pair in pairs
        }
        found_outcomes = {
            pair: ComparisonOutcome(row.id, row.kind, row.severity, False, 0, 0)
            for pair, row in found.items()
            if row is not None
        }
        todo = [pair for pair in pairs if pair not in found_outcomes]
        loaded = _load(session, todo)
        # Every pair is of the version's series (a revision, its neighbours, its translation).
        lexicon = series_lexicon(history, series_slug, lexicon_dir, session) if todo else []
    bundled = _bundled_encoder(lexical, encoder)
    _vectors_from_history(loaded, bundled)
    computed = {
        pair: _compare_pair(pair, loaded, lexicon, lexical=lexical, encoder=encoder)
        for pair in todo
    }
    vectors = _vectors_to_write(loaded, bundled)
    outcomes: list[ComparisonOutcome] = []
    with history.sessions.begin() as session:
        if loaded.written:
            store.save_support_keys(session, loaded.written, support_stamp())
        if vectors:
            store.save_clause_vectors(session, vectors, embedding_stamp())
        placed = store.series_documents(session, series_id) if series_id is not None else []
        for pair in pairs:
            if pair in found_outcomes:
                outcomes.append(found_outcomes[pair])
                continue
            result, severity = computed[pair]
            if pair.kind == "successor" and not _still_adjacent(session, pair, placed, loaded):
                # A statement between the two was stored while this pair was compared
                # (out-of-order or racing imports): the pair is stale, never save or alert it.
                continue
            flagged = [
                c for c in result["commitments"] if c["status"] in FLAGGED_COMMITMENT_STATUSES
            ]
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
        if series_slug is not None and series_id is not None:
            # After this version's own comparisons are saved: a statement inserted into the
            # middle of its series replaces the comparison that spanned it. Run by every
            # compare, so whichever of two racing imports commits last cleans up after both.
            retire_stale_successors(session, series_id, placed)
    return outcomes


def retire_stale_successors(
    session: Session, series_id: int, placed: Sequence[store.PlacedDocument]
) -> int:
    """Retire the series' successor comparisons whose sides are no longer neighbours (a
    statement was stored between them); returns how many (ADR 0076). ``placed``: the
    series' documents as ``store.series_documents`` gave them in this transaction."""
    comparisons = store.successor_comparisons(session, series_id)
    documents = placed
    by_id = {d.id: d for d in documents}
    if any(new_id not in by_id for _, _, new_id in comparisons):
        # Another writer committed a statement after ``placed`` was read.
        documents = store.series_documents(session, series_id)
        by_id = {d.id: d for d in documents}
    retired = 0
    for comparison_id, old_document_id, new_document_id in comparisons:
        predecessor = store.predecessor_among(documents, by_id[new_document_id])
        if predecessor != old_document_id:
            store.retire_comparison(
                session, comparison_id, "superseded: a statement between was added"
            )
            retired += 1
    return retired


def _still_adjacent(
    session: Session, pair: _Pair, placed: Sequence[store.PlacedDocument], loaded: _Loaded
) -> bool:
    """Whether the pair's old statement is still the new one's predecessor, with the series'
    documents as this transaction sees them (``placed``; read again if the new statement
    is not among them)."""
    old, new = loaded.versions.get(pair.old_version_id), loaded.versions.get(pair.new_version_id)
    if old is None or new is None or new.document.series_id is None:
        return False
    documents = (
        placed
        if any(d.id == new.document_id for d in placed)
        else store.series_documents(session, new.document.series_id)
    )
    by_id = {d.id: d for d in documents}
    if new.document_id not in by_id:
        return False
    predecessor = store.predecessor_among(documents, by_id[new.document_id])
    return predecessor is not None and predecessor == old.document_id


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
        outcome = store_statement(history, statement, lexicon_dir=lexicon_dir, lexical=lexical)
        comparisons = compare_version(
            history, outcome.version_id, lexical=lexical, lexicon_dir=lexicon_dir
        )
        results.append((outcome, comparisons))
    return results
