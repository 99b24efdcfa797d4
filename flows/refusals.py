"""A refused run's log says why in one line, without Prefect's tracebacks.

A flow that refuses its parameters (a backfill window ending in the future, an unknown
source) raises ``InputError``. Prefect logs every exception that ends a run twice with
its full traceback ("Encountered exception during execution", then "Engine execution
exited with unexpected exception"), beside the one-line "Finished in state Failed(...)".
For a refusal the traceback says nothing the message does not, and it buries the reason
in the UI's log. This filter keeps both records but drops the traceback of a refusal
(an error with exit code 2: ``InputError`` and its subclasses); every other exception
keeps its traceback for the operator.
"""

from __future__ import annotations

import logging

from core.errors import ClausewatchError

#: Where the flow engine logs a run's exceptions (the run logger and the engine's own).
RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs", "prefect.engine")


def _refusal(record: logging.LogRecord) -> ClausewatchError | None:
    exc = record.exc_info[1] if record.exc_info else None
    while exc is not None:
        if isinstance(exc, ClausewatchError) and exc.exit_code == 2:
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


class RefusalWithoutTraceback(logging.Filter):
    """Turns a log record carrying a refusal into one line: the message and the reason."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Drop the traceback of a refusal, keep the record; other records pass unchanged."""
        refusal = _refusal(record)
        if refusal is not None:
            message = record.getMessage()
            reason = str(refusal)
            record.msg = message if reason in message else f"{message}: {reason}"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


def install() -> None:
    """Add the filter to the run loggers once (importing the flows calls this)."""
    for name in RUN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RefusalWithoutTraceback) for f in logger.filters):
            logger.addFilter(RefusalWithoutTraceback())
