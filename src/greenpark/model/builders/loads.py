"""Electric and heat loads of tenants."""

from __future__ import annotations

import numpy as np

from greenpark.model.context import ELASTIC_PENALTY_CNY, BuildContext
from greenpark.spec import ElectricLoad, HeatLoad, InterruptibleLoad


def _loads(ctx: BuildContext, block: str, carrier: str, assets: list) -> None:
    """Demand ``power_kw(t)`` at the owner's node; it must be served.

    A curtailable load adds ``shed_kw[t] ∈ [0, power_kw(t)]`` as an injection
    into its node at ``VoLL·shed_kw·Δt`` (cost kind ``lost_load``). No other
    load can be shed: an impossible requirement is infeasible, never a
    blackout.
    """
    for a in assets:
        ctx.add_demand(carrier, a.owner, ctx.inputs.get(a.id, "power_kw"))
    firm = [a for a in assets if not a.curtailable]
    if ctx.elastic and firm:
        _unserved(ctx, block, carrier, firm)
    shed = [a for a in assets if a.curtailable]
    if shed:
        var = ctx.lp.add_var(block, "shed_kw", [a.id for a in shed], 0.0, ctx.series(shed, "power_kw"), unit="kW")
        ctx.connect(carrier, var, [a.owner for a in shed], 1.0, role="shed")
        ctx.lp.add_cost("lost_load", var, ctx.column(shed, "value_of_lost_load_cny_per_kwh") * ctx.step_h)


def _unserved(ctx: BuildContext, block: str, carrier: str, assets: list) -> None:
    """Elastic build: ``unserved_kw[t] ∈ [0, power_kw(t)]`` for loads that must be served."""
    dt = ctx.step_h
    var = ctx.lp.add_var(block, "unserved_kw", [a.id for a in assets], 0.0, ctx.series(assets, "power_kw"), unit="kW")
    ctx.connect(carrier, var, [a.owner for a in assets], 1.0, role="shed")

    entries = [{"requirement": f"{carrier} load", "asset": a.id, "tenant": a.owner} for a in assets]

    def describe(values: np.ndarray) -> list[dict]:
        return ctx.energy_findings(
            values,
            entries,
            lambda e, kwh, hours: (
                f"{e['tenant']}: {carrier} load {e['asset']!r} could not be served, {kwh:,.1f} kWh short ({hours})"
            ),
        )

    ctx.add_slack(f"{carrier} load", var, ELASTIC_PENALTY_CNY["load_kwh"] * dt, describe)


def build_electric_load(assets: list[ElectricLoad], ctx: BuildContext) -> None:
    """Electric load (see :func:`_loads`)."""
    _loads(ctx, "electric_load", "electricity", assets)


def build_heat_load(assets: list[HeatLoad], ctx: BuildContext) -> None:
    """Heat load (see :func:`_loads`)."""
    _loads(ctx, "heat_load", "heat", assets)


def build_interruptible_load(assets: list[InterruptibleLoad], ctx: BuildContext) -> None:
    """Interruptible electric load (demand response).

    Demand ``power_kw(t)`` at the owner's node, of which ``shed_kw[t] ∈ [0, power_kw(t)]``
    may be interrupted at ``price·shed_kw·Δt`` (cost kind ``demand_response``), with
    row ``daily_shed_limit[d]``: ``Σ_{t in local day d} shed_kw[t]·Δt ≤ max_shed_kwh_per_day``.
    """
    lp, dt, index = ctx.lp, ctx.step_h, ctx.inputs.index
    for a in assets:
        ctx.add_demand("electricity", a.owner, ctx.inputs.get(a.id, "power_kw"))
    if ctx.elastic:
        _unserved(ctx, "interruptible_load", "electricity", assets)
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
    lp.add_entries(rows.offset + k * n_days + day_of_step[t], shed.offset + k * ctx.n_t + t, dt)
