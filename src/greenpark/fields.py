"""Field types shared by the park file (:mod:`greenpark.spec`) and the asset kinds (:mod:`greenpark.kinds`)."""

from __future__ import annotations

import re
from typing import Annotated

import pandas as pd
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

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


class Calendar(SpecModel):
    """Daily patterns that depend on the day, as tariffs are written.

    Each pattern is one day's values (24 hourly, or 96 quarter-hours), read by local clock time. A day
    takes ``holiday`` if its date is in ``holidays``; else the pattern of its month in ``months`` (keys
    ``"7"`` or ``"7-9"``: summer critical-peak months); else ``weekend`` on Saturday and Sunday; else
    ``weekday``. Missing patterns fall back: ``holiday`` → ``weekend`` → ``weekday``.
    """

    weekday: list[float] = Field(description="One working day's values (24 or 96).")
    weekend: list[float] | None = Field(None, description="Saturday's and Sunday's values (24 or 96).")
    holiday: list[float] | None = Field(None, description="A holiday's values (24 or 96).")
    holidays: list[str] = Field(default_factory=list, description="Holiday dates, ISO (2026-10-01).")
    months: dict[str, list[float]] = Field(
        default_factory=dict, description="Patterns of given months on every day but holidays: {'7-8': [...]}."
    )

    @model_validator(mode="after")
    def _patterns(self) -> Calendar:
        patterns = {"weekday": self.weekday, "weekend": self.weekend, "holiday": self.holiday, **self.months}
        for name, values in patterns.items():
            if values is not None and len(values) not in (24, 96):
                raise ValueError(f"{name}: a day has 24 hourly or 96 quarter-hour values, not {len(values)}")
        for key in self.months:
            parts = key.split("-")
            if not all(p.isdigit() and 1 <= int(p) <= 12 for p in parts) or len(parts) > 2:
                raise ValueError(f"months: {key!r} is not a month (7) or a range of months (7-9)")
        for d in self.holidays:
            try:
                pd.Timestamp(d)
            except (ValueError, TypeError) as exc:
                raise ValueError(f"holidays: {d!r} is not a date") from exc
        return self

    def month_patterns(self) -> dict[int, list[float]]:
        """Each month's own pattern (ranges spelt out)."""
        out: dict[int, list[float]] = {}
        for key, values in self.months.items():
            a, _, b = key.partition("-")
            for m in range(int(a), int(b or a) + 1):
                out[m] = values
        return out


Series = float | Annotated[list[float], Field(description=DAILY_PATTERN)] | SeriesRef | Calendar
"""A scalar, an inline list (a daily pattern, or one value per step), a :class:`SeriesRef` or a :class:`Calendar`."""

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


TimeOfDayOrDateTime = Annotated[str, AfterValidator(check_time)]
"""``"HH:MM"`` (repeats every day of the horizon) or an ISO date-time (once), checked where it is declared."""
