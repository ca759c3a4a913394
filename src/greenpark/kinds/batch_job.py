"""Shiftable batch jobs (MILP): runs with a power profile, inside windows, on lines, in order."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from greenpark.errors import Problem
from greenpark.fields import PARK_OWNER, TimeOfDayOrDateTime
from greenpark.kinds.base import AssetSpec, CarryView, Kind
from greenpark.model import calendar
from greenpark.model.context import ELASTIC_PENALTY_CNY, BuildContext


class BatchJob(AssetSpec):
    """A shiftable batch: once started it draws ``profile_kw`` step after step.

    Windows: ``earliest_start``/``latest_end`` as ``HH:MM`` give one window per
    day of the horizon (a window may cross midnight); as ISO date-times they
    give one window. Only windows lying wholly inside the horizon ask for runs.
    """

    kind: Literal["batch_job"]
    profile_kw: list[float] = Field(min_length=1, description="Electric power in each hour of a run [kW].")
    heat_profile_kw: list[float] | None = Field(None, description="Heat drawn in each hour of a run [kW].")
    earliest_start: TimeOfDayOrDateTime = Field(description="Window opens (HH:MM daily, or ISO date-time).")
    latest_end: TimeOfDayOrDateTime = Field(description="Window closes: every run ends by then.")
    runs_per_window: int = Field(1, ge=1, description="Runs in each window.")
    line: str | None = Field(None, description="Line (per tenant) the job occupies: no two runs on one line overlap.")
    after: str | None = Field(None, description="Job id of the same tenant that must end before each run starts.")
    required: bool = Field(True, description="Every run must happen; otherwise a run may be skipped.")
    skip_penalty_cny: float = Field(0.0, ge=0, description="Cost of each skipped run when not required [CNY].")
    running_since_h: float | None = Field(
        None, ge=0, description="A run started this many hours before the horizon and is still going."
    )

    @model_validator(mode="after")
    def _profile(self) -> BatchJob:
        if any(p < 0 for p in self.profile_kw):
            raise ValueError("profile_kw must not be negative")
        if self.heat_profile_kw is not None and len(self.heat_profile_kw) != len(self.profile_kw):
            raise ValueError("heat_profile_kw must have as many hours as profile_kw")
        if self.running_since_h is not None and self.running_since_h >= len(self.profile_kw):
            raise ValueError("running_since_h must be shorter than the run (profile_kw)")
        return self


REFERENCE_ORDER_CNY_PER_STEP = 1.0e4
"""Business as usual: the cost of starting a batch run one step later (dwarfs any energy saving)."""


def _profile_steps(profile_h: list[float], step_h: float) -> np.ndarray:
    """An hourly profile at the model step (each hour repeated over its quarter-hours)."""
    per = round(1.0 / step_h)
    return np.repeat(np.asarray(profile_h, dtype=float), per) if per > 1 else np.asarray(profile_h, dtype=float)


def job_windows(job: BatchJob, ctx: BuildContext) -> list[tuple[int, int]]:
    return calendar.windows(ctx.inputs.index, job.earliest_start, job.latest_end)


def build(assets: list[BatchJob], ctx: BuildContext) -> None:
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
            cols = start.index()[j, s0:s1]
            lp.add_entries(np.full(len(cols), rows.at(r)), cols, 1.0)
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
            lp.add_entries(rows.index()[optional, 0], skipped.index()[:, 0], 1.0)
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
                lp.add_entries(np.full(len(steps), rows.at(r)), start.index()[job, s0:s1], sign * (steps + extra))


def _missed_runs(ctx, rows, required, win_rows, wins, assets, labels) -> None:
    """Elastic build: ``missed[W] ≥ 0`` runs of a required job that could not be placed in window W."""
    lp, index = ctx.lp, ctx.inputs.index
    missed = lp.add_var("batch_job", "missed", [labels[r] for r in required], 0.0, np.inf, n_t=1)
    lp.add_entries(rows.index()[required, 0], missed.index()[:, 0], 1.0)
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


def _precedence_problems(items: list[tuple[int, dict]], raw: list[dict]) -> list[Problem]:
    """``after`` names a required single-run batch job of the same tenant."""
    jobs = {a.get("id"): a for a in raw}
    problems = []
    for i, a in items:
        if a.get("after") is None:
            continue
        other = jobs.get(a["after"])
        where = f"assets[{i}].after"
        if other is None:
            problems.append(Problem(where, f"no batch job {a['after']!r}"))
        elif other.get("owner", PARK_OWNER) != a.get("owner", PARK_OWNER):
            problems.append(Problem(where, f"job {a['after']!r} belongs to another tenant"))
        elif any(j.get("runs_per_window", 1) != 1 or j.get("required", True) is not True for j in (a, other)):
            problems.append(Problem(where, "precedence needs both jobs required with runs_per_window 1"))
    return problems


def _running_problems(items: list[tuple[int, dict]]) -> list[Problem]:
    """Runs already going at the start (``running_since_h``) must fit their line and precedence."""
    jobs = items
    going = {a.get("id") for _, a in jobs if a.get("running_since_h") is not None}
    running: dict[tuple[str, str], str] = {}
    problems = []
    for i, a in jobs:
        if a.get("id") not in going:
            continue
        where = f"assets[{i}].running_since_h"
        line = (a.get("owner", PARK_OWNER), a.get("line") or f"#{a.get('id')}")
        if line in running:
            other = running[line]
            msg = f"job {a['id']!r} and job {other!r} are both running at the start on line {line[1]!r}"
            problems.append(Problem(where, msg + "; a line runs one job at a time"))
        running[line] = a["id"]
        if a.get("after") in going:
            msg = f"job {a['id']!r} is running at the start while {a['after']!r}, which must end before it starts"
            problems.append(Problem(where, msg + ", is running too"))
    return problems


def check_document(items: list[tuple[int, dict]], doc: dict) -> list[Problem]:
    """Precedence between jobs of one tenant, and runs already going at the start."""
    raw = [a for _, a in items]
    return _precedence_problems(items, raw) + _running_problems(items)


def check_horizon(where: str, a: BatchJob, inputs) -> list[Problem]:
    """Every window of the horizon is long enough for its runs."""
    index, dt = inputs.index, inputs.step_h
    step = pd.Timedelta(hours=dt)
    run_steps = len(a.profile_kw) * round(1 / dt) if dt < 1 else len(a.profile_kw)
    problems = []
    for s0, s1 in calendar.windows(index, a.earliest_start, a.latest_end):
        if s1 - s0 < run_steps * a.runs_per_window:
            problems.append(
                Problem(
                    where,
                    f"job {a.id!r}: window {index[s0]:%Y-%m-%d %H:%M}–{index[0] + s1 * step:%Y-%m-%d %H:%M} is "
                    f"{(s1 - s0) * dt:g} h, shorter than {a.runs_per_window} run(s) of {len(a.profile_kw)} h",
                )
            )
    return problems


def carry(a: BatchJob, view: CarryView) -> tuple[dict, dict]:
    """A run still going after the kept steps continues in the next window (``running_since_h``)."""
    dt, n_keep = view.schedule.step_h, view.n_keep
    starts = np.flatnonzero(np.round(view.kept("batch_job", "start", a.id)) == 1)
    run_steps = len(a.profile_kw) * round(1 / dt)
    running = None
    if a.running_since_h is not None and a.running_since_h / dt + n_keep < run_steps:
        running = a.running_since_h + n_keep * dt
    if len(starts) and starts[-1] + run_steps > n_keep:
        running = (n_keep - starts[-1]) * dt
    return {"running_since_h": running}, {f"{a.id}.running_since_h": running}


KIND = Kind(spec=BatchJob, build=build, roles={"load"}, labels={"en": "Batch job", "zh": "批次生产"}, colour="#8e44ad",
            check_document=check_document, check_horizon=check_horizon, carry=carry)  # fmt: skip
