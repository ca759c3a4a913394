"""Electric battery storage."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from greenpark.kinds.base import StorageSpec
from greenpark.model.builders.storage import store_kind


class Battery(StorageSpec):
    """Electric battery storage: state within [soc_min, soc_max]·energy_kwh, self-discharge per hour,
    a throughput cost per kWh discharged."""

    kind: Literal["battery"]
    soc_min_fraction: float = Field(0.1, ge=0, le=1)
    soc_max_fraction: float = Field(0.9, ge=0, le=1)
    self_discharge_fraction_per_h: float = Field(0.0, ge=0, lt=1)
    throughput_cost_cny_per_kwh: float = Field(0.0, ge=0, description="Cost per kWh discharged [CNY/kWh].")

    @model_validator(mode="after")
    def _soc_order(self) -> Battery:
        if self.soc_min_fraction > self.soc_max_fraction:
            raise ValueError("soc_min_fraction must not exceed soc_max_fraction")
        for name in ("soc_initial_fraction", "soc_final_fraction"):
            v = getattr(self, name)
            if v is not None and not (self.soc_min_fraction <= v <= self.soc_max_fraction):
                raise ValueError(f"{name} must lie between soc_min_fraction and soc_max_fraction")
        return self


KIND = store_kind(Battery, carrier="electricity", loss="self_discharge_fraction_per_h",
                  cost="throughput_cost_cny_per_kwh", soc_limits=("soc_min_fraction", "soc_max_fraction"),
                  labels={"en": "Battery", "zh": "储能电池"}, colour="#27ae60")  # fmt: skip
