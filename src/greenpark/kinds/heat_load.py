"""A tenant's heat or process steam demand."""

from __future__ import annotations

from typing import Literal

from greenpark.kinds.base import Kind, LoadSpec
from greenpark.model.builders.loads import build_load
from greenpark.model.context import BuildContext


class HeatLoad(LoadSpec):
    """A tenant's heat / process steam demand."""

    kind: Literal["heat_load"]


def build(assets: list[HeatLoad], ctx: BuildContext) -> None:
    """Heat load: see :func:`~greenpark.model.builders.loads.build_load`."""
    build_load(ctx, "heat_load", "heat", assets)


KIND = Kind(
    spec=HeatLoad,
    build=build,
    roles={"load", "curtailable"},
    labels={"en": "Heat load", "zh": "热负荷"},
    colour="#95a5a6",
    series={"power_kw": "nonnegative"},
    demand=("heat", "power_kw"),
    forecast=("loads", "power_kw"),
)
