"""Any renewable generator given by a forecast of what it can deliver: small hydro, biogas, biomass."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from greenpark.fields import Series
from greenpark.kinds.base import AssetSpec, Kind
from greenpark.model.builders.generation import available_from_forecast, build_available, generated_and_curtailed
from greenpark.model.context import BuildContext


class RenewableGenerator(AssetSpec):
    """A renewable generator whose output is given: ``forecast_kw`` (at most ``capacity_kw`` when given).

    Its output may be curtailed and counts as renewable; ``technology`` names it in reports
    (``small hydro``, ``biogas``). Its emissions, if any, are biogenic and not counted.
    """

    kind: Literal["renewable_generator"]
    technology: str = Field("", description="What it is, for reports (small hydro, biogas, biomass).")
    forecast_kw: Series = Field(description="What it can deliver in each step [kW].")
    capacity_kw: float | None = Field(None, gt=0, description="Nameplate; the forecast is clipped to it [kW].")
    om_cny_per_kwh: float = Field(0.0, ge=0, description="Cost per kWh generated [CNY/kWh].")


def build(assets: list[RenewableGenerator], ctx: BuildContext) -> None:
    """``output_kw[t] ∈ [0, available_kw(t)]``; see :func:`~greenpark.model.builders.generation.build_available`."""
    build_available(ctx, "renewable_generator", assets)


def derive(items: list[tuple[int, RenewableGenerator]], inputs, resolver) -> None:
    """``available_kw``: the forecast, at most the nameplate."""
    for _i, a in items:
        available_from_forecast(inputs, a, a.capacity_kw or np.inf)


def kpis(assets: list[RenewableGenerator], schedule, inputs) -> dict[str, float]:
    """Energy generated and curtailed [kWh]."""
    generated, curtailed = generated_and_curtailed("renewable_generator", assets, schedule, inputs)
    return {"other_renewable_generation_kwh": generated, "other_renewable_curtailed_kwh": curtailed}


KIND = Kind(spec=RenewableGenerator, build=build, roles={"generates", "renewable", "curtailable"},
            labels={"en": "Other renewables", "zh": "其他可再生能源"}, colour="#52be80",
            series={"forecast_kw": "nonnegative"}, derive=derive, kpis=kpis, available="available_kw",
            forecast=("renewables", "forecast_kw"))  # fmt: skip
