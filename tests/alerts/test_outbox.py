"""The outbox on SQLite and PostgreSQL: subscriptions, matching, idempotent enqueueing, claims."""

from __future__ import annotations

import datetime as dt

import pytest

from models import History, outbox
from tests.support.alert_history import add_comparison


def test_subscribe_twice_updates_one_row(history: History) -> None:
    with history.sessions.begin() as session:
        first, created = outbox.subscribe(session, "a@example.org", series_slug="ncg")
        second, created_again = outbox.subscribe(
            session, "a@example.org", series_slug="ncg", min_severity="high", digest="daily"
        )
    assert created and not created_again
    assert first.id == second.id
    with history.sessions() as session:
        (only,) = outbox.list_subscriptions(session)
    assert (only.min_severity, only.digest) == ("high", "daily")


@pytest.mark.parametrize(
    ("subscription", "severity", "keys", "queued"),
    [
        ({"series_slug": "*"}, "high", ["joint-planning-execution"], 1),
        ({"series_slug": "ncg"}, "medium", [], 1),
        ({"series_slug": "scm"}, "high", ["joint-planning-execution"], 0),
        ({"min_severity": "high"}, "medium", [], 0),
        ({"min_severity": "low"}, "low", [], 1),
        ({"commitment_keys": ["end-of-regime"]}, "high", ["end-of-regime", "dprk-named"], 1),
        ({"commitment_keys": ["next-meeting"]}, "high", ["end-of-regime"], 0),
        ({}, None, ["end-of-regime"], 0),
        ({"languages": ["en"]}, "high", [], 1),
        ({"languages": ["ko"]}, "high", [], 0),
        ({"languages": ["en", "ko"]}, "medium", [], 1),
    ],
)
def test_enqueue_matches_subscriptions(
    history: History,
    subscription: dict[str, object],
    severity: str | None,
    keys: list[str],
    queued: int,
) -> None:
    with history.sessions.begin() as session:
        outbox.subscribe(session, "a@example.org", **subscription)  # type: ignore[arg-type]
    comparison_id, _ = add_comparison(history, enqueue=False)
    with history.sessions.begin() as session:
        added = outbox.enqueue_alerts(
            session, comparison_id, severity=severity, series_slug="ncg", commitment_keys=keys
        )
    assert added == queued


def test_same_comparison_enqueued_twice_is_one_alert(history: History) -> None:
    with history.sessions.begin() as session:
        outbox.subscribe(session, "a@example.org")
        outbox.subscribe(session, "b@example.org", series_slug="ncg")
    comparison_id, first = add_comparison(history)
    with history.sessions.begin() as session:
        again = outbox.enqueue_alerts(
            session, comparison_id, severity="high", series_slug="ncg", commitment_keys=[]
        )
        alerts = outbox.list_alerts(session)
    assert (first, again) == (2, 0)
    assert len(alerts) == 2
    assert len({a.message_id for a in alerts}) == 2


def test_message_id_is_deterministic(history: History) -> None:
    with history.sessions.begin() as session:
        sub, _ = outbox.subscribe(session, "a@example.org")
    comparison_id, _ = add_comparison(history)
    with history.sessions() as session:
        (alert,) = outbox.list_alerts(session)
        from models.schema import Comparison

        comparison = session.get(Comparison, comparison_id)
        assert comparison is not None
        assert outbox.alert_message_id(comparison, sub.id, sub.email) == alert.message_id
    assert alert.message_id.startswith(f"<alert.{comparison_id}.{sub.id}.")


def test_daily_digest_alerts_wait_for_midnight(history: History) -> None:
    with history.sessions.begin() as session:
        outbox.subscribe(session, "d@example.org", digest="daily")
    add_comparison(history)
    now = dt.datetime.now(dt.UTC)
    with history.sessions() as session:
        assert outbox.peek_due(session, now) == []
        assert len(outbox.peek_due(session, outbox.next_digest_time(now))) == 1


def test_a_claim_is_taken_once(history: History) -> None:
    with history.sessions.begin() as session:
        outbox.subscribe(session, "a@example.org")
    add_comparison(history)
    now = dt.datetime.now(dt.UTC)
    with history.sessions.begin() as session:
        first = outbox.claim_due(session, now, lease=dt.timedelta(minutes=15))
    with history.sessions.begin() as session:
        second = outbox.claim_due(session, now, lease=dt.timedelta(minutes=15))
    with history.sessions.begin() as session:
        after_lease = outbox.claim_due(
            session, now + dt.timedelta(minutes=16), lease=dt.timedelta(minutes=15)
        )
    assert [len(first), len(second), len(after_lease)] == [1, 0, 1]
    item = first[0]
    assert isinstance(item, outbox.OutboxItem)  # a comparison's alert, not a health one
    assert item.series_slug == "ncg"
    assert item.new.capture is not None and item.new.capture.warc_file == "cw-0001.warc.gz"
    assert [c["status"] for c in item.comparison["commitments"]].count("dropped") == 5


def test_unsubscribe_cancels_pending_alerts(history: History) -> None:
    with history.sessions.begin() as session:
        outbox.subscribe(session, "a@example.org")
    add_comparison(history)
    with history.sessions.begin() as session:
        assert outbox.unsubscribe(session, "a@example.org") == 1
    with history.sessions() as session:
        (alert,) = outbox.list_alerts(session)
        assert outbox.peek_due(session, dt.datetime.now(dt.UTC)) == []
        assert outbox.list_subscriptions(session) == []
    assert (alert.status, alert.last_error) == ("failed", "unsubscribed before delivery")


def test_operator_flag_survives_updates_but_not_an_unsubscribe(history: History) -> None:
    def operator() -> bool:
        with history.sessions() as session:
            (info,) = outbox.list_subscriptions(session)
        return info.operator

    with history.sessions.begin() as session:
        outbox.subscribe(session, "ops@example.org", operator=True)
    with history.sessions.begin() as session:
        outbox.subscribe(session, "ops@example.org", min_severity="high")
    assert operator()
    with history.sessions.begin() as session:
        outbox.unsubscribe(session, "ops@example.org")
        outbox.subscribe(session, "ops@example.org")
    assert not operator()
