"""Electrode or resistive boiler."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from greenpark.kinds.base import HeatConverterSpec
from greenpark.model.builders.conversion import heat_converter_kind


class ElectricBoiler(HeatConverterSpec):
    """Electrode / resistive boiler: heat = efficiency × electricity."""

    kind: Literal["electric_boiler"]
    efficiency: float = Field(0.99, gt=0, le=1)


KIND = heat_converter_kind(ElectricBoiler, takes="electricity", efficiency="efficiency",
                           labels={"en": "Electric boiler", "zh": "电锅炉"}, colour="#9b59b6")  # fmt: skip
