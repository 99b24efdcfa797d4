"""Email alerts: ``subscribe``, ``unsubscribe``, ``subscriptions``, ``alerts send|list``."""

from __future__ import annotations

import enum
import json
from typing import Annotated, Any

import typer

from core.display import one_line
from core.errors import InputError
from core.language import Language
from core.settings import get_settings
from core.vocabulary import AlertStatus, Digest, Severity


class OutputFormat(enum.StrEnum):
    """Output formats of the alert commands."""

    text = "text"
    json = "json"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", help="text for people, json for scripts.")
]


def _checked_email(address: str) -> str:
    """Exactly one deliverable-looking address, normalised; raises InputError (exit 2).

    Strict on purpose: a lenient parse took the first of ``a@x.org, b@y.org`` and accepted
    ``a@ex\\ample.org``, which then bounced forever. No DNS lookup (``check_deliverability``
    off): subscribing must work offline.
    """
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(address, check_deliverability=False).normalized
    except (EmailNotValidError, UnicodeError) as exc:
        # repr() shows control characters and undecodable argument bytes as escapes.
        raise InputError(f"not an email address: {address!r} ({exc})") from None


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def subscribe(
    email: Annotated[str, typer.Argument(help="Address that receives the alerts.")],
    series: Annotated[
        str, typer.Option("--series", help="Series slug (e.g. ncg), or * for every series.")
    ] = "*",
    min_severity: Annotated[
        Severity, typer.Option("--min-severity", help="Send nothing below this severity.")
    ] = Severity.medium,
    commitment: Annotated[
        list[str] | None,
        typer.Option("--commitment", help="Only changes to this commitment key (repeatable)."),
    ] = None,
    lang: Annotated[
        list[Language] | None,
        typer.Option(
            "--lang", help="Only statements in this language (repeatable; default: every one)."
        ),
    ] = None,
    digest: Annotated[
        Digest, typer.Option("--digest", help="immediate: one mail per change; daily: one a day.")
    ] = Digest.immediate,
    operator: Annotated[
        bool,
        typer.Option(
            "--operator",
            help="Also mail this address once whenever a source turns degraded or broken, "
            "or recovers.",
        ),
    ] = False,
) -> None:
    """Subscribe an address to change alerts (running it again updates the filters)."""
    from models import open_history, outbox
    from pipeline.catalog import require_series

    address = _checked_email(email)
    slug = series.strip() or "*"
    history = open_history(get_settings().resolved_database_url)
    try:
        if slug != "*":
            require_series(history, slug)  # a typo would subscribe to nothing, silently
        with history.sessions.begin() as session:
            info, created = outbox.subscribe(
                session,
                address,
                series_slug=slug,
                min_severity=min_severity.value,
                commitment_keys=commitment or (),
                languages=[x.value for x in lang or ()],
                digest=digest.value,
                operator=operator,
            )
    finally:
        history.close()
    verb = "subscribed" if created else "updated the subscription of"
    where = "every series" if info.series_slug == "*" else f"series {info.series_slug}"
    keys = f", commitments {', '.join(info.commitment_keys)}" if info.commitment_keys else ""
    languages = f", in {'/'.join(info.languages)}" if info.languages else ""
    role = "; operator: source health changes too" if info.operator else ""
    typer.echo(
        f"{verb} {info.email} to {where}: {info.min_severity} and above{keys}{languages}, "
        f"{info.digest}{role}"
    )


def unsubscribe(
    email: Annotated[str, typer.Argument(help="Address to stop mailing.")],
    series: Annotated[
        str | None, typer.Option("--series", help="Only this series (default: all of them).")
    ] = None,
) -> None:
    """Stop alerts to an address; its alerts not yet sent are cancelled."""
    from models import open_history, outbox

    history = open_history(get_settings().resolved_database_url)
    try:
        with history.sessions.begin() as session:
            n = outbox.unsubscribe(session, email, series_slug=series)
    finally:
        history.close()
    if n == 0:
        raise InputError(f"no active subscription for {email}")
    typer.echo(f"unsubscribed {email} ({n} subscription{'s' if n != 1 else ''})")


def subscriptions(
    include_inactive: Annotated[
        bool, typer.Option("--all", help="Include cancelled subscriptions.")
    ] = False,
    output: FormatOption = OutputFormat.text,
) -> None:
    """List subscriptions."""
    from models import open_history, outbox

    history = open_history(get_settings().resolved_database_url, read_only=True)
    try:
        with history.sessions() as session:
            rows = outbox.list_subscriptions(session, include_inactive=include_inactive)
    finally:
        history.close()
    if output is OutputFormat.json:
        _echo_json([r.to_dict() for r in rows])
        return
    if not rows:
        typer.echo("no subscriptions (add one with `clausewatch subscribe EMAIL`)")
        return
    for r in rows:
        keys = ",".join(r.commitment_keys) or "-"
        languages = ",".join(r.languages) or "all"
        state = "" if r.active else "  (cancelled)"
        role = "  (operator)" if r.operator else ""
        typer.echo(
            f"{r.email:32} {r.series_slug:10} {r.min_severity:7} {languages:6} {r.digest:9} "
            f"{keys}{role}{state}"
        )


alerts_app = typer.Typer(help="Send and inspect email alerts.", no_args_is_help=True)


@alerts_app.command("send")
def send(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be sent; send and change nothing.")
    ] = False,
    output: FormatOption = OutputFormat.text,
) -> None:
    """Send the alerts that are due (failures stay queued and are retried with backoff)."""
    from alerts.deliver import deliver_pending
    from models import open_history

    history = open_history(get_settings().resolved_database_url)
    try:
        report = deliver_pending(history, get_settings(), dry_run=dry_run)
    finally:
        history.close()
    if output is OutputFormat.json:
        _echo_json(report.to_dict())
        return
    if dry_run:
        if not report.planned:
            typer.echo("nothing due")
        for o in report.planned:
            typer.echo(f"would send to {o.recipient}: {o.mail.subject}  ({len(o.items)} alert(s))")
        return
    typer.echo(
        f"sent {len(report.sent)}, retrying later {len(report.retrying)}, "
        f"failed {len(report.failed)}"
    )
    for error in dict.fromkeys(report.errors):
        typer.echo(f"  error: {error}", err=True)
    if report.failed or (report.errors and not report.sent):
        raise typer.Exit(1)


@alerts_app.command("list")
def list_(
    status: Annotated[
        AlertStatus | None, typer.Option("--status", help="Only alerts in this state.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 100,
    output: FormatOption = OutputFormat.text,
) -> None:
    """List queued, sent and failed alerts, newest first."""
    from models import open_history, outbox

    history = open_history(get_settings().resolved_database_url, read_only=True)
    try:
        with history.sessions() as session:
            rows = outbox.list_alerts(session, status=status.value if status else None, limit=limit)
    finally:
        history.close()
    if output is OutputFormat.json:
        _echo_json([r.to_dict() for r in rows])
        return
    if not rows:
        typer.echo("no alerts")
        return
    for r in rows:
        when = r.sent_at or r.next_attempt_at or r.created_at
        line = (
            f"#{r.id:<5} {r.status:8} {r.severity:7} {r.email:28} {r.kind:10} "
            f"{when:%Y-%m-%d %H:%M} tries={r.attempts}  {one_line(r.statement or '')}"
        )
        typer.echo(line)
        if r.last_error and r.status != "sent":
            typer.echo(f"        last error: {one_line(r.last_error)}")


def register(app: typer.Typer) -> None:
    """Add ``subscribe``, ``unsubscribe``, ``subscriptions`` and ``alerts`` to the CLI."""
    app.command("subscribe")(subscribe)
    app.command("unsubscribe")(unsubscribe)
    app.command("subscriptions")(subscriptions)
    app.add_typer(alerts_app, name="alerts")
