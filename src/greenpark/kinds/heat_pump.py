"""Electric heat pump."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from greenpark.fields import Series
from greenpark.kinds.base import HeatConverterSpec
from greenpark.model.builders.conversion import heat_converter_kind


class HeatPump(HeatConverterSpec):
    """Electric heat pump: heat = COP × electricity."""

    kind: Literal["heat_pump"]
    cop: Series = Field(description="Coefficient of performance [-].")


KIND = heat_converter_kind(HeatPump, takes="electricity", efficiency="cop",
                           labels={"en": "Heat pump", "zh": "热泵"}, colour="#3498db",
                           series={"cop": "positive"})  # fmt: skip
