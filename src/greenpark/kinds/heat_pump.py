"""Electric heat pump."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from greenpark.fields import Series
from greenpark.kinds.base import HeatConverterSpec
from greenpark.model.builders.conversion import heat_converter_kind


class HeatPump(HeatConverterSpec):
    """Electric heat pump: heat = COP × electricity."""

    kind: Literal["heat_pump"]
    cop: Series = Field(description="Coefficient of performance [-].")
    heat_kw: float | None = Field(None, gt=0, description="Maximum heat output [kW] (or rate it by electric_kw).")
    electric_kw: float | None = Field(None, gt=0, description="Maximum electric input [kW].")

    @model_validator(mode="after")
    def _rated(self) -> HeatPump:
        if self.heat_kw is None and self.electric_kw is None:
            raise ValueError("a heat pump is rated by heat_kw, electric_kw or both")
        if self.commitment is not None and self.heat_kw is None:
            raise ValueError("a committed heat pump needs heat_kw (its minimum load is a share of it)")
        return self


KIND = heat_converter_kind(HeatPump, takes="electricity", efficiency="cop",
                           labels={"en": "Heat pump", "zh": "热泵"}, colour="#3498db",
                           series={"cop": "positive"})  # fmt: skip
