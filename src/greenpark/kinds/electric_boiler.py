"""Electrode or resistive boiler."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from greenpark.kinds.base import HeatConverterSpec, Kind, carry_commitment, commitment_horizon_check
from greenpark.model.builders.conversion import build_heat_converter
from greenpark.model.context import BuildContext


class ElectricBoiler(HeatConverterSpec):
    """Electrode / resistive boiler: heat = efficiency × electricity."""

    kind: Literal["electric_boiler"]
    efficiency: float = Field(0.99, gt=0, le=1)


def build(assets: list[ElectricBoiler], ctx: BuildContext) -> None:
    """Electric boiler: ``heat_kw = η·electricity_kw``.

    See :func:`~greenpark.model.builders.conversion.build_heat_converter`.
    """
    build_heat_converter(ctx, "electric_boiler", assets, "electricity_kw", ctx.column(assets, "efficiency"), gas=False)


KIND = Kind(
    spec=ElectricBoiler,
    build=build,
    roles={"committable"},
    labels={"en": "Electric boiler", "zh": "电锅炉"},
    colour="#9b59b6",
    check_horizon=commitment_horizon_check,
    carry=lambda a, view: carry_commitment(a, view, "heat_kw"),
)
