"""Organic Rankine cycle: waste heat turned into power."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from greenpark.kinds.base import AssetSpec, Commitment
from greenpark.model.builders.conversion import heat_converter_kind


class ORC(AssetSpec):
    """An ORC: electricity = efficiency × heat taken from its owner's heat node (waste heat, a boiler's steam)."""

    kind: Literal["orc"]
    electric_kw: float = Field(gt=0, description="Maximum electric output [kW].")
    efficiency: float = Field(gt=0, lt=1, description="Electricity per heat taken [-] (about 0.08–0.20).")
    om_cny_per_kwh: float = Field(0.0, ge=0, description="O&M cost per kWh of electricity (or of heat: om_basis).")
    om_basis: Literal["output", "input"] = Field("output", description="What the O&M cost is charged on.")
    commitment: Commitment | None = None


KIND = heat_converter_kind(ORC, takes="heat", gives="electricity", efficiency="efficiency",
                           labels={"en": "ORC", "zh": "有机朗肯循环发电"}, colour="#a04000")  # fmt: skip
