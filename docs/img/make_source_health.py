"""Regenerate the source-health pictures of docs/operators.md from a real run.

    .venv/bin/python docs/img/make_source_health.py

Replays the corpus on loopback, checks every source once (healthy), redesigns three sites
the way real sites change (a cookie wall on the MND, a re-wrapped body on the DoD, a moved
date on State), checks again, and delivers the operator mail to a loopback SMTP server.
Writes ``sources-check.txt`` and ``sources-check.png`` (the table as a terminal shows it)
and ``source-health-email.txt`` and ``source-health-email.png`` (the plain-text part of
the mail about rok-mnd) next to this file.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
AS_OF = dt.date(2026, 1, 10)


def render(text: str, path: Path, *, title: str) -> None:
    """Draw ``text`` in a monospace font on a dark terminal-like background."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lines = text.splitlines()
    width = max(len(line) for line in lines)
    fig = plt.figure(figsize=(0.075 * width + 0.6, 0.19 * (len(lines) + 2) + 0.3), dpi=110)
    fig.patch.set_facecolor("#1e1e1e")
    fig.text(0.01, 0.99, title, family="monospace", size=9, color="#8ab4f8", va="top")
    fig.text(
        0.01,
        0.99 - 1.6 / (len(lines) + 2),
        text,
        family="monospace",
        size=9,
        color="#e6e6e6",
        va="top",
        linespacing=1.35,
    )
    fig.savefig(path, facecolor=fig.get_facecolor())
    plt.close(fig)


def main() -> None:
    """Run the checks and write the four files."""
    from alerts.deliver import SmtpConfig, deliver_pending
    from clausewatch.demo.mailsink import MailServer
    from clausewatch.demo.replay.redesign import Redesign
    from clausewatch.demo.replay.server import ReplayServer
    from clausewatch.demo.replay.site import ReplaySite
    from core.settings import get_settings
    from models import open_history, outbox
    from models.db import make_engine, upgrade
    from pipeline.health import check_table, run_checks
    from scrapers.sources import replay_config

    site = ReplaySite.from_corpus()
    folder = Path(tempfile.mkdtemp(prefix="cw-health-"))
    with ReplayServer(site, as_of=AS_OF) as server, MailServer() as mail:
        sources = folder / "sources.yaml"
        sources.write_text(yaml.safe_dump(replay_config(server.url)), encoding="utf-8")
        os.environ.update(
            CLAUSEWATCH_DATA_DIR=str(folder),
            CLAUSEWATCH_SOURCES_FILE=str(sources),
            CLAUSEWATCH_ALLOWED_HOSTS=server.allowed_host,
            CLAUSEWATCH_RATE_LIMIT_PER_HOST="1000",
        )
        get_settings.cache_clear()
        engine = make_engine(get_settings().resolved_database_url)
        upgrade(engine)
        engine.dispose()
        history = open_history(get_settings().resolved_database_url)
        with history.sessions.begin() as session:
            outbox.subscribe(session, "ops@example.org", operator=True)
        run_checks(get_settings(), None)
        site.redesign("www.mnd.go.kr", Redesign.COOKIE_WALL)
        site.redesign("www.defense.gov", Redesign.WRAPPED_BODY)
        site.redesign("www.state.gov", Redesign.MOVED_DATE)
        table = check_table(run_checks(get_settings(), None))
        config = SmtpConfig(host="127.0.0.1", port=mail.port, timeout=5.0)
        deliver_pending(history, get_settings(), config=config)
        history.close()
        message = next(m.message for m in mail.received if "rok-mnd" in str(m.message["Subject"]))
    part = message.get_body(("plain",))
    assert part is not None
    body = part.get_content().replace("\r\n", "\n")
    email = f"Subject: {message['Subject']}\nTo: {message['To']}\n\n{body}"
    command = "$ clausewatch sources check"
    (HERE / "sources-check.txt").write_text(f"{command}\n{table}\n", encoding="utf-8")
    (HERE / "source-health-email.txt").write_text(email, encoding="utf-8")
    render(table, HERE / "sources-check.png", title=command)
    render(email, HERE / "source-health-email.png", title="operator mail (plain-text part)")


if __name__ == "__main__":
    main()
