"""Send the alert outbox over SMTP: claim due rows, render, send, mark; retry with backoff.

Delivery is at-least-once. A row is marked sent only after the server accepted the
message, in its own transaction; a crash (or a dropped connection after DATA) between the
two leaves the row pending, and it is sent again later with the same Message-ID, which
lets mail clients fold the two copies into one. docs/alerts.md explains the trade-off.

The SMTP password comes from settings (``CLAUSEWATCH_SMTP_PASSWORD``) or from a Prefect
``EmailServerCredentials`` block; it never appears in a log line, an error, a row's
``last_error`` or a ``repr``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import smtplib
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from alerts.render import (
    RenderedMail,
    build_message,
    render_alert,
    render_digest,
    render_health,
    thread_root,
)
from core.errors import AlertError, ConfigError
from core.redaction import redact
from core.settings import Settings
from core.vocabulary import severity_rank
from models import History, outbox
from models.outbox import HealthItem, OutboxItem

log = logging.getLogger("clausewatch.alerts")

MAX_ATTEMPTS = 5
FIRST_RETRY = dt.timedelta(minutes=5)
MAX_RETRY = dt.timedelta(hours=6)
# Longer than one run could spend on a row (connect + send under the SMTP timeout), so a
# live worker never has its claim taken over; short enough that a crashed one's rows
# come back within the hour.
CLAIM_LEASE = dt.timedelta(minutes=15)
BLOCK_TYPE_SLUG = "email-server-credentials"


@dataclass(frozen=True)
class SmtpConfig:
    """How to reach the mail server; the password is kept out of ``repr``."""

    host: str
    port: int
    security: str = "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "clausewatch <clausewatch@localhost>"
    timeout: float = 30.0
    verify: bool = True


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait before attempt ``attempts + 1``: 5 min, 10, 20, 40 … capped at 6 hours."""
    delay: dt.timedelta = FIRST_RETRY * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_RETRY)


def smtp_config(settings: Settings) -> SmtpConfig:
    """The SMTP settings, from a Prefect block when one is named; raises ConfigError."""
    if settings.smtp_block:
        return smtp_config_from_block(settings.smtp_block, settings)
    if not settings.smtp_host:
        raise ConfigError("no mail server: set CLAUSEWATCH_SMTP_HOST (or CLAUSEWATCH_SMTP_BLOCK)")
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=password,
        sender=settings.smtp_from,
        timeout=settings.smtp_timeout,
    )


# prefect-email's SMTPType enum stores the port as its value and accepts the name.
_BLOCK_SECURITY = {"SSL": "ssl", "STARTTLS": "starttls", "INSECURE": "none"}
_BLOCK_SECURITY_BY_PORT = {465: "ssl", 587: "starttls", 25: "none"}
_BLOCK_SERVERS = {
    "AOL": "smtp.aol.com",
    "ATT": "smtp.mail.att.net",
    "COMCAST": "smtp.comcast.net",
    "ICLOUD": "smtp.mail.me.com",
    "GMAIL": "smtp.gmail.com",
    "OUTLOOK": "smtp-mail.outlook.com",
    "YAHOO": "smtp.mail.yahoo.com",
}


def smtp_config_from_data(data: dict[str, Any], settings: Settings) -> SmtpConfig:
    """Map the fields of an ``EmailServerCredentials`` block to SmtpConfig; raises ConfigError."""
    server = str(data.get("smtp_server") or "").strip()
    if not server:
        raise ConfigError("the Prefect email block names no smtp_server")
    server = _BLOCK_SERVERS.get(server.upper(), server)
    kind = data.get("smtp_type", "SSL")
    if isinstance(kind, int) or str(kind).isdigit():
        security = _BLOCK_SECURITY_BY_PORT.get(int(kind), "ssl")
        default_port = int(kind)
    else:
        name = str(kind).upper()
        if name not in _BLOCK_SECURITY:
            raise ConfigError(f"unknown smtp_type {kind!r} in the Prefect email block")
        security = _BLOCK_SECURITY[name]
        default_port = {"ssl": 465, "starttls": 587, "none": 25}[security]
    password = data.get("password")
    if isinstance(password, dict):  # a SecretStr dumped by an older client
        password = password.get("value") or password.get("secret")
    return SmtpConfig(
        host=server,
        port=int(data.get("smtp_port") or default_port),
        security=security,
        username=data.get("username") or None,
        password=str(password) if password else None,
        sender=settings.smtp_from,
        timeout=settings.smtp_timeout,
        verify=bool(data.get("verify", True)),
    )


def smtp_config_from_block(name: str, settings: Settings) -> SmtpConfig:
    """Load an ``EmailServerCredentials`` block through Prefect's API; raises ConfigError.

    prefect-email is not a dependency, so the block is read as a plain block document
    (its fields by name) rather than through the block class.
    """
    from prefect.client.orchestration import get_client

    try:
        with get_client(sync_client=True) as client:
            document = client.read_block_document_by_name(
                name=name, block_type_slug=BLOCK_TYPE_SLUG, include_secrets=True
            )
    except Exception as exc:
        # The exception text is Prefect's, never the block's contents.
        raise ConfigError(
            f"cannot load Prefect block {BLOCK_TYPE_SLUG}/{name}: {type(exc).__name__}"
        ) from None
    return smtp_config_from_data(dict(document.data), settings)


@dataclass
class Outgoing:
    """One message to send and the alert rows it settles (several for a digest)."""

    items: Sequence[OutboxItem | HealthItem]
    mail: RenderedMail
    message: EmailMessage

    @property
    def alert_ids(self) -> list[int]:
        """The outbox rows this message delivers."""
        return [i.alert_id for i in self.items]

    @property
    def recipient(self) -> str:
        """The subscriber's address."""
        return self.items[0].email

    @property
    def message_id(self) -> str:
        """The message's Message-ID header."""
        return str(self.message["Message-ID"])


@dataclass
class DeliveryReport:
    """What one delivery run did (or, dry, would do)."""

    dry_run: bool = False
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    planned: list[Outgoing] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``clausewatch alerts send --format json`` (docs/alerts.md)."""
        return {
            "dry_run": self.dry_run,
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "errors": self.errors,
            "messages": [
                {
                    "to": o.recipient,
                    "subject": o.mail.subject,
                    "message_id": o.message_id,
                    "alerts": o.alert_ids,
                }
                for o in self.planned
            ],
        }


def digest_message_id(items: Sequence[OutboxItem], day: dt.date) -> str:
    """A digest's Message-ID: the same alerts on the same day always get the same one."""
    seed = "|".join(sorted(i.message_id for i in items))
    digest = hashlib.sha256(seed.encode()).hexdigest()[:16]
    return f"<digest.{items[0].subscription_id}.{day:%Y%m%d}.{digest}@{outbox.MESSAGE_ID_DOMAIN}>"


def plan_messages(
    items: Sequence[OutboxItem | HealthItem], sender: str, now: dt.datetime
) -> list[Outgoing]:
    """Render due alerts into messages: one per immediate alert, one per digest subscriber;
    an operator alert about a source's health always goes alone and at once."""
    out: list[Outgoing] = []
    digests: dict[int, list[OutboxItem]] = {}
    for item in items:
        if isinstance(item, HealthItem):
            health = render_health(item)
            message = build_message(
                health,
                sender=sender,
                to=item.email,
                message_id=item.message_id,
                thread=f"<source-health.{item.source}@{outbox.MESSAGE_ID_DOMAIN}>",
                date=now,
                severity=item.severity,
            )
            out.append(Outgoing([item], health, message))
            continue
        if item.digest == "daily":
            digests.setdefault(item.subscription_id, []).append(item)
            continue
        mail = render_alert(item)
        message = build_message(
            mail,
            sender=sender,
            to=item.email,
            message_id=item.message_id,
            thread=thread_root(item),
            date=now,
            severity=item.severity,
        )
        out.append(Outgoing([item], mail, message))
    for group in digests.values():
        day = now.astimezone(dt.UTC).date()
        mail = render_digest(group, day)
        severities = [i.severity for i in group]
        top = max(severities, key=severity_rank)
        message = build_message(
            mail,
            sender=sender,
            to=group[0].email,
            message_id=digest_message_id(group, day),
            date=now,
            severity=top,
        )
        out.append(Outgoing(group, mail, message))
    return out


def describe_error(exc: BaseException, config: SmtpConfig) -> str:
    """One line for ``last_error`` and logs: the error type and text, the password removed
    in every encoding a server may echo it in (clear, AUTH PLAIN/LOGIN base64)."""
    text = redact(f"{type(exc).__name__}: {exc}", [config.password])
    return " ".join(text.split())[:500]


class SmtpConnection:
    """One SMTP session, opened on first use and reopened after a failure."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if not self.config.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def open(self) -> smtplib.SMTP:
        """Connect (TLS as configured) and log in when a username is set; raises OSError."""
        if self._smtp is not None:
            return self._smtp
        cfg = self.config
        smtp: smtplib.SMTP
        # debuglevel stays 0: smtplib's debug output would print the AUTH exchange.
        if cfg.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                cfg.host, cfg.port, timeout=cfg.timeout, context=self._context()
            )
        else:
            smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        try:
            smtp.ehlo()
            if cfg.security == "starttls":
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if cfg.username:
                smtp.login(cfg.username, cfg.password or "")
        except BaseException:
            self._close(smtp)
            raise
        self._smtp = smtp
        return smtp

    @staticmethod
    def _close(smtp: smtplib.SMTP) -> None:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def send(self, message: EmailMessage, recipient: str) -> None:
        """Send one message; on any failure the session is dropped so the next one reconnects."""
        smtp = self.open()
        envelope_from = parseaddr(self.config.sender)[1] or self.config.sender
        try:
            smtp.send_message(message, from_addr=envelope_from, to_addrs=[recipient])
        except BaseException:
            self._smtp = None
            self._close(smtp)
            raise

    def close(self) -> None:
        """Say goodbye to the server if a session is open."""
        if self._smtp is not None:
            self._close(self._smtp)
            self._smtp = None


# Errors that mean "this attempt failed, try again later" rather than a bug in our code.
DELIVERY_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPException, OSError, socket.timeout)


def deliver_pending(
    history: History,
    settings: Settings,
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    config: SmtpConfig | None = None,
    connection_factory: Callable[[SmtpConfig], SmtpConnection] = SmtpConnection,
) -> DeliveryReport:
    """Send every due pending alert and mark it sent; failures are retried with backoff.

    ``dry_run`` renders what would go out and changes nothing. Raises ConfigError when no
    mail server is configured (before claiming anything).
    """
    now = now or dt.datetime.now(dt.UTC)
    report = DeliveryReport(dry_run=dry_run)
    if dry_run:
        with history.sessions() as session:
            items = outbox.peek_due(session, now)
        report.planned = plan_messages(items, settings.smtp_from, now)
        return report

    config = config or smtp_config(settings)
    with history.sessions.begin() as session:
        items = outbox.claim_due(session, now, lease=CLAIM_LEASE)
    if not items:
        return report
    try:
        planned = plan_messages(items, config.sender, now)
    except Exception as exc:
        _record(history, items, f"rendering failed: {type(exc).__name__}: {exc}", now, report)
        raise AlertError(f"cannot render alerts: {exc}") from exc
    report.planned = planned

    connection = connection_factory(config)
    try:
        for position, outgoing in enumerate(planned):
            try:
                connection.open()
            except DELIVERY_ERRORS as exc:
                # No session (server down, TLS or login refused): the rest of this run
                # shares the failed attempt instead of each waiting out its own timeout.
                error = describe_error(exc, config)
                log.warning("mail server unusable, %d message(s) wait: %s", len(planned), error)
                report.errors.append(error)
                for rest in planned[position:]:
                    _record(history, rest.items, error, now, report)
                return report
            try:
                connection.send(outgoing.message, outgoing.recipient)
            except DELIVERY_ERRORS as exc:
                error = describe_error(exc, config)
                log.warning("alert %s not sent: %s", outgoing.message_id, error)
                report.errors.append(error)
                _record(history, outgoing.items, error, now, report)
                continue
            with history.sessions.begin() as session:
                outbox.mark_sent(session, outgoing.alert_ids, at=now)
            report.sent.append(outgoing.message_id)
            log.info("alert %s sent (%d row(s))", outgoing.message_id, len(outgoing.items))
    finally:
        connection.close()
    return report


def _record(
    history: History,
    items: Sequence[OutboxItem | HealthItem],
    error: str,
    now: dt.datetime,
    report: DeliveryReport,
) -> None:
    attempts = max(i.attempts for i in items) + 1
    retry_at = None if attempts >= MAX_ATTEMPTS else now + retry_delay(attempts)
    with history.sessions.begin() as session:
        outbox.record_failure(session, [i.alert_id for i in items], error=error, retry_at=retry_at)
    bucket = report.failed if retry_at is None else report.retrying
    bucket.extend(i.message_id for i in items)
