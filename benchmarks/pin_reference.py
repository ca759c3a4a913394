"""Pin the reference parks' solved figures: writes tests/integration/data/reference_pins.json.

    python benchmarks/pin_reference.py                     # writes the JSON next to the test
    python benchmarks/pin_reference.py --out /tmp/pins.json

When to run it: only when a domain change *deliberately* alters the reference
parks' optimum (a new cost term, a changed default or rule, an edited park file
or dataset) — never to make a refactor pass
``tests/integration/test_reference_regression.py``; that test exists to show a
refactor changed nothing. Run it on a clean checkout of the code that is to be
the new baseline (``git clone -q . /tmp/pinbase && cd /tmp/pinbase &&
PYTHONPATH=src python benchmarks/pin_reference.py --out <repo>/tests/...``) and
commit the JSON's diff together with the domain change. It takes a few minutes.

Cases: every park file in ``models/`` at the starts
``tests/integration/test_reference_parks.py`` solves it (48 h; its MILP park
also at the ``milp`` fixture's starts), plus the reference park with a carbon cap
3 % below its uncapped emissions (binding, so the cap's dual is pinned; 5 % below
is infeasible that day). Each is solved as the test solves it (``gp.solve``,
one thread, presolve on): that is the reference solution. The MILP park (jobs,
lines, unit commitment) keeps the default MIP gap of 0.5 %. The other parks are
solved at ``mip_rel_gap=0``: the reference park has binaries too (one per step
where export pays more than import) and its LP relaxation lies 1.25e-4 below its
optimum, so at the default gap a re-solve may legally stop at an incumbent up to
0.5 % worse — pinning the proven optimum needs the test to prove it as well.

What is pinned, and how uniqueness is decided — a figure (objective, costs by
kind, CO2, KPIs, tenants' bills and CO2, marginal abatement cost) or a series
(a dispatch column, the grid import/export per step) is pinned only when every
*candidate* solution below agrees with the reference within 1e-6 relative or
1e-4 absolute (per value) and, where a linear aggregate reads it, that aggregate
cannot move over the optimal face; the rest goes to ``not_pinned`` with its spread:

1. **Methods.** The same ``StandardForm`` re-solved with highspy: dual and primal
   simplex and IPM with crossover, each with presolve on and off (IPM without
   crossover too, reported but not a gate: :data:`INFORMATIVE`). A model with
   integers is re-solved as a MIP with presolve off and other random seeds, and
   its integers-fixed LP (where its prices come from) by every LP method.
2. **Alternative optima.** Every optimum is complementary to any one optimal
   dual, so the optimal face is the feasible set with each column whose reduced
   cost (and each row whose dual) is beyond 1e-7 held where the reference has it.
   Over that face, with highspy on ``schedule.model.form``, a linear aggregate
   is minimised and maximised: for each dispatch column and per-step total a
   random weighting of its steps (a column that can move moves it with
   probability 1; metered import/export read as their net flow, what the
   reported schedule keeps, or as themselves when zero all over the face), each
   cost kind, the park's CO2 and the energy KPIs. Every extreme solution is a
   candidate (its figures by ``make_schedule``, like any schedule). The
   objective-row face {c·x ≤ z·(1 + 1e-9)} is not used for the decision (see
   :data:`OBJECTIVE_SLACK`); what moves there only is stored as ``near_ties``.
   With integers, a random weighting of them is minimised and maximised over
   that objective-row face (a MIP): another assignment as good would get its
   own face; none exists for the reference parks.
3. **Prices.** Bills are priced at the park node's hourly duals, and a dual is
   not unique where the optimum has a kink. For every park-node balance row
   (electricity, heat) and the carbon cap row, the optimum is re-solved with the
   right-hand side moved ±δ (the integers-fixed LP for integer models): the
   one-sided slopes bound that dual (the optimum is convex in it). A bill is
   pinned only if its worst change over those intervals stays in tolerance, the
   marginal abatement cost only if its two slopes agree.
4. **MILP** (a gap is left, so the schedules a re-solve may return are all those
   the gap admits): the objective is pinned within gap/(1 − gap) with the proven
   dual bound. A figure is pinned only if it cannot move over the LP relaxation
   of {feasible, objective ≤ pinned / (1 − gap)} (which holds every schedule a
   re-solve could return) and the MIP variants (presolve off, other seeds, a
   1e-4 gap) agree; no dispatch is pinned.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import highspy
import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the figure readers live in the test module

import greenpark as gp  # noqa: E402
from greenpark.results import make_schedule  # noqa: E402
from greenpark.solve import HighsSession, SolveOptions, SolveResult, Status  # noqa: E402
from greenpark.spec import PARK_OWNER  # noqa: E402
from tests.integration.test_reference_regression import (  # noqa: E402
    ABS,
    PINS_FILE,
    REL,
    TOTALS,
    figure,
    series,
    solve_case,
)

HORIZON = "48h"
STARTS = ("2026-01-14", "2026-07-15")  # test_reference_parks.py, fixture `solved`: every park file
MILP_STARTS = ("2026-01-14", "2026-07-18")  # test_reference_parks.py, fixture `milp`: parks with jobs or lines
CAP_CASE = ("models/reference-park.yaml", "2026-07-15", 0.97)
"""The capped case: 97 % of the uncapped CO2 (5 % below is infeasible: at most 4.2 % can be abated that day)."""
DUAL_TIE = 1e-7
"""A reduced cost or row dual within this of zero is a tie (HiGHS's dual feasibility tolerance): the column
or row is left free on the optimal face."""
OBJECTIVE_SLACK = 1e-9
"""The looser face {objective ≤ z·(1 + 1e-9)}: used to find other integer assignments, and reported as near
ties. It is not the optimal face: a column whose reduced cost is r moves there by 1e-9·z/r (PV output by
2e-4 kWh at quick-park, beyond the 1e-4 pin tolerance) although the optimum is unique."""
RHS_STEP = {"balance": 1.0, "cap": 0.01}  # ±δ for the price slopes [kW per step; t]
TIGHT_GAP = 1e-4
FACE_ALIASES = {"kpis.total_co2_t": "co2_t"}  # figures read by the same aggregate as another
SEED = 20260715

LP_METHODS = {
    "dual simplex, presolve on": (True, {"solver": "simplex", "simplex_strategy": 1}),
    "dual simplex, presolve off": (False, {"solver": "simplex", "simplex_strategy": 1}),
    "primal simplex, presolve on": (True, {"solver": "simplex", "simplex_strategy": 4}),
    "primal simplex, presolve off": (False, {"solver": "simplex", "simplex_strategy": 4}),
    "ipm + crossover, presolve on": (True, {"solver": "ipm", "run_crossover": "on"}),
    "ipm + crossover, presolve off": (False, {"solver": "ipm", "run_crossover": "on"}),
    "ipm without crossover": (True, {"solver": "ipm", "run_crossover": "off", "ipm_optimality_tolerance": 1e-10}),
}
INFORMATIVE = ("ipm without crossover",)
"""Reported but not a gate: an interior point of the optimal face, accurate to the IPM tolerance only, so
figures that amplify small flows (the average-intensity attribution of a tenant's CO2) stray by ~1e-4 t
although every column is unique."""
MIP_VARIANTS = {
    "presolve off": (False, {}),
    "random_seed 1": (True, {"random_seed": 1}),
    "random_seed 2, presolve off": (False, {"random_seed": 2}),
}


# ----------------------------------------------------------------------------- solving
def run(form, presolve: bool, highs: dict, mip_rel_gap: float = 0.005) -> SolveResult:
    """One HiGHS run of ``form`` with extra HiGHS options (on top of what greenpark sets)."""
    options = SolveOptions(threads=1, presolve=presolve, mip_rel_gap=mip_rel_gap)
    session = HighsSession(form, options)
    try:
        for k, v in highs.items():
            session.h.setOptionValue(k, v)
        if form.is_mip and "time_limit" not in highs:
            session.h.setOptionValue("time_limit", 600.0)
        return session.run()
    finally:
        session.close()


def fixed_lp(form, x: np.ndarray):
    """``form`` with every integer column fixed at its rounded value in ``x`` (what MILP prices come from)."""
    fixed = copy.copy(form)
    ints = form.col_integer
    fixed.col_lower, fixed.col_upper = form.col_lower.copy(), form.col_upper.copy()
    fixed.col_lower[ints] = fixed.col_upper[ints] = np.round(x[ints])
    fixed.col_integer = np.zeros_like(ints)
    return fixed


def schedule_of(model, base: SolveResult, x: np.ndarray, row_dual: np.ndarray | None) -> gp.Schedule:
    """The schedule ``make_schedule`` reads from column values ``x`` and duals ``row_dual``."""
    r = copy.copy(base)
    r.x, r.row_dual = np.asarray(x, dtype=float), row_dual
    r.objective = float(model.form.col_cost @ r.x + model.form.objective_constant)
    r.extra = dict(base.extra)
    s = make_schedule(model, r)
    s.model = model
    return s


# ----------------------------------------------------------------------------- what is compared
def figure_names(s: gp.Schedule) -> list[str]:
    names = ["objective_cny", "co2_t", "co2_market_t"]
    if s.marginal_abatement_cost_cny_per_t is not None:
        names.append("marginal_abatement_cost_cny_per_t")
    names += [f"costs_cny.{k}" for k in s.costs_cny.index]
    names += [f"kpis.{k}" for k in s.kpis]
    names += [f"tenants.{row}.{col}" for row in s.tenants.index for col in ("bill_cny", "co2_t")]
    return names


def series_names(s: gp.Schedule) -> list[str]:
    return [f"dispatch.{c}" for c in s.dispatch.columns] + [f"total.{t}" for t in TOTALS]


def read(s: gp.Schedule, fig: list[str], ser: list[str]) -> tuple[dict, dict]:
    return {n: figure(s, n) for n in fig}, {n: series(s, n) for n in ser}


def excess(got, want) -> float:
    """How far ``got`` is outside tolerance of ``want`` (≤ 0: agrees), elementwise max."""
    got, want = np.atleast_1d(np.asarray(got, dtype=float)), np.atleast_1d(np.asarray(want, dtype=float))
    return float(np.max(np.abs(got - want) - np.maximum(ABS, REL * np.abs(want))))


class Tally:
    """Largest disagreement of each figure and series with the reference, over all candidates."""

    def __init__(self, ref_fig: dict, ref_ser: dict) -> None:
        self.ref_fig, self.ref_ser = ref_fig, ref_ser
        self.worst: dict[str, tuple[float, float, str]] = {}  # name -> (excess, max |diff|, candidate)
        self.n = 0

    def add(self, label: str, fig: dict, ser: dict) -> None:
        self.n += 1
        for store, ref in ((fig, self.ref_fig), (ser, self.ref_ser)):
            for name, want in ref.items():
                got = store.get(name)
                if got is None or want is None:
                    e, d = (np.inf, np.inf) if (got is None) != (want is None) else (-np.inf, 0.0)
                else:
                    e = excess(got, want)
                    d = float(np.max(np.abs(np.atleast_1d(got) - np.atleast_1d(want))))
                self.bump(name, e, d, label)

    def bump(self, name: str, e: float, d: float, label: str) -> None:
        if name not in self.worst or e > self.worst[name][0]:
            self.worst[name] = (e, d, label)

    def ok(self, name: str) -> bool:
        return self.worst.get(name, (-np.inf,))[0] <= 0.0

    def why(self, name: str) -> str:
        _, d, label = self.worst[name]
        return f"differs by up to {d:.6g} ({label})"


# ----------------------------------------------------------------------------- the optimal face
def linear_functionals(model, rng: np.random.Generator, names: list[str]) -> tuple[dict[str, np.ndarray], dict]:
    """Column vectors whose min and max over the optimal face show whether a series or figure can move.

    For each series a random weighting of its steps over the columns it reports;
    a metered import or export is read as the net flow where the schedule nets
    the two (``name``) and also as itself (``name|raw``: identically zero on the
    face means it reports zero). For each cost kind its cost vector, for the
    park's CO2 its emission factors, for the energy KPIs their sums.
    Also returns, for each metered series, its own columns.
    """
    form = model.form
    n = form.n_cols
    cols: dict[str, np.ndarray] = {}
    for g in form.var_groups:
        idx = g.index()
        for k, key in enumerate(g.keys):
            cols[f"{g.block}[{key}].{g.name}"] = idx[k]
    partner: dict[int, tuple[int, bool]] = {}  # column -> (the other flow of its meter, netted)
    for m in model.meters:
        ii, ee, net = m.imp.index().ravel(), m.exp.index().ravel(), np.asarray(m.net, dtype=bool).ravel()
        for i, e, nt in zip(ii, ee, net, strict=True):
            partner[int(i)], partner[int(e)] = (int(e), bool(nt)), (int(i), bool(nt))

    def weighted(labels: list[str], w: np.ndarray, net: bool = True) -> np.ndarray:
        v = np.zeros(n)
        for label in labels:
            idx = cols[label]
            for j, wj in zip(idx, w[: len(idx)], strict=True):
                v[j] += wj
                other = partner.get(int(j))
                if net and other is not None and other[1]:
                    v[other[0]] -= wj
        return v

    out: dict[str, np.ndarray] = {}
    metered: dict[str, np.ndarray] = {}
    n_t = model.inputs.n_steps
    for name in names:
        w = rng.choice([-1.0, 1.0], n_t) * rng.uniform(1.0, 2.0, n_t)
        head, _, rest = name.partition(".")
        if head == "dispatch":
            labels = [rest]
        else:
            block, variable = TOTALS[rest]
            labels = [c for c in cols if c.startswith(f"{block}[") and c.endswith(f"].{variable}")]
        if not labels:
            continue
        out[name] = weighted(labels, w)
        idx = np.concatenate([np.atleast_1d(cols[label]) for label in labels])
        if any(int(j) in partner for j in idx):
            out[f"{name}|raw"] = weighted(labels, w, net=False)
            metered[name] = idx
    for kind, vec in form.cost_by_kind.items():
        out[f"costs_cny.{kind}"] = np.asarray(vec, dtype=float)
    co2 = np.zeros(n)
    for e in model.emissions:
        if e.ledger == "park":
            np.add.at(co2, e.var.index().ravel(), np.broadcast_to(e.kg, e.var.shape).ravel() / 1000.0)
    out["co2_t"] = co2
    dt = model.inputs.step_h
    for kpi, (block, variable) in {
        "grid_import_kwh": ("grid", "import_kw"),
        "grid_export_kwh": ("grid", "export_kw"),
        "pv_generation_kwh": ("pv", "output_kw"),
    }.items():
        v = np.zeros(n)
        for label, idx in cols.items():
            if label.startswith(f"{block}[") and label.endswith(f"].{variable}"):
                v[idx] = dt
        out[f"kpis.{kpi}"] = v
    out["kpis.pv_clipped_kwh"] = np.zeros(n)  # input data (clipping before the model): no column moves it
    return out, metered


def objective_face(form, upper: float, *, integer: bool):
    """``form`` restricted to objective ≤ ``upper`` (a row ``c·x ≤ upper − constant``), costs to be set."""
    face = copy.copy(form)
    face.a = sp.vstack([form.a, sp.csr_matrix(form.col_cost.reshape(1, -1))]).tocsr()
    face.row_lower = np.append(form.row_lower, -np.inf)
    face.row_upper = np.append(form.row_upper, upper - form.objective_constant)
    face.constant_costs = {}
    if not integer:
        face.col_integer = np.zeros_like(form.col_integer)
    return face


def complementary_face(form, x: np.ndarray, col_dual: np.ndarray, row_dual: np.ndarray):
    """The optimal face of an LP: feasible and complementary to one optimal dual (every optimum is).

    A column whose reduced cost is beyond :data:`DUAL_TIE` is fixed at the bound it
    sits at, a row whose dual is, at its active bound. Returns the face and the
    largest distance of ``x`` from what was fixed (≈ 0: complementary slackness).
    """
    face = copy.copy(form)
    lo, up = form.col_lower.copy(), form.col_upper.copy()
    at = np.where(np.abs(x - lo) <= np.abs(x - up), lo, up)
    fix = (np.abs(col_dual) > DUAL_TIE) & np.isfinite(at)
    lo[fix] = up[fix] = at[fix]
    act = form.a @ x
    rlo, rup = form.row_lower.copy(), form.row_upper.copy()
    rat = np.where(np.abs(act - rlo) <= np.abs(act - rup), rlo, rup)
    tight = (np.abs(row_dual) > DUAL_TIE) & np.isfinite(rat)
    rlo[tight] = rup[tight] = rat[tight]
    face.col_lower, face.col_upper, face.row_lower, face.row_upper = lo, up, rlo, rup
    face.col_integer = np.zeros_like(form.col_integer)
    face.constant_costs = {}
    gap = max(float(np.max(np.abs(x - at)[fix], initial=0.0)), float(np.max(np.abs(act - rat)[tight], initial=0.0)))
    return face, gap


def extremes(face, functionals: dict[str, np.ndarray]):
    """Min and max of each functional over ``face``; yields (name, [x_min, x_max], spread)."""
    session = HighsSession(face, SolveOptions(threads=1, presolve=True, mip_rel_gap=1e-9))
    session.h.setOptionValue("mip_abs_gap", 1e-7)
    session.h.setOptionValue("time_limit", 300.0)
    try:
        for name, v in functionals.items():
            xs = []
            for sense in (1.0, -1.0):
                session.set_costs(sense * v)
                r = session.run()
                if r.status is not Status.OPTIMAL:
                    raise RuntimeError(f"face {name}: {r.status.value} {r.message}")
                xs.append(r.x)
            yield name, xs, float(v @ xs[1] - v @ xs[0])
    finally:
        session.close()


# ----------------------------------------------------------------------------- price slopes
def price_slopes(model, lp_form, rows: list[int]) -> dict[int, tuple[float, float]]:
    """Left and right slopes of the optimum in each row's right-hand side (±δ; convex, so they bound the dual)."""
    form = model.form
    cap_rows = set()
    try:
        g = form.row_group("carbon", "cap")
        cap_rows = set(range(g.offset, g.offset + g.size))
    except KeyError:
        pass
    session = HighsSession(lp_form, SolveOptions(threads=1, presolve=False))
    out: dict[int, tuple[float, float]] = {}
    try:
        z0 = session.run().objective
        for r in rows:
            lo, up = float(lp_form.row_lower[r]), float(lp_form.row_upper[r])
            d = RHS_STEP["cap"] if r in cap_rows else RHS_STEP["balance"]
            zs = []
            for s in (d, -d):
                session.set_row_bounds(r, lo + s if np.isfinite(lo) else lo, up + s if np.isfinite(up) else up)
                res = session.run()
                zs.append(res.objective if res.status is Status.OPTIMAL else np.inf)
            session.set_row_bounds(r, lo, up)
            out[r] = ((z0 - zs[1]) / d, (zs[0] - z0) / d)
        session.run()
    finally:
        session.close()
    return out


def row_label(model, r: int) -> str:
    """``block[key].name@time`` of row ``r``."""
    for g in model.form.row_groups:
        if g.offset <= r < g.offset + g.size:
            k, t = divmod(r - g.offset, g.n_t)
            return f"{g.block}[{g.keys[k]}].{g.name}@{model.inputs.index[t].isoformat()}"
    return str(r)


def park_price_rows(model) -> list[int]:
    rows = []
    for carrier, nodes in model.nodes.items():
        if PARK_OWNER in nodes:
            g = model.form.row_group("balance", carrier)
            rows += list(g.index()[g.key_index(PARK_OWNER)])
    return [int(r) for r in rows]


# ----------------------------------------------------------------------------- one case
def pin_case(case: dict, log) -> dict:
    t0 = time.perf_counter()
    ref = solve_case(case)
    assert ref.status is Status.OPTIMAL, ref.message
    model, base = ref.model, ref.solution
    form = model.form
    fig_names, ser_names = figure_names(ref), series_names(ref)
    ref_fig, ref_ser = read(ref, fig_names, ser_names)
    tally = Tally(ref_fig, ref_ser)
    evidence: dict = {"reference": {"objective_cny": ref.objective_cny, "mip_gap": ref.mip_gap}}
    is_mip = form.is_mip
    proven = (not is_mip) or (ref.mip_gap is not None and ref.mip_gap <= 1e-9)

    interior = Tally(ref_fig, ref_ser)  # IPM without crossover: reported, not a gate (see INFORMATIVE)

    def candidate(label: str, x, y) -> None:
        s = schedule_of(model, base, x, y)
        (interior if any(label.endswith(m) for m in INFORMATIVE) else tally).add(label, *read(s, fig_names, ser_names))

    # 1. methods
    if not is_mip:
        for label, (presolve, highs) in LP_METHODS.items():
            r = run(form, presolve, highs)
            assert r.status is Status.OPTIMAL, (label, r.message)
            evidence.setdefault("methods", {})[label] = r.objective
            candidate(label, r.x, r.row_dual)
    else:
        relax = copy.copy(form)
        relax.col_integer = np.zeros_like(form.col_integer)
        r = run(relax, True, {})
        evidence["lp_relaxation_objective_cny"] = r.objective
        variants = dict(MIP_VARIANTS)
        if not proven:
            variants[f"mip_rel_gap {TIGHT_GAP:g}"] = (True, {})
        for label, (presolve, highs) in variants.items():
            gap = TIGHT_GAP if label.startswith("mip_rel_gap") else case["options"]["mip_rel_gap"]
            r = run(form, presolve, highs, mip_rel_gap=gap)
            assert r.ok, (label, r.message)
            lp = run(fixed_lp(form, r.x), True, {})
            evidence.setdefault("methods", {})[f"MIP {label}"] = {"objective_cny": r.objective, "mip_gap": r.mip_gap}
            candidate(f"MIP {label}", r.x, lp.row_dual)
        fixed = fixed_lp(form, base.x)
        for label, (presolve, highs) in LP_METHODS.items():
            r = run(fixed, presolve, highs)
            assert r.status is Status.OPTIMAL, (label, r.message)
            evidence.setdefault("methods", {})[f"integers-fixed LP, {label}"] = r.objective
            candidate(f"integers-fixed LP, {label}", r.x, r.row_dual)
    log(f"  methods done ({tally.n} candidates, {time.perf_counter() - t0:.1f} s)")

    # 2. alternative optima (the optimal face; for a MILP with a gap, every schedule the gap admits)
    rng = np.random.default_rng(SEED)
    z = float(base.objective)
    functionals, metered = linear_functionals(model, rng, ser_names if proven else [])
    spreads: dict[str, float] = {}
    if proven:
        faces = [("reference", base.x, base.col_dual, base.row_dual)]
        if is_mip:
            # other integer assignments as good as the reference's (within 1e-9): a random weighting of the integers
            ints = np.flatnonzero(form.col_integer)
            w = np.zeros(form.n_cols)
            w[ints] = rng.uniform(1.0, 2.0, len(ints))
            found = {}
            for _name, xs, spread in extremes(
                objective_face(form, z + OBJECTIVE_SLACK * abs(z), integer=True), {"integers": w}
            ):
                for x in xs:
                    key = tuple(np.round(x[ints]).astype(int))
                    if key != tuple(np.round(base.x[ints]).astype(int)):
                        found[key] = x
                evidence["integer_assignments_within_1e-9"] = 1 + len(found) if spread > 0.5 else 1
            for x in found.values():
                r = run(fixed_lp(form, x), True, {})
                faces.append(("other integers", r.x, r.col_dual, r.row_dual))
        worst_cs = 0.0
        for label, x_ref, d_ref, y_ref in faces:
            lp_form = fixed_lp(form, x_ref) if is_mip else form
            face, cs = complementary_face(lp_form, x_ref, d_ref, y_ref)
            worst_cs = max(worst_cs, cs)
            for name, xs, spread in extremes(face, functionals):
                spreads[name] = max(spreads.get(name, 0.0), spread)
                for sense, x in zip(("min", "max"), xs, strict=True):
                    candidate(f"face ({label}) {sense} {name}", x, y_ref)
        evidence["complementary_slackness_residual"] = worst_cs
        # the looser test, objective ≤ z·(1 + 1e-9): what else moves there is a near tie, not an alternative optimum
        lp_form = fixed_lp(form, base.x) if is_mip else form
        near = {}
        for name, _xs, spread in extremes(
            objective_face(lp_form, z + OBJECTIVE_SLACK * abs(z), integer=False), functionals
        ):
            if spread > max(ABS, 10 * spreads[name]) and not name.endswith("|raw"):
                near[name] = spread
        evidence[f"near_ties_within_{OBJECTIVE_SLACK:g}"] = near
        log(f"  optimal face done ({len(functionals)} aggregates, {time.perf_counter() - t0:.1f} s)")
    else:
        gap = case["options"]["mip_rel_gap"]
        upper = z / (1.0 - gap)
        for name, _xs, spread in extremes(objective_face(form, upper, integer=False), functionals):
            spreads[name] = spread
        log(f"  within-gap ranges done ({time.perf_counter() - t0:.1f} s)")
    evidence["face_spreads"] = {k: round(v, 9) for k, v in spreads.items()}

    # 3. prices: slopes of the optimum in the park balances and the cap (integers fixed at the reference)
    y0 = base.row_dual
    lp_form = fixed_lp(form, base.x) if is_mip else form
    rows = park_price_rows(model)
    try:
        cap_row = model.form.row_group("carbon", "cap").offset
    except KeyError:
        cap_row = None
    if proven:
        slopes = price_slopes(model, lp_form, rows + ([cap_row] if cap_row is not None else []))
        outside = [r for r in rows if not slopes[r][0] - 1e-6 <= y0[r] <= slopes[r][1] + 1e-6]
        assert not outside, f"duals outside their slopes at rows {outside[:5]} (sign convention?)"
        kinks = [r for r in rows if slopes[r][1] - slopes[r][0] > 1e-9]
        evidence["park_price_kinks"] = {row_label(model, r): [slopes[r][0], slopes[r][1], y0[r]] for r in kinks}
        bill_names = [n for n in fig_names if n.endswith(".bill_cny")]
        bound = dict.fromkeys(bill_names, 0.0)
        ref_bills = {n: ref_fig[n] for n in bill_names}
        for r in kinks:
            worst = dict.fromkeys(bill_names, 0.0)
            for end in slopes[r]:
                y = y0.copy()
                y[r] = end
                s = schedule_of(model, base, base.x, y)
                for n in bill_names:
                    worst[n] = max(worst[n], abs(figure(s, n) - ref_bills[n]))
            for n in bill_names:
                bound[n] += worst[n]
        for n in bill_names:
            e = bound[n] - max(ABS, REL * abs(ref_bills[n]))
            tally.bump(n, e, bound[n], f"park prices at {len(kinks)} kinks")
        if cap_row is not None:
            left, right = slopes[cap_row]
            mac = "marginal_abatement_cost_cny_per_t"
            evidence["cap_slopes_cny_per_t"] = [-right, -left]
            width = right - left
            tally.bump(mac, width - max(ABS, REL * abs(ref_fig[mac])), width, "cap slopes")
        log(f"  price slopes done ({len(kinks)} kinks of {len(rows)} rows, {time.perf_counter() - t0:.1f} s)")
    else:
        for n in fig_names:
            if n.endswith(".bill_cny") or n == "marginal_abatement_cost_cny_per_t":
                tally.bump(n, np.inf, np.inf, "MILP prices depend on the integers found")

    # 4. what is pinned: every candidate agrees, and no aggregate of it moves over the face
    def face_verdict(name: str, ref_value) -> str | None:
        """Why the face says ``name`` can move (None: it cannot, or no linear aggregate reads it)."""
        key = FACE_ALIASES.get(name, name)
        if key not in spreads:
            return None
        tol = max(ABS, REL * float(np.max(np.abs(np.atleast_1d(ref_value)))))
        if spreads[key] <= tol:
            return None
        raw = spreads.get(f"{key}|raw")
        if raw is not None and raw <= ABS and np.all(np.abs(base.x[metered[key]]) <= ABS):
            return None  # its own columns are zero all over the face
        where = "the LP relaxation of the schedules the gap admits" if not proven else "the optimal face"
        return f"a weighted sum of it ranges over {spreads[key]:.6g} on {where}"

    figures, series_, not_fig, not_ser = {}, {}, {}, {}
    for n in fig_names:
        if n == "objective_cny":
            continue
        key = FACE_ALIASES.get(n, n)
        if not proven and key not in spreads:
            not_fig[n] = "MILP: not bounded over the schedules the gap admits"
        elif not tally.ok(n):
            not_fig[n] = tally.why(n)
        elif (why := face_verdict(n, ref_fig[n])) is not None:
            not_fig[n] = why
        else:
            figures[n] = ref_fig[n]
    for n in ser_names:
        if not proven:
            continue
        if not tally.ok(n):
            not_ser[n] = tally.why(n)
        elif (why := face_verdict(n, ref_ser[n])) is not None:
            not_ser[n] = why
        else:
            series_[n] = [float(v) for v in ref_ser[n]]
    if not proven:
        not_ser["*"] = "MILP: no dispatch pinned (alternative schedules within the gap)"

    gap = case["options"]["mip_rel_gap"]
    objective_rel_tol = REL if proven else gap / (1.0 - gap)  # two schedules within the gap of one optimum
    evidence["ipm_without_crossover_beyond_tolerance"] = {
        n: interior.worst[n][1] for n in [*figures, *series_] if not interior.ok(n)
    }
    how = how_text(case, ref, tally, len(functionals), evidence, (figures, series_), (not_fig, not_ser))
    log(f"  {case['id']}: {len(figures)} figures and {len(series_)} series pinned ({time.perf_counter() - t0:.1f} s)")
    return {
        **case,
        "is_mip": is_mip,
        "n_free_integer_columns": int((form.col_integer & (form.col_upper > form.col_lower)).sum()),
        "objective_cny": ref.objective_cny,
        "objective_rel_tol": objective_rel_tol,
        "mip_gap": ref.mip_gap if ref.mip_gap is not None else 0.0,
        "dual_bound_cny": ref.dual_bound_cny,
        "how": how,
        "figures": figures,
        "series": series_,
        "not_pinned": {"figures": not_fig, "series": not_ser},
        "evidence": evidence,
    }


def how_text(case, ref, tally, n_functionals, evidence, pinned, not_pinned) -> str:
    """What was done for one case, and its outcome, in a paragraph."""
    form = ref.model.form
    figures, series_ = pinned
    not_fig, not_ser = not_pinned
    methods = "; ".join(evidence.get("methods", {}))
    left = sorted(not_fig) + sorted(k for k in not_ser if k != "*")
    if not (form.is_mip and ref.mip_gap > 1e-9):
        free = int((form.col_integer & (form.col_upper > form.col_lower)).sum())
        kind = "LP" if not form.is_mip else f"MIP ({free} free binaries) solved to gap 0"
        integers = (
            "; the integers at the only assignment that reaches the optimum (a random weighting of them, "
            f"minimised and maximised over objective ≤ z·(1+{OBJECTIVE_SLACK:g}), found no other)"
            if form.is_mip
            else ""
        )
        cap = evidence.get("cap_slopes_cny_per_t")
        return (
            f"{kind}. Candidates: {tally.n} solutions, the re-solves [{methods}] and the minimum and maximum of "
            f"{n_functionals} linear aggregates (a random weighting of each dispatch column and per-step total, "
            "each cost kind, the park's CO2, the energy KPIs) over the optimal face: feasible and complementary to "
            f"the reference duals (a reduced cost or dual beyond {DUAL_TIE:g} holds its column or row){integers}. "
            f"Prices: the optimum's slopes at ±{RHS_STEP['balance']:g} kW in each park balance row show "
            f"{len(evidence.get('park_price_kinks', {}))} kink(s), so bills are priced uniquely"
            + (f"; the cap's slopes at ±{RHS_STEP['cap']:g} t are {cap[0]:.6f} and {cap[1]:.6f} CNY/t" if cap else "")
            + f". Pinned: {len(figures)} figures and {len(series_)} series that every candidate reproduces within "
            f"{REL:g} relative or {ABS:g} absolute and that no aggregate moves on the face. "
            + (f"Not pinned (alternative optima): {', '.join(left)}. " if left else "Nothing left out. ")
            + "Within objective·(1+1e-9) more moves (near_ties in evidence): a near tie, not an alternative optimum."
        )
    gap = case["options"]["mip_rel_gap"]
    objectives = [ref.objective_cny] + [v["objective_cny"] for v in evidence["methods"].values() if isinstance(v, dict)]
    return (
        f"MILP, mip_rel_gap {gap:g} (reached {ref.mip_gap:.3g}, dual bound stored): the objective is pinned within "
        f"gap/(1−gap) relative, and a re-solve must stay above the stored bound (its own bound below the stored "
        f"objective). Other figures only if they cannot move over the LP relaxation of objective ≤ pinned/(1−gap), "
        f"which holds every schedule a re-solve could return, and the variants [{methods}] agree: "
        f"{', '.join(figures) or 'none'}. No dispatch: the variants found different schedules "
        f"(objectives {', '.join(f'{o:.2f}' for o in objectives)})."
    )


# ----------------------------------------------------------------------------- main
def dumps(doc: dict) -> str:
    """JSON with one line per series (a list of numbers), indented otherwise; floats at full precision."""
    text = json.dumps(doc, indent=1, allow_nan=False)
    return re.sub(
        r"\[\s+(-?[\d.eE+-]+(?:,\s+-?[\d.eE+-]+)*)\s+\]", lambda m: "[" + re.sub(r",\s+", ", ", m[1]) + "]", text
    )


def cases() -> list[dict]:
    out = []
    default = SolveOptions()
    for path in sorted((ROOT / "models").glob("*.yaml")):
        park = gp.load_park(path)
        starts = list(STARTS)
        milp = any(a.kind in ("batch_job", "production_line") for a in park.assets)
        if milp:
            starts += [s for s in MILP_STARTS if s not in starts]
        opts = {
            "threads": default.threads,
            "mip_rel_gap": default.mip_rel_gap if milp else 0.0,  # see the module docstring: proven optima
            "presolve": default.presolve,
        }
        for start in sorted(starts):
            rel = path.relative_to(ROOT).as_posix()
            out.append(
                {
                    "id": f"{path.stem}@{start}",
                    "park": rel,
                    "start": start,
                    "horizon": HORIZON,
                    "carbon_cap_t": None,
                    "options": opts,
                }
            )
    park, start, fraction = CAP_CASE
    base = next(c for c in out if c["park"] == park and c["start"] == start)
    uncapped = solve_case(base).kpis["co2_counted_t"]
    cap = round(fraction * uncapped, 1)
    capped = {**base, "id": f"{Path(park).stem}@{start}+cap{cap:g}t", "carbon_cap_t": cap}
    s = solve_case(capped)
    assert s.status is Status.OPTIMAL, f"the capped case must be feasible: {s.message}"
    assert (s.marginal_abatement_cost_cny_per_t or 0.0) > 1.0, "the cap must bind"
    out.append(capped)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=PINS_FILE)
    ap.add_argument("--only", default=None, help="substring of the case ids to pin (for a look; writes them alone)")
    args = ap.parse_args()

    def log(msg: str) -> None:
        print(msg, flush=True)

    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = bool(
        subprocess.run(
            ["git", "status", "--porcelain", "src", "models", "datasets"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    )
    t0 = time.perf_counter()
    todo = [c for c in cases() if args.only is None or args.only in c["id"]]
    pinned = []
    for c in todo:
        log(f"{c['id']}")
        pinned.append(pin_case(c, log))
    doc = {
        "about": (
            "Figures of the reference parks solved by the baseline below; read by "
            "tests/integration/test_reference_regression.py, written by benchmarks/pin_reference.py "
            "(its docstring says how uniqueness is decided and when to re-pin)."
        ),
        "baseline": {
            "git_commit": commit,
            "working_tree_clean": not dirty,
            "greenpark": gp.__version__,
            "highspy": highspy.Highs().version() if hasattr(highspy.Highs, "version") else None,
            "python": sys.version.split()[0],
        },
        "tolerance": {"rel": REL, "abs": ABS},
        "how": (
            "A figure or series is pinned when every candidate solution agrees with the reference solve within "
            "tolerance (elementwise) and no linear aggregate of it moves over the optimal face. Candidates: "
            "re-solves by other HiGHS methods (dual/primal simplex, IPM; presolve on/off; MIP seeds), and the "
            "extremes of min/max of random aggregates over the optimal face (feasible and complementary to the "
            "reference duals). Bills also need unique park-node prices (equal slopes of the optimum in each park "
            "balance row), the marginal abatement cost equal slopes in the cap row. MILP cases pin the objective "
            "within their gap (and the proven bound) and only what cannot move within it. Per case: 'how', "
            "'not_pinned', 'evidence'."
        ),
        "cases": pinned,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dumps(doc) + "\n")
    log(f"wrote {args.out} ({len(pinned)} cases, {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
