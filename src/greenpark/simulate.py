"""Rolling-horizon simulation: solve day after day, keep the first window, carry the state on.

Each step solves ``[t, t + horizon)``, keeps ``[t, t + window)`` as what
happened, and starts the next solve from the state at ``t + window``. Each
asset kind says what it carries (:attr:`greenpark.kinds.Kind.carry`); the
built-in kinds carry

* storage levels (battery and thermal store ``soc_initial_fraction``; every
  window ends at least at the park file's initial state);
* committed units: on or off, for how long, and their output (for ramps);
* batch runs still going (``running_since_h``);
* production inventories, and whether a line is on and for how long;
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    extend: Callable[[Any], object] | None = None,
    progress=None,
) -> Simulation:
    """Simulate operation from ``start`` to ``end`` by rolling solves (see the module docstring).

    ``extend(m)`` (see :func:`greenpark.pipeline.solve`) runs on the model of every window.
    """
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
    current = park
    t = t0
    clock = time.perf_counter()
    weights = _emission_weights(park, t0, t_end) if carbon_budget_t is not None else None
    while t < t_end:
        keep = min(window_td, t_end - t)
        solve_h = horizon_td
        if carbon_budget_t is not None:
            solve_h = max(keep, min(horizon_td, t_end - t))  # the budget covers the period: look no further
        cap = None
        if remaining_budget is not None:
            ahead = float(weights[t : t + solve_h - step].sum())
            rest = float(weights[t : t_end - step].sum())
            cap = max(0.0, min(remaining_budget, remaining_budget * ahead / rest if rest > 0 else remaining_budget))
        s = solve_park(
            current, start=t, horizon=solve_h, options=options, carbon_cap_t=cap, build_pyomo=False, extend=extend
        )
        if not s.ok:
            rows.append({"start": t.isoformat(), "status": s.status.value, "message": s.message, "cap_t": cap})
            raise SimulationError(f"window from {t:%Y-%m-%d %H:%M}: {s.status.value}: {s.message}", rows)
        n_keep = int(keep / step)
        kept = s.dispatch.iloc[:n_keep]
        kept_frames.append(kept)
        cost, co2 = _kept_cost_and_co2(s, n_keep)
        if remaining_budget is not None:
            remaining_budget -= co2
        current, state = carry_state(current, s, n_keep, t, t + keep)
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
    """Per step: what the fixed demands would emit if bought from the grid (kg), the budget's allocation key.

    Electricity at the grid's factor, heat at ``carbon.heat_co2_kg_per_kwh``
    (each kind names its fixed demand: :attr:`greenpark.kinds.Kind.demand`).
    """
    from greenpark import kinds
    from greenpark.inputs import resolve_inputs

    inputs = resolve_inputs(park, start, end - start)
    grids = [a for a in park.assets if kinds.has_role(a, "grid")]
    factor = {
        "electricity": inputs.get(grids[0].id, "co2_kg_per_kwh") if grids else np.zeros(inputs.n_steps),
        "heat": park.carbon.heat_co2_kg_per_kwh,
        "cooling": park.carbon.cooling_co2_kg_per_kwh or 0.0,
    }
    w = np.zeros(inputs.n_steps)
    for a in park.assets:
        demand = kinds.of(a).demand
        if demand is not None:
            carrier, name = demand
            w += inputs.get(a.id, name) * factor[carrier]
    return pd.Series(np.maximum(w, 1e-9), index=inputs.index)


def _local(ts: pd.Timestamp | str, tz: str) -> pd.Timestamp:
    ts = pd.Timestamp(ts)
    return ts.tz_localize(tz) if ts.tzinfo is None else ts.tz_convert(tz)


def _kept_cost_and_co2(s: Schedule, n_keep: int) -> tuple[float, float]:
    """Cost and emissions of the kept steps (costs by step: :meth:`Schedule.costs_by_step`)."""
    cost = float(s.costs_by_step().iloc[:n_keep].to_numpy().sum())
    return cost, float(s.prices["co2_kg"].iloc[:n_keep].sum()) / 1000.0


def carry_state(
    park: Park, s: Schedule, n_keep: int, window_start: pd.Timestamp, next_start: pd.Timestamp
) -> tuple[Park, dict]:
    """The park with its initial state set to the state after ``n_keep`` steps of ``s`` (each kind's ``carry``)."""
    from greenpark import kinds

    view = kinds.CarryView(s, n_keep, window_start, next_start)
    state: dict[str, object] = {}
    assets = []
    for a in park.assets:
        carry = kinds.of(a).carry
        update, st = carry(a, view) if carry is not None else ({}, {})
        state.update(st)
        assets.append(a.model_copy(update=update) if update else a)
    return park.model_copy(update={"assets": assets}), state
