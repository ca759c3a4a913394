"""A tenant's electric demand."""

from __future__ import annotations

from typing import Literal

from greenpark.kinds.base import Kind, LoadSpec
from greenpark.model.builders.loads import build_load
from greenpark.model.context import BuildContext


class ElectricLoad(LoadSpec):
    """A tenant's electric demand (incl. its chillers / cooling)."""

    kind: Literal["electric_load"]


def build(assets: list[ElectricLoad], ctx: BuildContext) -> None:
    """Electric load: see :func:`~greenpark.model.builders.loads.build_load`."""
    build_load(ctx, "electric_load", "electricity", assets)


KIND = Kind(
    spec=ElectricLoad,
    build=build,
    roles={"load", "curtailable"},
    labels={"en": "Electric load", "zh": "电负荷"},
    colour="#95a5a6",
    series={"power_kw": "nonnegative"},
    demand=("electricity", "power_kw"),
    forecast=("loads", "power_kw"),
)
