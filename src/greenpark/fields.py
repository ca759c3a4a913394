"""Field types shared by the park file (:mod:`greenpark.spec`) and the asset kinds (:mod:`greenpark.kinds`)."""

from __future__ import annotations

import re

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


Series = float | list[float] | SeriesRef
"""A scalar, an inline list (one value per step) or a :class:`SeriesRef`."""

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
