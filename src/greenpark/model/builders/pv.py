"""PV (curtailable)."""

from __future__ import annotations

from greenpark.model.context import BuildContext
from greenpark.spec import PV


def build(assets: list[PV], ctx: BuildContext) -> None:
    """``output_kw[t] ∈ [0, available_kw(t)]`` (available from pvlib or a forecast); O&M ``c·output·Δt``.

    Curtailment is ``available_kw − output_kw``.
    """
    lp = ctx.lp
    keys = [a.id for a in assets]
    out = lp.add_var("pv", "output_kw", keys, 0.0, ctx.series(assets, "available_kw"), unit="kW")
    ctx.connect("electricity", out, [a.owner for a in assets], 1.0)
    ctx.add_generation(out, renewable=True)
    lp.add_cost("operation", out, ctx.column(assets, "om_cny_per_kwh") * ctx.step_h)
