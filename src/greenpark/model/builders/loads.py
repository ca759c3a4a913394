"""Electric and heat loads of tenants."""

from __future__ import annotations

from greenpark.model.context import BuildContext
from greenpark.spec import ElectricLoad, HeatLoad


def _loads(ctx: BuildContext, block: str, carrier: str, assets: list) -> None:
    """Demand ``power_kw(t)`` at the owner's node; it must be served.

    A curtailable load adds ``shed_kw[t] ∈ [0, power_kw(t)]`` as an injection
    into its node at ``VoLL·shed_kw·Δt`` (cost kind ``lost_load``). No other
    load can be shed: an impossible requirement is infeasible, never a
    blackout.
    """
    for a in assets:
        ctx.add_demand(carrier, a.owner, ctx.inputs.get(a.id, "power_kw"))
    shed = [a for a in assets if a.curtailable]
    if shed:
        var = ctx.lp.add_var(block, "shed_kw", [a.id for a in shed], 0.0, ctx.series(shed, "power_kw"), unit="kW")
        ctx.connect(carrier, var, [a.owner for a in shed], 1.0)
        ctx.lp.add_cost("lost_load", var, ctx.column(shed, "value_of_lost_load_cny_per_kwh") * ctx.step_h)


def build_electric_load(assets: list[ElectricLoad], ctx: BuildContext) -> None:
    """Electric load (see :func:`_loads`)."""
    _loads(ctx, "electric_load", "electricity", assets)


def build_heat_load(assets: list[HeatLoad], ctx: BuildContext) -> None:
    """Heat load (see :func:`_loads`)."""
    _loads(ctx, "heat_load", "heat", assets)
