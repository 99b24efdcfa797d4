"""Parameter types shared by the deployments' forms.

Series are data (built-in files and the history), so the ``series`` drop-down cannot be a
``Literal``: :data:`SeriesChoice` is a plain string whose JSON schema carries the list of
series read when Prefect builds the parameter schema — when the flow module is imported,
i.e. at ``prefect deploy`` (ADR 0098). A series added later is accepted by a run at once
(the run checks it at its first step) and shows in the form after the next deploy.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from core.settings import MAX_WORKERS
from flows.settings import flow_settings
from pipeline import tracking

#: The choice meaning "every tracked series".
ALL_SERIES = "all"


def series_choices() -> list[str]:
    """The ``series`` drop-down: "all", then every series (built-in and the history's)."""
    return [ALL_SERIES, *tracking.known_series(database_url=flow_settings().resolved_database_url)]


class _OfferEverySeries:
    """Pydantic metadata: the parameter's JSON schema offers :func:`series_choices`."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["enum"] = series_choices()
        return schema


#: A series slug or "all"; the form shows a drop-down of every series (see above).
SeriesChoice = Annotated[str, _OfferEverySeries()]


def workers_field(description: str) -> Any:
    """A ``workers`` form field: a whole number from 1 to :data:`MAX_WORKERS`, default 1.

    Prefect builds the form's schema from the signature and keeps ``json_schema_extra`` but
    not Field's ge/le, so the bounds go there: the API then refuses 0 when a run is created.
    """
    return Field(
        default=1,
        json_schema_extra={"minimum": 1, "maximum": MAX_WORKERS},
        description=description,
    )
