"""A tenant's cooling demand (data-centre halls, cleanrooms, cold rooms), served by the park's chillers."""

from __future__ import annotations

from typing import Literal

from greenpark.kinds.base import LoadSpec
from greenpark.model.builders.loads import load_kind


class CoolingLoad(LoadSpec):
    """A tenant's cooling demand at its node [kW of cooling]; chillers and cold stores serve it."""

    kind: Literal["cooling_load"]


KIND = load_kind(CoolingLoad, carrier="cooling", labels={"en": "Cooling load", "zh": "冷负荷"}, colour="#aed6f1")
