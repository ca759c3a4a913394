"""Gas-fired boiler."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from greenpark.kinds.base import HeatConverterSpec, Kind, carry_commitment, commitment_horizon_check, gas_section_check
from greenpark.model.builders.conversion import build_heat_converter
from greenpark.model.context import BuildContext


class GasBoiler(HeatConverterSpec):
    """Gas-fired boiler: heat = efficiency × gas."""

    kind: Literal["gas_boiler"]
    efficiency: float = Field(0.9, gt=0, le=1.1)


def build(assets: list[GasBoiler], ctx: BuildContext) -> None:
    """Gas boiler: ``heat_kw = η·fuel_kw`` (fuel on LHV).

    See :func:`~greenpark.model.builders.conversion.build_heat_converter`.
    """
    build_heat_converter(ctx, "gas_boiler", assets, "fuel_kw", ctx.column(assets, "efficiency"), gas=True)


KIND = Kind(
    spec=GasBoiler,
    build=build,
    roles={"burns_fuel", "committable"},
    labels={"en": "Gas boiler", "zh": "燃气锅炉"},
    colour="#c0392b",
    check_document=gas_section_check,
    check_horizon=commitment_horizon_check,
    carry=lambda a, view: carry_commitment(a, view, "heat_kw"),
)
