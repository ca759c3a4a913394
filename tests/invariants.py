"""Invariants every solved schedule must satisfy, whatever the park.

``violations(schedule)`` runs every check in :data:`CHECKS` on a schedule with a
solution (status optimal or feasible, solved in this process so that
``schedule.model`` and ``schedule.solution`` are there) and returns one
human-readable line per violation; an empty list means all is well.

A check is a function ``check(schedule, park) -> list[str]``. To add one (bills,
emissions reconciliation, ...), write it below and append it to :data:`CHECKS`.
Each check states its tolerance next to it. Messages name the check, the asset
or node and the first offending steps with their values, so that a failing
hypothesis example reads as a bug report.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import greenpark as gp
from greenpark import kinds
from greenpark.model.context import CARRIERS, LINK_PREFIX

Check = Callable[[gp.Schedule, gp.Park], list[str]]
PARK = "park"

REL_TOL = 1e-6
"""Relative tolerance of every check (HiGHS's feasibility tolerances are 1e-7, its MIP integrality 1e-6)."""

SHOWN = 3
"""Offending steps quoted per message."""


def violations(schedule: gp.Schedule, park: gp.Park | None = None, checks: list[Check] | None = None) -> list[str]:
    """Every invariant violation of a solved ``schedule`` (empty: all good).

    ``park`` defaults to the park the schedule was built from; ``checks`` to :data:`CHECKS`.
    """
    if not schedule.ok:
        return [f"no solution to check: {schedule.status.value}: {schedule.message}"]
    if schedule.model is None or schedule.solution is None or schedule.solution.x is None:
        return ["schedule has no model or raw solution (it must be solved in this process)"]
    park = park if park is not None else schedule.model.inputs.park
    out: list[str] = []
    for check in CHECKS if checks is None else checks:
        try:
            out += check(schedule, park)
        except Exception as exc:  # a crashing check is a finding too, and must not hide the others
            out.append(f"{check.__name__}: raised {type(exc).__name__}: {exc}")
    return out


# --------------------------------------------------------------------------- helpers
def _steps(schedule: gp.Schedule, bad: np.ndarray, *series: tuple[str, np.ndarray]) -> str:
    """``at 2026-07-15 03:00 (import=12.5, export=3)`` for the first offending steps."""
    idx = np.flatnonzero(bad)
    parts = []
    for t in idx[:SHOWN]:
        values = ", ".join(f"{name}={np.asarray(v).reshape(-1)[t if np.size(v) > 1 else 0]:.9g}" for name, v in series)
        parts.append(f"{schedule.index[t]:%Y-%m-%d %H:%M} ({values})")
    more = f" and {len(idx) - SHOWN} more step(s)" if len(idx) > SHOWN else ""
    return "at " + "; ".join(parts) + more


def _col(schedule: gp.Schedule, name: str) -> np.ndarray | None:
    d = schedule.dispatch
    return d[name].to_numpy(dtype=float) if name in d.columns else None


def _tol(*scales: float) -> float:
    """``REL_TOL × max(1, |scales|…)``: relative to the largest scale, never below REL_TOL."""
    finite = [abs(s) for s in scales if s is not None and np.isfinite(s)]
    return REL_TOL * max([1.0, *finite])


# --------------------------------------------------------------------------- checks
def costs_sum_to_objective(schedule: gp.Schedule, park: gp.Park) -> list[str]:
    """Costs by kind add up to the objective.

    Tolerance: ``1e-6 × max(1, |objective|)`` (relative, with an absolute floor of 1e-6 CNY).
    """
    obj = schedule.objective_cny
    if obj is None or not np.isfinite(obj):
        return [f"costs: objective is {obj!r}"]
    total = float(schedule.costs_cny.sum())
    if not np.isfinite(total):
        return [f"costs: costs by kind are not finite: {dict(schedule.costs_cny)}"]
    if abs(total - obj) > _tol(obj):
        kinds = ", ".join(f"{k}={v:.6g}" for k, v in schedule.costs_cny.items())
        return [f"costs: costs by kind sum to {total:.9g} CNY but the objective is {obj:.9g} CNY ({kinds})"]
    return []


def energy_balances_close(schedule: gp.Schedule, park: gp.Park) -> list[str]:
    """Every node's balance closes in every step, for every carrier.

    Tolerance: ``|residual| ≤ 1e-6 × max(1 kW, the largest |flow| or demand at that node and step)``.
    """
    b = schedule.balances
    out = []
    if b.empty:
        return out
    for carrier, node in dict.fromkeys((c, n) for c, n, _ in b.columns):
        terms = b[(carrier, node)]
        if "residual" not in terms.columns:
            out.append(f"balance {carrier}@{node}: no residual column")
            continue
        residual = terms["residual"].to_numpy(dtype=float)
        flows = terms.drop(columns="residual").abs().to_numpy(dtype=float)
        scale = flows.max(axis=1) if flows.shape[1] else np.zeros(len(residual))
        bad = ~(np.abs(residual) <= REL_TOL * np.maximum(1.0, scale))
        if bad.any():
            out.append(
                f"balance {carrier}@{node}: residual beyond 1e-6 of the largest flow "
                + _steps(schedule, bad, ("residual", residual), ("largest_flow", scale))
            )
    return out


def grid_never_imports_and_exports_at_once(schedule: gp.Schedule, park: gp.Park) -> list[str]:
    """No step both imports from and exports to the grid.

    Tolerance: ``min(import, export) ≤ 1e-6 × max(1, import limit, export limit)`` [kW].
    """
    out = []
    for g in park.assets_of_kind("grid"):
        imp = _col(schedule, f"grid[{g.id}].import_kw")
        exp = _col(schedule, f"grid[{g.id}].export_kw")
        if imp is None or exp is None:
            out.append(f"grid {g.id!r}: import_kw or export_kw missing from dispatch")
            continue
        bad = np.minimum(imp, exp) > _tol(g.import_limit_kw, g.export_limit_kw)
        if bad.any():
            out.append(
                f"grid {g.id!r}: imports and exports in the same step "
                + _steps(schedule, bad, ("import_kw", imp), ("export_kw", exp))
            )
    return out


def tenant_links_flow_one_way(schedule: gp.Schedule, park: gp.Park) -> list[str]:
    """A tenant link carries power (or heat) one way per step.

    Tolerance: ``min(import, export) ≤ 1e-6 × max(1, max(import, export))`` [kW].
    """
    out = []
    for t in park.tenants:
        for what, prefix in LINK_PREFIX.items():
            imp = _col(schedule, f"link[{t.id}].{prefix}import_kw")
            exp = _col(schedule, f"link[{t.id}].{prefix}export_kw")
            if imp is None or exp is None:
                continue
            bad = np.minimum(imp, exp) > REL_TOL * np.maximum(1.0, np.maximum(imp, exp))
            if bad.any():
                out.append(
                    f"link {t.id!r} ({what}): imports and exports in the same step "
                    + _steps(schedule, bad, (f"{prefix}import_kw", imp), (f"{prefix}export_kw", exp))
                )
    return out


def _committed_units(park: gp.Park) -> list[tuple[str, str, list[str], float, float]]:
    """``(block, id, output columns, min when on, max)`` for each unit that has an on/off state.

    The first output column is the one limited to [min, max] when on; all must be 0 when off.
    """
    units = []
    for a in park.assets:
        c = getattr(a, "commitment", None)
        if a.kind == "chp" and c is not None:
            pmax = a.electric_kw
            units.append(("chp", a.id, ["electricity_kw", "heat_kw", "fuel_kw"],
                          max(c.min_load_fraction * pmax, a.min_electric_kw), pmax))  # fmt: skip
        elif a.kind in ("gas_boiler", "electric_boiler", "heat_pump") and c is not None:
            inp = "fuel_kw" if a.kind == "gas_boiler" else "electricity_kw"
            units.append((a.kind, a.id, ["heat_kw", inp], c.min_load_fraction * a.heat_kw, a.heat_kw))
        elif a.kind == "extraction_chp" and c is not None:
            low, top = min(p.electric_kw for p in a.corners), max(p.electric_kw for p in a.corners)
            units.append(("extraction_chp", a.id, ["electricity_kw", "heat_kw", "fuel_kw"], low, top))
        elif a.kind == "orc" and c is not None:
            units.append(("orc", a.id, ["electricity_kw", "heat_kw"], c.min_load_fraction * a.electric_kw,
                          a.electric_kw))  # fmt: skip
        elif a.kind in ("electric_chiller", "absorption_chiller") and c is not None:
            inp = "electricity_kw" if a.kind == "electric_chiller" else "heat_kw"
            units.append((a.kind, a.id, ["cooling_kw", inp], c.min_load_fraction * a.cooling_kw, a.cooling_kw))
        elif a.kind == "production_line":
            units.append(("production_line", a.id, ["power_kw"], a.min_power_kw, a.max_power_kw))
    return units


def committed_units_respect_on_off(schedule: gp.Schedule, park: gp.Park) -> list[str]:
    """A unit that is off (``on < 0.5``) produces and burns nothing; one that is on stays in [min, max].

    Tolerance: ``1e-6 × max(1, max output)`` [kW] — an ``on`` value within HiGHS's integrality
    tolerance (1e-6) of 0 legitimately lets ``max × on`` through.
    """
    out = []
    for block, aid, cols, pmin, pmax in _committed_units(park):
        on = _col(schedule, f"{block}[{aid}].on")
        if on is None:
            out.append(f"{block} {aid!r}: has an on/off state but no {block}[{aid}].on column")
            continue
        tol = _tol(pmax)
        off = on < 0.5
        for name in cols:
            v = _col(schedule, f"{block}[{aid}].{name}")
            if v is None:
                out.append(f"{block} {aid!r}: no {name} column")
                continue
            bad = off & (np.abs(v) > tol)
            if bad.any():
                out.append(f"{block} {aid!r}: {name} while off " + _steps(schedule, bad, ("on", on), (name, v)))
        main = _col(schedule, f"{block}[{aid}].{cols[0]}")
        if main is None:
            continue
        bad = ~off & ((main < pmin - tol) | (main > pmax + tol))
        if bad.any():
            out.append(
                f"{block} {aid!r}: {cols[0]} outside [{pmin:g}, {pmax:g}] while on "
                + _steps(schedule, bad, ("on", on), (cols[0], main))
            )
    return out


def storage_within_limits(schedule: gp.Schedule, park: gp.Park) -> list[str]:
    """Batteries in [soc_min, soc_max]·E, thermal stores in [0, E], power within [0, P], end state met.

    Also ``no_simultaneous`` batteries never charge and discharge in one step.
    Tolerance: ``1e-6 × max(1, E)`` [kWh] for states, ``1e-6 × max(1, P)`` [kW] for power.
    """
    out = []
    for a in park.assets:
        if not kinds.has_role(a, "stores"):
            continue
        pre = f"{a.kind}[{a.id}]"
        soc, ch, dis = (_col(schedule, f"{pre}.{n}") for n in ("soc_kwh", "charge_kw", "discharge_kw"))
        if soc is None or ch is None or dis is None:
            out.append(f"{a.kind} {a.id!r}: soc_kwh, charge_kw or discharge_kw missing from dispatch")
            continue
        e = a.energy_kwh
        lo, hi = getattr(a, "soc_min_fraction", 0.0) * e, getattr(a, "soc_max_fraction", 1.0) * e
        inputs = schedule.model.inputs if schedule.model is not None else None
        if inputs is not None and a.soc_min_kwh is not None:  # hourly limits of the store's own
            lo = np.maximum(lo, inputs.get(a.id, "soc_min_kwh"))
        if inputs is not None and a.soc_max_kwh is not None:
            hi = np.minimum(hi, inputs.get(a.id, "soc_max_kwh"))
        te, tp = _tol(e), _tol(a.power_kw)
        bad = (soc < lo - te) | (soc > hi + te)
        if bad.any():
            out.append(f"{a.kind} {a.id!r}: state outside its limits [kWh] " + _steps(schedule, bad, ("soc", soc)))
        for name, v in (("charge_kw", ch), ("discharge_kw", dis)):
            bad = (v < -tp) | (v > a.power_kw + tp)
            if bad.any():
                out.append(f"{a.kind} {a.id!r}: {name} outside [0, {a.power_kw:g}] " + _steps(schedule, bad, (name, v)))
        final = a.soc_final_fraction if a.soc_final_fraction is not None else a.soc_initial_fraction
        if a.end_state != "cyclic" and soc[-1] < final * e - te:
            out.append(f"{a.kind} {a.id!r}: ends at {soc[-1]:.9g} kWh, below the required {final * e:.9g} kWh")
        if a.end_state == "equal" and soc[-1] > final * e + te:
            out.append(f"{a.kind} {a.id!r}: ends at {soc[-1]:.9g} kWh, not the required {final * e:.9g} kWh")
        if a.no_simultaneous:
            bad = np.minimum(ch, dis) > tp
            if bad.any():
                out.append(
                    f"{a.kind} {a.id!r} (no_simultaneous): charges and discharges in one step "
                    + _steps(schedule, bad, ("charge_kw", ch), ("discharge_kw", dis))
                )
    return out


def storage_state_follows_its_flows(schedule: gp.Schedule, park: gp.Park) -> list[str]:
    """The state recomputed from the flows: ``soc[t] = k·soc[t−1] + η_c·ch·Δt − dis·Δt/η_d``, ``k = (1−λ)^Δt``.

    Tolerance: ``1e-6 × max(1, E)`` [kWh] per step (the state is re-anchored on the reported one each step).
    """
    out = []
    dt = schedule.step_h
    for a in park.assets:
        if not kinds.has_role(a, "stores"):
            continue
        pre = f"{a.kind}[{a.id}]"
        soc, ch, dis = (_col(schedule, f"{pre}.{n}") for n in ("soc_kwh", "charge_kw", "discharge_kw"))
        if soc is None or ch is None or dis is None:
            continue  # reported by storage_within_limits
        loss = a.self_discharge_fraction_per_h if a.kind == "battery" else a.loss_fraction_per_h
        keep = (1.0 - loss) ** dt
        start = soc[-1] if a.end_state == "cyclic" else a.soc_initial_fraction * a.energy_kwh  # cyclic: end = start
        prev = np.concatenate([[start], soc[:-1]])
        expected = keep * prev + a.charge_efficiency * ch * dt - dis * dt / a.discharge_efficiency
        bad = np.abs(soc - expected) > _tol(a.energy_kwh)
        if bad.any():
            out.append(
                f"{a.kind} {a.id!r}: state does not follow its charge and discharge "
                + _steps(schedule, bad, ("soc", soc), ("expected", expected))
            )
    return out


def pv_within_inverter_and_forecast(schedule: gp.Schedule, park: gp.Park) -> list[str]:
    """PV output ≤ its AC limit (``inverter_kw``, default ``capacity_kwp/1.1``) and ≤ what is available.

    Tolerance: ``1e-6 × max(1, AC limit)`` [kW].
    """
    out = []
    inputs = schedule.model.inputs
    for a in park.assets_of_kind("pv"):
        v = _col(schedule, f"pv[{a.id}].output_kw")
        if v is None:
            out.append(f"pv {a.id!r}: no output_kw column")
            continue
        ac = a.inverter_kw if a.inverter_kw is not None else a.capacity_kwp / 1.1
        tol = _tol(ac)
        bad = v > ac + tol
        if bad.any():
            out.append(f"pv {a.id!r}: output above the {ac:.9g} kW AC limit " + _steps(schedule, bad, ("output_kw", v)))
        avail = np.broadcast_to(np.asarray(inputs.get(a.id, "available_kw"), dtype=float), v.shape)
        bad = v > avail + tol
        if bad.any():
            out.append(
                f"pv {a.id!r}: output above what is available "
                + _steps(schedule, bad, ("output_kw", v), ("available_kw", avail))
            )
        bad = v < -tol
        if bad.any():
            out.append(f"pv {a.id!r}: negative output " + _steps(schedule, bad, ("output_kw", v)))
    return out


def all_bounds_hold(schedule: gp.Schedule, park: gp.Park) -> list[str]:
    """Column and row bounds of the built model hold at the solution; integer columns are integral.

    Tolerances: columns ``1e-6`` absolute; rows ``1e-6 × (1 + |bound|)``; integrality 1e-6
    (HiGHS's ``mip_feasibility_tolerance``).
    """
    form = schedule.model.form
    x = schedule.solution.x
    index = schedule.index
    out = []
    if x.shape != (form.n_cols,):
        return [f"bounds: solution has shape {x.shape}, the model {form.n_cols} columns"]
    if not np.all(np.isfinite(x)):
        bad = np.flatnonzero(~np.isfinite(x))
        return [f"bounds: non-finite values in {', '.join(form.col_label(j, index) for j in bad[:SHOWN])}"]
    tol = REL_TOL

    def report(what: str, idx: np.ndarray, label, value: np.ndarray, bound: np.ndarray) -> None:
        if len(idx):
            shown = "; ".join(f"{label(j, index)} = {value[j]:.9g} vs {bound[j]:.9g}" for j in idx[:SHOWN])
            more = f" and {len(idx) - SHOWN} more" if len(idx) > SHOWN else ""
            out.append(f"bounds: {what}: {shown}{more}")

    report("column below its lower bound", np.flatnonzero(x < form.col_lower - tol), form.col_label, x, form.col_lower)
    report("column above its upper bound", np.flatnonzero(x > form.col_upper + tol), form.col_label, x, form.col_upper)
    act = form.a @ x
    lo_bad = np.flatnonzero(act < form.row_lower - tol * (1 + np.abs(form.row_lower)))
    hi_bad = np.flatnonzero(act > form.row_upper + tol * (1 + np.abs(form.row_upper)))
    report("row below its lower bound", lo_bad, form.row_label, act, form.row_lower)
    report("row above its upper bound", hi_bad, form.row_label, act, form.row_upper)
    ints = np.flatnonzero(form.col_integer)
    frac = ints[np.abs(x[ints] - np.round(x[ints])) > tol]
    report("integer column not integral", frac, form.col_label, x, np.round(x))
    return out


def reported_schedule_is_a_solution(schedule: gp.Schedule, park: gp.Park) -> list[str]:
    """The schedule as reported (``dispatch``, after any netting of meters) satisfies the model too.

    The column vector is read back from ``dispatch`` (``block[key].name``; single-step columns from
    its first row) and checked like :func:`all_bounds_hold`, with the same tolerances.
    """
    form = schedule.model.form
    d = schedule.dispatch
    x = np.array(schedule.solution.x, dtype=float)
    missing = []
    for g in form.var_groups:
        for k, key in enumerate(g.keys):
            label = f"{g.block}[{key}].{g.name}"
            if label not in d.columns:
                missing.append(label)
                continue
            col = d[label].to_numpy(dtype=float)
            x[g.offset + k * g.n_t : g.offset + (k + 1) * g.n_t] = col[: g.n_t]
    if missing:
        return [f"reported schedule: columns missing from dispatch: {', '.join(missing[:SHOWN])}"]
    shadow = _Reported(schedule, x)
    return [f"reported schedule: {v.removeprefix('bounds: ')}" for v in all_bounds_hold(shadow, park)]


class _Reported:
    """A schedule whose raw solution is replaced by the reported one (for :func:`all_bounds_hold`)."""

    def __init__(self, schedule: gp.Schedule, x: np.ndarray) -> None:
        self.model, self.index = schedule.model, schedule.index
        self.solution = type("Solution", (), {"x": x})()


# --------------------------------------------------------------------------- the books
def bills_sum_to_objective(schedule: gp.Schedule, park: gp.Park) -> list[str]:
    """Tenants' bills (the row ``park`` included) sum to the objective; ``summary.json`` says the method.

    Tolerance: ``1e-6 × max(1, |objective|)``.
    """
    t, obj = schedule.tenants, float(schedule.objective_cny)
    out = []
    rows = [PARK] + [x.id for x in park.tenants]
    if list(t.index) != rows:
        out.append(f"bills_sum_to_objective: rows {list(t.index)} are not park + every tenant {rows}")
    total = float(t["bill_cny"].sum())
    if abs(total - obj) > _tol(obj):
        out.append(f"bills_sum_to_objective: bills sum to {total:.9g}, objective {obj:.9g}")
    parts = t["cost_at_marginal_prices_cny"] + t["residual_share_cny"]
    if (parts - t["bill_cny"]).abs().max() > _tol(obj):
        out.append("bills_sum_to_objective: bill ≠ cost at marginal prices + residual share")
    if not schedule.meta.get("billing_method", {}).get("name"):
        out.append("bills_sum_to_objective: no billing_method in the schedule's meta (summary.json)")
    return out


def emissions_reconcile(schedule: gp.Schedule, park: gp.Park) -> list[str]:
    """Attributed emissions sum to the park's inventory on both scope-2 bases; every row's share ≥ 0.

    Tolerance: ``1e-6 × max(1, park total)`` [t].
    """
    t, em = schedule.tenants, schedule.emissions_t
    out = []
    location = float((em["scope1_t"] + em["scope2_location_t"]).sum())
    market = float((em["scope1_t"] + em["scope2_market_t"]).sum())
    for col, want in (("co2_t", location), ("co2_market_t", market)):
        got = float(t[col].sum())
        if abs(got - want) > _tol(want):
            out.append(
                f"emissions_reconcile: {col} of the rows sums to {got:.9g} t, the park's inventory is {want:.9g} t"
            )
        low = t[col] < -_tol(want)
        if low.any():
            out.append(f"emissions_reconcile: negative {col} for {list(t.index[low])}: {t.loc[low, col].tolist()}")
    scope1 = em["scope1_t"].reindex(t.index).fillna(0.0)
    if (t["scope1_t"] - scope1).abs().max() > _tol(location):
        out.append("emissions_reconcile: tenants' scope1_t differs from the inventory's scope 1 by owner")
    return out


def energy_use_reconciles(schedule: gp.Schedule, park: gp.Park) -> list[str]:
    """Final use of the rows equals the loads served (demand − shed) over the horizon, per carrier.

    Tolerance: ``1e-6 × max(1, total demand)`` [kWh].
    """
    bal, dt = schedule.balances, schedule.step_h
    out = []
    for carrier in CARRIERS:
        col = f"{carrier}_use_kwh"
        if carrier not in bal.columns.get_level_values("carrier"):
            continue
        b = bal.xs(carrier, axis=1, level="carrier")
        demand = -float(b.xs("demand", axis=1, level="term").to_numpy().sum()) * dt
        got = float(schedule.tenants[col].sum())
        # what loads use beyond fixed demand (runs, lines, flexible loads: load kinds without a fixed demand)
        # minus what was shed: from the balance terms
        flowing = {k.name for k in kinds.with_role("load") if k.demand is None}
        extra = 0.0
        for (_node, term), v in b.items():
            if term.split("[")[0] in flowing or term.endswith((".shed_kw", ".unserved_kw")):
                extra -= float(v.sum()) * dt
        want = demand + extra
        if abs(got - want) > _tol(demand, want):
            out.append(f"energy_use_reconciles: {carrier} final use of the rows {got:.9g} kWh, loads served {want:.9g}")
    return out


def renewable_share_meets_its_minimum(schedule: gp.Schedule, park: gp.Park) -> list[str]:
    """The KPI reads the constraint's own definition: with a minimum share, the KPI (with certificates) meets it.

    Tolerance: ``1e-6`` (a share) relative to the electricity used.
    """
    share = park.carbon.min_renewable_share
    got = schedule.kpis.get("renewable_share_with_certificates")
    used = schedule.kpis.get("electricity_consumed_kwh") or 0.0
    if share is None or abs(used) <= _tol(1.0):  # nothing used: the share of nothing is not defined
        return []
    if got < share - _tol(1.0) * max(1.0, 1.0 / schedule.kpis["electricity_consumed_kwh"]):
        return [f"renewable share: the KPI says {got:.9g}, below the minimum {share:g} the model holds"]
    return []


CHECKS: list[Check] = [
    costs_sum_to_objective,
    energy_balances_close,
    grid_never_imports_and_exports_at_once,
    tenant_links_flow_one_way,
    committed_units_respect_on_off,
    storage_within_limits,
    storage_state_follows_its_flows,
    pv_within_inverter_and_forecast,
    all_bounds_hold,
    reported_schedule_is_a_solution,
    bills_sum_to_objective,
    emissions_reconcile,
    energy_use_reconciles,
    renewable_share_meets_its_minimum,
]
"""Every check :func:`violations` runs, in order; append new ones here."""
