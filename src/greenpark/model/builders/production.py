"""Production (MILP): shiftable batch jobs and continuous lines with a product buffer."""

from __future__ import annotations

import numpy as np

from greenpark.model import calendar
from greenpark.model.builders.commitment import UnitSpec, commit
from greenpark.model.context import ELASTIC_PENALTY_CNY, BuildContext
from greenpark.spec import BatchJob, ProductionLine

REFERENCE_ORDER_CNY_PER_STEP = 1.0e4
"""Business as usual: the cost of starting a batch run one step later (dwarfs any energy saving)."""


def _profile_steps(profile_h: list[float], step_h: float) -> np.ndarray:
    """An hourly profile at the model step (each hour repeated over its quarter-hours)."""
    per = round(1.0 / step_h)
    return np.repeat(np.asarray(profile_h, dtype=float), per) if per > 1 else np.asarray(profile_h, dtype=float)


def job_windows(job: BatchJob, ctx: BuildContext) -> list[tuple[int, int]]:
    return calendar.windows(ctx.inputs.index, job.earliest_start, job.latest_end)


def build_batch_jobs(assets: list[BatchJob], ctx: BuildContext) -> None:
    """Shiftable batch jobs.

    Column ``batch_job[j].start[s] ∈ {0, 1}``: a run of job ``j`` starts at step
    ``s``; allowed only where the whole run fits inside one of its windows.

    * ``runs``: ``Σ_{s∈W} start[s] (+ skipped[W]) = runs_per_window`` for every window W
      (``skipped`` only for jobs that are not required; cost ``skip_penalty`` each)
    * ``power_definition``: ``power_kw[t] = Σ_k p[k]·start[t−k]`` (+ the rest of a run
      already going at the start); likewise ``heat_kw`` with the heat profile
    * ``line_capacity``: for each tenant line, ``Σ_jobs Σ_{k<L_j} start_j[t−k] ≤ 1``
      (a job without a line is its own line: its runs never overlap)
    * ``precedence``: run ``r`` of a job with ``after: i`` starts after run ``r`` of ``i``
      ends, window by window: ``Σ s·start_j[s] − Σ (s + L_i)·start_i[s] ≥ 0``
    """
    lp, n_t, dt = ctx.lp, ctx.n_t, ctx.step_h
    keys = [a.id for a in assets]
    owners = [a.owner for a in assets]
    profiles = [_profile_steps(a.profile_kw, dt) for a in assets]
    wins = [job_windows(a, ctx) for a in assets]
    allowed = np.zeros((len(assets), n_t))
    for j, (prof, ws) in enumerate(zip(profiles, wins, strict=True)):
        for s0, s1 in ws:
            last = s1 - len(prof)
            if last >= s0:
                allowed[j, s0 : last + 1] = 1.0
    why = [f"batch job {k!r}: start times (a run starts at one step)" for k in keys]
    start = lp.add_var("batch_job", "start", keys, 0.0, allowed, integer=True, why=why)
    if ctx.reference_operation:
        # business as usual: every run as early as its window and line allow (a lexicographic nudge)
        lp.add_cost("reference_order", start, REFERENCE_ORDER_CNY_PER_STEP * np.arange(n_t)[None, :])

    # runs per window
    win_rows = [(j, w) for j, ws in enumerate(wins) for w in range(len(ws))]
    if win_rows:
        labels = [f"{keys[j]}#{w}" for j, w in win_rows]
        runs = np.array([[float(assets[j].runs_per_window)] for j, _ in win_rows])
        rows = lp.add_rows("batch_job", "runs", labels, runs, runs, n_t=1)
        for r, (j, w) in enumerate(win_rows):
            s0, s1 = wins[j][w]
            cols = start.offset + j * n_t + np.arange(s0, s1)
            lp.add_entries(np.full(len(cols), rows.offset + r), cols, 1.0)
        optional = [r for r, (j, _) in enumerate(win_rows) if not assets[j].required]
        if optional:
            skipped = lp.add_var(
                "batch_job",
                "skipped",
                [labels[r] for r in optional],
                0.0,
                np.array([[runs[r, 0]] for r in optional]),
                n_t=1,
                integer=True,
                why=sorted({f"batch job {keys[win_rows[r][0]]!r}: runs that may be skipped" for r in optional}),
            )
            lp.add_entries(rows.offset + np.array(optional), skipped.offset + np.arange(len(optional)), 1.0)
            penalty = np.array([[assets[win_rows[r][0]].skip_penalty_cny] for r in optional])
            lp.add_cost("production_penalty", skipped, penalty)
        required = [r for r, (j, _) in enumerate(win_rows) if assets[j].required]
        if ctx.elastic and required:
            _missed_runs(ctx, rows, required, win_rows, wins, assets, labels)

    # power drawn: electric and heat
    for carrier, name, attr in (("electricity", "power_kw", "profile_kw"), ("heat", "heat_kw", "heat_profile_kw")):
        sel = [j for j, a in enumerate(assets) if getattr(a, attr) is not None]
        if not sel:
            continue
        profs = [_profile_steps(getattr(assets[j], attr), dt) for j in sel]
        fixed = np.zeros((len(sel), n_t))
        for i, j in enumerate(sel):
            a = assets[j]
            if a.running_since_h is not None:
                done = round(a.running_since_h / dt)
                rest = profs[i][done:][:n_t]
                fixed[i, : len(rest)] = rest
        power = lp.add_var("batch_job", name, [keys[j] for j in sel], 0.0, np.inf, unit="kW")
        rows = lp.add_rows("batch_job", f"{name.removesuffix('_kw')}_definition", power.keys, fixed, fixed, unit="kW")
        lp.add_terms(rows, power, 1.0)
        for i, j in enumerate(sel):
            for k, p in enumerate(profs[i]):
                if p:
                    lp.add_terms(rows, start, -p, var_keys=[j], shift=-k, row_keys=[i])
        ctx.connect(carrier, power, [owners[j] for j in sel], -1.0)

    # line capacity (also keeps runs of one job apart)
    lines: dict[tuple[str, str], list[int]] = {}
    for j, a in enumerate(assets):
        lines.setdefault((a.owner, a.line or f"job:{a.id}"), []).append(j)
    line_keys = [f"{owner}/{line}" for owner, line in lines]
    busy = np.zeros((len(lines), n_t))
    for r, members in enumerate(lines.values()):
        for j in members:
            a = assets[j]
            if a.running_since_h is not None:
                remaining = len(profiles[j]) - round(a.running_since_h / dt)
                busy[r, :remaining] += 1.0
    rows = lp.add_rows("batch_job", "line_capacity", line_keys, -np.inf, 1.0 - busy)
    for r, members in enumerate(lines.values()):
        for j in members:
            for k in range(len(profiles[j])):
                lp.add_terms(rows, start, 1.0, var_keys=[j], shift=-k, row_keys=[r])

    # precedence between jobs of one tenant, window by window
    ids = {(a.owner, a.id): j for j, a in enumerate(assets)}
    prec = [(j, ids[(a.owner, a.after)]) for j, a in enumerate(assets) if a.after is not None]
    pairs = [(j, i, w) for j, i in prec for w in range(min(len(wins[j]), len(wins[i])))]
    if pairs:
        rows = lp.add_rows("batch_job", "precedence", [f"{keys[j]}#{w}" for j, _, w in pairs], 0.0, np.inf, n_t=1)
        for r, (j, i, w) in enumerate(pairs):
            for job, sign, extra in ((j, 1.0, 0), (i, -1.0, len(profiles[i]))):
                s0, s1 = wins[job][w]
                steps = np.arange(s0, s1)
                lp.add_entries(
                    np.full(len(steps), rows.offset + r), start.offset + job * n_t + steps, sign * (steps + extra)
                )


def _missed_runs(ctx, rows, required, win_rows, wins, assets, labels) -> None:
    """Elastic build: ``missed[W] ≥ 0`` runs of a required job that could not be placed in window W."""
    lp, index = ctx.lp, ctx.inputs.index
    missed = lp.add_var("batch_job", "missed", [labels[r] for r in required], 0.0, np.inf, n_t=1)
    lp.add_entries(rows.offset + np.array(required), missed.offset + np.arange(len(required)), 1.0)
    step = index[1] - index[0] if len(index) > 1 else None

    def describe(values: np.ndarray) -> list[dict]:
        out = []
        for r, v in zip(required, values[:, 0], strict=True):
            if v > 1e-6:
                j, w = win_rows[r]
                s0, s1 = wins[j][w]
                window = f"{index[s0]:%Y-%m-%d %H:%M}–{index[0] + s1 * step:%H:%M}"
                a = assets[j]
                out.append(
                    {
                        "requirement": "batch run",
                        "asset": a.id,
                        "tenant": a.owner,
                        "amount": float(round(v)),
                        "unit": "runs",
                        "hours": window,
                        "message": f"{a.owner}: {round(v)} run(s) of job {a.id!r} could not be scheduled in its "
                        f"window {window}",
                    }
                )
        return out

    ctx.add_slack("batch run", missed, ELASTIC_PENALTY_CNY["run"], describe)


def build_production_lines(assets: list[ProductionLine], ctx: BuildContext) -> None:
    """Continuous lines with a product buffer (MILP through their on/off state).

    * ``power_kw[t] ∈ [P_min·on[t], P_max·on[t]]``, ``on`` only inside the shift calendar,
      minimum run time and maximum starts (see :func:`~greenpark.model.builders.commitment.commit`)
    * ``inventory_balance``: ``inventory[t] = inventory[t−1] + power_kw[t]·Δt/e − delivery[t]``
      (``e`` = specific energy [kWh/unit]; ``inventory[−1]`` = initial; a delivery at
      time τ leaves in the step that ends at or after τ)
    * ``inventory[t] ∈ [min, max]``; ``inventory[T−1] ≥ final_min`` when given
    """
    lp, n_t, dt = ctx.lp, ctx.n_t, ctx.step_h
    keys = [a.id for a in assets]
    power = lp.add_var("production_line", "power_kw", keys, 0.0, ctx.column(assets, "max_power_kw"), unit="kW")
    ctx.connect("electricity", power, [a.owner for a in assets], -1.0)
    units = [
        UnitSpec(
            key=a.id,
            max_out=a.max_power_kw,
            min_out=a.min_power_kw,
            min_up_h=a.min_run_h,
            max_starts=a.max_starts,
            initially_on=a.initially_on,
            initial_state_h=a.initial_state_h,
            allowed=calendar.shift_mask(ctx.inputs.index, a.shifts),
        )
        for a in assets
    ]
    commit(ctx, "production_line", power, units)

    deliveries = line_deliveries(assets, ctx.inputs.index)
    lower = np.repeat(ctx.column(assets, "inventory_min_units"), n_t, axis=1)
    final = np.array([[a.inventory_final_min_units or 0.0] for a in assets])
    lower[:, -1:] = np.maximum(lower[:, -1:], final)
    inv = lp.add_var("production_line", "inventory_units", keys, lower, ctx.column(assets, "inventory_max_units"))
    rhs = -deliveries
    rhs[:, :1] += ctx.column(assets, "inventory_initial_units")
    rows = lp.add_rows("production_line", "inventory_balance", keys, rhs, rhs, unit="units")
    lp.add_terms(rows, inv, 1.0)
    lp.add_terms(rows, inv, -1.0, shift=-1)
    lp.add_terms(rows, power, -dt / ctx.column(assets, "specific_energy_kwh_per_unit"))
    if ctx.elastic:
        _shortfall(ctx, rows, assets)
    _intensity_caps(ctx, power, assets)


def _intensity_caps(ctx: BuildContext, power, assets: list[ProductionLine]) -> None:
    """Row ``intensity_cap``: ``Σ_t power[t]·Δt·f_grid(t) ≤ c_max·Σ_t power[t]·Δt/e`` (kgCO2 per unit made).

    The line's electricity counts at the location-based grid factor.
    """
    capped = [i for i, a in enumerate(assets) if a.co2_kg_per_unit_max is not None]
    if not capped or ctx.grid_co2_kg_per_kwh is None:
        return
    dt = ctx.step_h
    rows = ctx.lp.add_rows("production_line", "intensity_cap", [assets[i].id for i in capped], -np.inf, 0.0, n_t=1)
    coef = np.zeros(power.shape)
    for i in capped:
        a = assets[i]
        coef[i] = dt * (ctx.grid_co2_kg_per_kwh - a.co2_kg_per_unit_max / a.specific_energy_kwh_per_unit)
    row_of = np.zeros(len(assets), dtype=np.int64)
    row_of[capped] = np.arange(len(capped))
    ctx.lp.add_sum_terms(rows, row_of, power, coef)
    if ctx.elastic:
        keys = [assets[i].id for i in capped]
        over = ctx.lp.add_var("production_line", "intensity_excess_kg", keys, 0.0, np.inf, n_t=1, unit="kg")
        ctx.lp.add_terms(rows, over, -1.0)

        def describe(values: np.ndarray) -> list[dict]:
            return [
                {"requirement": "line emission intensity cap", "asset": k, "amount": float(v), "unit": "kgCO2",
                 "message": f"line {k!r}: its co2_kg_per_unit_max cannot be met with the grid's carbon intensity "
                 f"in the hours it must run ({float(v):,.1f} kg over)"}
                for k, v in zip(keys, values[:, 0], strict=True)
                if v > 1e-3
            ]  # fmt: skip

        ctx.add_slack("line emission intensity cap", over, ELASTIC_PENALTY_CNY["intensity_kg"], describe)


def _shortfall(ctx: BuildContext, rows, assets: list[ProductionLine]) -> None:
    """Elastic build: ``shortfall_units[t] ≥ 0`` product that had to appear from nowhere to meet deliveries."""
    lp = ctx.lp
    var = lp.add_var("production_line", "shortfall_units", [a.id for a in assets], 0.0, np.inf)
    lp.add_terms(rows, var, -1.0)
    energy = ctx.column(assets, "specific_energy_kwh_per_unit")

    def describe(values: np.ndarray) -> list[dict]:
        out = []
        for a, v in zip(assets, values, strict=True):
            units = float(v.sum())
            if units > 1e-6:
                first = ctx.inputs.index[int(np.argmax(v > 1e-6))]
                out.append(
                    {
                        "requirement": "delivery",
                        "asset": a.id,
                        "tenant": a.owner,
                        "amount": units,
                        "unit": "units",
                        "hours": ctx.hours(v > 1e-6),
                        "message": f"{a.owner}: line {a.id!r} falls {units:,.1f} units short of its deliveries and "
                        f"inventory limits from {first:%Y-%m-%d %H:%M}",
                    }
                )
        return out

    ctx.add_slack("delivery", var, ELASTIC_PENALTY_CNY["unit_kwh"] * energy, describe)


def line_deliveries(assets: list[ProductionLine], index) -> np.ndarray:
    """Units delivered in each step, shape ``(len(assets), T)``."""
    out = np.zeros((len(assets), len(index)))
    for i, a in enumerate(assets):
        for d in a.deliveries:
            for t in calendar.event_steps(index, d.at):
                out[i, t] += d.units
    return out
