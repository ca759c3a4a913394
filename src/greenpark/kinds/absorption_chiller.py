"""Absorption chiller, driven by heat (waste heat of a CHP, steam)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from greenpark.fields import Series
from greenpark.kinds.base import ChillerSpec
from greenpark.model.builders.conversion import heat_converter_kind


class AbsorptionChiller(ChillerSpec):
    """Absorption chiller: cooling = COP × heat taken from its owner's heat node."""

    kind: Literal["absorption_chiller"]
    cop: Series = Field(description="Coefficient of performance, cooling per heat (single effect about 0.7) [-].")


KIND = heat_converter_kind(AbsorptionChiller, takes="heat", gives="cooling", efficiency="cop",
                           labels={"en": "Absorption chiller", "zh": "吸收式制冷机"}, colour="#1abc9c",
                           series={"cop": "positive"})  # fmt: skip
