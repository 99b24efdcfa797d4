"""Every error clausewatch raises on purpose, in one tree.

    ClausewatchError                 base; ``exit_code`` says how the CLI ends (1 by default)
    ├── InputError                   bad input or usage: a file, an argument, a URL (exit 2)
    │   └── ConfigError              a setting that cannot work: database URL, data dir (exit 2)
    ├── FetchError                   scrapers/http.py: a source could not be fetched
    │   └── RefusedError             the URL or an address it resolves to is not allowed (exit 2)
    ├── ParseError                   scrapers: a page held no statement we could extract
    ├── StorageError                 models/: the database refused or failed a read or write
    ├── AlertError                   alerts/: rendering or delivery of an alert failed
    └── OrchestrationError           the CLI: the Prefect API it was pointed at did not answer

Each error carries the context it concerns (``source``, ``url``, ``path``) so the one
line the CLI prints says where the problem is.
"""

from __future__ import annotations


class ClausewatchError(Exception):
    """Base of all deliberate errors; ``str()`` is the one-line message shown to users."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        url: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.url = url
        self.path = path

    def __str__(self) -> str:
        where = [w for w in (self.source, self.url, self.path) if w]
        if where and not any(w in self.message for w in where):
            return f"{self.message} ({', '.join(where)})"
        return self.message


class InputError(ClausewatchError):
    """Raised for bad input or usage: a missing or malformed file, argument or URL."""

    exit_code = 2


class ConfigError(InputError):
    """Raised when a setting cannot work: unreachable database, unwritable data directory."""


class FetchError(ClausewatchError):
    """Raised by scrapers/http.py when a page could not be fetched (after retries)."""

    def __init__(self, message: str, *, status: int | None = None, **kw: str | None) -> None:
        super().__init__(message, **kw)
        self.status = status


class RefusedError(FetchError):
    """Raised before any request when a URL, a redirect or a resolved address is not allowed."""

    exit_code = 2


class ParseError(ClausewatchError):
    """Raised by a scraper's parse step when a page holds no statement it can extract."""


class StorageError(ClausewatchError):
    """Raised by models/ when the database refuses or fails a read or a write."""


class AlertError(ClausewatchError):
    """Raised by alerts/ when an alert cannot be rendered or delivered."""


class OrchestrationError(ClausewatchError):
    """Raised by the CLI when the Prefect API named by ``PREFECT_API_URL`` does not answer."""
