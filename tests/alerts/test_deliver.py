"""Delivery against a real SMTP server on loopback (aiosmtpd): MIME, retries, digests."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import logging

import pytest

from alerts.deliver import MAX_ATTEMPTS, SmtpConfig, deliver_pending, retry_delay
from clausewatch.demo.mailsink import MailServer
from core.settings import Settings
from models import History, outbox
from tests.support import free_port
from tests.support.alert_history import add_comparison
from tests.support.alert_samples import NCG_4_TO_5
from tests.support.hostile import AuthEchoingSmtpServer

NOW = dt.datetime(2025, 12, 12, 10, 0, tzinfo=dt.UTC)


def _config(port: int, **kw: object) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, timeout=5.0, **kw)  # type: ignore[arg-type]


def _subscribe(history: History, email: str = "analyst@example.org", **kw: object) -> None:
    with history.sessions.begin() as session:
        outbox.subscribe(session, email, **kw)  # type: ignore[arg-type]


def _statuses(history: History) -> list[tuple[str, int]]:
    with history.sessions() as session:
        return [(a.status, a.attempts) for a in outbox.list_alerts(session)]


def test_delivers_multipart_utf8_and_marks_sent(history: History) -> None:
    _subscribe(history)
    add_comparison(history)
    with MailServer() as server:
        report = deliver_pending(history, Settings(), now=NOW, config=_config(server.port))
    assert len(report.sent) == 1 and not report.retrying
    (mail,) = server.received
    assert mail.rcpt_tos == ("analyst@example.org",)
    message = mail.message
    assert message.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in message.iter_parts())
    assert message["Subject"] == (
        "[clausewatch] NCG joint statement (5th, English): 5 commitments dropped, 1 added"
    )
    assert message["References"] == "<series.ncg@clausewatch.invalid>"
    assert message["In-Reply-To"] == message["References"]
    assert _statuses(history) == [("sent", 1)]
    with history.sessions() as session:
        (alert,) = outbox.list_alerts(session)
    assert message["Message-ID"] == alert.message_id
    # A second run finds nothing due: the alert is sent once.
    with MailServer(port=server.port) as again:
        report = deliver_pending(history, Settings(), now=NOW, config=_config(again.port))
    assert report.sent == [] and again.received == []


def test_korean_subject_and_body_arrive_intact(sqlite_history: History) -> None:
    korean = copy.deepcopy(NCG_4_TO_5)
    for c in korean["commitments"]:
        if c["key"] == "joint-planning-execution":
            c["label"] = "공동기획 및 실행"
            c["old_evidence"] = (
                "양측은 미국 핵작전에 대한 한국의 재래식 지원의 공동기획 및 실행을 재확인했다."
            )
    _subscribe(sqlite_history)
    add_comparison(
        sqlite_history,
        korean,
        old=("https://mnd.example/4", "제4차 핵협의그룹 회의 공동언론발표문", dt.date(2025, 1, 10)),
        new=(
            "https://mnd.example/5",
            "제5차 핵협의그룹 회의 공동언론발표문",
            dt.date(2025, 12, 11),
        ),
        language="ko",
        series="ncg-ko",
    )
    with MailServer() as server:
        deliver_pending(sqlite_history, Settings(), now=NOW, config=_config(server.port))
    raw = server.received[0].data
    assert raw.isascii(), "headers and bodies must be transfer-encoded for 7-bit relays"
    message = server.received[0].message
    assert message["Subject"].startswith("[clausewatch] NCG joint statement (5th, Korean)")
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for body in (text, html):
        assert "공동기획 및 실행" in body
        assert "제5차 핵협의그룹 회의 공동언론발표문" in body


def test_server_down_then_up_delivers_once_later(sqlite_history: History) -> None:
    _subscribe(sqlite_history)
    add_comparison(sqlite_history)
    port = free_port()
    report = deliver_pending(sqlite_history, Settings(), now=NOW, config=_config(port))
    assert report.sent == [] and len(report.retrying) == 1
    assert "ConnectionRefusedError" in report.errors[0]
    with sqlite_history.sessions() as session:
        (alert,) = outbox.list_alerts(session)
    assert (alert.status, alert.attempts) == ("pending", 1)
    assert alert.next_attempt_at == NOW + retry_delay(1)
    with MailServer(port=port) as server:
        early = deliver_pending(
            sqlite_history, Settings(), now=NOW + dt.timedelta(minutes=1), config=_config(port)
        )
        assert early.sent == [] and server.received == []  # backoff respected
        later = deliver_pending(
            sqlite_history, Settings(), now=alert.next_attempt_at, config=_config(port)
        )
        again = deliver_pending(
            sqlite_history, Settings(), now=NOW + dt.timedelta(days=1), config=_config(port)
        )
    assert len(later.sent) == 1 and again.sent == []
    assert len(server.received) == 1
    assert _statuses(sqlite_history) == [("sent", 2)]


def test_connection_dropped_after_data_loses_nothing(sqlite_history: History) -> None:
    _subscribe(sqlite_history)
    add_comparison(sqlite_history)
    with MailServer(mode="drop-after-data") as server:
        report = deliver_pending(sqlite_history, Settings(), now=NOW, config=_config(server.port))
        assert report.sent == [] and len(report.retrying) == 1
        assert _statuses(sqlite_history) == [("pending", 1)]
        server.mode = "accept"
        retry = deliver_pending(
            sqlite_history, Settings(), now=NOW + retry_delay(1), config=_config(server.port)
        )
    assert len(retry.sent) == 1
    # At-least-once: the relay may have kept the first copy; both carry one Message-ID.
    (dropped,) = server.dropped
    (delivered,) = server.received
    assert dropped.message["Message-ID"] == delivered.message["Message-ID"]
    assert _statuses(sqlite_history) == [("sent", 2)]


def test_keeps_failing_then_marked_failed(sqlite_history: History) -> None:
    _subscribe(sqlite_history)
    add_comparison(sqlite_history)
    when = NOW
    with MailServer(mode="reject") as server:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            report = deliver_pending(
                sqlite_history, Settings(), now=when, config=_config(server.port)
            )
            assert report.errors and "451" in report.errors[0]
            when += retry_delay(attempt)
    assert len(report.failed) == 1
    with sqlite_history.sessions() as session:
        (alert,) = outbox.list_alerts(session, status="failed")
    assert alert.attempts == MAX_ATTEMPTS
    assert alert.last_error is not None and "451" in alert.last_error


def test_daily_digest_groups_pending_alerts(sqlite_history: History) -> None:
    _subscribe(sqlite_history, "daily@example.org", digest="daily", min_severity="low")
    _subscribe(sqlite_history, "now@example.org")
    add_comparison(sqlite_history)
    revision = copy.deepcopy(NCG_4_TO_5)
    revision["kind"] = "revision"
    add_comparison(
        sqlite_history,
        revision,
        old=("https://www.war.example/fifth-v1", "5th NCG statement", dt.date(2025, 12, 11)),
        new=("https://www.war.example/fifth-v2", "5th NCG statement", dt.date(2025, 12, 12)),
    )
    midnight = outbox.next_digest_time(dt.datetime.now(dt.UTC))
    with MailServer() as server:
        today = deliver_pending(sqlite_history, Settings(), now=NOW, config=_config(server.port))
        assert {m.rcpt_tos for m in server.received} == {("now@example.org",)}
        assert len(today.sent) == 2
        tomorrow = deliver_pending(
            sqlite_history, Settings(), now=midnight, config=_config(server.port)
        )
    assert len(tomorrow.sent) == 1
    digest = server.received[-1].message
    assert server.received[-1].rcpt_tos == ("daily@example.org",)
    assert digest["Subject"] == (
        f"[clausewatch] daily digest for {midnight.date().isoformat()}: 2 changes, 2 high"
    )
    text = digest.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "edited after publication" in text
    assert text.count("COMMITMENTS") == 2
    assert _statuses(sqlite_history).count(("sent", 1)) == 4


def test_login_works_and_password_never_leaks(
    sqlite_history: History, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cret-Pa55-for-test"
    _subscribe(sqlite_history)
    add_comparison(sqlite_history)
    caplog.set_level(logging.DEBUG)
    with MailServer(login=("mailer", secret)) as server:
        bad = deliver_pending(
            sqlite_history,
            Settings(),
            now=NOW,
            config=_config(server.port, username="mailer", password=secret + "x"),
        )
        good = deliver_pending(
            sqlite_history,
            Settings(),
            now=NOW + retry_delay(1),
            config=_config(server.port, username="mailer", password=secret),
        )
    assert bad.errors and "SMTPAuthenticationError" in bad.errors[0]
    assert len(good.sent) == 1 and server.logins == ["mailer"]
    with sqlite_history.sessions() as session:
        (alert,) = outbox.list_alerts(session)
    assert secret not in (alert.last_error or "")
    assert secret not in caplog.text
    assert secret not in repr(_config(1, password=secret))


def test_dry_run_renders_without_sending_or_claiming(sqlite_history: History) -> None:
    _subscribe(sqlite_history)
    add_comparison(sqlite_history)
    report = deliver_pending(sqlite_history, Settings(), now=NOW, dry_run=True)
    assert report.dry_run and len(report.planned) == 1
    assert report.planned[0].mail.subject.endswith("5 commitments dropped, 1 added")
    assert _statuses(sqlite_history) == [("pending", 0)]
    with sqlite_history.sessions() as session:
        assert len(outbox.peek_due(session, NOW)) == 1


@pytest.mark.parametrize(
    ("mechanism", "clear"), [("PLAIN", False), ("LOGIN", False), ("PLAIN", True)]
)
def test_a_server_echoing_the_auth_line_leaks_no_credential(
    sqlite_history: History, caplog: pytest.LogCaptureFixture, mechanism: str, clear: bool
) -> None:
    user, secret = "mailer", "s3cret-Pa55/for+test"
    forms = {
        "clear": secret,
        "plain-base64": base64.b64encode(f"\0{user}\0{secret}".encode()).decode(),
        "login-base64": base64.b64encode(secret.encode()).decode(),
    }
    _subscribe(sqlite_history)
    add_comparison(sqlite_history)
    caplog.set_level(logging.DEBUG)
    with AuthEchoingSmtpServer(mechanism, clear=clear) as server:
        report = deliver_pending(
            sqlite_history,
            Settings(),
            now=NOW,
            config=_config(server.port, username=user, password=secret),
        )
    assert server.logins == 1 and report.errors
    with sqlite_history.sessions() as session:
        (alert,) = outbox.list_alerts(session)
    stored = alert.last_error or ""
    # The server did echo the exchange; what it echoed is masked.
    assert "authentication failed" in stored and "***" in stored
    for name, form in forms.items():
        assert form not in stored, name
        assert form not in " ".join(report.errors), name
        assert form not in caplog.text, name
