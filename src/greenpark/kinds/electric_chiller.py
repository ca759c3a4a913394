"""Electric (vapour-compression) chiller."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from greenpark.fields import Series
from greenpark.kinds.base import ChillerSpec
from greenpark.model.builders.conversion import heat_converter_kind


class ElectricChiller(ChillerSpec):
    """Electric chiller: cooling = COP(t) × electricity (give a COP series that follows the outdoor air)."""

    kind: Literal["electric_chiller"]
    cop: Series = Field(description="Coefficient of performance, cooling per electricity [-].")


KIND = heat_converter_kind(ElectricChiller, takes="electricity", gives="cooling", efficiency="cop",
                           labels={"en": "Electric chiller", "zh": "电制冷机"}, colour="#2874a6",
                           series={"cop": "positive"})  # fmt: skip
