"""Source configuration: each source's base URLs and whether it is enabled.

Defaults point at the live sites. ``CLAUSEWATCH_SOURCES_FILE`` names a YAML file that
overrides them per slug::

    us-dod:
      base_url: http://127.0.0.1:8080/www.defense.gov     # the source's primary host
      enabled: true
    white-house:
      base_urls:                                          # any host of a multi-host source
        bidenwhitehouse.archives.gov: http://127.0.0.1:8080/bidenwhitehouse.archives.gov

``replay_config(root)`` builds the mapping that points every host of every source at a
replay server (``root/<host>``); dump it to YAML for the CLI and the demo.

Nothing here reads the settings: an edge (a command, a flow, the demo) calls
:func:`load_sources` once with ``settings.sources_file`` and hands the mapping on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from core.errors import ConfigError

#: The real hosts of every source, the primary (listing) host first.
SOURCE_HOSTS: dict[str, tuple[str, ...]] = {
    "us-dod": ("www.defense.gov", "www.war.gov"),
    "white-house": ("www.whitehouse.gov", "bidenwhitehouse.archives.gov"),
    "state-dept": ("www.state.gov", "2021-2025.state.gov"),
    "rok-president": ("www.president.go.kr", "eng.president.go.kr"),
    "rok-mnd": ("www.mnd.go.kr",),
    "korea-kr": ("www.korea.kr",),
    "wayback": ("web.archive.org",),
}


@dataclass(frozen=True)
class SourceConfig:
    """One source's settings: base URL per host and whether scheduled runs read it."""

    slug: str
    base_urls: dict[str, str]
    enabled: bool = True

    @property
    def base_url(self) -> str:
        """The base URL of the primary host."""
        return self.base_urls[SOURCE_HOSTS[self.slug][0]]

    @property
    def fetch_hosts(self) -> set[str]:
        """The allowlist entries of the hosts a fetch for this source connects to.

        A base URL with an explicit port gives ``host:port`` (so a replay on
        ``127.0.0.1:8765`` opens that port only); a bare host opens the standard port.
        """
        return {_allowlist_entry(u) for u in self.base_urls.values()} - {""}


def _allowlist_entry(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or parts.port is None:
        return host
    return f"[{host}]:{parts.port}" if ":" in host else f"{host}:{parts.port}"


def default_sources() -> dict[str, SourceConfig]:
    """Every source pointed at its live site."""
    return {
        slug: SourceConfig(slug, {h: f"https://{h}" for h in hosts})
        for slug, hosts in SOURCE_HOSTS.items()
    }


def _apply(
    sources: dict[str, SourceConfig], overrides: dict[str, Any], path: str
) -> dict[str, SourceConfig]:
    for slug, entry in overrides.items():
        if slug not in sources:
            raise ConfigError(f"unknown source {slug!r} in sources file", path=path)
        if not isinstance(entry, dict):
            raise ConfigError(f"source {slug!r} must be a mapping", path=path)
        current = sources[slug]
        urls = dict(current.base_urls)
        if "base_url" in entry:
            urls[SOURCE_HOSTS[slug][0]] = str(entry["base_url"]).rstrip("/")
        for host, url in (entry.get("base_urls") or {}).items():
            if host not in urls:
                raise ConfigError(f"source {slug!r} has no host {host!r}", path=path)
            urls[host] = str(url).rstrip("/")
        for url in urls.values():
            if urlsplit(url).scheme not in ("http", "https"):
                raise ConfigError(f"base URL {url!r} of {slug!r} is not http(s)", path=path)
        enabled = entry.get("enabled", current.enabled)
        if not isinstance(enabled, bool):
            raise ConfigError(f"'enabled' of {slug!r} must be true or false", path=path)
        sources[slug] = SourceConfig(slug, urls, enabled)
    return sources


def load_sources(path: Path | None) -> dict[str, SourceConfig]:
    """Defaults overridden by the sources file at ``path`` (None: the defaults alone);
    raises ConfigError when the file is unusable."""
    sources = default_sources()
    if path is None:
        return sources
    try:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read sources file: {exc}", path=str(path)) from exc
    if loaded is None:
        return sources
    if not isinstance(loaded, dict):
        raise ConfigError("sources file must map slugs to settings", path=str(path))
    return _apply(sources, loaded, str(path))


def source_hosts(sources: Mapping[str, SourceConfig]) -> set[str]:
    """Every host the enabled ``sources`` fetch from (the allowlist's source half)."""
    return {h for cfg in sources.values() if cfg.enabled for h in cfg.fetch_hosts}


def replay_config(root: str) -> dict[str, dict[str, Any]]:
    """A sources-file mapping pointing every host of every source at ``root/<host>``."""
    root = root.rstrip("/")
    return {
        slug: {"base_urls": {h: f"{root}/{h}" for h in hosts}, "enabled": True}
        for slug, hosts in SOURCE_HOSTS.items()
    }
