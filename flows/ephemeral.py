"""Patience for Prefect's ephemeral API server on a slow or busy machine.

Without ``PREFECT_API_URL``, running a flow starts a temporary Prefect server in a
subprocess and waits ``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS`` (20 by default)
for it to answer. Its first start in a fresh ``PREFECT_HOME`` creates and migrates its
database; on a busy two-core machine that outlasted the default and failed the demo tests
("Timed out while attempting to connect to ephemeral Prefect API server"), which is when a
newcomer's first run would fail too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

STARTUP_TIMEOUT_VARIABLE = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
#: Seconds to wait for the ephemeral server unless the operator set the variable.
STARTUP_TIMEOUT_SECONDS = 180


@contextmanager
def patient_ephemeral_server(seconds: int = STARTUP_TIMEOUT_SECONDS) -> Iterator[None]:
    """Wait up to ``seconds`` for an ephemeral Prefect server inside this block.

    A value the operator set in the environment wins. Uses Prefect's temporary settings,
    so it also works when Prefect was imported (and its settings read) earlier.
    """
    if STARTUP_TIMEOUT_VARIABLE in os.environ:
        yield
        return
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS
    from prefect.settings.context import temporary_settings

    with temporary_settings(updates={PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: seconds}):
        yield
