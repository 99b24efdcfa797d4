"""Patience for Prefect's ephemeral API server on a slow or busy machine.

Without ``PREFECT_API_URL``, running a flow starts a temporary Prefect server in a
subprocess and waits ``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS`` (20 by default)
for it to answer. Its first start in a fresh ``PREFECT_HOME`` creates and migrates its
database, which took 26 s on an idle two-core machine and over a minute on a loaded one, so
the default fails the demo and ``clausewatch run`` exactly when a newcomer tries them.
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
