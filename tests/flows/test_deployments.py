"""End to end on a real Prefect server: deploy prefect.yaml, run through a process worker.

One server for the module. Each scenario gets its own history (data directory); the
worker's environment points clausewatch at it and every source at the replay on loopback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import yaml

from clausewatch.demo.replay.site import ReplaySite
from models import open_history, store
from scrapers.sources import replay_config
from tests.support.databases import migrate, sqlite_url
from tests.support.faults import Fault, FaultyReplayServer
from tests.support.prefect_server import PrefectServer
from tests.support.tracking_runs import AS_OF

pytestmark = pytest.mark.prefect

REPO = Path(__file__).resolve().parents[2]
POOL = "clausewatch"
TRACK = {"sources": ["us-dod", "rok-mnd"], "since": "2025-12-01", "until": "2026-01-10"}
COMPARED = ("document", "version", "clause", "comparison", "commitment_change", "alert")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """A Prefect server with the work pool and every deployment of prefect.yaml."""
    started = time.monotonic()
    with PrefectServer(tmp_path_factory.mktemp("prefect-e2e")) as prefect:
        prefect.cli("work-pool", "create", POOL, "--type", "process")
        deployed = prefect.cli("deploy", "--all", cwd=REPO)
        assert "track-statements" in deployed.stdout and "deliver-alerts" in deployed.stdout
        assert "reprocess" in deployed.stdout
        print(f"\nserver up, pool created, deployed in {time.monotonic() - started:.1f} s")
        yield prefect


@pytest.fixture(scope="module")
def replay() -> Iterator[FaultyReplayServer]:
    """The corpus replayed on loopback, shared by the scenarios."""
    with FaultyReplayServer(ReplaySite.from_corpus(), as_of=AS_OF) as server:
        yield server


def _history(root: Path, replay: FaultyReplayServer) -> dict[str, str]:
    """A migrated history in ``root`` and the worker environment that points at it."""
    root.mkdir(parents=True, exist_ok=True)
    sources = root / "sources.yaml"
    sources.write_text(yaml.safe_dump(replay_config(replay.url)), encoding="utf-8")
    migrate(sqlite_url(root / "clausewatch.db"))
    return {
        "CLAUSEWATCH_DATA_DIR": str(root),
        "CLAUSEWATCH_SOURCES_FILE": str(sources),
        "CLAUSEWATCH_ALLOWED_HOSTS": replay.allowed_host,
        "CLAUSEWATCH_RATE_LIMIT_PER_HOST": "1000",
        "CLAUSEWATCH_PROJECT_DIR": str(REPO),
    }


def _counts(root: Path) -> dict[str, int]:
    history = open_history(f"sqlite:///{root / 'clausewatch.db'}")
    try:
        with history.sessions() as session:
            return store.table_counts(session)
    finally:
        history.close()


def _create_run(server: PrefectServer, deployment: str, parameters: dict[str, Any]) -> str:
    """Create a flow run with parameters, as the UI's Custom run form does."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings({PREFECT_API_URL: server.api_url}),
        get_client(sync_client=True) as client,
    ):
        found = client.read_deployment_by_name(deployment)
        run = client.create_flow_run_from_deployment(found.id, parameters=parameters)
        return str(run.id)


def _state(server: PrefectServer, run_id: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings({PREFECT_API_URL: server.api_url}),
        get_client(sync_client=True) as client,
    ):
        state = client.read_flow_run(UUID(run_id)).state
        return str(state.name) if state else "?"


def _worker(server: PrefectServer, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return server.popen(
        ["worker", "start", "--pool", POOL, "--type", "process", "--run-once"],
        cwd=REPO,
        env=env,
    )


def _finish(worker: subprocess.Popen[bytes], timeout: float = 150.0) -> None:
    try:
        worker.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        raise


def _run(
    server: PrefectServer, deployment: str, parameters: dict[str, Any], env: dict[str, str]
) -> str:
    run_id = _create_run(server, deployment, parameters)
    _finish(_worker(server, env))
    return _state(server, run_id)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _poll(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_backfill_and_tracking_through_a_worker_survive_a_kill(
    server: PrefectServer, replay: FaultyReplayServer, tmp_path: Path
) -> None:
    started = time.monotonic()

    # A backfill with parameters from the "form": the third and fourth Korean NCG statements
    # and the 56th SCM communiqué (no predecessor in the window, so no comparison of its own).
    backfilled = tmp_path / "backfill"
    env = _history(backfilled, replay)
    parameters = {"source": "rok-mnd", "since": "2024-06-01", "until": "2025-01-31"}
    assert _run(server, "backfill/backfill", parameters, env) == "Completed"
    counts = _counts(backfilled)
    assert (counts["document"], counts["version"], counts["comparison"]) == (3, 3, 1)

    # A clean tracking run.
    clean = tmp_path / "clean"
    env = _history(clean, replay)
    assert _run(server, "track-statements/track-statements", {**TRACK, "lexical": True}, env) == (
        "Completed"
    )
    expected = _counts(clean)
    assert (expected["document"], expected["version"], expected["comparison"]) == (2, 2, 1)

    # The same run killed while a page is being answered slowly, then run again.
    killed = tmp_path / "killed"
    env = _history(killed, replay)
    site = replay.site
    assert isinstance(site, ReplaySite)
    slow = next(
        r for r in site.releases.values() if r.key.startswith("ncg-5") and r.host == "www.mnd.go.kr"
    )
    rule = replay.faults.add(Fault.slow(120.0), host="www.mnd.go.kr", path=slow.path, times=1)
    seen = len(replay.request_log)
    run_id = _create_run(server, "track-statements/track-statements", {**TRACK, "lexical": True})
    worker = _worker(server, env)
    _poll(
        lambda: any(slow.path in p for _, p, _ in replay.request_log[seen:]),
        120,
        "the slow page to be requested",
    )
    # Only NCG pages are fetched (ADR 0075): wait until the other source's statement page is
    # on record, so the kill lands after some work and before the slow page is stored.
    _poll(lambda: _counts(killed)["capture"] > 0, 60, "a first capture of the run")
    flow_process = _poll(lambda: _children(worker.pid), 10, "the flow run process")
    for pid in flow_process:
        os.kill(pid, signal.SIGKILL)
    _finish(worker, 60)
    replay.faults.remove(rule)
    assert _state(server, run_id) != "Completed"
    partial = _counts(killed)
    assert partial["capture"] > 0 and partial["version"] < expected["version"]

    assert _run(server, "track-statements/track-statements", {**TRACK, "lexical": True}, env) == (
        "Completed"
    )
    healed = _counts(killed)
    assert {t: healed[t] for t in COMPARED} == {t: expected[t] for t in COMPARED}
    print(f"\nthree scenarios through the worker in {time.monotonic() - started:.1f} s")


def _logs(server: PrefectServer, run_id: str) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings({PREFECT_API_URL: server.api_url}),
        get_client(sync_client=True) as client,
    ):
        found = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[UUID(run_id)]))
        )
        return [log.message for log in found]


@pytest.mark.parametrize("day", ["2024-02-30", "2023-02-29", "2024-13-01", "2024-6-1"])
def test_an_impossible_date_is_refused_when_the_run_is_created(
    server: PrefectServer, day: str
) -> None:
    from prefect.exceptions import PrefectHTTPStatusError

    with pytest.raises(PrefectHTTPStatusError) as refused:
        _create_run(server, "backfill/backfill", {"source": "us-dod", "since": day})
    assert refused.value.response.status_code == 409
    assert "'since'" in refused.value.response.text


@pytest.mark.parametrize("workers", [0, 17])
def test_the_reprocess_form_refuses_workers_out_of_bounds(
    server: PrefectServer, workers: int
) -> None:
    # Only refusals here: an accepted run would wait in the pool for another test's worker.
    from prefect.exceptions import PrefectHTTPStatusError

    with pytest.raises(PrefectHTTPStatusError) as refused:
        _create_run(server, "reprocess/reprocess", {"series": "all", "workers": workers})
    assert refused.value.response.status_code == 409
    assert "'workers'" in refused.value.response.text


def test_a_refused_backfill_logs_its_reason_without_tracebacks(
    server: PrefectServer, replay: FaultyReplayServer, tmp_path: Path
) -> None:
    env = _history(tmp_path / "refused", replay)
    parameters = {"source": "us-dod", "since": "2025-02-01", "until": "2025-01-01"}
    run_id = _create_run(server, "backfill/backfill", parameters)
    _finish(_worker(server, env))
    assert _state(server, run_id) == "Failed"
    logs = _poll(
        lambda: (
            (found := _logs(server, run_id))
            and any("Finished in state" in m for m in found)
            and found
        ),
        30,
        "the run's last log line",
    )
    assert any("after until" in m for m in logs), logs
    assert not [m for m in logs if "Traceback" in m], logs
