"""Electric load that may be interrupted up to a daily energy at a price (demand response)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from greenpark.kinds.base import Kind, LoadSpec
from greenpark.model.builders.loads import unserved
from greenpark.model.context import BuildContext


class InterruptibleLoad(LoadSpec):
    """Electric load that may be interrupted up to a daily energy at a price (demand response)."""

    kind: Literal["interruptible_load"]
    max_shed_kwh_per_day: float = Field(ge=0, description="Energy that may be shed per local day [kWh].")
    shed_price_cny_per_kwh: float = Field(ge=0, description="Cost (compensation) per kWh shed [CNY/kWh].")
    curtailable: bool = Field(False, description="Unused for this kind: shedding follows the daily limit.")


def build(assets: list[InterruptibleLoad], ctx: BuildContext) -> None:
    """Interruptible electric load (demand response).

    Demand ``power_kw(t)`` at the owner's node, of which ``shed_kw[t] ∈ [0, power_kw(t)]``
    may be interrupted at ``price·shed_kw·Δt`` (cost kind ``demand_response``), with
    row ``daily_shed_limit[d]``: ``Σ_{t in local day d} shed_kw[t]·Δt ≤ max_shed_kwh_per_day``.
    """
    lp, dt, index = ctx.lp, ctx.step_h, ctx.inputs.index
    for a in assets:
        ctx.add_demand("electricity", a.owner, ctx.inputs.get(a.id, "power_kw"))
    if ctx.elastic:
        unserved(ctx, "interruptible_load", "electricity", assets)
    keys = [a.id for a in assets]
    limit = 0.0 if ctx.reference_operation else ctx.series(assets, "power_kw")  # business as usual: no interruption
    shed = lp.add_var("interruptible_load", "shed_kw", keys, 0.0, limit, unit="kW")
    ctx.connect("electricity", shed, [a.owner for a in assets], 1.0, role="shed")
    lp.add_cost("demand_response", shed, ctx.column(assets, "shed_price_cny_per_kwh") * dt)
    days = index.normalize()
    uniq, day_of_step = np.unique(days.asi8, return_inverse=True)
    labels = [f"{k}@{d:%Y-%m-%d}" for k in keys for d in days[np.unique(day_of_step, return_index=True)[1]]]
    n_days = len(uniq)
    limit = np.repeat(ctx.column(assets, "max_shed_kwh_per_day"), n_days, axis=0)
    rows = lp.add_rows("interruptible_load", "daily_shed_limit", labels, -np.inf, limit, n_t=1, unit="kWh")
    k, t = np.meshgrid(np.arange(len(keys)), np.arange(ctx.n_t), indexing="ij")
    lp.add_entries(rows.index().reshape(len(keys), n_days)[k, day_of_step[t]], shed.index()[k, t], dt)


KIND = Kind(spec=InterruptibleLoad, build=build, roles={"load", "curtailable"},
            labels={"en": "Interruptible load", "zh": "可中断负荷"}, colour="#bdc3c7",
            series={"power_kw": "nonnegative"}, demand=("electricity", "power_kw"),
            forecast=("loads", "power_kw"))  # fmt: skip
