"""The flow's task is plain logic underneath: run it through ``.fn`` without a Prefect server."""

from __future__ import annotations

import pytest

from clausewatch.demo.mailsink import MailServer
from core.settings import get_settings
from models import open_history, outbox
from tests.support.alert_history import add_comparison
from tests.support.databases import migrate


def test_send_due_alerts_task_runs_without_prefect(monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.alerts import send_due_alerts

    history = open_history(migrate(get_settings().resolved_database_url))
    try:
        with history.sessions.begin() as session:
            outbox.subscribe(session, "a@example.org")
        add_comparison(history)
    finally:
        history.close()
    with MailServer() as server:
        monkeypatch.setenv("CLAUSEWATCH_SMTP_HOST", server.host)
        monkeypatch.setenv("CLAUSEWATCH_SMTP_PORT", str(server.port))
        get_settings.cache_clear()
        dry = send_due_alerts.fn(dry_run=True)
        real = send_due_alerts.fn()
    assert dry["dry_run"] and len(dry["messages"]) == 1 and dry["sent"] == []
    assert len(real["sent"]) == 1 and len(server.received) == 1
