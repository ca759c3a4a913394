"""Gas-fired boiler."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from greenpark.kinds.base import BurnerSpec, HeatConverterSpec
from greenpark.model.builders.conversion import heat_converter_kind


class GasBoiler(HeatConverterSpec, BurnerSpec):
    """Fuel-fired boiler: heat = efficiency × fuel (on LHV; natural gas by default)."""

    kind: Literal["gas_boiler"]
    efficiency: float = Field(0.9, gt=0, le=1.1)


KIND = heat_converter_kind(GasBoiler, takes="gas", efficiency="efficiency",
                           labels={"en": "Gas boiler", "zh": "燃气锅炉"}, colour="#c0392b")  # fmt: skip
