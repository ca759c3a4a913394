"""A tenant's electric demand."""

from __future__ import annotations

from typing import Literal

from greenpark.kinds.base import LoadSpec
from greenpark.model.builders.loads import load_kind


class ElectricLoad(LoadSpec):
    """A tenant's electric demand (incl. its chillers / cooling)."""

    kind: Literal["electric_load"]


KIND = load_kind(ElectricLoad, carrier="electricity", labels={"en": "Electric load", "zh": "电负荷"}, colour="#95a5a6")
