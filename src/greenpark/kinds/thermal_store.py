"""Hot-water or steam accumulator."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from greenpark.kinds.base import Kind, StorageSpec, carry_store
from greenpark.model.builders.storage import build_store
from greenpark.model.context import BuildContext


class ThermalStore(StorageSpec):
    """Hot-water / steam accumulator (state between 0 and energy_kwh)."""

    kind: Literal["thermal_store"]
    discharge_efficiency: float = Field(0.90, gt=0, le=1)
    loss_fraction_per_h: float = Field(0.005, ge=0, lt=1, description="Standing losses [1/h].")
    om_cny_per_kwh: float = Field(0.0, ge=0, description="Cost per kWh discharged.")


def build(assets: list[ThermalStore], ctx: BuildContext) -> None:
    """Thermal store: see :func:`~greenpark.model.builders.storage.build_store`; ``λ`` = standing loss per hour,
    state in ``[0, E]``."""
    n = len(assets)
    build_store(
        ctx,
        "thermal_store",
        "heat",
        assets,
        loss_per_h=ctx.column(assets, "loss_fraction_per_h"),
        soc_min=np.zeros((n, 1)),
        soc_max=np.ones((n, 1)),
        cost_kind="operation",
        cost_per_kwh=ctx.column(assets, "om_cny_per_kwh"),
    )


KIND = Kind(
    spec=ThermalStore,
    build=build,
    roles={"stores"},
    labels={"en": "Thermal store", "zh": "蓄热"},
    colour="#16a085",
    carry=carry_store,
)
