"""Rolling-horizon simulation: solve day after day, keep the first window, carry the state on.

Each step solves ``[t, t + horizon)``, keeps ``[t, t + window)`` as what
happened, and starts the next solve from the state at ``t + window``:

* storage levels (battery and thermal store ``soc_initial_fraction``);
* committed units: on or off, for how long, and their output (for ramps);
* batch runs still going (``running_since_h``);
* production inventories;
* the peak grid import already billed this month (reset when the month changes);
* a carbon budget over the whole period: each solve is capped at the remaining
  budget × (the horizon's share of the remaining period's emission weight),
  never more than the remaining budget, so the realised total cannot exceed
  it. The weight of a step is what its fixed loads would emit bought from the
  grid (electric load × grid factor + heat load × ``heat_co2_kg_per_kwh``), so
  busy days get more of the budget than quiet ones.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from greenpark.errors import ParkValidationError, Problem
from greenpark.pipeline import parse_horizon
from greenpark.pipeline import solve as solve_park
from greenpark.results import Schedule
from greenpark.solve import SolveOptions
from greenpark.spec import Park, load_park


@dataclass
class Simulation:
    """What a rolling-horizon run realised.

    ``dispatch`` is the kept part of every window, end to end; ``windows`` has one
    row per solve (start, status, objective of the kept part, CO2, cap used).
    """

    dispatch: pd.DataFrame
    windows: pd.DataFrame
    totals: dict[str, float]
    states: list[dict] = field(default_factory=list)

    def to_folder(self, folder: str | Path) -> Path:
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        self.dispatch.to_csv(out / "dispatch.csv", date_format="%Y-%m-%dT%H:%M:%S%z")
        self.windows.to_csv(out / "windows.csv", index=False)
        (out / "summary.json").write_text(json.dumps({"totals": self.totals, "states": self.states}, indent=2) + "\n")
        return out


def simulate(
    park: Park | str | Path,
    start: pd.Timestamp | str,
    end: pd.Timestamp | str,
    *,
    window: str | pd.Timedelta = "24h",
    horizon: str | pd.Timedelta = "48h",
    carbon_budget_t: float | None = None,
    options: SolveOptions | None = None,
    progress=None,
) -> Simulation:
    """Simulate operation from ``start`` to ``end`` by rolling solves (see the module docstring)."""
    if not isinstance(park, Park):
        park = load_park(park)
    tz = park.park.timezone
    t0 = _local(start, tz)
    t_end = _local(end, tz)
    window_td, horizon_td = parse_horizon(window), parse_horizon(horizon)
    if horizon_td < window_td:
        raise ParkValidationError([Problem("horizon", "must be at least the window")])
    if t_end <= t0:
        raise ParkValidationError([Problem("to", "must be after from")])
    step = pd.Timedelta(park.park.resolution)
    kept_frames: list[pd.DataFrame] = []
    rows: list[dict] = []
    states: list[dict] = []
    remaining_budget = carbon_budget_t
    billed_peak = {a.id: a.peak_billed_kw for a in park.assets_of_kind("grid")}
    month = t0.month
    current = park
    t = t0
    clock = time.perf_counter()
    weights = _emission_weights(park, t0, t_end) if carbon_budget_t is not None else None
    while t < t_end:
        keep = min(window_td, t_end - t)
        solve_h = horizon_td
        if carbon_budget_t is not None:
            solve_h = max(keep, min(horizon_td, t_end - t))  # the budget covers the period: look no further
        if t.month != month:
            month = t.month
            billed_peak = dict.fromkeys(billed_peak, 0.0)
        current = _with_billed_peak(current, billed_peak)
        cap = None
        if remaining_budget is not None:
            ahead = float(weights[t : t + solve_h - step].sum())
            rest = float(weights[t : t_end - step].sum())
            cap = max(0.0, min(remaining_budget, remaining_budget * ahead / rest if rest > 0 else remaining_budget))
        s = solve_park(current, start=t, horizon=solve_h, options=options, carbon_cap_t=cap, build_pyomo=False)
        if not s.ok:
            rows.append({"start": t.isoformat(), "status": s.status.value, "message": s.message, "cap_t": cap})
            raise SimulationError(f"window from {t:%Y-%m-%d %H:%M}: {s.status.value}: {s.message}", rows)
        n_keep = int(keep / step)
        kept = s.dispatch.iloc[:n_keep]
        kept_frames.append(kept)
        cost, co2 = _kept_cost_and_co2(s, n_keep)
        if remaining_budget is not None:
            remaining_budget -= co2
        for g in current.assets_of_kind("grid"):
            col = f"grid[{g.id}].import_kw"
            billed_peak[g.id] = max(billed_peak[g.id], float(kept[col].max()))
        current, state = carry_state(current, s, n_keep)
        states.append({"at": (t + keep).isoformat(), **state})
        rows.append(
            {
                "start": t.isoformat(),
                "status": s.status.value,
                "kept_h": keep / pd.Timedelta("1h"),
                "cost_cny": cost,
                "co2_t": co2,
                "cap_t": cap,
                "mip_gap": s.mip_gap,
                "highs_s": s.highs_run_time_s,
            }
        )
        if progress is not None:
            progress(t, s)
        t = t + keep
    dispatch = pd.concat(kept_frames)
    windows = pd.DataFrame(rows)
    totals = {
        "cost_cny": float(windows["cost_cny"].sum()),
        "co2_t": float(windows["co2_t"].sum()),
        "windows": len(windows),
        "carbon_budget_t": carbon_budget_t,
        "wall_s": time.perf_counter() - clock,
    }
    return Simulation(dispatch, windows, totals, states)


class SimulationError(RuntimeError):
    """A window could not be solved; ``windows`` holds what ran until then."""

    def __init__(self, message: str, windows: list[dict]) -> None:
        super().__init__(message)
        self.windows = windows


def _emission_weights(park: Park, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Per step: what the fixed loads would emit if bought from the grid (kg), the budget's allocation key."""
    from greenpark.inputs import resolve_inputs

    inputs = resolve_inputs(park, start, end - start)
    grids = park.assets_of_kind("grid")
    grid_co2 = inputs.get(grids[0].id, "co2_kg_per_kwh") if grids else np.zeros(inputs.n_steps)
    w = np.zeros(inputs.n_steps)
    for a in park.assets:
        if a.kind in ("electric_load", "interruptible_load"):
            w += inputs.get(a.id, "power_kw") * grid_co2
        elif a.kind == "heat_load":
            w += inputs.get(a.id, "power_kw") * park.carbon.heat_co2_kg_per_kwh
    return pd.Series(np.maximum(w, 1e-9), index=inputs.index)


def _local(ts: pd.Timestamp | str, tz: str) -> pd.Timestamp:
    ts = pd.Timestamp(ts)
    return ts.tz_localize(tz) if ts.tzinfo is None else ts.tz_convert(tz)


def _with_billed_peak(park: Park, billed: dict[str, float]) -> Park:
    assets = [a.model_copy(update={"peak_billed_kw": billed[a.id]}) if a.kind == "grid" else a for a in park.assets]
    return park.model_copy(update={"assets": assets})


def _kept_cost_and_co2(s: Schedule, n_keep: int) -> tuple[float, float]:
    """Cost and emissions of the kept steps.

    Per-step costs are every cost kind's coefficients times the column values
    of kept steps; a single-step column (the demand charge's peak, carbon totals)
    is counted by its time-varying parts instead: the carbon price on the kept
    emissions and the demand charge on the kept steps' share of the horizon.
    """
    form = s.model.form
    x = s.solution.x
    cost = 0.0
    for kind, vec in form.cost_by_kind.items():
        if kind in ("carbon", "demand_charge", "elastic", "reference_order"):
            continue
        for g in form.var_groups:
            if g.n_t == 1:
                continue
            c = vec[g.offset : g.offset + g.size].reshape(g.shape)[:, :n_keep]
            v = x[g.offset : g.offset + g.size].reshape(g.shape)[:, :n_keep]
            cost += float((c * v).sum())
    co2_kg = float(s.prices["co2_kg"].iloc[:n_keep].sum())
    price = s.model.carbon_price_cny_per_kg
    cost += float((s.prices["co2_kg"].to_numpy()[:n_keep] * price[:n_keep]).sum())
    if "demand_charge" in s.costs_cny:
        cost += float(s.costs_cny["demand_charge"]) * n_keep / len(s.index)
    return cost, co2_kg / 1000.0


def carry_state(park: Park, s: Schedule, n_keep: int) -> tuple[Park, dict]:
    """The park with its initial state set to the state after ``n_keep`` steps of ``s``."""
    d = s.dispatch
    last = n_keep - 1
    dt = s.step_h
    state: dict[str, object] = {}
    assets = []
    for a in park.assets:
        upd: dict[str, object] = {}
        if a.kind in ("battery", "thermal_store"):
            soc = float(d[f"{a.kind}[{a.id}].soc_kwh"].iloc[last])
            frac = float(np.clip(soc / a.energy_kwh, 0.0, 1.0))
            if a.kind == "battery":
                frac = float(np.clip(frac, a.soc_min_fraction, a.soc_max_fraction))
            upd["soc_initial_fraction"] = frac
            if a.soc_final_fraction is None:
                upd["soc_final_fraction"] = park_soc_final(a)
            state[f"{a.id}.soc_kwh"] = soc
        elif getattr(a, "commitment", None) is not None:
            on = np.round(d[f"{a.kind}[{a.id}].on"].to_numpy()[: last + 1])
            out_col = f"{a.kind}[{a.id}].{'electricity_kw' if a.kind == 'chp' else 'heat_kw'}"
            c = a.commitment
            hours = float(_run_length(on, c.initial_state_h / dt if bool(on[-1]) == c.initially_on else 0) * dt)
            upd["commitment"] = c.model_copy(
                update={
                    "initially_on": bool(on[-1]),
                    "initial_state_h": hours,
                    "initial_output_kw": float(d[out_col].iloc[last]),
                }
            )
            state[f"{a.id}.on"] = bool(on[-1])
            state[f"{a.id}.state_h"] = hours
        elif a.kind == "production_line":
            inv = float(d[f"production_line[{a.id}].inventory_units"].iloc[last])
            on = np.round(d[f"production_line[{a.id}].on"].to_numpy()[: last + 1])
            prior = a.initial_state_h / dt if bool(on[-1]) == a.initially_on else 0
            upd.update(
                {
                    "inventory_initial_units": float(np.clip(inv, a.inventory_min_units, a.inventory_max_units)),
                    "initially_on": bool(on[-1]),
                    "initial_state_h": float(_run_length(on, prior) * dt),
                }
            )
            state[f"{a.id}.inventory_units"] = inv
        elif a.kind == "batch_job":
            starts = np.flatnonzero(np.round(d[f"batch_job[{a.id}].start"].to_numpy()[: last + 1]) == 1)
            run_steps = len(a.profile_kw) * round(1 / dt)
            running = None
            if a.running_since_h is not None and a.running_since_h / dt + n_keep < run_steps:
                running = a.running_since_h + n_keep * dt
            if len(starts) and starts[-1] + run_steps > n_keep:
                running = (n_keep - starts[-1]) * dt
            upd["running_since_h"] = running
            state[f"{a.id}.running_since_h"] = running
        assets.append(a.model_copy(update=upd) if upd else a)
    return park.model_copy(update={"assets": assets}), state


def park_soc_final(a) -> float:
    """End-of-horizon state asked of every window: the file's own initial state (the park's 'normal' level)."""
    return a.soc_initial_fraction


def _run_length(on: np.ndarray, prior_steps: float) -> float:
    """Steps the last state of ``on`` has lasted (plus ``prior_steps`` when it never changed)."""
    last = on[-1]
    change = np.flatnonzero(on != last)
    if not len(change):
        return len(on) + prior_steps
    return len(on) - (change[-1] + 1)
