"""A tenant's heat or process steam demand."""

from __future__ import annotations

from typing import Literal

from greenpark.kinds.base import LoadSpec
from greenpark.model.builders.loads import load_kind


class HeatLoad(LoadSpec):
    """A tenant's heat / process steam demand."""

    kind: Literal["heat_load"]


KIND = load_kind(HeatLoad, carrier="heat", labels={"en": "Heat load", "zh": "热负荷"}, colour="#95a5a6")
