"""Electric battery storage."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from greenpark.kinds.base import Kind, StorageSpec, carry_store
from greenpark.model.builders.storage import build_store
from greenpark.model.context import BuildContext


class Battery(StorageSpec):
    """Electric battery storage."""

    kind: Literal["battery"]
    soc_min_fraction: float = Field(0.1, ge=0, le=1)
    soc_max_fraction: float = Field(0.9, ge=0, le=1)
    self_discharge_fraction_per_h: float = Field(0.0, ge=0, lt=1)
    throughput_cost_cny_per_kwh: float = Field(0.0, ge=0, description="Cost per kWh discharged [CNY/kWh].")
    no_simultaneous: bool = Field(
        False, description="Forbid charging and discharging in the same step (one binary per step, MILP)."
    )

    @model_validator(mode="after")
    def _soc_order(self) -> Battery:
        if self.soc_min_fraction > self.soc_max_fraction:
            raise ValueError("soc_min_fraction must not exceed soc_max_fraction")
        for name in ("soc_initial_fraction", "soc_final_fraction"):
            v = getattr(self, name)
            if v is not None and not (self.soc_min_fraction <= v <= self.soc_max_fraction):
                raise ValueError(f"{name} must lie between soc_min_fraction and soc_max_fraction")
        return self


def build(assets: list[Battery], ctx: BuildContext) -> None:
    """Battery: see :func:`~greenpark.model.builders.storage.build_store`; ``λ`` = self-discharge per hour,
    state in ``[soc_min, soc_max]·E``, cost = throughput cost per kWh discharged."""
    build_store(
        ctx,
        "battery",
        "electricity",
        assets,
        loss_per_h=ctx.column(assets, "self_discharge_fraction_per_h"),
        soc_min=ctx.column(assets, "soc_min_fraction"),
        soc_max=ctx.column(assets, "soc_max_fraction"),
        cost_kind="operation",
        cost_per_kwh=ctx.column(assets, "throughput_cost_cny_per_kwh"),
    )


KIND = Kind(
    spec=Battery,
    build=build,
    roles={"stores"},
    labels={"en": "Battery", "zh": "储能电池"},
    colour="#27ae60",
    carry=carry_store,
)
