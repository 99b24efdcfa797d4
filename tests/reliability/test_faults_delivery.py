"""The mail server down, then flapping (answers lost after DATA, 451s), then down again,
during delivery: every alert reaches the server exactly once, none is left pending.

Delivery is at-least-once (alerts/deliver.py): a message whose answer was lost after DATA
is sent again under the same Message-ID. So "exactly once" is counted on what the server
*accepted*, and every lost copy must carry the Message-ID of an accepted one.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from alerts.deliver import MAX_ATTEMPTS, MAX_RETRY, SmtpConfig, deliver_pending
from clausewatch.demo.mailsink import MailServer, Mode, ReceivedMail
from core.settings import Settings
from models import History, open_history, outbox
from tests.support import free_port
from tests.support.alert_history import add_comparison

NOW = dt.datetime(2025, 12, 12, 10, 0, tzinfo=dt.UTC)
SUBSCRIBERS = [f"analyst{n}@example.org" for n in range(4)]
#: How the flapping server answers successive messages (then it accepts everything).
FLAPPING: tuple[Mode, ...] = (
    "drop-after-data",
    "accept",
    "reject",
    "drop-after-data",
    "drop-after-data",
    "accept",
    "reject",
)


class FlappingMailServer(MailServer):
    """A mail server whose answer to each message follows a script, then is "accept"."""

    def __init__(self, script: Iterable[Mode], **options: Any) -> None:
        self._script: deque[Mode] = deque(script)
        super().__init__(**options)

    @property
    def mode(self) -> Mode:
        """The answer to the next message (each read spends one step of the script)."""
        return self._script.popleft() if self._script else "accept"

    @mode.setter
    def mode(self, value: Mode) -> None:
        # MailServer sets its fixed mode in __init__; the script decides instead.
        pass


@pytest.fixture
def subscribed_history(db_url: str) -> Iterator[History]:
    """A fresh history (SQLite, then PostgreSQL) with two comparisons × four subscribers."""
    h = open_history(db_url)
    with h.sessions.begin() as session:
        for email in SUBSCRIBERS:
            outbox.subscribe(session, email, min_severity="low")
    add_comparison(h)
    add_comparison(
        h,
        old=("https://www.defense.example/ncg-3/", "Third NCG", dt.date(2024, 6, 10)),
        new=("https://www.defense.example/ncg-4/", "Fourth NCG", dt.date(2025, 1, 10)),
    )
    yield h
    h.close()


def _alerts(history: History) -> list[outbox.AlertInfo]:
    with history.sessions() as session:
        return outbox.list_alerts(session)


def _message_ids(mails: Iterable[ReceivedMail]) -> Counter[str]:
    return Counter(str(m.message["Message-ID"]) for m in mails)


def test_smtp_down_and_flapping_delivers_every_alert_exactly_once(
    subscribed_history: History,
) -> None:
    queued = _alerts(subscribed_history)
    assert len(queued) == 2 * len(SUBSCRIBERS)
    port = free_port()
    config = SmtpConfig(host="127.0.0.1", port=port, timeout=5.0)
    received: list[ReceivedMail] = []
    dropped: list[ReceivedMail] = []
    runs = 0

    def deliver(now: dt.datetime) -> Any:
        nonlocal runs
        runs += 1
        return deliver_pending(subscribed_history, Settings(), now=now, config=config)

    # 1. Nobody listens: every alert waits, one attempt counted.
    down = deliver(NOW)
    assert down.sent == [] and len(down.retrying) == len(queued)
    now = NOW + MAX_RETRY
    # 2. The server flaps: some answers are lost after DATA, some are 451s.
    with FlappingMailServer(FLAPPING, port=port) as server:
        flapping = deliver(now)
        assert flapping.sent and flapping.retrying
        received += server.received
        dropped += server.dropped
    # 3. Down again (the port is closed): nothing moves.
    now += MAX_RETRY
    assert deliver(now).sent == []
    # 4. Back for good: delivery runs until nothing is pending.
    with MailServer(port=port) as server:
        while any(a.status == "pending" for a in _alerts(subscribed_history)):
            assert runs < MAX_ATTEMPTS + 2
            now += MAX_RETRY
            deliver(now)
        received += server.received

    alerts = _alerts(subscribed_history)
    accepted = _message_ids(received)
    assert {a.status for a in alerts} == {"sent"}
    # Exactly once: each alert's Message-ID was accepted once, and nothing else was.
    assert accepted == Counter(a.message_id for a in alerts)
    duplicates = sum(n - 1 for n in accepted.values())
    lost = sum(1 for a in alerts if a.message_id not in accepted)
    assert (duplicates, lost) == (0, 0)
    # The copies whose answer was lost came again under the same Message-ID.
    assert dropped and set(_message_ids(dropped)) <= set(accepted)
    assert max(a.attempts for a in alerts) <= MAX_ATTEMPTS
