"""The one pipeline every front calls, in public stages: park → inputs → model → HiGHS → schedule.

:func:`prepare` (validate, resolve the inputs, check the horizon) → :func:`build`
(the model, with a user's Pyomo extension) → :func:`run` (HiGHS) → :func:`read`
(the :class:`~greenpark.results.Schedule`), then the optional
:func:`business_as_usual` comparison and :func:`explain_infeasibility`.
:func:`solve` runs them in order; ``pareto``, ``simulate``, ``settle``, the batch
runner and the service call these stages and repeat none.
"""

from __future__ import annotations

import copy
import gc
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from greenpark import __version__, kinds
from greenpark.errors import ParkValidationError, Problem
from greenpark.inputs import Inputs, resolve_inputs
from greenpark.inputs.checks import check_horizon_requirements
from greenpark.model.core import BuiltModel, build_model
from greenpark.results import Schedule, make_schedule
from greenpark.solve import HighsSession, SolveOptions, SolveResult, Status
from greenpark.solve import solve as solve_form
from greenpark.spec import Park, load_park


def next_midnight(tz: str, now: pd.Timestamp | None = None) -> pd.Timestamp:
    """The next local midnight in ``tz`` (the default start of a run)."""
    now = pd.Timestamp.now(tz=tz) if now is None else now.tz_convert(tz)
    return (now + pd.Timedelta(days=1)).normalize()


def parse_horizon(value: str | pd.Timedelta) -> pd.Timedelta:
    """``'24h'``, ``'48h'``, ``'7d'``, ``'90min'`` → Timedelta."""
    try:
        td = pd.Timedelta(value)
    except (ValueError, TypeError):
        raise ParkValidationError([Problem("horizon", f"{value!r} is not a duration such as 24h, 48h or 7d")]) from None
    if td <= pd.Timedelta(0):
        raise ParkValidationError([Problem("horizon", "must be > 0")])
    return td


def prepare(
    park: Park | str | Path, start: pd.Timestamp | str | None = None, horizon: pd.Timedelta | str = "48h"
) -> Inputs:
    """Every check :func:`solve` makes before it builds a model; the resolved inputs.

    Validates the park (when given a path), the start and the horizon, resolves
    every series on ``[start, start + horizon)`` (datasets, inline lists, PV from
    the weather with pvlib) and checks the production requirements no schedule
    could meet on that horizon. Needs no solver.

    Parameters
    ----------
    park : Park or path
        A validated park or the path of a park file.
    start : Timestamp or str, optional
        First step; naive times are park local time. Default: next local midnight.
    horizon : Timedelta or str
        Length of the run (``'48h'``, ``'7d'``).

    Raises
    ------
    ParkValidationError
        Listing every problem found: the park file's first, else the start's and
        horizon's, else every series problem together with every requirement
        the horizon cannot meet.
    """
    if not isinstance(park, Park):
        park = load_park(park)
    tz = park.park.timezone
    problems: list[Problem] = []
    try:
        start_ts = next_midnight(tz) if start is None else pd.Timestamp(start)
        if pd.isna(start_ts):
            raise ValueError("not a date-time")
        if start_ts.tzinfo is None:
            start_ts = start_ts.tz_localize(tz)  # a local time that does not exist or is ambiguous
    except (ValueError, TypeError) as exc:
        problems.append(Problem("start", f"{start!r} is not a local date-time in {tz}: {exc}"))
    try:
        horizon_td = parse_horizon(horizon)
    except ParkValidationError as exc:
        problems += exc.problems
    if problems:
        raise ParkValidationError(problems)
    inputs = resolve_inputs(park, start_ts, horizon_td, problems=problems)
    problems += check_horizon_requirements(inputs, with_series=not problems)
    if problems:
        raise ParkValidationError(problems)
    return inputs


def build(
    inputs: Inputs,
    *,
    extend: Callable[[Any], object] | None = None,
    elastic: bool = False,
    reference_operation: bool = False,
) -> BuiltModel:
    """Stage 2: the model of prepared inputs (:func:`greenpark.model.core.build_model`).

    ``extend(m)``, when given, receives the Pyomo ``ConcreteModel`` of the core and may
    add variables, constraints and objective terms (:mod:`greenpark.model.extend`); it
    is kept on the model so that every model built for the same call (the elastic model
    of an explanation, the business-as-usual model) runs it too.
    """
    gc_was_enabled = gc.isenabled()
    gc.disable()  # the build makes many small arrays and no cycles
    try:
        model = build_model(inputs, elastic=elastic, reference_operation=reference_operation)
    finally:
        if gc_was_enabled:
            gc.enable()
    if extend is not None:
        from greenpark.model.extend import extend_model

        model = extend_model(model, extend, elastic=elastic)
    model.extend = extend
    return model


def run(
    model: BuiltModel, options: SolveOptions | None = None, *, warm_start: Schedule | pd.DataFrame | None = None
) -> SolveResult:
    """Stage 3: HiGHS on the model's arrays (in memory); never raises for a solver outcome.

    ``warm_start``: a previous schedule (or its ``dispatch``) whose values of columns with
    the same name at the same timestamps are handed to HiGHS as a MIP start.
    """
    start_values = None
    if warm_start is not None:
        dispatch = warm_start.dispatch if isinstance(warm_start, Schedule) else warm_start
        start_values = warm_start_vector(model.form, model.inputs.index, dispatch)
    return solve_form(model.form, options, warm_start=start_values)


def read(model: BuiltModel, result: SolveResult, timings_s: dict[str, float] | None = None) -> Schedule:
    """Stage 4: the :class:`~greenpark.results.Schedule` of a solve: frames, KPIs, prices and the books."""
    schedule = make_schedule(model, result, timings_s)
    schedule.model = model
    return schedule


def solve(
    park: Park | str | Path,
    start: pd.Timestamp | str | None = None,
    horizon: pd.Timedelta | str = "48h",
    *,
    options: SolveOptions | None = None,
    carbon_cap_t: float | None = None,
    build_pyomo: bool = True,
    warm_start: Schedule | pd.DataFrame | None = None,
    compare_bau: bool = False,
    extend: Callable[[Any], object] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Schedule:
    """Schedule ``park`` optimally over ``[start, start + horizon)``.

    The stages, each public: :func:`prepare` → :func:`build` → :func:`run` →
    :func:`read`, then :func:`business_as_usual` when asked and
    :func:`explain_infeasibility` when the park is infeasible.

    Parameters
    ----------
    park, start, horizon
        As for :func:`prepare`.
    options : SolveOptions, optional
        HiGHS options (time limit, MIP gap, threads, presolve).
    carbon_cap_t : float, optional
        Overrides ``carbon.cap_t`` of the park file. [tCO2]
    build_pyomo : bool
        Offer the Pyomo ``ConcreteModel`` as ``schedule.pyomo_model``, built on its
        first read (the HiGHS hand-over does not need it, so a plain solve pays nothing).
    warm_start : Schedule or DataFrame, optional
        A previous schedule (or its ``dispatch`` frame): values of columns with
        the same name at the same timestamps are handed to HiGHS as a MIP start.
    compare_bau : bool
        Also solve the business-as-usual operation (:func:`business_as_usual`)
        and state the saving against it in ``schedule.bau``.
    extend : callable, optional
        ``extend(m)`` adds to the Pyomo model ``m`` (variables, constraints,
        objective terms); HiGHS solves them with the core. See the README's
        "Extending the model with Pyomo".

    Returns
    -------
    Schedule
        For every solver outcome; check ``schedule.status`` or call
        ``schedule.raise_for_status()``.

    Raises
    ------
    ParkValidationError
        Only for invalid input (park file, datasets, options, a non-linear extension).
    """
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if not isinstance(park, Park):
        park = load_park(park)
    if carbon_cap_t is not None:
        if carbon_cap_t < 0:
            raise ParkValidationError([Problem("carbon_cap_t", "must be >= 0")])
        park = park.model_copy(update={"carbon": park.carbon.model_copy(update={"cap_t": carbon_cap_t})})
    say("reading inputs and computing PV (pvlib)")
    inputs = prepare(park, start, horizon)
    timings["inputs_s"] = time.perf_counter() - t0

    say("building the model")
    t1 = time.perf_counter()
    model = build(inputs, extend=extend)
    timings["build_s"] = time.perf_counter() - t1
    if model.extension is not None:  # of build_s: the Pyomo model, the user's function, compiling what it added
        timings["extend_s"] = float(sum(model.extension.timings_s.values()))

    say(f"solving with HiGHS ({model.form.n_cols} columns, {model.form.n_rows} rows)")
    result = run(model, options, warm_start=warm_start)
    timings["handover_s"] = result.handover_s
    timings["highs_s"] = result.highs_run_time_s

    t3 = time.perf_counter()
    schedule = read(model, result, timings)
    timings["results_s"] = time.perf_counter() - t3
    if compare_bau and schedule.ok:
        say("solving the business-as-usual operation")
        t5 = time.perf_counter()
        schedule.bau = business_as_usual(inputs, schedule, options)
        timings["bau_s"] = time.perf_counter() - t5
    if result.status is Status.INFEASIBLE:
        say("infeasible: re-solving with elastic requirements to explain why")
        t4 = time.perf_counter()
        explain_infeasibility(schedule, inputs, options)
        timings["explain_s"] = time.perf_counter() - t4
    timings["total_s"] = time.perf_counter() - t0
    schedule.timings_s = timings
    schedule.meta.update(
        {
            "greenpark_version": __version__,
            "n_columns": model.form.n_cols,
            "n_rows": model.form.n_rows,
            "n_nonzeros": int(model.form.a.nnz),
        }
    )
    schedule.pyomo_available = build_pyomo  # the Pyomo view is built on first read of schedule.pyomo_model
    return schedule


def explain_infeasibility(schedule: Schedule, inputs, options: SolveOptions | None) -> None:
    """Fill ``schedule.explanation`` from an elastic re-solve (see ``build_model(elastic=True)``).

    Each finding says which requirement had to give, for which tenant, asset
    and hours, and by how much; a carbon cap finding carries the least
    achievable emissions with every load and requirement met.
    """
    iis = _iis(schedule, inputs, options)
    model = build(inputs, elastic=True, extend=schedule.model.extend if schedule.model is not None else None)
    result = solve_form(model.form, options)
    if not result.ok or result.x is None:
        nothing = "no relaxation of loads, runs, deliveries or caps makes the park feasible"
        schedule.explanation = [*iis, {"requirement": "model", "message": f"{nothing} ({result.message})"}]
        return
    findings: list[dict] = []
    for slack in model.slacks:
        g = slack.var
        findings += slack.describe(g.take(result.x))
    for f in findings:
        if f.get("requirement") == "carbon cap":
            f["sources"] = _emission_sources(model, result.x, inputs)
            if f["sources"]:
                top = "; ".join(f"{src['source']} {src['co2_t']:,.2f} t ({src['hours']})" for src in f["sources"][:3])
                f["message"] += f"; the largest sources that remain: {top}"
    schedule.explanation = findings + iis
    least = [f["least_achievable_co2_t"] for f in findings if f.get("requirement") == "carbon cap"]
    if least:
        schedule.meta["least_achievable_co2_t"] = least[0]
    if findings:
        schedule.message += ". " + "; ".join(f["message"] for f in findings[:5])
        if len(findings) > 5:
            schedule.message += f"; and {len(findings) - 5} more"


def warm_start_vector(form, index: pd.DatetimeIndex, dispatch: pd.DataFrame) -> np.ndarray:
    """Column values taken from a previous ``dispatch`` frame by column name and timestamp (NaN where unknown)."""
    values = np.full(form.n_cols, np.nan)
    if dispatch is None or dispatch.empty:
        return values
    prev = dispatch.reindex(index)
    for g in form.var_groups:
        for k, key in enumerate(g.keys):
            label = f"{g.block}[{key}].{g.name}"
            if label not in prev.columns:
                continue
            col = prev[label].to_numpy(dtype=float)
            values[g.index()[k]] = col[: g.n_t] if g.n_t > 1 else col[:1]
    return values


def _iis(schedule: Schedule, inputs, options: SolveOptions | None) -> list[dict]:
    """HiGHS's irreducible infeasible subset of an LP, in model names with timestamps (empty for a MILP)."""
    model = schedule.model
    if model is None or model.form.is_mip:
        return []
    session = HighsSession(model.form, SolveOptions(threads=(options or SolveOptions()).threads, presolve=False))
    try:
        session.run()
        found = session.irreducible_infeasible_subset()
    finally:
        session.close()
    if not found:
        return []
    rows, cols = found
    index = inputs.index
    row_names = [model.form.row_label(i, index) for i in rows]
    col_names = [model.form.col_label(j, index) for j in cols]
    shown = ", ".join(row_names[:6]) + (" …" if len(row_names) > 6 else "")
    return [
        {
            "requirement": "irreducible infeasible subset",
            "rows": row_names,
            "columns": col_names,
            "message": f"these constraints cannot hold together: {shown}",
        }
    ]


def business_as_usual(inputs, schedule: Schedule, options: SolveOptions | None) -> dict:
    """Solve the reference operation and state the schedule's saving against it.

    Business as usual is the same park, horizon, tariffs and policies without
    storage (every asset whose kind stores energy removed: batteries, thermal stores), with every batch run as early
    as its window and line allow and no interruptible load interrupted;
    converters are still dispatched at least cost.
    """
    park = inputs.park
    bau_park = park.model_copy(update={"assets": [a for a in park.assets if not kinds.has_role(a, "stores")]})
    bau_inputs = copy.copy(inputs)
    bau_inputs.park = bau_park
    model = build(bau_inputs, reference_operation=True, extend=schedule.model.extend if schedule.model else None)
    result = solve_form(model.form, options)
    out: dict = {"status": result.status.value, "definition": business_as_usual.__doc__.split("\n\n")[1].strip()}
    if not result.ok:
        out["message"] = result.message
        return out
    bau = make_schedule(model, result)
    cost = float(bau.objective_cny) - float(bau.costs_cny.get("reference_order", 0.0))
    co2 = float(bau.emissions_t["total_t"].sum())
    out.update(
        {
            "cost_cny": cost,
            "co2_t": co2,
            "saving_cny": cost - float(schedule.objective_cny),
            "saving_co2_t": co2 - float(schedule.emissions_t["total_t"].sum()),
        }
    )
    return out


def _emission_sources(model, x: np.ndarray, inputs, top: int = 5) -> list[dict]:
    """The park's emission sources in a solution, largest first: asset (or grid), owner, tonnes and busiest hours."""
    ctx_hours = _hours_formatter(inputs.index)
    rows = []
    for e in model.emissions:
        if e.ledger != "park":
            continue
        g = e.var
        kg = g.take(x) * e.kg
        for k, key in enumerate(g.keys):
            total = float(kg[k].sum())
            if total <= 1e-6:
                continue
            busy = kg[k] >= 0.5 * kg[k].max()
            owner = e.owners[k]
            rows.append(
                {
                    "source": f"{g.block} {key!r}" + (f" of {owner}" if owner != "park" else ""),
                    "asset": key,
                    "owner": owner,
                    "co2_t": total / 1000.0,
                    "hours": ctx_hours(busy),
                }
            )
    return sorted(rows, key=lambda r: -r["co2_t"])[:top]


def _hours_formatter(index: pd.DatetimeIndex):
    def fmt(active: np.ndarray) -> str:
        idx = np.flatnonzero(active)
        if not len(idx):
            return ""
        step = index[1] - index[0] if len(index) > 1 else pd.Timedelta("1h")
        a, b = index[idx[0]], index[idx[-1]] + step
        return f"{a:%m-%d %H:%M}–{b:%m-%d %H:%M}" + ("" if len(idx) == idx[-1] - idx[0] + 1 else ", intermittently")

    return fmt
