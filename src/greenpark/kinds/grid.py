"""The park's connection to the public grid: one meter at the park node."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from greenpark.errors import Problem
from greenpark.fields import PARK_OWNER, Series
from greenpark.kinds.base import AssetSpec, CarryView, Kind
from greenpark.model.context import BuildContext, Meter


class GridConnection(AssetSpec):
    """The park's connection to the public grid (at the park node)."""

    kind: Literal["grid"]
    import_limit_kw: float = Field(gt=0, description="Transformer / contract import limit [kW].")
    export_limit_kw: float = Field(
        0.0,
        ge=0,
        description="Export limit [kW]; 0 forbids export. Export in a step is at most the on-site generation "
        "(PV and CHP output of the park and its tenants) in that step: energy bought is never resold.",
    )
    import_price_cny_per_kwh: Series = Field(description="Time-of-use energy price incl. critical peak [CNY/kWh].")
    export_price_cny_per_kwh: Series = Field(
        0.0,
        description="Price received for exported energy [CNY/kWh]. One meter: in a step the park imports or "
        "exports, never both; in steps where this price exceeds the import price a binary per step holds that "
        "(the park becomes a MILP, summary.json: integer_variables).",
    )
    co2_kg_per_kwh: Series = Field(description="Grid emission factor for imports [kgCO2/kWh].")
    demand_charge_cny_per_kw_month: float = Field(
        0.0, ge=0, description="Maximum-demand charge on the month's peak import [CNY/(kW·month)]."
    )
    peak_billed_kw: float = Field(
        0.0, ge=0, description="Peak import already billed this month [kW]; at most import_limit_kw."
    )
    meter_binaries: Literal["where_export_pays_more", "every_step"] = Field(
        "where_export_pays_more",
        description="Where a binary holds 'import or export, never both': only in the steps where the export price "
        "exceeds the import price (elsewhere the LP holds it by itself; the default), or in every step where "
        "export is possible (a MILP; for comparisons with tools that model every meter so).",
    )


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

    One meter: in a step the park imports or exports, never both. Where
    ``p_exp(t) ≤ p_imp(t)`` the LP holds this by itself (both at once never pays;
    at equal prices the reported schedule nets the two flows). In the steps where
    ``p_exp(t) > p_imp(t)`` (and export is allowed) a binary
    ``grid[g].importing[t] ∈ {0, 1}`` holds it, which makes the park a MILP:
    rows ``import_mode[t]``: ``import_kw[t] − L_imp·importing[t] ≤ 0`` and
    ``export_mode[t]``: ``export_kw[t] + M(t)·importing[t] ≤ M(t)`` with
    ``M(t) = min(L_exp, Σ on-site generation bounds at t)`` (export never exceeds
    on-site generation); no binary where ``M(t) = 0``. The binaries are added after
    every builder has declared its generation (``ctx.deferred``).
    """
    lp, dt, keys = ctx.lp, ctx.step_h, [a.id for a in assets]
    imp = lp.add_var("grid", "import_kw", keys, 0.0, ctx.column(assets, "import_limit_kw"), unit="kW")
    exp = lp.add_var("grid", "export_kw", keys, 0.0, ctx.column(assets, "export_limit_kw"), unit="kW")
    nodes = ["park"] * len(assets)
    ctx.connect("electricity", imp, nodes, 1.0)
    ctx.connect("electricity", exp, nodes, -1.0, role="export")
    lp.add_cost("grid_energy", imp, ctx.series(assets, "import_price_cny_per_kwh") * dt)
    lp.add_cost("grid_energy", exp, -ctx.series(assets, "export_price_cny_per_kwh") * dt)
    co2 = ctx.series(assets, "co2_kg_per_kwh")
    ctx.add_emission("scope2", imp, nodes, co2 * dt)
    ctx.grid_co2_kg_per_kwh = co2[0]
    ctx.grid_export = exp
    ctx.grid_import = imp
    ctx.deferred.append(lambda: _one_meter(assets, ctx, imp, exp))

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


def _one_meter(assets: list[GridConnection], ctx: BuildContext, imp, exp) -> None:
    """Binaries only in the steps where the export price exceeds the import price (see :func:`build`)."""
    lp = ctx.lp
    p_imp = ctx.series(assets, "import_price_cny_per_kwh")
    p_exp = ctx.series(assets, "export_price_cny_per_kwh")
    l_imp = np.broadcast_to(ctx.column(assets, "import_limit_kw"), p_imp.shape)
    # export is at most the on-site generation (row export_from_generation): the tighter big-M
    generation = sum((lp.upper_bounds(g).sum(axis=0) for g in ctx.generation), np.zeros(ctx.n_t))
    l_exp = np.minimum(ctx.column(assets, "export_limit_kw"), generation[None, :])
    every = np.array([[a.meter_binaries == "every_step"] for a in assets])
    exclusive = ((p_exp > p_imp) | every) & (l_exp > 0)
    ctx.meters.append(Meter(imp, exp, net=~exclusive))
    if not exclusive.any():
        return
    keys = [a.id for a in assets]
    why = [
        f"grid {a.id!r}: meter_binaries every_step: one binary in each of {int(n)} of {ctx.n_t} steps "
        "(a meter imports or exports, never both)"
        if a.meter_binaries == "every_step"
        else f"grid {a.id!r}: the export price exceeds the import price in {int(n)} of {ctx.n_t} steps "
        "(one binary per such step: a meter imports or exports, never both)"
        for a, n in zip(assets, exclusive.sum(axis=1), strict=True)
        if n
    ]
    mode = lp.add_var("grid", "importing", keys, 0.0, exclusive.astype(float), integer=True, why=why)
    free = np.where(exclusive, 0.0, np.inf)
    rows = lp.add_rows("grid", "import_mode", keys, -np.inf, free, unit="kW")
    lp.add_terms(rows, imp, 1.0)
    lp.add_terms(rows, mode, -l_imp)
    rows = lp.add_rows("grid", "export_mode", keys, -np.inf, np.where(exclusive, l_exp, np.inf), unit="kW")
    lp.add_terms(rows, exp, 1.0)
    lp.add_terms(rows, mode, l_exp)


def check_document(items: list[tuple[int, dict]], doc: dict) -> list[Problem]:
    """One grid connection, at the park node, with its billed peak within its import limit."""
    problems = []
    for i, a in items:
        peak, limit = a.get("peak_billed_kw"), a.get("import_limit_kw")
        if isinstance(peak, (int, float)) and isinstance(limit, (int, float)) and peak > limit:
            problems.append(
                Problem(f"assets[{i}].peak_billed_kw", f"{peak:g} kW exceeds import_limit_kw ({limit:g} kW)")
            )
        if a.get("owner", PARK_OWNER) != PARK_OWNER:
            problems.append(Problem(f"assets[{i}].owner", "the grid connection belongs to the park node ('park')"))
    if len(items) > 1:
        problems.append(Problem(f"assets[{items[1][0]}].kind", "a park has one grid connection"))
    return problems


def carry(a: GridConnection, view: CarryView) -> tuple[dict, dict]:
    """The month's billed peak: the highest import so far, back to 0 when the next window starts a new month."""
    peak = max(a.peak_billed_kw, float(view.kept("grid", "import_kw", a.id).max()))
    if view.next_start.month != view.window_start.month:
        peak = 0.0
    return {"peak_billed_kw": peak}, {}


def kpis(assets: list[GridConnection], schedule, inputs) -> dict[str, float]:
    """Energy imported and exported [kWh] and the peak import [kW]."""
    dt = schedule.step_h
    imp = schedule.values("grid", "import_kw").sum(axis=1).to_numpy()
    exp = schedule.values("grid", "export_kw").sum(axis=1).to_numpy()
    return {
        "grid_import_kwh": float(imp.sum() * dt),
        "grid_export_kwh": float(exp.sum() * dt),
        "peak_grid_import_kw": float(imp.max()) if len(imp) else 0.0,
    }


KIND = Kind(spec=GridConnection, build=build, roles={"grid"}, labels={"en": "Grid", "zh": "电网"},
            colour="#7f8c8d", series={"co2_kg_per_kwh": "nonnegative"}, check_document=check_document, carry=carry,
            kpis=kpis)  # fmt: skip
