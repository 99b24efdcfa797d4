"""Alert mail from a comparison: subject, HTML and plain text, and the MIME message.

Pure: Jinja2 templates in ``alerts/templates`` and the standard library's ``email``
package; no I/O beyond reading the templates. Every string that came from a scraped page
is data: the HTML environment autoescapes, and only ``http``/``https`` URLs ever become
links, so a statement carrying ``<script>``, ``onerror=`` or ``javascript:`` arrives inert.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined

from core.display import for_terminal, one_line, show_bidi, template_value
from core.vocabulary import FLAGGED_COMMITMENT_STATUSES, STRENGTH_STATUSES, language_name
from models.outbox import MESSAGE_ID_DOMAIN, HealthItem, OutboxItem, StatementRef

_ORDINAL_WORDS = {
    "inaugural": 1,
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
}
_ORDINAL_NUMBER = re.compile(r"\b(\d{1,3})(?:st|nd|rd|th)\b", re.IGNORECASE)
_ORDINAL_WORD = re.compile(r"\b(" + "|".join(_ORDINAL_WORDS) + r")\b", re.IGNORECASE)
# Korean titles number meetings as 제5차 or 5차.
_ORDINAL_KOREAN = re.compile(r"제?\s*(\d{1,3})\s*차")

KIND_LINES = {
    "successor": "a new statement in the series, compared with the one before it",
    "revision": "a statement already published was edited in place",
    "translation": "the two language versions of one statement, compared with each other",
}


@dataclass(frozen=True)
class RenderedMail:
    """One alert (or digest) rendered: subject line, HTML body and plain-text body."""

    subject: str
    html: str
    text: str


def ordinal(n: int) -> str:
    """``1`` → ``1st``, ``12`` → ``12th``, ``23`` → ``23rd``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def statement_number(title: str | None) -> int | None:
    """The meeting number a title names ("Fourth", "5th", "제5차", "Inaugural"), or None."""
    if not title:
        return None
    for pattern in (_ORDINAL_NUMBER, _ORDINAL_KOREAN):
        found = pattern.search(title)
        if found:
            return int(found.group(1))
    word = _ORDINAL_WORD.search(title)
    return _ORDINAL_WORDS[word.group(1).lower()] if word else None


def series_name(series_title: str | None, fallback: str | None) -> str:
    """What one statement of the series is called: "NCG joint statements" → "… statement"."""
    name = " ".join((series_title or "").split())
    if not name:
        return " ".join((fallback or "statement").split())
    words = name.split(" ")
    last = words[-1]
    if len(last) > 3 and last.endswith("s") and not last.endswith("ss"):
        words[-1] = last[:-1]
    return " ".join(words)


def statement_label(series_title: str | None, ref: StatementRef) -> str:
    """A short name for one statement: "NCG joint statement (5th)" or "… (2025-12-11)"."""
    name = series_name(series_title, ref.title)
    number = statement_number(ref.title)
    if number is not None:
        return f"{name} ({ordinal(number)})"
    if ref.published is not None and series_title:
        return f"{name} ({ref.published.isoformat()})"
    return name


def safe_href(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL (fit for an href), else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in url.strip()):
        return None
    return url.strip()


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


_QUANTITY_KINDS = {
    "amount": "Amount",
    "percent": "Percentage",
    "count": "Count",
    "deadline": "Deadline",
    "frequency": "Frequency",
}


def _quantity_line(item: Mapping[str, Any]) -> str:
    """One changed figure as a line: "Deadline dropped: by 2027", "Frequency: a -> b"."""
    kind = _QUANTITY_KINDS.get(str(item.get("kind")), str(item.get("kind")).capitalize())
    status = item.get("status")
    if status == "dropped":
        return f"{kind} dropped: {item.get('old')}"
    if status == "added":
        return f"{kind} added: {item.get('new')}"
    return f"{kind} changed: {item.get('old')} -> {item.get('new')}"


def _official(person: Any) -> str:
    if not isinstance(person, Mapping):
        return str(person)
    name, title = person.get("name"), person.get("title")
    if not name:
        return str(title or "an official")
    return f"{name} ({title})" if title else str(name)


def _participant_line(item: Mapping[str, Any]) -> str:
    """One side's change of leads: "US lead: A (title) -> B (title), a lower level"."""
    before = "; ".join(_official(p) for p in item.get("old") or []) or "nobody named"
    after = "; ".join(_official(p) for p in item.get("new") or []) or "nobody named"
    level = item.get("level")
    tail = f", {level} level" if level in ("higher", "lower") else ""
    return f"{item.get('side')} lead: {before} -> {after}{tail}"


def _count_phrase(counts: Sequence[tuple[int, str]], noun: str) -> str:
    """``[(5, "dropped"), (1, "added")]`` → "5 commitments dropped, 1 added"."""
    parts = [(n, verb) for n, verb in counts if n]
    if not parts:
        return ""
    first_n, first_verb = parts[0]
    rest = [f"{n} {verb}" for n, verb in parts[1:]]
    return ", ".join([f"{_plural(first_n, noun)} {first_verb}", *rest])


def change_headline(comparison: Mapping[str, Any]) -> str:
    """The few words of a subject line that say what changed."""
    commitments = comparison.get("commitments") or []
    by_status = [
        (sum(1 for c in commitments if c.get("status") == status), status)
        for status in FLAGGED_COMMITMENT_STATUSES
    ]
    headline = _count_phrase(by_status, "commitment")
    if headline:
        return headline
    clauses = comparison.get("clauses") or []
    clause_counts = [
        (sum(1 for c in clauses if c.get("status") == status), status)
        for status in ("dropped", "added")
    ]
    headline = _count_phrase(clause_counts, "clause")
    if headline:
        return headline
    reworded = sum(
        1 for c in clauses if c.get("status") in ("modified", "moved", "split", "merged")
    )
    return f"{_plural(reworded, 'clause')} reworded" if reworded else "no visible change"


def _one_line(text: str) -> str:
    # A scraped title must not smuggle a line break (a new header) into the subject, nor a
    # bidi override that makes the subject read differently from what it says.
    return show_bidi(one_line(for_terminal(text)))


def alert_subject(item: OutboxItem) -> str:
    """The subject of a single alert, e.g. "[clausewatch] NCG joint statement (5th): …"."""
    label = statement_label(item.series_title, item.new)
    kind = item.comparison.get("kind")
    if kind != "translation":
        # The English and Korean statements of one meeting share a label and often a
        # headline: the language keeps their two mails apart in an inbox.
        language = language_name(item.new.language)
        label = f"{label[:-1]}, {language})" if label.endswith(")") else f"{label} ({language})"
    if kind == "revision":
        label += " edited after publication"
    elif kind == "translation":
        label += " translation"
    return _one_line(f"[clausewatch] {label}: {change_headline(item.comparison)}")


def _diff_segments(clause: Mapping[str, Any]) -> list[dict[str, str]]:
    """A modified clause's word diff as display segments (op, old words, new words)."""
    diff = clause.get("diff")
    if not diff:
        return [
            {"op": "delete", "old": clause.get("old_text") or "", "new": ""},
            {"op": "insert", "old": "", "new": clause.get("new_text") or ""},
        ]
    return [
        {"op": str(op), "old": " ".join(map(str, old)), "new": " ".join(map(str, new))}
        for op, old, new in diff
    ]


def _side_view(label: str, ref: StatementRef, series_title: str | None) -> dict[str, Any]:
    capture = ref.capture
    archived: dict[str, Any] | None = None
    if capture is not None:
        if capture.url != ref.url and safe_href(capture.url):
            archived = {"href": capture.url, "text": "archived copy we read", "note": None}
        else:
            stamp = capture.fetched_at.strftime("%Y%m%d%H%M%S") if capture.fetched_at else None
            wayback = f"https://web.archive.org/web/{stamp}/{ref.url}" if stamp else None
            note_parts = []
            if capture.fetched_at:
                note_parts.append(f"captured {capture.fetched_at:%Y-%m-%d %H:%M} UTC")
            if capture.sha256:
                note_parts.append(f"sha256 {capture.sha256[:12]}")
            if capture.warc_file:
                note_parts.append(f"WARC {capture.warc_file}")
            archived = {
                "href": safe_href(wayback) if safe_href(ref.url) else None,
                "text": "Wayback Machine copy nearest our capture",
                "note": ", ".join(note_parts) or None,
            }
    return {
        "label": label,
        "name": statement_label(series_title, ref),
        "title": ref.title or ref.url,
        "url": ref.url,
        "href": safe_href(ref.url),
        "published": ref.published.isoformat() if ref.published else None,
        "language": ref.language,
        "version": ref.version_seq,
        "archived": archived,
    }


_COMMITMENT_DEFAULTS: dict[str, Any] = dict.fromkeys(
    ("key", "label", "old_evidence", "new_evidence", "strength_old", "strength_new")
)


def _side_names(kind: str, old: StatementRef, new: StatementRef) -> tuple[str, str]:
    """Short names for the two sides, used beside every quote: "4th" / "5th", "version 2"."""
    if kind == "revision":
        return f"version {old.version_seq}", f"version {new.version_seq}"
    if kind == "translation":
        return old.language, new.language
    numbers = statement_number(old.title), statement_number(new.title)
    if None not in numbers and numbers[0] != numbers[1]:
        return f"{ordinal(numbers[0] or 0)}", f"{ordinal(numbers[1] or 0)}"
    if old.published and new.published and old.published != new.published:
        return old.published.isoformat(), new.published.isoformat()
    return "before", "after"


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def alert_view(item: OutboxItem) -> dict[str, Any]:
    """Everything the templates show about one alert, as plain data."""
    comparison = item.comparison
    kind = str(comparison.get("kind") or "successor")
    commitments = comparison.get("commitments") or []
    groups = []
    for status in FLAGGED_COMMITMENT_STATUSES:
        heading = status.capitalize()
        members = [{**_COMMITMENT_DEFAULTS, **c} for c in commitments if c.get("status") == status]
        for member in members:
            # A strength matters only when it moved; "strong → –" on a drop is noise.
            member["show_strength"] = status in STRENGTH_STATUSES
        if members:
            groups.append({"status": status, "heading": heading, "items": members})
    retained = [
        c.get("label") or c.get("key") for c in commitments if c.get("status") == "retained"
    ]
    clauses = comparison.get("clauses") or []
    modified = [
        {"status": c.get("status"), "segments": _diff_segments(c), "score": c.get("score")}
        for c in clauses
        if c.get("status") in ("modified", "split", "merged")
    ]
    phrases = comparison.get("phrases") or []
    new_name = statement_label(item.series_title, item.new)
    old_side, new_side = _side_names(kind, item.old, item.new)
    summary = comparison.get("summary") or {}
    return {
        "subject": alert_subject(item),
        "severity": item.severity,
        "kind": kind,
        "kind_line": KIND_LINES.get(kind, kind),
        "statement": new_name,
        "headline": change_headline(comparison),
        "old_side": old_side,
        "new_side": new_side,
        "commitment_groups": groups,
        "retained": retained,
        "phrases_dropped": [p.get("text") for p in phrases if p.get("status") == "dropped"],
        "phrases_added": [p.get("text") for p in phrases if p.get("status") == "added"],
        "quantities": [_quantity_line(q) for q in comparison.get("quantities") or []],
        "participants": [_participant_line(p) for p in comparison.get("participants") or []],
        "dropped_clauses": [c.get("old_text") for c in clauses if c.get("status") == "dropped"],
        "added_clauses": [c.get("new_text") for c in clauses if c.get("status") == "added"],
        "modified_clauses": modified,
        "moved": sum(1 for c in clauses if c.get("status") == "moved"),
        "unchanged": sum(1 for c in clauses if c.get("status") in ("unchanged", "matched")),
        "summary": [(k, summary[k]) for k in sorted(summary) if summary[k]],
        "sides": [
            _side_view(_capitalized(old_side), item.old, item.series_title),
            _side_view(_capitalized(new_side), item.new, item.series_title),
        ],
        "why": _why(item),
        "min_severity": item.min_severity,
    }


def _why(item: OutboxItem) -> str:
    series = "every series" if item.subscription_series == "*" else item.subscription_series
    why = f"{item.email} is subscribed to {series}"
    if item.subscription_keys:
        why += f" (commitments: {', '.join(item.subscription_keys)})"
    return why


@cache
def _environments() -> tuple[Environment, Environment]:
    loader = PackageLoader("alerts", "templates")
    html = Environment(
        loader=loader, autoescape=True, undefined=StrictUndefined, finalize=template_value
    )
    text = Environment(
        loader=loader,
        autoescape=False,
        finalize=template_value,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return html, text


def _render(name: str, **context: Any) -> tuple[str, str]:
    html_env, text_env = _environments()
    html = html_env.get_template(f"{name}.html.j2").render(**context)
    text = text_env.get_template(f"{name}.txt.j2").render(**context)
    # Blank-line runs left by optional sections read as holes in a plain-text mail.
    text = re.sub(r"\n{3,}", "\n\n", text)
    return html, text


def render_alert(item: OutboxItem) -> RenderedMail:
    """Render the mail about one comparison for one subscriber."""
    view = alert_view(item)
    html, text = _render("alert", alert=view)
    return RenderedMail(view["subject"], html, text)


def render_digest(items: Sequence[OutboxItem], day: dt.date) -> RenderedMail:
    """Render one daily digest grouping several alerts for the same subscriber."""
    if not items:
        raise ValueError("a digest needs at least one alert")
    views = [alert_view(i) for i in items]
    high = sum(1 for v in views if v["severity"] == "high")
    subject = f"[clausewatch] daily digest for {day.isoformat()}: {_plural(len(views), 'change')}"
    if high:
        subject += f", {high} high"
    html, text = _render("digest", alerts=views, day=day.isoformat(), subject=subject)
    return RenderedMail(_one_line(subject), html, text)


#: What an operator should do, by the verdict a source turned to (docs/operators.md).
HEALTH_ADVICE = {
    "broken": (
        "Tracking stores nothing from this source that it cannot believe, so its new "
        "statements are missing until the adapter is fixed (for rok-mnd, korea.kr and the "
        "Wayback Machine stand in for the listing). Open the listing and the newest "
        "statement in a browser, compare the markup with the selectors in "
        "scrapers/<source>.py, and fix them; then run the check again."
    ),
    "degraded": (
        "Statements still flow through the generic fallback, each checked for plausibility. "
        "Update the adapter's selectors before the fallback meets a page it cannot read."
    ),
    "healthy": "Nothing: the adapter's own selectors read every field again.",
}


def health_view(item: HealthItem) -> dict[str, Any]:
    """The template context of an operator alert about a source health change."""
    if item.verdict == "healthy":
        headline = f"{item.source} recovered: healthy again"
    else:
        headline = f"{item.source} is {item.verdict}"
    reasons = [r.strip() for r in (item.reason or "").split(";") if r.strip()]
    return {
        "subject": _one_line(f"[clausewatch] source {headline}"),
        "headline": headline,
        "source": item.source,
        "verdict": item.verdict,
        "previous": item.previous,
        "reasons": reasons or ["every field from the adapter"],
        "changed_at": item.changed_at.strftime("%Y-%m-%d %H:%M UTC"),
        "last_good": (
            item.last_good.strftime("%Y-%m-%d %H:%M UTC") if item.last_good else "never recorded"
        ),
        "advice": HEALTH_ADVICE.get(item.verdict, HEALTH_ADVICE["broken"]),
        "email": item.email,
    }


def render_health(item: HealthItem) -> RenderedMail:
    """Render the operator mail about one change of a source's health verdict."""
    view = health_view(item)
    html, text = _render("health", h=view)
    return RenderedMail(view["subject"], html, text)


def thread_root(item: OutboxItem) -> str:
    """The Message-ID every alert of one series refers to, so clients thread them."""
    anchor = item.series_slug or "url." + hashlib.sha256(item.new.url.encode()).hexdigest()[:16]
    safe = re.sub(r"[^A-Za-z0-9._-]", "-", anchor)
    return f"<series.{safe}@{MESSAGE_ID_DOMAIN}>"


def build_message(
    mail: RenderedMail,
    *,
    sender: str,
    to: str,
    message_id: str,
    thread: str | None = None,
    date: dt.datetime | None = None,
    severity: str | None = None,
) -> EmailMessage:
    """A multipart/alternative UTF-8 message (text first, HTML preferred) ready for SMTP."""
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = mail.subject
    msg["From"] = sender
    msg["To"] = to
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(date or dt.datetime.now(dt.UTC))
    if thread:
        msg["In-Reply-To"] = thread
        msg["References"] = thread
    # Tells mail servers and vacation responders this is machine mail: no auto-replies.
    msg["Auto-Submitted"] = "auto-generated"
    if severity:
        msg["X-Clausewatch-Severity"] = severity
    msg.set_content(mail.text, subtype="plain", charset="utf-8", cte=_transfer_encoding(mail.text))
    msg.add_alternative(
        mail.html, subtype="html", charset="utf-8", cte=_transfer_encoding(mail.html)
    )
    # Bodies are encoded above at 76-character lines. Headers are folded when the message
    # is written, and CPython's folder breaks "[clausewatch] … (5th): …" before its first
    # word (a blank first line that clients show as a leading space), so headers fold
    # only at the hard limit of 998.
    msg.policy = _HEADER_POLICY
    return msg


_HEADER_POLICY = SMTP.clone(max_line_length=998)


def _transfer_encoding(body: str) -> str:
    """quoted-printable for mostly-ASCII text, base64 when most of it is another script."""
    non_ascii = sum(1 for ch in body if ord(ch) > 127)
    return "base64" if non_ascii * 3 > len(body) else "quoted-printable"
