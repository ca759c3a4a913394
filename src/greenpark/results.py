"""Results: a :class:`Schedule` of tz-aware pandas frames, KPIs, prices and its folder format.

Output folder (written by :meth:`Schedule.to_folder`, read by :func:`load_schedule`)
------------------------------------------------------------------------------------
``summary.json``
    status, termination, message, objective_cny, costs_cny (by kind),
    co2_t (park total), emissions_t (by owner and scope), kpis, prices
    summary, marginal_abatement_cost_cny_per_t, highs_run_time_s, mip_gap,
    timings_s, park, start, horizon_h, resolution, greenpark version.
``dispatch.csv``
    One column per model variable, named ``block[key].variable`` (units in
    the variable name: ``_kw`` power over the step, ``_kwh`` energy at the end
    of the step); index ``time`` (ISO, park local time with offset).
``balances.csv``
    Three header rows (carrier, node, term): every flow into (+) or out of (−)
    each node's balance [kW], ``demand`` and the ``residual`` (≈ 0).
``prices.csv``
    Marginal prices at the park node (duals of its balances):
    ``electricity_cny_per_kwh``, ``heat_cny_per_kwh``; the park's emissions
    in each step ``co2_kg``; the grid's time-of-use ``import_tariff_cny_per_kwh``
    and hourly ``grid_co2_kg_per_kwh``.
``node_prices.csv``
    Two header rows (carrier, node): the marginal price at every node
    [CNY/kWh]; a tenant's price exceeds the park's when its connection limit binds.
``tenants.csv``
    One row per tenant and the row ``park`` (the park's own loads, the export,
    what is left in its stores): final use, energy drawn, its value at the park
    node's marginal prices, own asset costs, the share of the rest, ``bill_cny``
    (bills sum to ``objective_cny``; method in ``summary.json``:
    ``billing_method``), ``scope1_t``, attributed ``co2_t`` (location) and
    ``co2_market_t`` (rows sum to the park's), and ``co2_cap_ledger_t`` (what a
    tenant carbon cap counts). See :func:`greenpark.accounts.books`. The same
    figures are in ``summary.json`` under ``tenants``.
``emissions.csv``
    Park inventory by owner of the emitting asset [t]: ``scope1_t``,
    ``scope2_location_t``, ``scope2_market_t``, ``total_t`` (location-based,
    the park's ``co2_t``), ``total_market_t`` and ``counted_t`` (on the basis
    ``carbon.scope2_basis`` names: what caps and the carbon price count).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from greenpark import kinds
from greenpark.accounts import (
    BILLING_METHOD,
    EMISSION_ALLOCATION,
    attribute_emissions,
    books,
    market_factor_kg_per_kwh,
    net_meters,
)
from greenpark.model.core import BuiltModel
from greenpark.solve import SolveResult, Status
from greenpark.spec import PARK_OWNER


class ScheduleError(RuntimeError):
    """Raised by :meth:`Schedule.raise_for_status` when there is no usable schedule."""


@dataclass
class Schedule:
    """The optimal (or best found) schedule of a park, or the reason there is none.

    Frames share a tz-aware index (``time``, park local time, left-labelled
    steps). With no solution the frames are empty and ``status`` and
    ``message`` say why.
    """

    park: str
    status: Status
    termination: str
    message: str
    index: pd.DatetimeIndex
    step_h: float
    objective_cny: float | None = None
    mip_gap: float | None = None
    dual_bound_cny: float | None = None
    highs_run_time_s: float = 0.0
    timings_s: dict[str, float] = field(default_factory=dict)
    dispatch: pd.DataFrame = field(default_factory=pd.DataFrame)
    balances: pd.DataFrame = field(default_factory=pd.DataFrame)
    prices: pd.DataFrame = field(default_factory=pd.DataFrame)
    node_prices: pd.DataFrame = field(default_factory=pd.DataFrame)
    costs_cny: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    emissions_t: pd.DataFrame = field(default_factory=pd.DataFrame)
    tenants: pd.DataFrame = field(default_factory=pd.DataFrame)
    kpis: dict[str, float] = field(default_factory=dict)
    marginal_abatement_cost_cny_per_t: float | None = None
    log: str = ""
    extension: dict[str, pd.DataFrame] = field(default_factory=dict)
    """What a user's ``extend`` added, in the solution: ``variables`` (name, value, bounds) and
    ``constraints`` (name, body, bounds, dual: LP, or the fixed-integer LP of a MILP); empty without one."""
    explanation: list[dict[str, Any]] = field(default_factory=list)
    """Why the park is infeasible, in park terms (empty otherwise): requirement, tenant, asset, amount, hours."""
    bau: dict[str, Any] | None = None
    """Business-as-usual comparison (cost, CO2, saving_cny, saving_co2_t), when asked for."""
    prices_from: str | None = None
    """``"lp"``, or ``"lp_with_integers_fixed"`` for a MILP (prices of the LP with integers at their optimum)."""
    meta: dict[str, Any] = field(default_factory=dict)
    model: Any = field(default=None, repr=False)
    """The :class:`~greenpark.model.core.BuiltModel` (column/row names, matrix), when solved in this process."""
    solution: SolveResult | None = field(default=None, repr=False)
    """The raw :class:`~greenpark.solve.SolveResult` (column values, duals), when solved in this process."""
    x: np.ndarray | None = field(default=None, repr=False)
    """Column values as reported (a meter's flows netted), when solved in this process."""
    pyomo_available: bool = field(default=False, repr=False)
    """Whether :attr:`pyomo_model` can be built (``gp.solve(..., build_pyomo=True)``, the default)."""
    _pyomo_model: Any = field(default=None, repr=False)

    @property
    def pyomo_model(self) -> Any:
        """The Pyomo ``ConcreteModel`` of this schedule's model, built on first read (a plain solve pays nothing).

        ``None`` when the schedule was not solved in this process or ``build_pyomo=False``.
        The time it took is ``timings_s["pyomo_s"]``.
        """
        if self._pyomo_model is None and self.model is not None and self.model.extension is not None:
            ext = self.model.extension  # extended: the user's own model, with the solution written in
            if self.x is not None and self.solution is not None:
                ext.load(self.x, self.solution.row_dual)
            self._pyomo_model = ext.pyomo_model
        if self._pyomo_model is None and self.pyomo_available and self.model is not None:
            from greenpark.model.pyomo_model import load_solution, to_pyomo

            t0 = time.perf_counter()
            self._pyomo_model = to_pyomo(self.model.form, name=self.park)
            if self.x is not None:
                load_solution(self._pyomo_model, self.x)
            self.timings_s["pyomo_s"] = time.perf_counter() - t0
        return self._pyomo_model

    @property
    def ok(self) -> bool:
        return self.status.has_solution

    def raise_for_status(self) -> Schedule:
        """Raise :class:`ScheduleError` unless the schedule is optimal or feasible."""
        if not self.ok:
            raise ScheduleError(f"{self.park}: {self.status.value}: {self.message}")
        return self

    def values(self, block: str, name: str) -> pd.DataFrame:
        """A column group's values by time and key: ``schedule.values("battery", "soc_kwh")``.

        Columns are the group's keys (asset or tenant ids), in model order; an
        empty frame (on the schedule's index) when the model has no such group.
        """
        prefix, suffix = f"{block}[", f"].{name}"
        cols = [c for c in self.dispatch.columns if c.startswith(prefix) and c.endswith(suffix)]
        out = self.dispatch[cols]
        out.columns = pd.Index([c[len(prefix) : -len(suffix)] for c in cols], name=block)
        return out

    def costs_by_step(self) -> pd.DataFrame:
        """Every cost kind by step [CNY] (rows sum to the objective; see
        :meth:`~greenpark.model.core.BuiltModel.costs_by_step`). Needs the model (solved in this process)."""
        if self.model is None or self.x is None:
            raise ScheduleError(f"{self.park}: costs by step need the model: solve in this process")
        return self.model.costs_by_step(self.x)

    @property
    def storage(self) -> pd.DataFrame:
        """State of every store at the end of each step [kWh]."""
        cols = [c for c in self.dispatch.columns if c.endswith(".soc_kwh")]
        return self.dispatch[cols]

    def summary(self) -> dict[str, Any]:
        """The ``summary.json`` content."""
        return {
            "park": self.park,
            "status": self.status.value,
            "termination": self.termination,
            "message": self.message,
            "objective_cny": self.objective_cny,
            "costs_cny": {k: float(v) for k, v in self.costs_cny.items()},
            "co2_t": float(self.emissions_t["total_t"].sum()) if len(self.emissions_t) else None,
            "co2_market_t": float(self.emissions_t["total_market_t"].sum()) if len(self.emissions_t) else None,
            "co2_counted_t": float(self.emissions_t["counted_t"].sum()) if len(self.emissions_t) else None,
            "emissions_t": _frame_dict(self.emissions_t),
            "tenants": _frame_dict(self.tenants),
            "kpis": self.kpis,
            "marginal_abatement_cost_cny_per_t": self.marginal_abatement_cost_cny_per_t,
            "mip_gap": self.mip_gap,
            "dual_bound_cny": self.dual_bound_cny,
            "prices_from": self.prices_from,
            "explanation": self.explanation,
            "business_as_usual": self.bau,
            "highs_run_time_s": self.highs_run_time_s,
            "timings_s": self.timings_s,
            "start": self.index[0].isoformat() if len(self.index) else None,
            "horizon_h": len(self.index) * self.step_h,
            "resolution": "1h" if self.step_h == 1.0 else "15min",
            "timezone": str(self.index.tz) if len(self.index) else None,
            **self.meta,
        }

    def frames(self) -> dict[str, pd.DataFrame]:
        """The tables of the output folder, by file stem."""
        return {
            "dispatch": self.dispatch,
            "balances": self.balances,
            "prices": self.prices,
            "node_prices": self.node_prices,
            "tenants": self.tenants,
            "emissions": self.emissions_t,
        }

    def to_folder(self, folder: str | Path, fmt: str = "csv") -> Path:
        """Write the schedule as ``fmt`` (``csv`` or ``parquet``) plus ``summary.json``.

        See the module docstring for the files and columns.
        """
        if fmt not in ("csv", "parquet"):
            raise ValueError(f"format must be csv or parquet, not {fmt!r}")
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        if self.ok:
            for stem, frame in self.frames().items():
                if fmt == "csv":
                    frame.to_csv(out / f"{stem}.csv", date_format="%Y-%m-%dT%H:%M:%S%z")
                else:
                    frame.to_parquet(out / f"{stem}.parquet")
        (out / "summary.json").write_text(json.dumps(self.summary(), indent=2, default=_json_default) + "\n")
        if self.log:
            (out / "highs.log").write_text(self.log)
        return out


def json_value(o: Any) -> Any:
    """``json.dumps`` default for records that may hold numpy scalars or other objects (written as text)."""
    return o.item() if hasattr(o, "item") else str(o)


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    raise TypeError(type(o))


def _frame_dict(df: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    """Rows of a small table as ``{row: {column: value}}`` (empty cells as ``None``)."""
    return {str(i): {str(c): (None if pd.isna(v) else float(v)) for c, v in row.items()} for i, row in df.iterrows()}


def load_schedule(folder: str | Path) -> Schedule:
    """Read a folder written by :meth:`Schedule.to_folder` back into a :class:`Schedule`."""
    folder = Path(folder)
    s = json.loads((folder / "summary.json").read_text())
    status = Status(s["status"])

    def _read(stem: str, header: int | list[int] = 0, timed: bool = True) -> pd.DataFrame:
        if (folder / f"{stem}.parquet").exists():
            return pd.read_parquet(folder / f"{stem}.parquet")
        df = pd.read_csv(folder / f"{stem}.csv", header=header, index_col=0)
        if timed:
            idx = pd.to_datetime(df.index, format="ISO8601")
            df.index = pd.DatetimeIndex(idx, name="time").tz_convert(s["timezone"])
        return df

    sched = Schedule(
        park=s["park"],
        status=status,
        termination=s["termination"],
        message=s["message"],
        index=pd.DatetimeIndex([]),
        step_h=1.0 if s["resolution"] == "1h" else 0.25,
        objective_cny=s["objective_cny"],
        mip_gap=s.get("mip_gap"),
        dual_bound_cny=s.get("dual_bound_cny"),
        prices_from=s.get("prices_from"),
        explanation=s.get("explanation", []),
        bau=s.get("business_as_usual"),
        highs_run_time_s=s.get("highs_run_time_s", 0.0),
        timings_s=s.get("timings_s", {}),
        costs_cny=pd.Series(s.get("costs_cny", {}), dtype=float),
        kpis=s.get("kpis", {}),
        marginal_abatement_cost_cny_per_t=s.get("marginal_abatement_cost_cny_per_t"),
    )
    if status.has_solution:
        sched.dispatch = _read("dispatch")
        sched.index = pd.DatetimeIndex(sched.dispatch.index)
        sched.balances = _read("balances", [0, 1, 2])
        sched.prices = _read("prices")
        sched.node_prices = _read("node_prices", [0, 1])
        sched.tenants = _read("tenants", timed=False)
        sched.emissions_t = _read("emissions", timed=False)
    if (folder / "highs.log").exists():
        sched.log = (folder / "highs.log").read_text()
    return sched


# --------------------------------------------------------------------------
def make_schedule(model: BuiltModel, result: SolveResult, timings_s: dict[str, float] | None = None) -> Schedule:
    """Read a solve back into frames, KPIs, prices and accounts."""
    inputs = model.inputs
    form = model.form
    index = inputs.index
    sched = Schedule(
        park=inputs.park.park.name,
        status=result.status,
        termination=result.termination,
        message=result.message,
        index=index,
        step_h=inputs.step_h,
        objective_cny=result.objective,
        mip_gap=result.mip_gap,
        dual_bound_cny=result.dual_bound,
        prices_from=result.prices_from,
        highs_run_time_s=result.highs_run_time_s,
        timings_s=dict(timings_s or {}),
        log=result.log,
        solution=result,
    )
    if not result.ok or result.x is None:
        return sched
    x = net_meters(model, result.x)
    sched.x = x
    if x is not result.x and sched.objective_cny is not None:
        sched.objective_cny += float(form.col_cost @ (x - result.x))
    dt = inputs.step_h
    n_t = len(index)

    # dispatch: every column group, one frame column per key (single-step columns repeated)
    blocks, labels = [], []
    n_core = model.extension.n_core_cols if model.extension is not None else form.n_cols
    for g in form.var_groups:
        if g.offset >= n_core:
            continue  # a user's extension columns: schedule.extension
        vals = g.take(x)
        blocks.append(np.repeat(vals, n_t, axis=1) if g.n_t == 1 else vals)
        labels.extend(f"{g.block}[{key}].{g.name}" for key in g.keys)
    data = np.vstack(blocks).T if blocks else np.zeros((n_t, 0))
    data[np.abs(data) < 1e-10] = 0.0
    sched.dispatch = pd.DataFrame(data, index=index, columns=pd.Index(labels))

    # balances recomputed from the ports (independent of the solver's row activity)
    bal: dict[tuple[str, str, str], np.ndarray] = {}
    inflows: dict[tuple[str, str], np.ndarray] = {}
    for port in model.ports:
        g = port.var
        vals = g.take(x) * port.coef
        for k, key in enumerate(g.keys):
            node = port.nodes[k]
            name = (port.carrier, node, f"{g.block}[{key}].{g.name}")
            bal[name] = bal.get(name, 0.0) + vals[k]
            inflows[(port.carrier, node)] = inflows.get((port.carrier, node), 0.0) + vals[k]
    for carrier, nodes in model.nodes.items():
        for node in nodes:
            demand = np.broadcast_to(model.demands.get((carrier, node), 0.0), (n_t,)).astype(float)
            inflow = inflows.get((carrier, node), np.zeros(n_t))
            bal[(carrier, node, "demand")] = -demand
            bal[(carrier, node, "residual")] = inflow - demand
    balances = pd.DataFrame(bal, index=index)
    balances.columns = pd.MultiIndex.from_tuples(balances.columns, names=["carrier", "node", "term"])
    sched.balances = balances.sort_index(axis=1, level=[0, 1], sort_remaining=False)

    # costs by kind
    costs = {kind: float(vec @ x) + form.constant_costs.get(kind, 0.0) for kind, vec in form.cost_by_kind.items()}
    sched.costs_cny = pd.Series(costs, dtype=float).sort_index()

    # emissions: park inventory by owner and scope; hourly total
    park_kg: dict[tuple[str, str], float] = {}
    hourly_kg = np.zeros(n_t)
    tenant_kg: dict[tuple[str, str], float] = {}
    for e in model.emissions:
        g = e.var
        kg = g.take(x) * e.kg
        for k, owner in enumerate(e.owners):
            if e.ledger == "park":
                park_kg[(owner, e.scope)] = park_kg.get((owner, e.scope), 0.0) + float(kg[k].sum())
                hourly_kg += kg[k]
            elif owner != PARK_OWNER:
                tenant_kg[(owner, e.scope)] = tenant_kg.get((owner, e.scope), 0.0) + float(kg[k].sum())
    owners = [PARK_OWNER] + [t.id for t in inputs.park.tenants]
    em = pd.DataFrame(
        {s: [park_kg.get((o, s), 0.0) / 1000.0 for o in owners] for s in ("scope1", "scope2")},
        index=pd.Index(owners, name="owner"),
    ).rename(columns={"scope1": "scope1_t", "scope2": "scope2_t"})
    em = em.rename(columns={"scope2_t": "scope2_location_t"})
    policy = inputs.park.carbon
    import_kwh = _value(form, x, "grid", "import_kw") * dt
    em["scope2_market_t"] = 0.0
    em.loc[PARK_OWNER, "scope2_market_t"] = market_factor_kg_per_kwh(model, x) * import_kwh / 1000.0
    em["total_t"] = em["scope1_t"] + em["scope2_location_t"]  # location-based, whatever the policy counts
    em["total_market_t"] = em["scope1_t"] + em["scope2_market_t"]
    em["counted_t"] = em["total_market_t"] if policy.scope2_basis == "market" else em["total_t"]
    sched.emissions_t = em

    # prices: duals of the park node balances [CNY/kWh]
    prices = pd.DataFrame(index=index)
    if result.row_dual is not None:
        node_prices: dict[tuple[str, str], np.ndarray] = {}
        for carrier, nodes in model.nodes.items():
            if not nodes:
                continue
            g = form.row_group("balance", carrier)
            duals = g.take(result.row_dual) / dt
            for k, node in enumerate(g.keys):
                node_prices[(carrier, node)] = duals[k]
            if PARK_OWNER in g.keys:
                prices[f"{carrier}_cny_per_kwh"] = duals[g.key_index(PARK_OWNER)]
        sched.node_prices = pd.DataFrame(node_prices, index=index)
        sched.node_prices.columns = pd.MultiIndex.from_tuples(sched.node_prices.columns, names=["carrier", "node"])
        try:
            cap = form.row_group("carbon", "cap")
            sched.marginal_abatement_cost_cny_per_t = float(-cap.take(result.row_dual)[0, 0])
        except KeyError:
            pass
    prices["co2_kg"] = hourly_kg
    grids = [a for a in inputs.park.assets if kinds.has_role(a, "grid")]
    if grids:
        prices["import_tariff_cny_per_kwh"] = inputs.get(grids[0].id, "import_price_cny_per_kwh")
        prices["grid_co2_kg_per_kwh"] = inputs.get(grids[0].id, "co2_kg_per_kwh")
    sched.prices = prices

    attribution = attribute_emissions(model, x)
    scope1_kg = {o: kg for (o, scope), kg in park_kg.items() if scope == "scope1"}
    ledger_kg: dict[str, float] = {}
    for (o, _scope), kg in tenant_kg.items():
        ledger_kg[o] = ledger_kg.get(o, 0.0) + kg
    sched.tenants = books(model, x, float(sched.objective_cny), prices, attribution, scope1_kg, ledger_kg)
    if result.row_dual is not None:
        try:
            tcap = form.row_group("carbon", "tenant_cap")
        except KeyError:
            tcap = None
        if tcap is not None:
            price = pd.Series(-tcap.take(result.row_dual)[:, 0], index=tcap.keys)
            sched.tenants["carbon_cap_price_cny_per_t"] = price.reindex(sched.tenants.index)
    sched.kpis = _kpis(sched, model, x)
    if inputs.park.carbon.trading is not None:
        sched.meta["carbon_position"] = _carbon_position(model, x, float(sched.emissions_t["counted_t"].sum()))
    if model.extension is not None:
        sched.extension = model.extension.frames(x, result.row_dual)
    sched.meta["billing_method"] = dict(BILLING_METHOD)
    sched.meta["emission_allocation"] = EMISSION_ALLOCATION
    free = (form.col_upper > form.col_lower) & form.col_integer
    why = list(form.integer_reasons) if free.any() else []
    sched.meta["integer_variables"] = {"count": int(free.sum()), "why": why}
    return sched


def _carbon_position(model: BuiltModel, x: np.ndarray, counted_t: float) -> dict[str, Any]:
    """Allowance against emissions [tCO2]: per unit that earns by benchmark, per owner, and for the park.

    A unit's position is what it earned minus its own scope-1 emissions; the park's is its fixed allowance
    plus everything earned minus the emissions the policy counts (``counted_t``). Positive: a surplus.
    """
    park = model.inputs.park
    owner = {a.id: a.owner for a in park.assets}
    earned: dict[str, float] = {}
    for var, t in model.allowances:
        for key, value in zip(var.keys, (var.take(x) * t).sum(axis=1), strict=True):
            earned[key] = earned.get(key, 0.0) + float(value)
    scope1: dict[str, float] = {}
    for e in model.emissions:
        if e.ledger == "park" and e.scope == "scope1":
            for key, kg in zip(e.var.keys, (e.var.take(x) * e.kg).sum(axis=1), strict=True):
                scope1[key] = scope1.get(key, 0.0) + float(kg) / 1000.0
    units = {k: {"owner": owner.get(k, PARK_OWNER), "allowance_t": v, "co2_t": scope1.get(k, 0.0),
                 "position_t": v - scope1.get(k, 0.0)} for k, v in earned.items()}  # fmt: skip
    owners: dict[str, dict[str, float]] = {}
    for u in units.values():
        row = owners.setdefault(u["owner"], {"allowance_t": 0.0, "co2_t": 0.0, "position_t": 0.0})
        for f in ("allowance_t", "co2_t", "position_t"):
            row[f] += u[f]
    allowance = park.carbon.trading.allowance_t + sum(earned.values())
    total = {"allowance_t": allowance, "co2_t": counted_t, "position_t": allowance - counted_t}
    return {"units": units, "owners": owners, "park": total}


def _value(form, x: np.ndarray, block: str, name: str) -> float:
    """Sum of a column group's values (0 when the model has no such group)."""
    try:
        g = form.var_group(block, name)
    except KeyError:
        return 0.0
    return float(g.take(x).sum())


def _kpis(sched: Schedule, model: BuiltModel, x: np.ndarray) -> dict[str, float]:
    """The park's KPIs, then each kind's own (:attr:`greenpark.kinds.Kind.kpis`)."""
    dt = sched.step_h
    cert = _value(model.form, x, "carbon", "certificates_kwh")
    renewable_kwh, use_kwh = model.renewable_share.kwh(x, dt)  # the constraint's own definition
    out = {
        "total_cost_cny": float(sched.objective_cny or 0.0),
        "total_co2_t": float(sched.emissions_t["total_t"].sum()),
        "total_co2_market_t": float(sched.emissions_t["total_market_t"].sum()),
        "co2_counted_t": float(sched.emissions_t["counted_t"].sum()),
        "renewable_share": renewable_kwh / use_kwh if use_kwh > 0 else 0.0,
        "renewable_share_with_certificates": (renewable_kwh + cert) / use_kwh if use_kwh > 0 else 0.0,
        "green_certificates_kwh": cert,
        "electricity_consumed_kwh": use_kwh,
    }
    park = model.inputs.park
    for kind in kinds.all_kinds():
        assets = park.assets_of_kind(kind.name)
        if assets and kind.kpis is not None:
            out.update(kind.kpis(assets, sched, model.inputs))
    return out
