"""Cost–carbon frontier by the ε-constraint method on one built model.

The model is built once with a park carbon cap row; HiGHS keeps the model
(and its basis) between points and only the cap's bound — or, for the
least-emission end, the objective — changes (:class:`~greenpark.solve.HighsSession`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from greenpark.errors import ParkValidationError, Problem
from greenpark.pipeline import build, prepare, read
from greenpark.results import Schedule
from greenpark.solve import HighsSession, SolveOptions, finish
from greenpark.spec import Park, load_park

FRONTIER_COLUMNS = [
    "point",
    "cap_t",
    "cost_cny",
    "co2_t",
    "co2_counted_t",
    "renewable_share",
    "marginal_abatement_cost_cny_per_t",
    "status",
]


@dataclass
class Frontier:
    """The cost–carbon trade-off of a park over one horizon.

    ``table`` has one row per point, from the least-emission schedule
    (point 0) to the least-cost schedule (last point): the cap, the cost, the
    emissions, the renewable share and the marginal abatement cost (the cap's
    dual, CNY/t) at that point. ``schedules`` holds the schedule of each point.
    """

    table: pd.DataFrame
    schedules: list[Schedule] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)

    def to_folder(self, folder: str | Path, fmt: str = "csv") -> Path:
        """``frontier.csv`` plus one schedule folder per point (``point-00`` …)."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        self.table.to_csv(out / "frontier.csv", index=False)
        for i, s in enumerate(self.schedules):
            s.to_folder(out / f"point-{i:02d}", fmt=fmt)
        return out


def pareto(
    park: Park | str | Path,
    start: pd.Timestamp | str | None = None,
    horizon: pd.Timedelta | str = "48h",
    *,
    points: int = 10,
    options: SolveOptions | None = None,
    extend: Callable[[Any], object] | None = None,
) -> Frontier:
    """Sweep the park carbon cap from the least-emission to the least-cost schedule.

    1. least cost: the cap is lifted (``cap = ∞``) → ``E_max``;
    2. least emissions: the objective becomes ``total_t`` → ``E_min``; then the
       cost objective comes back with ``cap = E_min`` (the cheapest of the
       cleanest schedules);
    3. ``points − 2`` caps evenly between ``E_min`` and ``E_max``.

    The file's own ``carbon.cap_t`` is replaced by the sweep; other policies
    (prices, tiers, tenant caps, renewable share) stay.
    """
    if points < 2:
        raise ParkValidationError([Problem("points", "must be >= 2")])
    t0 = time.perf_counter()
    if not isinstance(park, Park):
        park = load_park(park)
    park = park.model_copy(update={"carbon": park.carbon.model_copy(update={"cap_t": 1e12})})
    inputs = prepare(park, start, horizon)
    model = build(inputs, extend=extend)
    form = model.form
    options = options or SolveOptions()
    cap_row = form.row_group("carbon", "cap").at()
    total_col = form.var_group("carbon", "total_t").at()
    session = HighsSession(form, options)
    build_s = time.perf_counter() - t0
    rows: list[dict] = []
    last_x: list[np.ndarray | None] = [None]  # the previous point: a MIP start, feasible for a looser cap

    def solve_at(cap: float, label: int) -> Schedule:
        session.set_row_bounds(cap_row, -np.inf, cap)
        point = replace(model, form=form.with_row_upper(cap_row, cap))  # this point's model; the shared one unchanged
        result = finish(point.form, options, session.run(last_x[0]))
        if result.x is not None:
            last_x[0] = result.x
        sched = read(point, result)
        rows.append(_row(label, cap, sched, result, cap_row))
        return sched

    try:
        cheapest = solve_at(np.inf, points - 1)
        if not cheapest.ok:
            return Frontier(pd.DataFrame(rows, columns=FRONTIER_COLUMNS), [cheapest])
        e_max = float(cheapest.solution.x[total_col])
        # least emissions
        emissions_only = np.zeros(form.n_cols)
        emissions_only[total_col] = 1.0
        session.set_costs(emissions_only)
        session.set_row_bounds(cap_row, -np.inf, np.inf)
        cleanest = session.run(last_x[0])
        session.set_costs(form.col_cost, form.objective_constant)
        e_min = float(cleanest.x[total_col]) if cleanest.ok else e_max
        slack = 1e-7 * max(1.0, abs(e_min))
        caps = np.linspace(e_min + slack, e_max, points)[:-1]
        inner = [solve_at(float(c), i) for i, c in enumerate(caps)]
        if form.is_mip:
            # a MILP's least-cost point, solved first without a start, may be beaten within its gap by a capped
            # point: solve it again from the loosest capped schedule and keep the better
            first_try = rows.pop(0)
            again = solve_at(np.inf, points - 1)
            if again.ok and again.objective_cny <= cheapest.objective_cny:
                cheapest = again
            else:
                rows[-1] = first_try
    finally:
        session.close()
    schedules = [*inner, cheapest]
    rows = sorted(rows, key=lambda r: r["point"])
    table = pd.DataFrame(rows, columns=FRONTIER_COLUMNS)
    return Frontier(table, schedules, {"build_s": build_s, "total_s": time.perf_counter() - t0})


def _row(point: int, cap: float, sched: Schedule, result, cap_row: int) -> dict:
    mac = float(-result.row_dual[cap_row]) if result.row_dual is not None else np.nan
    return {
        "point": point,
        "cap_t": cap if np.isfinite(cap) else np.nan,
        "cost_cny": sched.objective_cny,
        "co2_t": float(sched.emissions_t["total_t"].sum()) if sched.ok else np.nan,
        "co2_counted_t": float(sched.emissions_t["counted_t"].sum()) if sched.ok else np.nan,
        "renewable_share": sched.kpis.get("renewable_share", np.nan),
        "marginal_abatement_cost_cny_per_t": max(mac, 0.0) if np.isfinite(mac) else np.nan,
        "status": sched.status.value,
    }
