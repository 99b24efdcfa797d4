"""Hostile servers and hostile addresses: each ends as one clean error for that URL.

A real replay server on loopback plays the tricks of ``scrapers/replay/hostile.py`` on the
polite client and on ``clausewatch fetch``: a redirect loop, a gzip bomb, oversized bodies,
redirects and DNS answers leading to loopback, link-local, private and other non-public
addresses. The offline guard of ``conftest.py`` records every connection attempt, so
"refused, nothing fetched" is counted, not assumed; it also stops any packet leaving loopback
should the address policy ever fail.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from clausewatch.cli import main
from clausewatch.demo.replay.server import ReplayServer
from core.errors import FetchError, RefusedError
from core.settings import get_settings
from scrapers.http import HostRateLimiter, PoliteClient, resolve_addresses
from scrapers.sources import replay_config
from tests.support.faults import Fault, FaultyReplayServer
from tests.support.hostile import (
    ACTIVE_MARKER,
    FORBIDDEN_ANSWERS,
    FORBIDDEN_TARGETS,
    HOST,
    HOSTILE_PAGES,
    NETWORK_FAULTS,
    HostileSite,
    NetworkFault,
    Outcome,
    TricklingServer,
)
from tests.support.offline_guard import ClientFactory, ConnectionLog
from tests.support.replay_settings import point_sources_at

PAGE = HOSTILE_PAGES[0]
REPLAY_NAME = "replay.test"


def page_requests(server: ReplayServer) -> list[tuple[str, str, int]]:
    """The server's log without robots.txt requests."""
    return [entry for entry in server.request_log if not entry[1].endswith("robots.txt")]


def replay_resolver(host: str, port: int) -> list[str]:
    """Resolve the replay's test name to loopback and everything else as the system would."""
    return ["127.0.0.1"] if host == REPLAY_NAME else resolve_addresses(host, port)


def assert_one_line_naming(exc: Exception, url: str) -> None:
    """The error is one line and says which URL it concerns."""
    assert "\n" not in str(exc) and url in str(exc), str(exc)


# -- the client against a hostile server ----------------------------------------------------


@pytest.mark.parametrize("case", NETWORK_FAULTS, ids=lambda c: c.name)
def test_hostile_responses_end_as_one_fetch_error_and_no_result(
    hostile_replay: FaultyReplayServer, make_client: ClientFactory, case: NetworkFault
) -> None:
    hostile_replay.faults.add(case.fault, host=HOST)
    url = hostile_replay.base_url(HOST) + PAGE.path
    with pytest.raises(FetchError) as caught:
        make_client().fetch(url, source="us-dod")
    assert not isinstance(caught.value, RefusedError)
    assert case.message in str(caught.value)
    assert_one_line_naming(caught.value, url)
    # Refused content is not retried: a bomb is defused once, a loop is walked once.
    assert len(page_requests(hostile_replay)) == (2 if case.name == "redirect-loop" else 1)


@pytest.mark.parametrize("through", ["allowlist", "address-policy"])
@pytest.mark.parametrize("target", list(FORBIDDEN_TARGETS))
def test_redirects_to_forbidden_addresses_are_refused_without_connecting(
    hostile_replay: FaultyReplayServer,
    make_client: ClientFactory,
    connections: ConnectionLog,
    target: str,
    through: str,
) -> None:
    location = FORBIDDEN_TARGETS[target]
    hostile_replay.faults.add(Fault.redirect(location), host=HOST)
    target_host = urlsplit(location.format(port=1, host=HOST, path="/")).hostname or ""
    replay_entry = f"{REPLAY_NAME}:{hostile_replay.port}"
    # Through the address policy: the target passes the allowlist on any port.
    any_port = f"[{target_host}]:*" if ":" in target_host else f"{target_host}:*"
    allowed = [replay_entry] + ([any_port] if through == "address-policy" else [])
    client = make_client(
        allowed_hosts=allowed, trusted_hosts=[replay_entry], resolver=replay_resolver
    )
    url = f"http://{REPLAY_NAME}:{hostile_replay.port}/{HOST}{PAGE.path}"
    with pytest.raises(RefusedError) as caught:
        client.fetch(url, source="us-dod")
    assert_one_line_naming(caught.value, url)
    reason = "not an allowed source host" if through == "allowlist" else "refused address"
    assert reason in str(caught.value)
    # One request reached the replay (the redirect); nothing reached the target.
    assert page_requests(hostile_replay) == [("GET", f"/{HOST}{PAGE.path}", 302)]
    assert {address for address, _ in connections.attempts} == {"127.0.0.1"}


@pytest.mark.parametrize("answer", list(FORBIDDEN_ANSWERS))
def test_names_resolving_to_forbidden_addresses_are_refused_before_any_connection(
    make_client: ClientFactory, connections: ConnectionLog, answer: str
) -> None:
    asked: list[str] = []

    def hostile_dns(host: str, port: int) -> list[str]:
        asked.append(host)
        return list(FORBIDDEN_ANSWERS[answer])

    client = make_client(allowed_hosts=["statements.test"], trusted_hosts=[], resolver=hostile_dns)
    url = "http://statements.test/briefing/1"
    with pytest.raises(RefusedError) as caught:
        client.fetch(url)
    assert "refused address" in str(caught.value)
    assert_one_line_naming(caught.value, url)
    assert asked == ["statements.test"] and connections.attempts == []


@pytest.mark.parametrize(
    "origin",
    ["http://localhost:{port}", "http://127.0.0.1:{port}", "http://[::ffff:127.0.0.1]:{port}"],
)
def test_loopback_sources_are_refused_unless_trusted(
    hostile_replay: FaultyReplayServer,
    make_client: ClientFactory,
    connections: ConnectionLog,
    origin: str,
) -> None:
    url = origin.format(port=hostile_replay.port) + f"/{HOST}{PAGE.path}"
    host = urlsplit(url).netloc
    with pytest.raises(RefusedError) as caught:
        make_client(allowed_hosts=[host], trusted_hosts=[]).fetch(url)
    assert_one_line_naming(caught.value, url)
    assert connections.attempts == [] and hostile_replay.request_log == []
    # The same fetch with the host trusted connects: the counters above can see a fetch.
    assert make_client(allowed_hosts=[host], trusted_hosts=[host]).fetch(url).status == 200
    assert connections.attempts and page_requests(hostile_replay)


# -- one deadline per fetch, retries included ----------------------------------------------


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_trickling_answer_ends_at_the_fetch_deadline(
    make_client: ClientFactory, part: str
) -> None:
    # One byte every 50 ms never trips the 5 s read timeout; the answer would take 30 s.
    with TricklingServer(part=part, interval=0.05, size=600) as server:
        url = f"{server.url}/{HOST}{PAGE.path}"
        client = make_client(deadline=1.0, read_timeout=5.0, max_retries=3)
        with pytest.raises(FetchError) as caught:
            client.fetch(url)
        assert "1 s fetch deadline" in str(caught.value)
        assert_one_line_naming(caught.value, url)
        # Given up mid-answer, and no retry started once the deadline had passed.
        assert server.completed == 0
        assert [p for p in server.requests if not p.endswith("robots.txt")] == [
            f"/{HOST}{PAGE.path}"
        ]


def test_a_retry_wait_past_the_deadline_gives_up_at_once(
    hostile_replay: FaultyReplayServer, make_client: ClientFactory
) -> None:
    hostile_replay.faults.add(Fault.too_many_requests(retry_after="30"), host=HOST)
    url = hostile_replay.base_url(HOST) + PAGE.path
    with pytest.raises(FetchError) as caught:
        make_client(deadline=2.0, max_retries=3).fetch(url)
    assert "2 s fetch deadline" in str(caught.value) and caught.value.status == 429
    assert len(page_requests(hostile_replay)) == 1


# -- allowlist entries carry a port ------------------------------------------------------


def test_an_allowlisted_loopback_page_cannot_redirect_to_another_loopback_port(
    hostile_site: HostileSite,
    hostile_replay: FaultyReplayServer,
    make_client: ClientFactory,
    connections: ConnectionLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = hostile_replay.base_url(HOST) + PAGE.path
    with ReplayServer(hostile_site, as_of=datetime.date(2025, 1, 1)) as internal:
        hostile_replay.faults.add(Fault.redirect(internal.base_url(HOST) + PAGE.path), host=HOST)
        monkeypatch.setenv("CLAUSEWATCH_ALLOWED_HOSTS", hostile_replay.allowed_host)
        get_settings.cache_clear()
        with (
            PoliteClient.from_settings(
                get_settings(), rate_limiter=HostRateLimiter(10_000)
            ) as client,
            pytest.raises(RefusedError) as caught,
        ):
            client.fetch(url)
        assert f"port {internal.port} is not allowed for 127.0.0.1" in str(caught.value)
        assert_one_line_naming(caught.value, url)
        # The address policy holds on its own too: the URL passes an any-port allowlist, the
        # dialler still refuses the port the operator did not trust.
        hostile_replay.faults.add(Fault.redirect(internal.base_url(HOST) + PAGE.path), host=HOST)
        client = make_client(
            allowed_hosts=["127.0.0.1:*"], trusted_hosts=[hostile_replay.allowed_host]
        )
        with pytest.raises(
            RefusedError, match=rf"refused address 127\.0\.0\.1 \(port {internal.port}\)"
        ):
            client.fetch(url)
        assert internal.request_log == []
        assert ("127.0.0.1", internal.port) not in connections.attempts
    # Positive control: without the redirect the trusted port is fetched.
    hostile_replay.faults.clear()
    with PoliteClient.from_settings(get_settings(), rate_limiter=HostRateLimiter(10_000)) as client:
        assert client.fetch(url).status == 200
    get_settings.cache_clear()


def test_a_bare_allowlist_entry_opens_only_the_standard_port(
    hostile_replay: FaultyReplayServer, connections: ConnectionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUSEWATCH_ALLOWED_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    url = hostile_replay.base_url(HOST) + PAGE.path
    with (
        PoliteClient.from_settings(get_settings(), rate_limiter=HostRateLimiter(10_000)) as client,
        pytest.raises(RefusedError) as caught,
    ):
        client.fetch(url)
    # The error tells the operator the entry to add.
    assert f"add 127.0.0.1:{hostile_replay.port} to CLAUSEWATCH_ALLOWED_HOSTS" in str(caught.value)
    assert connections.attempts == [] and hostile_replay.request_log == []
    get_settings.cache_clear()


# -- clausewatch fetch on every hostile case ------------------------------------------------


@dataclass(frozen=True)
class CliCase:
    """One hostile case for ``clausewatch fetch``: how to set it up and the exits allowed."""

    name: str
    url: str
    exits: frozenset[int]
    fault: Fault | None = None
    sources_root: str | None = None
    trusted: str = "127.0.0.1:{port}"


def cli_cases() -> list[CliCase]:
    """Every hostile page, every network fault, and the refused addresses."""
    cases = []
    for page in HOSTILE_PAGES:
        exits = {Outcome.EXTRACTS: {0}, Outcome.PARSE_ERROR: {1}}.get(page.outcome, {0, 1})
        cases.append(CliCase(f"page-{page.name}", page.real_url, frozenset(exits)))
    for net in NETWORK_FAULTS:
        cases.append(CliCase(f"net-{net.name}", PAGE.real_url, frozenset({1}), net.fault))
    for name in ("metadata", "private-10", "loopback-v6"):
        redirect = Fault.redirect(FORBIDDEN_TARGETS[name])
        cases.append(CliCase(f"redirect-{name}", PAGE.real_url, frozenset({2}), redirect))
    cases.append(
        CliCase(
            "source-on-untrusted-localhost",
            PAGE.real_url,
            frozenset({2}),
            sources_root="http://localhost:{port}",
            trusted="",
        )
    )
    return cases


CLI_CASES = cli_cases()


@pytest.fixture
def cli_env(
    hostile_replay: FaultyReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point every source at the hostile replay; yields the sources file to rewrite."""
    yield point_sources_at(hostile_replay, tmp_path / "sources.yaml", monkeypatch)
    get_settings.cache_clear()


def prepare(
    case: CliCase, server: FaultyReplayServer, sources: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Switch the case's fault on and point the sources where the case says."""
    if case.fault is not None:
        server.faults.add(case.fault, host=HOST)
    root = (case.sources_root or server.url).format(port=server.port)
    sources.write_text(yaml.safe_dump(replay_config(root)), encoding="utf-8")
    if case.trusted:
        monkeypatch.setenv("CLAUSEWATCH_ALLOWED_HOSTS", case.trusted.format(port=server.port))
    else:
        monkeypatch.delenv("CLAUSEWATCH_ALLOWED_HOSTS")
    get_settings.cache_clear()


@pytest.mark.parametrize("case", CLI_CASES, ids=lambda c: c.name)
def test_fetch_command_ends_each_hostile_case_cleanly(
    hostile_replay: FaultyReplayServer,
    cli_env: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    case: CliCase,
) -> None:
    prepare(case, hostile_replay, cli_env, monkeypatch)
    with pytest.raises(SystemExit) as ended:
        main(["fetch", case.url, "--format", "json"])
    out, err = capsys.readouterr()
    code = ended.value.code
    assert code in case.exits, err
    if code == 0:
        data = json.loads(out)
        assert err == "" and data["paragraphs"] and ACTIVE_MARKER not in out
    else:
        assert out == "" and err.count("\n") == 1 and err.startswith("clausewatch: error: ")
    if case.name == "source-on-untrusted-localhost":
        assert hostile_replay.request_log == []


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``clausewatch ARGS`` as a real process with ``env`` added to a clean environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWATCH_")}
    return subprocess.run(
        [sys.executable, "-m", "clausewatch", *args],
        capture_output=True,
        text=True,
        env={**base, **env},
        timeout=60,
    )


# -- real processes: one line, no traceback, no secrets -------------------------------------

SMTP_SECRET = "smtp-Pw-0d9f27c1"
DB_SECRET = "db-Pw-8be04a55"
BOMB_PAGE, REDIRECTED_PAGE = HOSTILE_PAGES[1], HOSTILE_PAGES[2]
#: name → (arguments, exit code); None means "any failure" (``--debug`` shows a traceback).
PROCESS_RUNS: dict[str, tuple[list[str], int | None]] = {
    "init": (["init"], 1),  # the database server does not answer: a runtime failure
    "init-debug": (["--debug", "init"], None),
    "fetch-clean": (["fetch", PAGE.real_url, "--format", "json"], 0),
    "fetch-gzip-bomb": (["fetch", BOMB_PAGE.real_url], 1),
    "fetch-redirect-to-metadata": (["fetch", REDIRECTED_PAGE.real_url], 2),
}


@dataclass(frozen=True)
class ProcessBatch:
    """The finished runs of :data:`PROCESS_RUNS` and the data directory they shared."""

    results: dict[str, subprocess.CompletedProcess[str]]
    data_dir: Path


@pytest.fixture(scope="module")
def process_batch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProcessBatch]:
    """Run every command of :data:`PROCESS_RUNS` once, three at a time, as real processes.

    The environment carries an SMTP password and a PostgreSQL URL with a password (the
    server is unreachable: port 1 on loopback), and points every source at a hostile replay.
    """
    folder = tmp_path_factory.mktemp("processes")
    with FaultyReplayServer(HostileSite(), as_of=datetime.date(2025, 1, 1)) as server:
        server.faults.add(Fault.gzip_bomb(64 * 1024 * 1024), host=HOST, path=BOMB_PAGE.path)
        server.faults.add(Fault.redirect_private(), host=HOST, path=REDIRECTED_PAGE.path)
        sources = folder / "sources.yaml"
        sources.write_text(yaml.safe_dump(replay_config(server.url)), encoding="utf-8")
        env = {
            "CLAUSEWATCH_DATA_DIR": str(folder / "data"),
            "CLAUSEWATCH_DATABASE_URL": f"postgresql+psycopg://cw:{DB_SECRET}@127.0.0.1:1/cw",
            "CLAUSEWATCH_SMTP_HOST": "127.0.0.1",
            "CLAUSEWATCH_SMTP_PORT": "9",
            "CLAUSEWATCH_SMTP_USERNAME": "operator",
            "CLAUSEWATCH_SMTP_PASSWORD": SMTP_SECRET,
            "CLAUSEWATCH_SOURCES_FILE": str(sources),
            "CLAUSEWATCH_ALLOWED_HOSTS": server.allowed_host,
            "CLAUSEWATCH_RATE_LIMIT_PER_HOST": "1000",
        }
        with ThreadPoolExecutor(max_workers=3) as pool:
            running = {
                name: pool.submit(run_cli, args, env) for name, (args, _) in PROCESS_RUNS.items()
            }
            results = {name: future.result() for name, future in running.items()}
    yield ProcessBatch(results, folder / "data")


@pytest.mark.parametrize("name", list(PROCESS_RUNS))
def test_commands_as_processes_end_with_their_exit_code_and_one_line(
    process_batch: ProcessBatch, name: str
) -> None:
    result = process_batch.results[name]
    expected = PROCESS_RUNS[name][1]
    if expected is None:
        assert result.returncode != 0
        return
    assert result.returncode == expected, result.stderr
    if expected == 0:
        assert ACTIVE_MARKER not in result.stdout and json.loads(result.stdout)["paragraphs"]
    else:
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert result.stderr.startswith("clausewatch: error: ")


def test_no_password_in_any_output_or_file(process_batch: ProcessBatch) -> None:
    searched = 0
    for name, result in process_batch.results.items():
        for secret in (SMTP_SECRET, DB_SECRET):
            assert secret not in result.stdout + result.stderr, name
        searched += 1
    files = [p for p in process_batch.data_dir.rglob("*") if p.is_file()]
    for path in files:
        content = path.read_bytes()
        assert SMTP_SECRET.encode() not in content and DB_SECRET.encode() not in content, path
    # The failures above must have happened where the passwords were in play.
    assert "cw:***@127.0.0.1:1" in process_batch.results["init"].stderr
    assert searched == len(PROCESS_RUNS)
    assert not (process_batch.data_dir / "clausewatch.db").exists()


def test_a_password_in_the_query_string_is_masked_too(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "CLAUSEWATCH_DATABASE_URL", f"postgresql+psycopg://cw@127.0.0.1:1/cw?password={DB_SECRET}"
    )
    get_settings.cache_clear()
    with pytest.raises(SystemExit):
        main(["init"])
    assert DB_SECRET not in capsys.readouterr().err
