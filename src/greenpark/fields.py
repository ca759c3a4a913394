"""Field types shared by the park file (:mod:`greenpark.spec`) and the asset kinds (:mod:`greenpark.kinds`)."""

from __future__ import annotations

import re
from typing import Annotated

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

PARK_OWNER = "park"
"""Owner name of shared assets: they sit at the park node."""


class SpecModel(BaseModel):
    """Base of every park-file model: unknown fields are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SeriesRef(SpecModel):
    """A time series read from a CSV file.

    The file has a ``time`` column (ISO timestamps, local time of the park or
    with an explicit UTC offset) and one column per series.
    """

    file: str = Field(description="CSV path, relative to the park file's folder.")
    column: str = Field(description="Column of the CSV file holding the values.")
    scale: float = Field(1.0, description="Factor applied to every value (e.g. to scale a profile).")


DAILY_PATTERN = (
    "A list of one day's values (24 hourly values, or 96 quarter-hours at 15 min) is a daily pattern read by "
    "local clock time whatever the start; any other list has one value per step of the horizon."
)

Series = float | Annotated[list[float], Field(description=DAILY_PATTERN)] | SeriesRef
"""A scalar, an inline list (a daily pattern, or one value per step) or a :class:`SeriesRef`."""

TimeOfDayOrDateTime = str
"""``"HH:MM"`` (repeats every day of the horizon) or an ISO date-time (once)."""

_TIME_RE = re.compile(r"^([01]\d|2[0-4]):[0-5]\d$")


def check_time(v: str) -> str:
    """Accept ``HH:MM`` or an ISO date-time; raise ``ValueError`` otherwise."""
    if _TIME_RE.match(v):
        return v
    try:
        pd.Timestamp(v)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{v!r} is neither HH:MM nor an ISO date-time") from exc
    return v
