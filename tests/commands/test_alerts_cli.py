"""The alert commands: subscribe, list, send (dry and real), unsubscribe.

In-process through the CLI's own ``main`` (exit codes and one-line errors included); one
test runs a real process to check the exit code there too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from clausewatch.demo.mailsink import MailServer
from core.settings import get_settings
from models import open_history
from tests.support.alert_history import add_comparison


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def run(*args: str, **env: str) -> Outcome:
    from clausewatch.cli import main

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        get_settings.cache_clear()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
    get_settings.cache_clear()
    return Outcome(code, out.getvalue(), err.getvalue())


def test_bad_address_exits_2_as_a_process() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "clausewatch", "subscribe", "not-an-address"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )
    assert out.returncode == 2
    assert out.stderr.startswith("clausewatch: error: not an email address: 'not-an-address'")
    assert out.stderr.count("\n") == 1


def test_subscribe_send_list_unsubscribe() -> None:
    assert run("init").returncode == 0
    bad = run("subscribe", "not-an-address")
    assert bad.returncode == 2 and "not an email address" in bad.stderr
    out = run(
        "subscribe",
        "analyst@example.org",
        "--series",
        "ncg",
        "--min-severity",
        "high",
        "--commitment",
        "joint-planning-execution",
    )
    assert out.returncode == 0, out.stderr
    assert "subscribed analyst@example.org to series ncg" in out.stdout
    listed = json.loads(run("subscriptions", "--format", "json").stdout)
    assert [(s["email"], s["series"], s["commitments"]) for s in listed] == [
        ("analyst@example.org", "ncg", ["joint-planning-execution"])
    ]

    history = open_history(get_settings().resolved_database_url)
    try:
        _, queued = add_comparison(history)
    finally:
        history.close()
    assert queued == 1

    dry = run("alerts", "send", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert (
        "would send to analyst@example.org: [clausewatch] NCG joint statement (5th, English)"
        in (dry.stdout)
    )
    no_server = run("alerts", "send")
    assert no_server.returncode == 2 and "CLAUSEWATCH_SMTP_HOST" in no_server.stderr

    with MailServer() as server:
        sent = run(
            "alerts",
            "send",
            "--format",
            "json",
            CLAUSEWATCH_SMTP_HOST=server.host,
            CLAUSEWATCH_SMTP_PORT=str(server.port),
        )
    assert sent.returncode == 0, sent.stderr
    assert len(json.loads(sent.stdout)["sent"]) == 1
    assert len(server.received) == 1

    rows = json.loads(run("alerts", "list", "--status", "sent", "--format", "json").stdout)
    assert [(r["status"], r["severity"], r["attempts"]) for r in rows] == [("sent", "high", 1)]
    assert run("alerts", "list", "--status", "pending").stdout.strip() == "no alerts"
    bad_status = run("alerts", "list", "--status", "lost")
    assert bad_status.returncode == 2

    gone = run("unsubscribe", "analyst@example.org")
    assert gone.returncode == 0 and "unsubscribed" in gone.stdout
    assert run("unsubscribe", "analyst@example.org").returncode == 2
    assert json.loads(run("subscriptions", "--format", "json").stdout) == []


def test_send_reports_a_down_server_and_exits_1() -> None:
    from tests.support import free_port

    assert run("init").returncode == 0
    assert run("subscribe", "a@example.org").returncode == 0
    history = open_history(get_settings().resolved_database_url)
    try:
        add_comparison(history)
    finally:
        history.close()
    out = run(
        "alerts",
        "send",
        CLAUSEWATCH_SMTP_HOST="127.0.0.1",
        CLAUSEWATCH_SMTP_PORT=str(free_port()),
        CLAUSEWATCH_SMTP_PASSWORD="hunter2-secret",
        CLAUSEWATCH_SMTP_USERNAME="u",
    )
    assert out.returncode == 1
    assert "retrying later 1" in out.stdout
    assert "hunter2-secret" not in out.stdout + out.stderr
    listed = run("alerts", "list", "--status", "pending")
    assert "last error: ConnectionRefusedError" in listed.stdout


def test_subscribe_by_language() -> None:
    assert run("init").returncode == 0
    out = run("subscribe", "leser@example.org", "--lang", "ko", "--min-severity", "high")
    assert out.returncode == 0, out.stderr
    assert "in ko" in out.stdout
    listed = json.loads(run("subscriptions", "--format", "json").stdout)
    assert [s["languages"] for s in listed] == [["ko"]]
    assert "ko" in run("subscriptions").stdout

    history = open_history(get_settings().resolved_database_url)
    try:
        _, english = add_comparison(history)  # an English comparison: not for this reader
        _, korean = add_comparison(
            history,
            old=("https://www.mnd.example/ko/4", "제4차 NCG 공동성명", dt.date(2025, 1, 10)),
            new=("https://www.mnd.example/ko/5", "제5차 NCG 공동성명", dt.date(2025, 12, 11)),
            language="ko",
        )
    finally:
        history.close()
    assert (english, korean) == (0, 1)

    bad = run("subscribe", "leser@example.org", "--lang", "fr")
    assert bad.returncode == 2


@pytest.mark.parametrize(
    "address",
    [
        "b@example.com, evil@x.com",
        "b@example.com evil@x.com",
        "b@exa\\mple.com",
        "Name <b@example.com>",
        "b@example.com\nBcc: evil@x.com",
        "b@@example.com",
        "b@localhost",
    ],
)
def test_subscribe_refuses_anything_but_one_valid_address(address: str) -> None:
    assert run("init").returncode == 0
    bad = run("subscribe", address)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("clausewatch: error: not an email address")
    assert bad.stderr.count("\n") == 1
    assert json.loads(run("subscriptions", "--format", "json").stdout) == []


def test_a_non_utf8_address_argument_is_one_line_exit_2(tmp_path: Path) -> None:
    env = dict(os.environ, CLAUSEWATCH_DATA_DIR=str(tmp_path), LC_ALL="C.UTF-8")
    subprocess.run(
        [sys.executable, "-m", "clausewatch", "init"],
        env=env,
        timeout=120,
        check=True,
        capture_output=True,
    )
    out = subprocess.run(
        [sys.executable, "-m", "clausewatch", "subscribe", b"b\xff\xfe@example.com"],
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 2 and out.stdout == b""
    assert out.stderr.startswith(b"clausewatch: error: not an email address: 'b\\udcff")
    assert out.stderr.count(b"\n") == 1 and b"Traceback" not in out.stderr


HOSTILE_TITLE = (
    "Joint statement\x1b[2J\x1b]52;c;ZXZpbA==\x07 on\r\nforged row\u202egnitats\u202c"
    "\x9b31m end\x00"
)


def test_hostile_titles_reach_the_terminal_inert() -> None:
    from alerts.render import render_alert
    from models import outbox

    assert run("init").returncode == 0
    history = open_history(get_settings().resolved_database_url)
    try:
        with history.sessions.begin() as session:
            outbox.subscribe(session, "analyst@example.org")
        new = ("https://www.defense.example/hostile", HOSTILE_TITLE, dt.date(2025, 12, 11))
        add_comparison(history, new=new)
        with history.sessions() as session:
            (item,) = outbox.peek_due(session, dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
    finally:
        history.close()
    for args in (("history",), ("alerts", "list"), ("changes",)):
        out = run(*args)
        assert out.returncode == 0, (args, out.stderr)
        printed = out.stdout + out.stderr
        for bad in ("\x1b", "\x07", "\x9b", "\x00", "\r", "52;c;", "\u202e"):
            assert bad not in printed, (args, repr(bad))
        if args != ("changes",):
            # The title stays on its row: no line starts with the forged text.
            assert not any(line.startswith("forged row") for line in printed.splitlines())
            assert "<U+202E>gnitats<U+202C>" in printed, args
    assert isinstance(item, outbox.OutboxItem)  # a comparison's alert, not a health one
    mail = render_alert(item)
    assert "\n" not in mail.subject and "\x1b" not in mail.subject
    assert "\u202e" not in mail.html and "&lt;U+202E&gt;" in mail.html
    assert "\u202e" not in mail.text and "<U+202E>" in mail.text
