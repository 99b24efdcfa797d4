"""The scraper contract: registry, fixtures and docs per adapter, source config."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from core.errors import ConfigError, InputError
from core.settings import get_settings
from scrapers.base import (
    ListingItem,
    PageClient,
    SourceAdapter,
    Statement,
    adapter_classes,
    adapter_for_url,
    get_adapter,
    register,
)
from scrapers.sources import SOURCE_HOSTS, SourceConfig, load_sources, replay_config, source_hosts
from tests.support.recorded_pages import FIXTURES, ROOT, fixture_names

DOCS = ROOT / "docs" / "sources.md"
SLUGS = ("us-dod", "white-house", "state-dept", "rok-president", "rok-mnd", "korea-kr", "wayback")


def test_registry_holds_exactly_the_fixed_slugs() -> None:
    assert set(adapter_classes()) == set(SLUGS)
    assert set(SOURCE_HOSTS) == set(SLUGS)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_adapter_has_fixtures_with_expectations(slug: str) -> None:
    names = fixture_names(slug)
    assert names, f"{slug} has no recorded pages under tests/fixtures/{slug}/"
    for name in names:
        assert (FIXTURES / slug / f"{name}.expected.json").is_file(), name
    kinds = {
        json.loads((FIXTURES / slug / f"{n}.expected.json").read_text())["kind"] for n in names
    }
    assert "statement" in kinds, f"{slug} has no recorded statement page"


@pytest.mark.parametrize("slug", SLUGS)
def test_every_adapter_has_a_docs_section(slug: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = re.search(rf"^## `{re.escape(slug)}`.*?(?=^## |\Z)", text, re.M | re.S)
    assert section, f"docs/sources.md lacks a '## `{slug}`' section"
    for heading in ("URL scheme", "Verified", "Guessed"):
        assert heading in section.group(0), f"{slug} docs lack {heading!r}"


@pytest.mark.parametrize("slug", SLUGS)
def test_every_adapter_declares_its_hosts_and_languages(slug: str) -> None:
    cls = adapter_classes()[slug]
    assert cls.hosts == SOURCE_HOSTS[slug]
    assert cls.languages and set(cls.languages) <= {"en", "ko"}
    assert cls.__doc__ and cls.__module__ and (cls.__module__ and __import__(cls.__module__))


def test_duplicate_slug_is_rejected() -> None:
    class Impostor(SourceAdapter):
        slug = "us-dod"

        def discover(self, client: PageClient, since: date, until: date) -> list[ListingItem]:
            return []

        def parse_statement(self, body: bytes, url: str) -> Statement:
            raise NotImplementedError

    with pytest.raises(ValueError, match="duplicate source slug"):
        register(Impostor)


def test_unknown_slug_is_input_error() -> None:
    with pytest.raises(InputError, match="unknown source"):
        get_adapter("no-such-source")


def _use_sources_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: object) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setenv("CLAUSEWATCH_SOURCES_FILE", str(path))
    get_settings.cache_clear()


def _replay_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, SourceConfig]:
    """Every source under http://127.0.0.1:8080, through the settings' sources file."""
    _use_sources_file(tmp_path, monkeypatch, replay_config("http://127.0.0.1:8080"))
    return load_sources(get_settings().sources_file)


def test_sources_file_overrides_base_urls_and_enabled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use_sources_file(
        tmp_path,
        monkeypatch,
        {
            "us-dod": {"base_url": "http://127.0.0.1:9/www.defense.gov", "enabled": True},
            "korea-kr": {"enabled": False},
        },
    )
    sources = load_sources(get_settings().sources_file)
    assert sources["us-dod"].base_url == "http://127.0.0.1:9/www.defense.gov"
    assert sources["white-house"].base_url == "https://www.whitehouse.gov"
    assert not sources["korea-kr"].enabled
    assert "127.0.0.1:9" in source_hosts(sources) and "www.korea.kr" not in source_hosts(sources)
    dod = get_adapter("us-dod", sources)
    assert dod.base_urls["www.defense.gov"] == "http://127.0.0.1:9/www.defense.gov"
    # Without a configuration an adapter reads the live site.
    assert get_adapter("us-dod").base_urls["www.defense.gov"] == "https://www.defense.gov"


@pytest.mark.parametrize(
    "data",
    [
        {"no-such-source": {"enabled": True}},
        {"us-dod": "http://x"},
        {"us-dod": {"base_url": "ftp://x"}},
        {"us-dod": {"enabled": "yes"}},
        {"white-house": {"base_urls": {"www.example.org": "http://x"}}},
        ["us-dod"],
    ],
)
def test_bad_sources_file_is_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: object
) -> None:
    _use_sources_file(tmp_path, monkeypatch, data)
    with pytest.raises(ConfigError):
        load_sources(get_settings().sources_file)


def test_replay_config_points_every_host_under_the_root() -> None:
    config = replay_config("http://127.0.0.1:8080/")
    assert config["white-house"]["base_urls"]["bidenwhitehouse.archives.gov"] == (
        "http://127.0.0.1:8080/bidenwhitehouse.archives.gov"
    )
    assert set(config) == set(SLUGS)


def test_urls_map_between_replay_and_real_hosts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = _replay_sources(tmp_path, monkeypatch)
    dod = get_adapter("us-dod", sources)
    replayed = "http://127.0.0.1:8080/www.defense.gov/News/Releases/Release/Article/1/x/"
    assert dod.canonical(replayed) == "https://www.defense.gov/News/Releases/Release/Article/1/x/"
    assert dod.rebase("https://www.defense.gov/News/Releases/", "www.defense.gov") == (
        "http://127.0.0.1:8080/www.defense.gov/News/Releases/"
    )
    assert dod.rebase("/News/Releases/?Page=2", "www.defense.gov") == (
        "http://127.0.0.1:8080/www.defense.gov/News/Releases/?Page=2"
    )
    assert dod.rebase("https://elsewhere.example/x", "www.defense.gov") == (
        "https://elsewhere.example/x"
    )
    assert adapter_for_url(replayed, sources=sources).slug == "us-dod"
    assert (
        adapter_for_url("http://127.0.0.1:8080/www.korea.kr/rss/dept_mnd.xml", sources=sources).slug
        == "korea-kr"
    )
    assert adapter_for_url("https://www.state.gov/x/", sources=sources).slug == "state-dept"
    with pytest.raises(InputError):
        adapter_for_url("https://www.example.org/", sources=sources)


@pytest.mark.parametrize("slug", SLUGS)
def test_recorded_statements_parse_the_same_under_a_replay_url(
    slug: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A page read through the replay must keep the real host's canonical URL.
    adapter = get_adapter(slug, _replay_sources(tmp_path, monkeypatch))
    for name in fixture_names(slug):
        expected = json.loads((FIXTURES / slug / f"{name}.expected.json").read_text())
        if expected["kind"] != "statement":
            continue
        real = (FIXTURES / slug / f"{name}.url").read_text().strip()
        replayed = "http://127.0.0.1:8080/" + real.split("://", 1)[1]
        body = (FIXTURES / slug / f"{name}.html").read_bytes()
        assert adapter.parse_statement(body, replayed).canonical_url == expected["canonical_url"]
