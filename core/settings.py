"""Settings from ``CLAUSEWATCH_*`` environment variables and a ``.env`` file.

``CLAUSEWATCH_DATA_DIR`` alone is enough to point every command at another history:
the default database, WARC files and mail sink all live inside it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

#: Defaults shared with the clients that take these values as arguments.
DEFAULT_USER_AGENT = "clausewatch/0.1 (+statement change tracking; contact: operator)"
DEFAULT_RATE_LIMIT_PER_HOST = 1.0
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
DEFAULT_FETCH_DEADLINE = 180.0
#: BLAS threads of the sentence encoder (ADR 0104): its matrices are small, and a second
#: thread on a busy machine costs far more than it saves on an idle one.
DEFAULT_ENCODER_THREADS = 1
#: The most worker processes a backfill or a reprocess takes (ADR 0108): the bound of the
#: commands' ``--workers`` and of the deployments' forms.
MAX_WORKERS = 16


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least one."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # no affinity call on this platform
        return os.cpu_count() or 1


def default_data_dir() -> Path:
    """The per-user data directory: ``$XDG_DATA_HOME/clausewatch`` or ``~/.local/share``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "clausewatch"


def default_cache_dir() -> Path:
    """The per-user cache directory: ``$XDG_CACHE_HOME/clausewatch`` or ``~/.cache``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "clausewatch"


class Settings(BaseSettings):
    """Every setting clausewatch reads; see the configuration table in README.md."""

    model_config = SettingsConfigDict(
        env_prefix="CLAUSEWATCH_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    # Files derived from the installed models, safe to delete (ADR 0110).
    cache_dir: Path = Field(default_factory=default_cache_dir)
    database_url: str | None = None

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_from: str = "clausewatch <clausewatch@localhost>"
    smtp_timeout: float = 30.0
    # Name of a Prefect EmailServerCredentials block; when set it replaces the SMTP_* values.
    smtp_block: str | None = None

    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    sources_file: Path | None = None
    user_agent: str = DEFAULT_USER_AGENT
    rate_limit_per_host: float = DEFAULT_RATE_LIMIT_PER_HOST
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    # Seconds one fetch may take in all: robots.txt, every attempt and retry wait (ADR 0034).
    fetch_deadline: float = Field(default=DEFAULT_FETCH_DEADLINE, gt=0)
    # BLAS threads of the sentence encoder; 0 means every core this process may use.
    encoder_threads: int = Field(default=DEFAULT_ENCODER_THREADS, ge=0)

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [h.strip() for h in value.split(",") if h.strip()]
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``clausewatch.db`` inside the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'clausewatch.db'}"

    @property
    def encoder_thread_count(self) -> int:
        """The encoder's BLAS threads: the setting, or the available cores for 0."""
        return self.encoder_threads or available_cores()

    @property
    def warc_dir(self) -> Path:
        """Where WARC files of every capture are written."""
        return self.data_dir / "warc"

    @property
    def lexicon_dir(self) -> Path:
        """The folder of the operator's own lexicon families (``*.yaml``)."""
        return self.data_dir / "lexicons"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once; only the edges (clausewatch/, flows/) call it.

    Everything below the edges takes the settings, or the values it needs, as arguments.
    Tests call ``get_settings.cache_clear()`` after changing the environment.

    Raises ConfigError naming the variable when a value cannot be used.
    """
    from pydantic import ValidationError

    from core.errors import ConfigError

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "CLAUSEWATCH_" + "_".join(str(part) for part in first["loc"]).upper()
        value = first.get("input")
        shown = "" if isinstance(value, dict) else f" (got {str(value)[:80]!r})"
        raise ConfigError(f"{name}: {first['msg']}{shown}") from None
