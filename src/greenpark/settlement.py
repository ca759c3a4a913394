"""Tenant settlement: who pays what of the park's cost, three ways.

The table has one row per tenant and the row ``park`` (the park's own loads, as in
``tenants.csv``). Every method's bills sum to the park's total cost ``C(N)`` (the
objective of the full park's schedule).

``marginal`` (the default of ``solve``: its ``bill_cny``, by :func:`greenpark.accounts.books`)
    Each tenant pays the energy it draws from the park node at the park node's
    hourly marginal prices (the balance duals, electricity and heat) plus the
    costs of its own assets. What that leaves over or short of ``C(N)`` (the
    park operator's surplus: shared assets, demand charge, congestion) is shared
    in proportion to final energy use.
``proportional``
    ``C(N)`` split in proportion to final energy use.
``shapley``
    A coalition ``S`` of tenants is the park with only those tenants (their
    loads, jobs, lines and own assets) and *all* the shared assets and the grid
    connection; ``c(S)`` is its optimal cost over the same horizon and ``c(∅)``
    that of the shared assets and the park's own loads alone (e.g. PV sold, the
    demand charge on the peak already billed). Tenants share ``v(S) = c(S) − c(∅)``
    by their Shapley values ``φ_i = Σ_S |S|!(n−|S|−1)!/n! · (v(S ∪ {i}) − v(S))`` —
    exact (``2^n`` coalitions) for up to 8 tenants, estimated beyond from random
    orderings with the standard error stated — and ``c(∅)`` in proportion to
    final energy use (the park's own row included).

Final energy use is what a row's loads, runs and lines use (electricity and heat,
net of shedding), from the same books as ``tenants.csv``. A tenant's *standalone
cost* is ``c({i})``: the park with that tenant alone, **keeping every shared
asset** (PV, storage, CHP, boilers, the grid connection) for itself; the park
row's is ``c(∅)``. Standalone costs therefore sum below the park's cost when
tenants compete for shared assets, and a tenant's saving (standalone cost −
bill) is negative when it pays more in the park than it would alone with all
the shared assets to itself; each negative saving is flagged and explained in
``notes``.
"""

from __future__ import annotations

import itertools
import json
import math
import multiprocessing as mp
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from greenpark.accounts import use_shares
from greenpark.errors import ParkValidationError, Problem
from greenpark.pipeline import next_midnight, parse_horizon
from greenpark.pipeline import solve as solve_park
from greenpark.results import Schedule, json_value
from greenpark.solve import SolveOptions
from greenpark.spec import PARK_OWNER, Park, load_park

METHODS = ("marginal", "proportional", "shapley")
EXACT_SHAPLEY_MAX_TENANTS = 8


@dataclass
class Settlement:
    """Bills per tenant (``table``) and how they were made (``notes``)."""

    table: pd.DataFrame
    park_cost_cny: float
    coalition_costs_cny: dict[tuple[str, ...], float] = field(default_factory=dict)
    notes: dict[str, object] = field(default_factory=dict)

    def to_folder(self, folder: str | Path) -> Path:
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        self.table.to_csv(out / "settlement.csv")
        notes = {k: v for k, v in self.notes.items() if k != "time_s"}
        (out / "settlement.json").write_text(json.dumps(notes, indent=2, default=json_value) + "\n")
        return out


def sub_park(park: Park, tenants: Iterable[str]) -> Park:
    """The park with only ``tenants`` (and their assets); shared assets stay."""
    keep = set(tenants)
    assets = [a for a in park.assets if a.owner == PARK_OWNER or a.owner in keep]
    caps = {k: v for k, v in park.carbon.tenant_caps_t.items() if k in keep}
    return park.model_copy(
        update={
            "tenants": [t for t in park.tenants if t.id in keep],
            "assets": assets,
            "carbon": park.carbon.model_copy(update={"tenant_caps_t": caps}),
        }
    )


def consumption_kwh(schedule: Schedule) -> pd.Series:
    """Final energy use of every row (tenants and ``park``): electricity and heat, net of shedding [kWh]."""
    t = schedule.tenants
    return t[[c for c in t.columns if c.endswith("_use_kwh")]].sum(axis=1).rename("consumption_kwh")


STANDALONE = (
    "standalone cost c({i}): the park with only that tenant, keeping every shared asset (PV, storage, CHP, "
    "boilers, the grid connection) for itself; for the row 'park', c(∅): the shared assets and the park's own "
    "loads alone. Standalone costs sum below the park's cost when tenants compete for shared assets."
)
NEGATIVE_SAVING = {
    "marginal": "pays the park's marginal prices for what it draws and a share of the residual by its use: in the "
    "hours it draws, the park's marginal energy can cost more than the shared assets would give it alone",
    "proportional": "pays the park's average cost per kWh: a tenant whose use is cheap to serve (off-peak, "
    "when PV runs) pays for the others' expensive hours",
    "shapley": "pays its average marginal cost over coalitions: when shared assets are scarce, joining others "
    "costs it the assets it would have alone (the park's cost game is not subadditive for it)",
}


def _coalition_cost(args: tuple) -> tuple[tuple[str, ...], float | None, str]:
    park, members, start, horizon, options, extend = args
    s = solve_park(
        sub_park(park, members), start=start, horizon=horizon, options=options, build_pyomo=False, extend=extend
    )
    return tuple(members), (s.objective_cny if s.ok else None), s.status.value


def settle(
    park: Park | str | Path,
    start: pd.Timestamp | str | None = None,
    horizon: pd.Timedelta | str = "48h",
    *,
    methods: Iterable[str] = METHODS,
    options: SolveOptions | None = None,
    workers: int = 2,
    samples: int = 200,
    seed: int = 0,
    schedule: Schedule | None = None,
    extend: Callable[[Any], object] | None = None,
) -> Settlement:
    """Settle the park's cost among its tenants (see the module docstring for each method).

    ``workers`` processes solve the coalitions of the Shapley method in
    parallel (spawned, one HiGHS thread each); ``samples`` orderings are drawn
    beyond 8 tenants. ``extend(m)`` (see :func:`greenpark.pipeline.solve`) runs on
    the model of every coalition, whose tenants it can read from ``m.park.tenants``;
    with ``workers > 1`` it must be a module-level function (it is pickled).
    """
    methods = list(methods)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ParkValidationError([Problem("method", f"unknown settlement method(s) {unknown}; use {list(METHODS)}")])
    t0 = time.perf_counter()
    if not isinstance(park, Park):
        park = load_park(park)
    start_ts = next_midnight(park.park.timezone) if start is None else pd.Timestamp(start)
    horizon_td = parse_horizon(horizon)
    full = schedule or solve_park(
        park, start=start_ts, horizon=horizon_td, options=options, build_pyomo=False, extend=extend
    )
    full.raise_for_status()
    total = float(full.objective_cny)
    rows = list(full.tenants.index)
    tenants = [r for r in rows if r != PARK_OWNER]
    use = consumption_kwh(full)
    share = pd.Series(use_shares(use.to_numpy()), index=rows)  # the rule of the books (park row first)
    table = pd.DataFrame(index=pd.Index(rows, name="tenant"))
    table["consumption_kwh"] = use
    table["co2_t"] = full.tenants["co2_t"]
    table["co2_market_t"] = full.tenants["co2_market_t"]
    notes: dict[str, object] = {"park_cost_cny": total, "standalone": STANDALONE}

    if "marginal" in methods:
        table["bill_marginal_cny"] = full.tenants["bill_cny"]
        notes["marginal"] = full.meta.get("billing_method", {}).get("definition", "")
        notes["marginal_residual_cny"] = float(full.tenants["residual_share_cny"].sum())
    if "proportional" in methods:
        table["bill_proportional_cny"] = total * share

    coalition: dict[tuple[str, ...], float] = {}
    need = [(m,) for m in tenants] + [()]
    exact = len(tenants) <= EXACT_SHAPLEY_MAX_TENANTS
    if "shapley" in methods:
        if exact:
            need = [c for r in range(len(tenants) + 1) for c in itertools.combinations(tenants, r)]
        else:
            orders = _orders(tenants, samples, seed)
            need = sorted({tuple(sorted(o[:k])) for o in orders for k in range(len(tenants) + 1)}, key=len)
    need = [c for c in need if c != tuple(tenants)]
    failed: list[str] = []
    for members, cost, status in _solve_all(park, need, start_ts, horizon_td, options, workers, extend):
        if cost is None:
            failed.append(f"{list(members) or 'no tenants'}: {status}")
        else:
            coalition[tuple(sorted(members))] = cost
    coalition[tuple(sorted(tenants))] = total
    if failed:
        raise ParkValidationError(
            [Problem("settlement", f"coalition cost undefined (the sub-park cannot be solved): {f}") for f in failed]
        )
    empty = coalition[()]
    table["standalone_cost_cny"] = [empty if r == PARK_OWNER else coalition[(r,)] for r in rows]

    if "shapley" in methods:
        v = {k: c - empty for k, c in coalition.items()}
        if exact:
            phi = _shapley_exact(tenants, v)
            notes["shapley"] = f"exact over {2 ** len(tenants)} coalitions"
        else:
            phi, stderr = _shapley_sampled(tenants, v, _orders(tenants, samples, seed))
            table["shapley_std_error_cny"] = pd.Series(stderr).reindex(rows).fillna(0.0)  # the park row: exact
            notes["shapley"] = f"estimated from {samples} random orderings (standard error per tenant in the table)"
        table["bill_shapley_cny"] = pd.Series(phi).reindex(rows).fillna(0.0) + empty * share
    notes["negative_saving"] = {}
    for m in methods:
        table[f"saving_{m}_cny"] = table["standalone_cost_cny"] - table[f"bill_{m}_cny"]
        table[f"negative_saving_{m}"] = table[f"saving_{m}_cny"] < -1e-6 * max(1.0, abs(total))
        losers = [str(r) for r in table.index[table[f"negative_saving_{m}"]]]
        if losers:
            notes["negative_saving"][m] = f"{', '.join(losers)}: {NEGATIVE_SAVING[m]}"
    notes["empty_park_cost_cny"] = empty
    notes["time_s"] = time.perf_counter() - t0
    return Settlement(table, total, coalition, notes)


def _solve_all(park, coalitions, start, horizon, options, workers, extend=None):
    args = [(park, list(c), start, horizon, options, extend) for c in coalitions]
    if workers <= 1 or len(args) < 4:
        return [_coalition_cost(a) for a in args]
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        return list(pool.map(_coalition_cost, args, chunksize=max(1, len(args) // (4 * workers))))


def _shapley_exact(tenants: list[str], v: dict[tuple[str, ...], float]) -> dict[str, float]:
    n = len(tenants)
    phi = dict.fromkeys(tenants, 0.0)
    for i in tenants:
        others = [t for t in tenants if t != i]
        for r in range(n):
            weight = math.factorial(r) * math.factorial(n - r - 1) / math.factorial(n)
            for s in itertools.combinations(others, r):
                phi[i] += weight * (v[tuple(sorted((*s, i)))] - v[tuple(sorted(s))])
    return phi


def _orders(tenants: list[str], samples: int, seed: int) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    return [list(rng.permutation(tenants)) for _ in range(samples)]


def _shapley_sampled(tenants, v, orders) -> tuple[dict[str, float], dict[str, float]]:
    contrib: dict[str, list[float]] = {t: [] for t in tenants}
    for order in orders:
        before: list[str] = []
        for t in order:
            contrib[t].append(v[tuple(sorted((*before, t)))] - v[tuple(sorted(before))])
            before.append(t)
    phi = {t: float(np.mean(c)) for t, c in contrib.items()}
    stderr = {t: float(np.std(c, ddof=1) / np.sqrt(len(c))) if len(c) > 1 else float("nan") for t, c in contrib.items()}
    return phi, stderr
