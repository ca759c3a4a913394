"""What loads share: a fixed demand at the owner's node, shedding at a value of lost load, the elastic
unserved part."""

from __future__ import annotations

import numpy as np

from greenpark.kinds.base import Kind
from greenpark.model.context import ELASTIC_PENALTY_CNY, BuildContext


def build_load(ctx: BuildContext, block: str, carrier: str, assets: list) -> None:
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
        unserved(ctx, block, carrier, firm)
    shed = [a for a in assets if a.curtailable]
    if shed:
        var = ctx.lp.add_var(block, "shed_kw", [a.id for a in shed], 0.0, ctx.series(shed, "power_kw"), unit="kW")
        ctx.connect(carrier, var, [a.owner for a in shed], 1.0, role="shed")
        ctx.lp.add_cost("lost_load", var, ctx.column(shed, "value_of_lost_load_cny_per_kwh") * ctx.step_h)


def unserved(ctx: BuildContext, block: str, carrier: str, assets: list) -> None:
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


def load_kind(spec: type, *, carrier: str, labels: dict[str, str], colour: str) -> Kind:
    """The kind of a fixed demand of ``carrier`` at its owner's node (:func:`build_load`).

    Its ``power_kw`` is never negative, weighs a simulation's carbon budget, bounds the
    renewable share before a solve, and is what a nightly run's load forecast replaces.
    """
    name = spec.model_fields["kind"].annotation.__args__[0]

    def build(assets: list, ctx: BuildContext) -> None:
        build_load(ctx, name, carrier, assets)

    build.__doc__ = f"{spec.__doc__}\n\nSee :func:`~greenpark.model.builders.loads.build_load`."
    return Kind(
        spec=spec,
        build=build,
        roles={"load", "curtailable"},
        labels=labels,
        colour=colour,
        series={"power_kw": "nonnegative"},
        demand=(carrier, "power_kw"),
        forecast=("loads", "power_kw"),
    )
