"""Hot-water or steam accumulator."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from greenpark.kinds.base import StorageSpec
from greenpark.model.builders.storage import store_kind


class ThermalStore(StorageSpec):
    """Hot-water / steam accumulator (state between 0 and energy_kwh)."""

    kind: Literal["thermal_store"]
    discharge_efficiency: float = Field(0.90, gt=0, le=1)
    loss_fraction_per_h: float = Field(0.005, ge=0, lt=1, description="Standing losses [1/h].")
    om_cny_per_kwh: float = Field(0.0, ge=0, description="Cost per kWh discharged.")


KIND = store_kind(ThermalStore, carrier="heat", loss="loss_fraction_per_h", cost="om_cny_per_kwh",
                  labels={"en": "Thermal store", "zh": "蓄热"}, colour="#16a085")  # fmt: skip
