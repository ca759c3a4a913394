"""Grid connection at the park node."""

from __future__ import annotations

import numpy as np

from greenpark.model.context import BuildContext
from greenpark.spec import GridConnection

HOURS_PER_MONTH = 730.0
"""8760 h / 12, to prorate a monthly demand charge to the horizon."""


def build(assets: list[GridConnection], ctx: BuildContext) -> None:
    """Import and export with time-of-use prices and a maximum-demand charge.

    Columns ``grid[g].import_kw[t] ∈ [0, import_limit]``,
    ``grid[g].export_kw[t] ∈ [0, export_limit]`` and, with a demand charge,
    ``grid[g].peak_kw ∈ [peak_billed, import_limit]``.

    Rows ``grid[g].peak_definition[t]``: ``import_kw[t] − peak_kw ≤ 0``.

    Costs: energy ``Σ_t (p_imp(t)·import − p_exp(t)·export)·Δt``;
    demand ``c_dem · (H/730 h) · peak_kw`` (the monthly charge prorated to the
    horizon of H hours; the peak starts from what is already billed).
    Emissions (scope 2): ``Σ_t f_grid(t)·import·Δt``.
    """
    lp, dt, keys = ctx.lp, ctx.step_h, [a.id for a in assets]
    imp = lp.add_var("grid", "import_kw", keys, 0.0, ctx.column(assets, "import_limit_kw"), unit="kW")
    exp = lp.add_var("grid", "export_kw", keys, 0.0, ctx.column(assets, "export_limit_kw"), unit="kW")
    nodes = ["park"] * len(assets)
    ctx.connect("electricity", imp, nodes, 1.0)
    ctx.connect("electricity", exp, nodes, -1.0)
    lp.add_cost("grid_energy", imp, ctx.series(assets, "import_price_cny_per_kwh") * dt)
    lp.add_cost("grid_energy", exp, -ctx.series(assets, "export_price_cny_per_kwh") * dt)
    co2 = ctx.series(assets, "co2_kg_per_kwh")
    ctx.add_emission("scope2", imp, nodes, co2 * dt)
    ctx.grid_co2_kg_per_kwh = co2[0]
    ctx.grid_export = exp
    ctx.grid_import = imp

    charged = [a for a in assets if a.demand_charge_cny_per_kw_month > 0]
    if charged:
        horizon_h = ctx.n_t * dt
        ck = [a.id for a in charged]
        peak = lp.add_var(
            "grid",
            "peak_kw",
            ck,
            ctx.column(charged, "peak_billed_kw"),
            ctx.column(charged, "import_limit_kw"),
            n_t=1,
            unit="kW",
        )
        rows = lp.add_rows("grid", "peak_definition", ck, -np.inf, 0.0, unit="kW")
        lp.add_terms(rows, imp, 1.0, var_keys=[keys.index(k) for k in ck])
        lp.add_terms(rows, peak, -1.0)
        lp.add_cost(
            "demand_charge", peak, ctx.column(charged, "demand_charge_cny_per_kw_month") * horizon_h / HOURS_PER_MONTH
        )
