"""Balances, tenant links, carbon and the objective — written once for every asset kind."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from greenpark import kinds
from greenpark.inputs import Inputs
from greenpark.model.context import CARRIERS, ELASTIC_PENALTY_CNY, LINK_PREFIX, BuildContext, Emission, Meter, Port
from greenpark.model.linear import Group, LinearProblem, StandardForm
from greenpark.spec import PARK_OWNER


@dataclass
class RenewableShare:
    """The one definition of the renewable share, for the constraint and the KPI.

    ``share = Σ renewable + certificates ÷ Σ use`` over the horizon [kWh], with
    ``renewable = Σ renewable generation − export`` (export counts against renewable
    output first) and ``use = import + Σ on-site generation − export``; each term is a
    list of ``(column group, coefficient)`` summed over keys and steps, times ``Δt``.
    """

    renewable: list[tuple[Group, float]]
    use: list[tuple[Group, float]]

    def kwh(self, x: np.ndarray, dt: float) -> tuple[float, float]:
        """(renewable, use) of a solution [kWh]."""
        total = [
            sum(coef * float(x[g.index()].sum()) for g, coef in terms) * dt for terms in (self.renewable, self.use)
        ]
        return total[0], total[1]


def renewable_share_of(ctx: BuildContext) -> RenewableShare:
    """The renewable and use terms from what builders declared (see :class:`RenewableShare`)."""
    renewable: list[tuple[Group, float]] = [(g, 1.0) for g in ctx.renewable]
    use: list[tuple[Group, float]] = [(g, 1.0) for g in ctx.generation]
    if ctx.grid_import is not None:
        use.append((ctx.grid_import, 1.0))
    if ctx.grid_export is not None:
        renewable.append((ctx.grid_export, -1.0))
        use.append((ctx.grid_export, -1.0))
    return RenewableShare(renewable, use)


@dataclass
class BuiltModel:
    """The assembled problem and what results need to read it back."""

    inputs: Inputs
    form: StandardForm
    ports: list[Port]
    demands: dict[tuple[str, str], np.ndarray]
    emissions: list[Emission]
    nodes: dict[str, list[str]]
    carbon_price_cny_per_kg: np.ndarray
    slacks: list = field(default_factory=list)
    meters: list[Meter] = field(default_factory=list)
    renewable_share: RenewableShare | None = None
    allowances: list = field(default_factory=list)
    """Allowance earned by benchmark: ``(column group, tCO2 per unit of column)``."""
    extension: Any = None
    """The :class:`~greenpark.model.extend.Extension` a user's ``extend`` added (None without one)."""
    extend: Any = None
    """The user's ``extend(m)`` function, run again on every model built for the same call."""

    def values(self, x: np.ndarray, block: str, name: str) -> pd.DataFrame:
        """Column group ``block[·].name`` of a solution ``x`` by time (rows) and key (columns).

        A group without a time index (``n_t == 1``) has one row, labelled with the first step.
        """
        g = self.form.var_group(block, name)
        index = self.inputs.index if g.n_t == len(self.inputs.index) else self.inputs.index[: g.n_t]
        return pd.DataFrame(g.take(x).T, index=index, columns=pd.Index(g.keys, name=block))

    def duals(self, row_dual: np.ndarray, block: str, name: str) -> pd.DataFrame:
        """Duals of row group ``block[·].name`` by time and key (HiGHS's sign: ∂objective/∂row bound)."""
        g = self.form.row_group(block, name)
        index = self.inputs.index if g.n_t == len(self.inputs.index) else self.inputs.index[: g.n_t]
        return pd.DataFrame(g.take(row_dual).T, index=index, columns=pd.Index(g.keys, name=block))

    def emissions_kg_by_step(self, x: np.ndarray) -> np.ndarray:
        """The park inventory's emissions in each step [kgCO2] (scope 1 and location-based scope 2)."""
        out = np.zeros(self.inputs.n_steps)
        for e in self.emissions:
            if e.ledger == "park":
                out += (e.var.take(x) * e.kg).sum(axis=0)
        return out

    def costs_by_step(self, x: np.ndarray) -> pd.DataFrame:
        """Every cost kind of a solution ``x`` by step [CNY]; the rows sum to the objective.

        A cost on a column without a time index (the demand charge on the peak, the
        carbon price on the horizon's total, constants) is spread over the steps:
        the ``carbon`` kind by each step's share of the park's emissions, any other
        in equal shares.
        """
        form, n_t = self.form, self.inputs.n_steps
        kg = self.emissions_kg_by_step(x)
        out: dict[str, np.ndarray] = {}
        for kind, vec in form.cost_by_kind.items():
            per_step = np.zeros(n_t)
            whole = form.constant_costs.get(kind, 0.0)
            for g in form.var_groups:
                c = g.take(vec)
                if not c.any():
                    continue
                if g.n_t == n_t:
                    per_step += (c * g.take(x)).sum(axis=0)
                else:
                    whole += float((c * g.take(x)).sum())
            if whole:
                weight = kg if kind == "carbon" and kg.sum() > 0 else np.ones(n_t)
                per_step += whole * weight / weight.sum()
            out[kind] = per_step
        return pd.DataFrame(out, index=self.inputs.index)


def build_model(inputs: Inputs, *, elastic: bool = False, reference_operation: bool = False) -> BuiltModel:
    """Assemble the park model.

    Nodes are the park node ``park`` and one node per tenant, each with an
    electricity and a heat balance. For every node ``n``, carrier ``c`` and step
    ``t`` (row ``balance[n].<c>[t]``)::

        Σ_ports coef·flow[t] = Σ demand_kW[t]

    Tenant ``n`` exchanges with the park through ``link[n].import_kw`` (park →
    tenant) and ``link[n].export_kw`` (tenant → park), each within the tenant's
    connection limit (``heat_import_kw``/``heat_export_kw`` for heat).

    Carbon (kgCO2): the park inventory is scope 1 (gas burnt on site) plus
    scope 2 (grid import × hourly factor); its total in t is capped by row
    ``carbon[park].cap`` and priced at ``price(t)/1000`` per kg. A tenant's own
    accounting (row ``carbon[tenant].cap``) is its scope 1 plus electricity
    drawn from the park × the grid factor and heat drawn ×
    ``carbon.heat_co2_kg_per_kwh`` (location-based).

    Objective: ``Σ_kind cost_kind`` over ``grid_energy, demand_charge, gas,
    carbon, operation, lost_load, demand_response, startup, production_penalty``.

    ``elastic=True`` builds the explanation model: every load that must be
    served, every required batch run, every delivery and every carbon cap gets
    a slack with a large penalty (:data:`~greenpark.model.context.ELASTIC_PENALTY_CNY`),
    so the solve shows which requirements had to give and by how much.

    ``reference_operation=True`` builds the business-as-usual operation (with the
    park's storage removed by the caller): batch runs start as early as they can
    and interruptible loads are not interrupted.
    """
    park = inputs.park
    lp = LinearProblem(n_t=inputs.n_steps)
    ctx = BuildContext(inputs=inputs, lp=lp, elastic=elastic, reference_operation=reference_operation)
    for kind in kinds.all_kinds():
        assets = park.assets_of_kind(kind.name)
        if assets:
            kind.build(assets, ctx)

    for step in ctx.deferred:
        step()
    _tenant_links(ctx)
    _export_from_generation(ctx)
    nodes = _balances(ctx)
    price_per_kg = _carbon(ctx)
    return BuiltModel(
        inputs=inputs,
        form=lp.finalize(),
        ports=ctx.ports,
        demands=ctx.demands,
        emissions=ctx.emissions,
        nodes=nodes,
        carbon_price_cny_per_kg=price_per_kg,
        slacks=ctx.slacks,
        meters=ctx.meters,
        renewable_share=renewable_share_of(ctx),
        allowances=ctx.allowances,
    )


def _nodes_using(ctx: BuildContext, carrier: str) -> set[str]:
    used = {n for p in ctx.ports if p.carrier == carrier for n in p.nodes}
    used |= {node for (c, node) in ctx.demands if c == carrier}
    return used


def _export_from_generation(ctx: BuildContext) -> None:
    """Row ``grid[g].export_from_generation[t]``: ``export_kw[t] ≤ Σ on-site generation[t]``.

    The park sells only surplus of its own generation (PV, CHP), never grid
    energy bought in the same step — in an LP, an export price above the
    import price would otherwise buy and resell without limit.
    """
    exp = ctx.grid_export
    if exp is None:
        return
    rows = ctx.lp.add_rows("grid", "export_from_generation", exp.keys, -np.inf, 0.0, unit="kW")
    ctx.lp.add_terms(rows, exp, 1.0)
    zeros = np.zeros(len(exp.keys), dtype=np.int64)
    for gen in ctx.generation:
        for k in range(len(gen.keys)):
            ctx.lp.add_terms(rows, gen, -1.0, var_keys=zeros + k)


def _tenant_links(ctx: BuildContext) -> None:
    lp, dt = ctx.lp, ctx.step_h
    tenants = ctx.inputs.park.tenants
    policy = ctx.inputs.park.carbon
    grid_co2 = ctx.grid_co2_kg_per_kwh if ctx.grid_co2_kg_per_kwh is not None else np.zeros(ctx.n_t)
    ledger = {"electricity": grid_co2, "heat": policy.heat_co2_kg_per_kwh, "cooling": policy.cooling_co2_kg_per_kwh}
    for carrier in CARRIERS:
        prefix = LINK_PREFIX[carrier]
        limit_field = "electric_connection_kw" if carrier == "electricity" else f"{carrier}_connection_kw"
        used = _nodes_using(ctx, carrier)
        linked = [t for t in tenants if t.id in used]
        if not linked:
            continue
        keys = [t.id for t in linked]
        limit = np.array([[getattr(t, limit_field) if getattr(t, limit_field) is not None else np.inf] for t in linked])
        imp = lp.add_var("link", f"{prefix}import_kw", keys, 0.0, limit, unit="kW")
        exp = lp.add_var("link", f"{prefix}export_kw", keys, 0.0, limit, unit="kW")
        ctx.connect(carrier, imp, keys, 1.0, role="link")
        ctx.connect(carrier, exp, keys, -1.0, role="link")
        ctx.connect(carrier, imp, [PARK_OWNER] * len(keys), -1.0, role="link")
        ctx.connect(carrier, exp, [PARK_OWNER] * len(keys), 1.0, role="link")
        ctx.meters.append(Meter(imp, exp, net=np.ones(imp.shape, dtype=bool)))
        if ledger[carrier] is not None:  # what a tenant's own accounting counts for what it draws
            factor = np.broadcast_to(np.asarray(ledger[carrier], dtype=float), (ctx.n_t,))[None, :]
            ctx.add_emission("scope2", imp, keys, factor * dt, ledger="tenant")


def _balances(ctx: BuildContext) -> dict[str, list[str]]:
    lp = ctx.lp
    order = [PARK_OWNER] + [t.id for t in ctx.inputs.park.tenants]
    nodes: dict[str, list[str]] = {}
    for carrier in CARRIERS:
        used = _nodes_using(ctx, carrier)
        keys = [n for n in order if n in used]
        nodes[carrier] = keys
        if not keys:
            continue
        rhs = np.vstack([np.broadcast_to(ctx.demands.get((carrier, n), 0.0), (ctx.n_t,)) for n in keys])
        rows = lp.add_rows("balance", carrier, keys, rhs, rhs, unit="kW")
        if ctx.elastic:
            _balance_slacks(ctx, rows, carrier, keys)
        pos = {n: i for i, n in enumerate(keys)}
        for port in ctx.ports:
            if port.carrier != carrier:
                continue
            # One add_terms per distinct node of this port's keys keeps it vectorised.
            row_k = np.array([pos[n] for n in port.nodes])
            _add_port(lp, rows, port, row_k)
    return nodes


def _balance_slacks(ctx: BuildContext, rows, carrier: str, keys: list[str]) -> None:
    """Elastic build: what a node could not balance, either way.

    ``surplus_kw[n, t] ≥ 0``: energy a node could not absorb (must-run output, fixed profiles);
    ``deficit_kw[n, t] ≥ 0``: energy it needed and nothing could supply — dearer than any load's
    shortfall, so it names what no load slack explains (a unit that must stay on with nothing to
    feed it, a run already going, an interruptible load's firm part).
    """
    for name, sign, requirement, penalty, why in (
        ("surplus", -1.0, "balance", "load_kwh",
         "could not be used or exported ({hours}); must-run output exceeds demand and export limits"),
        ("deficit", 1.0, "supply", "supply_kwh",
         "needed and nothing could supply it ({hours}); check connection and import limits, units that must "
         "stay on and runs already going"),
    ):  # fmt: skip
        var = ctx.lp.add_var("balance", f"{carrier}_{name}_kw", keys, 0.0, np.inf, unit="kW")
        ctx.lp.add_terms(rows, var, sign)
        entries = [{"requirement": f"{carrier} {requirement}", "tenant": node} for node in keys]

        def describe(values: np.ndarray, entries=entries, why=why) -> list[dict]:
            return ctx.energy_findings(
                values,
                entries,
                lambda e, kwh, hours, why=why: (
                    f"{e['tenant']} node: {kwh:,.1f} kWh of {carrier} " + why.format(hours=hours)
                ),
            )

        ctx.add_slack(f"{carrier} {requirement}", var, ELASTIC_PENALTY_CNY[penalty] * ctx.step_h, describe)


def _add_port(lp: LinearProblem, rows, port: Port, row_k: np.ndarray) -> None:
    """Entries ``coef[k, t]·var[k, t]`` into balance row ``(row_k[k], t)``."""
    var = port.var
    k, t = np.meshgrid(np.arange(len(var.keys)), np.arange(var.n_t), indexing="ij")
    lp.add_entries(rows.offset + row_k[k] * rows.n_t + t, var.offset + k * var.n_t + t, port.coef)


def _carbon(ctx: BuildContext) -> np.ndarray:
    """Carbon accounting and policies, on one column ``carbon[park].total_t``.

    * ``total_definition``: ``total_t = Σ scope1 + scope2`` [t], scope 2 location-based
      (grid import × hourly factor) or market-based (``f_res·(Σ import·Δt − certificates)``)
      as ``carbon.scope2_basis`` says
    * cost ``carbon`` = mean carbon price × ``total_t``
    * ``cap``: ``total_t ≤ cap`` (its dual is the marginal abatement cost)
    * tiers: ``total_t = Σ_k tier_k``, ``tier_k ∈ [0, width_k]``, cost ``Σ p_k·tier_k``
      (prices rise tier by tier, so the LP fills them in order)
    * trading: cost ``p·(total_t − allowance)``; without selling, ``p·max(0, total_t − allowance)``
    * ``renewable_share``: ``Σ renewable·Δt − Σ export·Δt + certificates ≥ s·(Σ import + Σ generation − export)·Δt``
      (:class:`RenewableShare`, the same definition as the KPI)
    * ``tenant_cap``: each capped tenant's own accounting (see :func:`build_model`) ≤ its cap
    """
    lp, dt = ctx.lp, ctx.step_h
    park = ctx.inputs.park
    policy = park.carbon
    price = np.asarray(ctx.inputs.carbon_price_cny_per_t, dtype=float)
    total = lp.add_var("carbon", "total_t", [PARK_OWNER], -np.inf, np.inf, n_t=1, unit="t")
    definition = lp.add_rows("carbon", "total_definition", [PARK_OWNER], 0.0, 0.0, n_t=1, unit="t")
    lp.add_terms(definition, total, 1.0)
    for e in ctx.emissions:
        if e.ledger != "park" or (e.scope == "scope2" and policy.scope2_basis == "market"):
            continue
        lp.add_sum_terms(definition, np.zeros(len(e.var.keys), dtype=np.int64), e.var, -e.kg / 1000.0)
    certificates = None
    if policy.green_certificates is not None and ctx.grid_import is not None:
        gc = policy.green_certificates
        upper = np.inf if gc.max_mwh is None else gc.max_mwh * 1000.0
        certificates = lp.add_var("carbon", "certificates_kwh", [PARK_OWNER], 0.0, upper, n_t=1, unit="kWh")
        lp.add_cost("certificates", certificates, gc.price_cny_per_mwh / 1000.0)
        rows = lp.add_rows("carbon", "certificates_limit", [PARK_OWNER], -np.inf, 0.0, n_t=1, unit="kWh")
        lp.add_terms(rows, certificates, 1.0)
        _sum_over(lp, rows, ctx.grid_import, -dt)
    if policy.scope2_basis == "market" and ctx.grid_import is not None:
        f = policy.market_residual_co2_kg_per_kwh / 1000.0
        _sum_over(lp, definition, ctx.grid_import, -f * dt)
        if certificates is not None:
            lp.add_terms(definition, certificates, f)

    if price.any():
        lp.add_cost("carbon", total, float(price.mean()))
    if policy.cap_t is not None:
        cap = lp.add_rows("carbon", "cap", [PARK_OWNER], -np.inf, policy.cap_t, n_t=1, unit="t")
        lp.add_terms(cap, total, 1.0)
        if ctx.elastic:
            _cap_excess(ctx, cap, [PARK_OWNER], [policy.cap_t], "carbon cap")
    if policy.tiers:
        _tiers(ctx, total, policy.tiers)
    if policy.trading is not None:
        _trading(ctx, total, policy.trading)
    if policy.min_renewable_share is not None:
        _renewable_share(ctx, policy.min_renewable_share, certificates)
    _tenant_caps(ctx, park.tenant_caps_t())
    _limits(ctx, park.limits)
    return price / 1000.0


LIMIT_PENALTY_CNY = {"co2_t": ELASTIC_PENALTY_CNY["co2_t"], "energy_kwh": ELASTIC_PENALTY_CNY["renewable_kwh"]}
"""Elastic penalties of a park file's limits: like the park's own targets (before any load)."""


def _limits(ctx: BuildContext, limits: list) -> None:
    """Row ``limit[name]``: ``min ≤ Σ_set quantity ≤ max`` — ``co2_t`` the set's park-inventory emissions,
    ``energy_kwh`` the energy its assets deliver (ports of role output or discharge) — over the horizon."""
    lp, dt = ctx.lp, ctx.step_h
    owner = {a.id: a.owner for a in ctx.inputs.park.assets}
    for lim in limits:
        members = set(lim.assets) | {aid for aid, o in owner.items() if o in lim.tenants}
        lo = -np.inf if lim.min is None else lim.min
        hi = np.inf if lim.max is None else lim.max
        rows = lp.add_rows("limit", lim.quantity, [lim.name], lo, hi, n_t=1, unit=lim.quantity.split("_")[-1])
        if lim.quantity == "co2_t":
            terms = [(e.var, e.kg / 1000.0) for e in ctx.emissions if e.ledger == "park"]
        else:
            terms = [(p.var, p.coef * dt) for p in ctx.ports if p.role in ("output", "discharge")]
        for var, coef in terms:
            keep = np.array([[1.0 if k.split("#")[0] in members else 0.0] for k in var.keys])
            if keep.any():
                lp.add_sum_terms(rows, np.zeros(len(var.keys), dtype=np.int64), var, coef * keep)
        if ctx.elastic:
            _limit_slack(ctx, rows, lim)


def _limit_slack(ctx: BuildContext, rows, lim) -> None:
    """Elastic build: ``over``/``under`` the limit a park could not keep, at the penalty of a park target."""
    lp = ctx.lp
    unit = "t" if lim.quantity == "co2_t" else "kWh"
    give = lp.add_var("limit", f"{lim.name}_give", ["over", "under"], 0.0, np.inf, n_t=1)
    lp.add_sum_terms(rows, np.zeros(2, dtype=np.int64), give, np.array([[-1.0], [1.0]]))

    def describe(values: np.ndarray) -> list[dict]:
        out = []
        for side, v in zip(("max", "min"), values[:, 0], strict=True):
            if v > 1e-9:
                bound = getattr(lim, side)
                out.append({"requirement": "limit", "limit": lim.name, "amount": float(v), "unit": unit,
                            "message": f"limit {lim.name!r} ({lim.quantity} {side} {bound:g}) cannot be kept: "
                            f"{float(v):,.6g} {unit} {'over' if side == 'max' else 'under'} it"})  # fmt: skip
        return out

    ctx.add_slack("limit", give, LIMIT_PENALTY_CNY[lim.quantity], describe)


def _sum_over(lp: LinearProblem, rows, var, coef: float) -> None:
    """Add ``coef·Σ_k Σ_t var[k, t]`` to the single row of ``rows``."""
    lp.add_sum_terms(rows, np.zeros(len(var.keys), dtype=np.int64), var, coef)


def _tiers(ctx: BuildContext, total, tiers) -> None:
    lp = ctx.lp
    edges = [0.0] + [t.above_t for t in tiers]
    prices = [0.0] + [t.price_cny_per_t for t in tiers]
    if tiers[0].above_t == 0.0:
        edges, prices = edges[1:], prices[1:]
    widths = [b - a for a, b in itertools.pairwise(edges)] + [np.inf]
    keys = [f"tier{k}" for k in range(len(edges))]
    seg = lp.add_var("carbon", "tier_t", keys, 0.0, np.array([[w] for w in widths]), n_t=1, unit="t")
    rows = lp.add_rows("carbon", "tier_definition", [PARK_OWNER], 0.0, 0.0, n_t=1, unit="t")
    lp.add_terms(rows, total, 1.0)
    lp.add_sum_terms(rows, np.zeros(len(keys), dtype=np.int64), seg, -1.0)
    lp.add_cost("carbon", seg, np.array([[p] for p in prices]))


def _trading(ctx: BuildContext, total, trading) -> None:
    """Cost ``p·(total_t − A)`` with ``A = allowance_t + Σ earned`` (units' benchmarks on what they supply);
    without selling, ``p·max(0, total_t − A)`` (row ``allowance``)."""
    lp, p = ctx.lp, trading.price_cny_per_t
    if trading.sell_surplus:
        lp.add_cost("carbon_trading", total, p)
        lp.add_constant_cost("carbon_trading", -p * trading.allowance_t)
        for var, t in ctx.allowances:  # each unit's allowance sold or saved at the price
            lp.add_cost("carbon_trading", var, -p * t)
        return
    over = lp.add_var("carbon", "over_allowance_t", [PARK_OWNER], 0.0, np.inf, n_t=1, unit="t")
    rows = lp.add_rows("carbon", "allowance", [PARK_OWNER], -np.inf, trading.allowance_t, n_t=1, unit="t")
    lp.add_terms(rows, total, 1.0)
    lp.add_terms(rows, over, -1.0)
    for var, t in ctx.allowances:
        lp.add_sum_terms(rows, np.zeros(len(var.keys), dtype=np.int64), var, -t)
    lp.add_cost("carbon_trading", over, p)


def _renewable_share(ctx: BuildContext, share: float, certificates) -> None:
    lp, dt = ctx.lp, ctx.step_h
    rows = lp.add_rows("carbon", "renewable_share", [PARK_OWNER], 0.0, np.inf, n_t=1, unit="kWh")
    parts = renewable_share_of(ctx)  # Σ renewable·Δt + certificates − s·Σ use·Δt ≥ 0
    for g, coef in parts.renewable:
        _sum_over(lp, rows, g, coef * dt)
    for g, coef in parts.use:
        _sum_over(lp, rows, g, -share * coef * dt)
    if certificates is not None:
        lp.add_terms(rows, certificates, 1.0)
    if ctx.elastic:
        short = lp.add_var("carbon", "renewable_short_kwh", [PARK_OWNER], 0.0, np.inf, n_t=1, unit="kWh")
        lp.add_terms(rows, short, 1.0)

        def describe(values: np.ndarray) -> list[dict]:
            v = float(values.sum())
            if v <= 1e-3:
                return []
            return [
                {
                    "requirement": "minimum renewable share",
                    "amount": v,
                    "unit": "kWh",
                    "message": f"the minimum renewable share of {share:.0%} cannot be met: {v:,.1f} kWh of renewable "
                    "electricity short with every load and requirement met (add green certificates or lower it)",
                }
            ]

        ctx.add_slack("minimum renewable share", short, ELASTIC_PENALTY_CNY["renewable_kwh"], describe)


def _tenant_caps(ctx: BuildContext, caps: dict[str, float]) -> None:
    if not caps:
        return
    lp = ctx.lp
    keys = [t.id for t in ctx.inputs.park.tenants if t.id in caps]
    rows = lp.add_rows("carbon", "tenant_cap", keys, -np.inf, np.array([[caps[k]] for k in keys]), n_t=1, unit="t")
    pos = {k: i for i, k in enumerate(keys)}
    for e in ctx.emissions:
        if e.ledger != "tenant":
            continue
        sel = [i for i, o in enumerate(e.owners) if o in pos]
        if not sel:
            continue
        kg = np.zeros(e.var.shape)
        kg[sel] = e.kg[sel]
        row_of_key = np.array([pos.get(o, 0) for o in e.owners])
        lp.add_sum_terms(rows, row_of_key, e.var, kg / 1000.0)
    if ctx.elastic:
        _cap_excess(ctx, rows, keys, [caps[k] for k in keys], "tenant carbon cap")


def _cap_excess(ctx: BuildContext, rows, keys: list[str], caps: list[float], requirement: str) -> None:
    """Elastic build: ``excess_t ≥ 0`` emissions above a cap; with its penalty it is the least achievable excess."""
    var = ctx.lp.add_var(
        "carbon", "excess_t" if requirement == "carbon cap" else "tenant_excess_t", keys, 0.0, np.inf, n_t=1
    )
    ctx.lp.add_terms(rows, var, -1.0)

    def describe(values: np.ndarray) -> list[dict]:
        out = []
        for key, cap, v in zip(keys, caps, values[:, 0], strict=True):
            if v > 1e-9:  # tonnes: a cap missed by grams is missed (the solver holds rows to 1e-7)
                least = cap + float(v)
                who = "park" if key == PARK_OWNER else f"tenant {key!r}"
                out.append(
                    {
                        "requirement": requirement,
                        "tenant": key,
                        "amount": float(v),
                        "unit": "tCO2",
                        "cap_t": cap,
                        "least_achievable_co2_t": least,
                        "message": f"{requirement} of {who}, {cap:g} t, cannot be met: the least achievable with "
                        f"every load and requirement met is {least:,.6g} t",
                    }
                )
        return out

    ctx.add_slack(requirement, var, ELASTIC_PENALTY_CNY["co2_t"], describe)
