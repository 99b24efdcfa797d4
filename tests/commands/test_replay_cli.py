"""``clausewatch replay`` serves the replay in the foreground and says how to use it (15.1)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from clausewatch.demo.replay.site import ReplaySite
from tests.support import free_port


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUSEWATCH_")}
    env["CLAUSEWATCH_DATA_DIR"] = str(data_dir)
    return env


@pytest.mark.parametrize(
    "entry", [["-m", "clausewatch", "replay"], ["-m", "clausewatch.demo.replay"]]
)
def test_replay_prints_the_exports_then_serves_what_fetch_reads(
    entry: list[str], tmp_path: Path
) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, *entry, "--port", str(port), "--as-of", "2026-01-10"],
        env=_env(tmp_path / "data"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        exports = [server.stdout.readline().strip() for _ in range(3)]
        names = [line.removeprefix("export ").split("=", 1)[0] for line in exports]
        assert names == [
            "CLAUSEWATCH_SOURCES_FILE",
            "CLAUSEWATCH_ALLOWED_HOSTS",
            "CLAUSEWATCH_RATE_LIMIT_PER_HOST",
        ]
        values = dict(line.removeprefix("export ").split("=", 1) for line in exports)
        sources = yaml.safe_load(Path(values["CLAUSEWATCH_SOURCES_FILE"]).read_text())
        base = sources["us-dod"]["base_urls"]["www.defense.gov"]
        assert base == f"http://127.0.0.1:{port}/www.defense.gov"
        assert values["CLAUSEWATCH_ALLOWED_HOSTS"] == f"127.0.0.1:{port}"
        # The exports were printed before serving; the server answers right after.
        for _ in range(200):
            try:
                assert httpx.get(f"{base}/robots.txt", timeout=2).status_code == 200
                break
            except httpx.TransportError:
                continue

        statement = next(
            r
            for r in ReplaySite.from_corpus().releases.values()
            if r.key.startswith("ncg-5") and r.host == "www.defense.gov"
        )
        fetched = subprocess.run(
            [sys.executable, "-m", "clausewatch", "fetch", statement.url, "--format", "json"],
            env={**_env(tmp_path / "data"), **values},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert fetched.returncode == 0, fetched.stderr
        assert "Nuclear Consultative Group" in fetched.stdout
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=60)
    assert server.returncode == 0
    assert "serving the official sites as of 2026-01-10" in err and "Traceback" not in err


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        out = subprocess.run(
            [sys.executable, "-m", "clausewatch", "replay", "--port", str(busy.getsockname()[1])],
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "cannot listen on 127.0.0.1:" in out.stderr
