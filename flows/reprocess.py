"""``reprocess``: give the stored history what the running engine needs, series by series.

The stage logic is ``pipeline.reprocess`` (ADR 0109); this flow hands it one Prefect task
per series — in worker processes on PostgreSQL with ``workers`` above one (the backfill's
``ProcessPoolTaskRunner``, ADR 0108), in the flow's process otherwise — and writes the
per-series table artifact. The form's fields are the backfill's ``series`` drop-down and
``workers`` bounds.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from pydantic import Field

from flows import tasks
from flows.forms import ALL_SERIES, SeriesChoice, workers_field
from flows.settings import flow_settings
from pipeline import reprocess as pipeline_reprocess
from pipeline.reprocess import ReprocessFailed, ReprocessReport

SERIES: Any = Field(
    default=ALL_SERIES,
    description="Only reprocess the statements of this series; all: every stored series.",
)
WORKERS: Any = workers_field(
    "Worker processes that reprocess series side by side (each series stays in "
    "publication order). Only with a PostgreSQL history: on SQLite the run goes serially "
    "whatever this says. More than the worker machine's cores gains nothing."
)
LEXICAL = Field(
    default=False,
    description=(
        "Never load the sentence encoder: make missing comparisons by wording only and "
        "leave stored clause vectors as they are. Leave off to compare as tracking does."
    ),
)


@flow(name="reprocess", log_prints=True)
def reprocess(
    series: SeriesChoice = SERIES,
    workers: int = WORKERS,
    lexical: bool = LEXICAL,
) -> ReprocessReport:
    """Reprocess the stored history after an engine upgrade or a crash: walk every stored
    version of the series in publication order, recompute the derived values stored by
    another engine (phrase-support keys; clause vectors unless ``lexical``) and make the
    comparisons that are missing, with
    their alerts, exactly as ingest would have.

    It does not re-decide comparisons that already exist, even ones an older engine made
    (their alerts need a decision first; ADR 0109). Safe to repeat: a second run adds
    nothing. The run fails when any version could not be reprocessed; the table artifact
    lists each series' counts and its first error.
    """
    logger = get_run_logger()
    settings = flow_settings()
    only = None if series == ALL_SERIES else series
    report = pipeline_reprocess.reprocess_history(
        settings,
        only,
        workers=workers,
        lexical=lexical,
        one_series=tasks.reprocess_series,
        side_by_side=tasks.reprocess_series_in_processes,
        log=logger,
    )
    create_table_artifact(
        key="reprocess-series",
        table=report.rows or [{"series": "-", "versions": 0}],
        description=f"Reprocessed {'every series' if only is None else only}",
    )
    if report.failed:
        raise ReprocessFailed(report)
    return report


__all__ = ["ReprocessFailed", "reprocess"]
