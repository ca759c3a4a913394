"""The park's connection to the public grid: one meter at the park node."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from greenpark.errors import Problem
from greenpark.fields import PARK_OWNER, Series, SpecModel
from greenpark.kinds.base import AssetSpec, CarryView, Kind
from greenpark.model.context import BuildContext, Meter


class DemandResponseEvent(SpecModel):
    """A grid company's demand-response event: cut import below a baseline in given hours, for pay.

    The park decides how much to offer (``offered_kw`` up to ``max_reduction_kw``); in each step of
    the event the import reduction below ``baseline_kw`` (up to the offer) is paid per kWh, the offer
    per kW, and any step's reduction short of the offer is penalised per kWh.
    """

    start: str = Field(description="Event start, ISO date-time (park local time).")
    end: str = Field(description="Event end, ISO date-time.")
    baseline_kw: float = Field(ge=0, description="Import baseline the reduction is measured from [kW].")
    max_reduction_kw: float = Field(gt=0, description="Reduction the park may offer, at most [kW].")
    payment_cny_per_kwh: float = Field(0.0, ge=0, description="Paid per kWh reduced (up to the offer) [CNY/kWh].")
    payment_cny_per_kw: float = Field(0.0, ge=0, description="Paid per kW offered, once per event [CNY/kW].")
    shortfall_penalty_cny_per_kwh: float = Field(
        0.0, ge=0, description="Charged per kWh a step's reduction falls short of the offer [CNY/kWh]."
    )

    @field_validator("start", "end")
    @classmethod
    def _when(cls, v: str) -> str:
        try:
            pd.Timestamp(v)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{v!r} is not an ISO date-time") from exc
        return v


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
    dr_events: list[DemandResponseEvent] = Field(
        default_factory=list,
        description="Demand-response events of the grid company; the optimizer decides the offer (cost kinds "
        "dr_revenue, negative, and dr_penalty).",
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
    _demand_response(assets, ctx, imp)

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
    # a limit on the grid could be met by importing and exporting at once: a binary holds its meter
    limited = {aid for lim in ctx.inputs.park.limits for aid in lim.assets}
    every = np.array([[a.meter_binaries == "every_step" or a.id in limited] for a in assets])
    exclusive = ((p_exp > p_imp) | every) & (l_exp > 0)
    ctx.meters.append(Meter(imp, exp, net=~exclusive))
    if not exclusive.any():
        return
    keys = [a.id for a in assets]
    why = [
        f"grid {a.id!r}: meter_binaries every_step or a limit on it: one binary in each of {int(n)} of "
        f"{ctx.n_t} steps (a meter imports or exports, never both)"
        if every[k, 0]
        else f"grid {a.id!r}: the export price exceeds the import price in {int(n)} of {ctx.n_t} steps "
        "(one binary per such step: a meter imports or exports, never both)"
        for k, (a, n) in enumerate(zip(assets, exclusive.sum(axis=1), strict=True))
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


def _demand_response(assets: list[GridConnection], ctx: BuildContext, imp) -> None:
    """Each event ``e`` with steps ``S_e``: ``offered_kw[e] ∈ [0, max]``; for ``t ∈ S_e``
    ``reduced_kw[e,t] ≤ baseline − import_kw[t]``, ``reduced_kw[e,t] ≤ offered_kw[e]``,
    ``short_kw[e,t] ≥ offered_kw[e] − reduced_kw[e,t]``; revenue (cost kind ``dr_revenue``, negative)
    ``p_e·Σ reduced·Δt + p_c·offered``, penalty (``dr_penalty``) ``π·Σ short·Δt``."""
    lp, dt, index = ctx.lp, ctx.step_h, ctx.inputs.index
    events = [(k, e) for k, a in enumerate(assets) for e in a.dr_events]
    if not events:
        return
    tz = str(index.tz)
    inside = np.zeros((len(events), ctx.n_t), dtype=bool)
    for i, (_k, e) in enumerate(events):
        start, end = (pd.Timestamp(v) for v in (e.start, e.end))
        start, end = (t.tz_localize(tz) if t.tzinfo is None else t.tz_convert(tz) for t in (start, end))
        inside[i] = (index >= start) & (index < end)
    keys = [f"{assets[k].id}#{i}" for i, (k, _e) in enumerate(events)]
    col = lambda f: np.array([[getattr(e, f)] for _k, e in events])  # noqa: E731
    offered = lp.add_var("grid", "dr_offered_kw", keys, 0.0, col("max_reduction_kw"), n_t=1, unit="kW")
    reduced = lp.add_var("grid", "dr_reduced_kw", keys, 0.0, np.where(inside, np.inf, 0.0), unit="kW")
    short = lp.add_var("grid", "dr_short_kw", keys, 0.0, np.where(inside, np.inf, 0.0), unit="kW")
    free = np.where(inside, 0.0, np.inf)
    rows = lp.add_rows("grid", "dr_below_baseline", keys, -np.inf, np.where(inside, col("baseline_kw"), np.inf))
    lp.add_terms(rows, reduced, 1.0)
    lp.add_terms(rows, imp, 1.0, var_keys=[k for k, _e in events])
    rows = lp.add_rows("grid", "dr_within_offer", keys, -np.inf, free)
    lp.add_terms(rows, reduced, 1.0)
    lp.add_terms(rows, offered, -1.0)
    rows = lp.add_rows("grid", "dr_shortfall", keys, -np.inf, free)
    lp.add_terms(rows, offered, 1.0)
    lp.add_terms(rows, reduced, -1.0)
    lp.add_terms(rows, short, -1.0)
    lp.add_cost("dr_revenue", reduced, -col("payment_cny_per_kwh") * dt)
    lp.add_cost("dr_revenue", offered, -col("payment_cny_per_kw"))
    lp.add_cost("dr_penalty", short, col("shortfall_penalty_cny_per_kwh") * dt)


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
    out = {
        "grid_import_kwh": float(imp.sum() * dt),
        "grid_export_kwh": float(exp.sum() * dt),
        "peak_grid_import_kw": float(imp.max()) if len(imp) else 0.0,
    }
    if any(a.dr_events for a in assets):
        out["dr_offered_kw"] = float(schedule.values("grid", "dr_offered_kw").to_numpy()[:1].sum())
        out["dr_reduced_kwh"] = float(schedule.values("grid", "dr_reduced_kw").to_numpy().sum() * dt)
        out["dr_revenue_cny"] = -float(schedule.costs_cny.get("dr_revenue", 0.0))
    return out


KIND = Kind(spec=GridConnection, build=build, roles={"grid"}, labels={"en": "Grid", "zh": "电网"},
            colour="#7f8c8d", series={"co2_kg_per_kwh": "nonnegative"}, check_document=check_document, carry=carry,
            kpis=kpis)  # fmt: skip
