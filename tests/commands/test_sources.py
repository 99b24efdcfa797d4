"""``clausewatch sources`` and ``clausewatch fetch``, run as real processes against the replay."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import yaml

from clausewatch.demo.replay.server import ReplayServer
from clausewatch.demo.replay.site import ReplaySite, StandInStatement
from scrapers.sources import replay_config

STATEMENT = StandInStatement(
    "ncg-3.en",
    "en",
    "Joint Press Statement on the 3rd NCG Meeting",
    date(2024, 6, 10),
    "us-dod",
    "The third meeting was held in Seoul.\n\nJoint planning and execution advanced.",
)


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clausewatch", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


@pytest.fixture(scope="module")
def replay_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], str]]:
    """A replay server with one release, and the environment pointing the CLI at it."""
    site = ReplaySite([STATEMENT], filler=False)
    release = next(iter(site.releases.values()))
    with ReplayServer(site, as_of=date(2025, 1, 1)) as server:
        folder = tmp_path_factory.mktemp("cli")
        sources = folder / "sources.yaml"
        sources.write_text(yaml.safe_dump(replay_config(server.url)), encoding="utf-8")
        env = {
            "CLAUSEWATCH_DATA_DIR": str(folder / "data"),
            "CLAUSEWATCH_SOURCES_FILE": str(sources),
            "CLAUSEWATCH_ALLOWED_HOSTS": server.allowed_host,
            "CLAUSEWATCH_RATE_LIMIT_PER_HOST": "1000",
        }
        yield env, release.url


def test_sources_json_lists_every_source_with_its_base_url(
    replay_env: tuple[dict[str, str], str],
) -> None:
    env, _ = replay_env
    out = run("sources", "--format", "json", env=env)
    assert out.returncode == 0, out.stderr
    rows = {row["slug"]: row for row in json.loads(out.stdout)}
    assert len(rows) == 7
    dod = rows["us-dod"]
    assert dod["base_url"].endswith("/www.defense.gov") and dod["base_url"].startswith("http://127")
    assert dod["hosts"] == ["www.defense.gov", "www.war.gov"]
    assert dod["enabled"] is True and dod["last_success"] is None and dod["last_error"] is None
    assert dod["health"] is None and dod["health_reason"] is None


def test_sources_text(tmp_path: Path) -> None:
    out = run("sources", env={"CLAUSEWATCH_DATA_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert "korea-kr  (enabled, ko)" in out.stdout
    assert "base URL      https://www.korea.kr" in out.stdout


def test_fetch_json_extracts_one_page(replay_env: tuple[dict[str, str], str]) -> None:
    env, real_url = replay_env
    out = run("fetch", real_url, "--format", "json", env=env)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {
        "url",
        "final_url",
        "source",
        "title",
        "published",
        "language",
        "paragraphs",
        "text",
    }
    assert data["url"] == real_url and data["final_url"].startswith("http://127.0.0.1:")
    assert (data["source"], data["published"], data["language"]) == ("us-dod", "2024-06-10", "en")
    assert data["paragraphs"] == [
        "The third meeting was held in Seoul.",
        "Joint planning and execution advanced.",
    ]
    assert data["text"] == "\n\n".join(data["paragraphs"])
    assert not (Path(env["CLAUSEWATCH_DATA_DIR"]) / "clausewatch.db").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("fetch", "https://www.example.org/statement", "--source", "us-dod"),
        ("fetch", "https://www.example.org/statement"),
        ("fetch", "https://www.defense.gov/x", "--source", "no-such-source"),
        ("fetch", "ftp://www.defense.gov/x"),
    ],
)
def test_fetch_bad_input_is_one_line_and_exit_2(
    replay_env: tuple[dict[str, str], str], args: tuple[str, ...]
) -> None:
    env, _ = replay_env
    out = run(*args, env=env)
    assert out.returncode == 2, out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_sources_check_exit_codes_and_json(replay_env: tuple[dict[str, str], str]) -> None:
    env, _ = replay_env
    healthy = run("sources", "check", "--source", "us-dod", env=env)
    assert healthy.returncode == 0, healthy.stderr
    header, row = healthy.stdout.splitlines()
    assert header.split()[:4] == ["source", "listing", "article", "last"]
    assert row.startswith("us-dod") and "OK: all from adapter" in row and "healthy" in row

    # The replay holds no MND release: an empty listing is a broken source.
    broken = run("sources", "check", "--source", "rok-mnd", "--format", "json", env=env)
    assert broken.returncode == 1, broken.stderr
    (check,) = json.loads(broken.stdout)
    assert check["source"] == "rok-mnd" and check["verdict"] == "broken"
    assert check["listing"]["items"] == 0 and check["article"]["url"] is None
    assert "lists no items" in check["reasons"][0]

    unknown = run("sources", "check", "--source", "nowhere", env=env)
    assert unknown.returncode == 2 and "unknown source" in unknown.stderr
