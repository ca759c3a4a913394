"""Chilled-water or ice storage."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from greenpark.kinds.base import StorageSpec
from greenpark.model.builders.storage import store_kind


class ColdStore(StorageSpec):
    """Chilled-water tank or ice store (state between 0 and energy_kwh of cooling)."""

    kind: Literal["cold_store"]
    loss_fraction_per_h: float = Field(0.005, ge=0, lt=1, description="Standing losses (heat gains) [1/h].")
    om_cny_per_kwh: float = Field(0.0, ge=0, description="Cost per kWh discharged.")


KIND = store_kind(ColdStore, carrier="cooling", loss="loss_fraction_per_h", cost="om_cny_per_kwh",
                  labels={"en": "Cold store", "zh": "蓄冷"}, colour="#85c1e9")  # fmt: skip
