"""An asset kind defined outside greenpark: a small run-of-river hydro plant with pondage.

This one file is all a kind needs (the README's "Adding an asset kind" shows it):
its spec, its builder, its roles, its series' sign rules, the state a rolling
horizon carries, its labels and colour, and the KPIs it adds.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from greenpark.fields import Series
from greenpark.kinds import AssetSpec, CarryView, Kind


class SmallHydro(AssetSpec):
    """Run-of-river hydro with a pond: water arrives as ``inflow_kw``, the turbine turns it into electricity."""

    kind: Literal["small_hydro"]
    turbine_kw: float = Field(gt=0, description="Turbine rating [kW].")
    pond_kwh: float = Field(ge=0, description="Pond size, as electricity it can still make [kWh].")
    pond_initial_kwh: float = Field(0.0, ge=0, description="Pond level at the start [kWh].")
    inflow_kw: Series = Field(description="Water arriving, as electric power it could make [kW].")
    spill_cost_cny_per_kwh: float = Field(
        1e-3, ge=0, description="Cost of water spilled past the turbine [CNY/kWh]: a pond keeps what it can."
    )


def build(assets: list[SmallHydro], ctx) -> None:
    """``pond_kwh[t] = pond_kwh[t−1] + (inflow(t) − output_kw[t] − spill_kw[t])·Δt``, ``output ≤ turbine``."""
    lp, dt = ctx.lp, ctx.step_h
    keys = [a.id for a in assets]
    out = lp.add_var("small_hydro", "output_kw", keys, 0.0, ctx.column(assets, "turbine_kw"), unit="kW")
    spill = lp.add_var("small_hydro", "spill_kw", keys, 0.0, np.inf, unit="kW")
    pond = lp.add_var("small_hydro", "pond_kwh", keys, 0.0, ctx.column(assets, "pond_kwh"), unit="kWh")
    rhs = ctx.series(assets, "inflow_kw") * dt
    rhs[:, :1] += ctx.column(assets, "pond_initial_kwh")
    rows = lp.add_rows("small_hydro", "pond_balance", keys, rhs, rhs, unit="kWh")
    lp.add_terms(rows, pond, 1.0)
    lp.add_terms(rows, pond, -1.0, shift=-1)
    lp.add_terms(rows, out, dt)
    lp.add_terms(rows, spill, dt)
    lp.add_cost("operation", spill, ctx.column(assets, "spill_cost_cny_per_kwh") * dt)
    ctx.connect("electricity", out, [a.owner for a in assets], 1.0)
    ctx.add_generation(out)  # renewable: the kind says so below


def carry(a: SmallHydro, view: CarryView) -> tuple[dict, dict]:
    """The next window starts with the pond where this one left it."""
    level = view.last("small_hydro", "pond_kwh", a.id)
    return {"pond_initial_kwh": min(max(level, 0.0), a.pond_kwh)}, {f"{a.id}.pond_kwh": level}


def kpis(assets: list[SmallHydro], schedule, inputs) -> dict[str, float]:
    """Electricity the plants made [kWh]."""
    made = schedule.values("small_hydro", "output_kw").to_numpy().sum() * schedule.step_h
    return {"hydro_generation_kwh": float(made)}


KIND = Kind(spec=SmallHydro, build=build, roles={"generates", "renewable", "curtailable"},
            labels={"en": "Small hydro", "zh": "小水电"}, colour="#2e86c1", series={"inflow_kw": "nonnegative"},
            carry=carry, kpis=kpis)  # fmt: skip
