"""Electric heat pump."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from greenpark.fields import Series
from greenpark.kinds.base import HeatConverterSpec, Kind, carry_commitment, commitment_horizon_check
from greenpark.model.builders.conversion import build_heat_converter
from greenpark.model.context import BuildContext


class HeatPump(HeatConverterSpec):
    """Electric heat pump: heat = COP × electricity."""

    kind: Literal["heat_pump"]
    cop: Series = Field(description="Coefficient of performance [-].")


def build(assets: list[HeatPump], ctx: BuildContext) -> None:
    """Heat pump: ``heat_kw = COP(t)·electricity_kw``.

    See :func:`~greenpark.model.builders.conversion.build_heat_converter`.
    """
    build_heat_converter(ctx, "heat_pump", assets, "electricity_kw", ctx.series(assets, "cop"), gas=False)


KIND = Kind(
    spec=HeatPump,
    build=build,
    roles={"committable"},
    labels={"en": "Heat pump", "zh": "热泵"},
    colour="#3498db",
    series={"cop": "positive"},
    check_horizon=commitment_horizon_check,
    carry=lambda a, view: carry_commitment(a, view, "heat_kw"),
)
