"""``backfill``: load one source's statements over a past window, from the UI's Custom run form.

The parameters' types and descriptions build the form: ``source`` is a choice of the
registered slugs, ``since`` and ``until`` are date pickers. A window the run cannot use
(``since`` after ``until``, dates in the future) fails the run at its first step, before
any request; an unknown source is refused by the form and by the API (ADR 0073), an
unknown series by the form and at the run's first step (ADR 0098).
Running the same window twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from pydantic import Field

from flows.forms import ALL_SERIES, SeriesChoice, workers_field
from flows.settings import flow_settings
from flows.track import track_sources
from pipeline import tracking
from pipeline.tracking import RunReport

#: The registered source slugs (scrapers/base.py); a test keeps the two lists equal.
SourceSlug = Literal[
    "us-dod", "white-house", "state-dept", "rok-president", "rok-mnd", "korea-kr", "wayback"
]


# The form's fields: pydantic Field objects as defaults are how Prefect reads descriptions.
SOURCE: Any = Field(
    default="us-dod",
    description="The official site to read (its listing, or its captures with Wayback).",
)
#: A calendar date as YYYY-MM-DD, leap years included. The API checks a parameter's
#: schema when a run is created but not its "format" (jsonschema skips formats unless
#: asked), so without a pattern 2024-02-30 was accepted and the run failed later with
#: pydantic's "day value is outside expected range"; with it the API refuses the run.
ISO_DATE = (
    r"^(?:\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)"
    r"|02-(?:0[1-9]|1\d|2[0-8]))"
    r"|(?:\d\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)$"
)
SINCE = Field(
    default=dt.date(2023, 7, 1),
    description="First publication date to load.",
    json_schema_extra={"pattern": ISO_DATE},
)
UNTIL = Field(
    default=dt.date(2023, 12, 31),
    description="Last publication date to load (inclusive); not after today.",
    json_schema_extra={"pattern": ISO_DATE},
)
USE_WAYBACK = Field(
    default=False,
    description=(
        "Read the Internet Archive's captures of the source instead of the live site "
        "(for pages the site no longer lists, or a host that is gone)."
    ),
)
SERIES: Any = Field(
    default=ALL_SERIES,
    description="Only store statements of this series; all: every tracked series.",
)
#: A direct call with 0 or 1 runs serially.
WORKERS: Any = workers_field(
    "Worker processes that store and compare series side by side (each series stays "
    "in publication order). Only with a PostgreSQL history: on SQLite the run stores "
    "serially whatever this says. More than the worker machine's cores gains nothing."
)


@flow(
    name="backfill",
    log_prints=True,
)
def backfill(
    source: SourceSlug = SOURCE,
    since: dt.date = SINCE,
    until: dt.date = UNTIL,
    use_wayback: bool = USE_WAYBACK,
    series: SeriesChoice = SERIES,
    workers: int = WORKERS,
) -> RunReport:
    """Backfill a source: load the statements it published between two dates, store their
    versions and compare them, exactly as the scheduled tracking does.

    Safe to repeat: a window already loaded adds nothing. Progress goes to the run log; a
    table artifact lists what was added. With a PostgreSQL history, ``workers`` above one
    stores several series at once, one task per series (ADR 0108).
    """
    logger = get_run_logger()
    only = None if series == ALL_SERIES else series
    sources, start, end = tracking.check_backfill(
        source, since, until, only, database_url=flow_settings().resolved_database_url
    )
    logger.info(
        "backfill of %s from %s to %s%s%s",
        source,
        start,
        end,
        " through the Wayback Machine" if use_wayback else "",
        f", series {only}" if only else "",
    )
    report = track_sources(
        sources, start, end, series=only, use_wayback=use_wayback, workers=workers
    )
    create_table_artifact(
        key="backfill-added",
        table=report.added or [{"added": "nothing new: this window was already loaded"}],
        description=f"Statements added from {source}, {start} to {end}",
    )
    return report
