"""The settings flows run with: the process's own (``CLAUSEWATCH_*``), or those handed in.

A deployment's flow runs in a worker process and reads the environment, like every other
edge. An edge that runs flows in its own process with settings of its own (the demo: its
folder, the replay, the mail sink) hands them over with :func:`flow_settings_override`
instead of rewriting ``os.environ``; a context variable carries them into the flow run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from core.settings import Settings, get_settings

_override: ContextVar[Settings | None] = ContextVar("clausewatch_flow_settings", default=None)


@contextmanager
def flow_settings_override(settings: Settings) -> Iterator[None]:
    """Flows started inside this block (in this thread) run with ``settings``."""
    token = _override.set(settings)
    try:
        yield
    finally:
        _override.reset(token)


def flow_settings() -> Settings:
    """The settings handed in by :func:`flow_settings_override`, else the process's."""
    return _override.get() or get_settings()
