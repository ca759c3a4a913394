"""How the books are kept: one set of figures per tenant, and the park's own row, that reconciles.

Three steps turn a solution into the books (:func:`make_schedule` calls them):

1. **One meter** (:func:`net_meters`). A metered connection (the grid, a tenant's link)
   imports or exports in a step, never both. Where the model does not hold this with a
   binary, both flows at once never pay, so the reported schedule nets them (which
   changes no cost); the carbon columns that count the grid import follow.
2. **Emissions attributed** (:func:`attribute_emissions`). In every step each node's
   emissions per carrier are shared among what is drawn from it, in proportion to the
   energy drawn (an average intensity per node, carrier and step, found by solving the
   small linear system of the park's flows). A source's emissions ride on its output:
   the grid import carries its hourly factor, a boiler its fuel, a converter (heat pump)
   the emissions of the electricity it takes, a store those of the energy it was charged
   with (what is still stored at the end stays with the store's owner), a link what its
   sending node carries. A CHP's emissions are split between its electricity and heat by
   the **efficiency method** (GHG Protocol, *Allocation of GHG Emissions from a Combined
   Heat and Power Plant*, 2006: shares in proportion to output ÷ reference efficiency,
   0.35 for electricity and 0.80 for heat). Every final use — a tenant's loads, runs and
   lines, the park's own loads, the grid export — carries its node's intensity, so the
   rows sum to the park's inventory exactly, on both scope-2 bases.
3. **Bills** (:func:`books`), by the method :data:`BILLING_METHOD`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from greenpark.model.context import CARRIERS, LINK_PREFIX
from greenpark.spec import PARK_OWNER

if TYPE_CHECKING:
    from greenpark.model.core import BuiltModel
    from greenpark.model.linear import StandardForm

REFERENCE_EFFICIENCY = {"electricity": 0.35, "heat": 0.80}
"""Reference efficiencies of the efficiency method (GHG Protocol CHP allocation guidance, 2006)."""

EMISSION_ALLOCATION = (
    "average intensity per node, carrier and step: each node's emissions are shared among what is drawn "
    "from it in proportion to the energy (what a loop of conversions keeps circulating stays with the park row); "
    "a CHP's emissions are split between electricity and heat by the "
    "efficiency method (output / reference efficiency, 0.35 electric, 0.80 heat; GHG Protocol CHP guidance); "
    "stores carry the emissions of their charge; what is still stored at the end, and the grid export, stay "
    "with the store's owner and the park"
)

BILLING_METHOD = {
    "name": "marginal",
    "definition": (
        "each tenant pays the energy it draws from the park node at the park node's hourly marginal prices "
        "(electricity and heat balance duals) plus the costs of its own assets and the carbon price on their "
        "own emissions; the park's own loads are the row 'park', priced the same way; what is left over or "
        "short of the park's total cost (shared assets, demand charge, carbon policy, congestion) is shared "
        "by final energy use (kWh of electricity and heat). Bills sum to objective_cny."
    ),
}


# --------------------------------------------------------------------------- one meter
def net_meters(model: BuiltModel, x: np.ndarray) -> np.ndarray:
    """``x`` with import and export of every metered connection netted where the model allows it.

    Returns a copy (``x`` itself when nothing changed). The park's carbon total (and its
    tiers and allowance excess) is recomputed when the grid import changed.
    """
    out = x
    for meter in model.meters:
        ii, ee = meter.imp.index(), meter.exp.index()
        both = np.minimum(out[ii], out[ee]) * meter.net
        both[both < 0] = 0.0
        if not both.any():
            continue
        if out is x:
            out = x.copy()
        out[ii] -= both
        out[ee] -= both
    if out is not x:
        _recompute_carbon(model.form, out)
    return out


def _recompute_carbon(form: StandardForm, x: np.ndarray) -> None:
    """Carbon columns defined by equality rows, after a netting changed what they count."""
    try:
        total = form.var_group("carbon", "total_t")
        row = form.row_group("carbon", "total_definition")
    except KeyError:
        return
    x[total.at()] -= float((form.a[row.at()] @ x)[0])  # the row reads total − Σ … = 0
    value = x[total.at()]
    try:
        tiers = form.var_group("carbon", "tier_t")
        left = value
        for k in range(tiers.size):
            j = tiers.at(k)
            width = form.col_upper[j]
            x[j] = min(max(left, 0.0), width)
            left -= x[j]
    except KeyError:
        pass
    try:
        over = form.var_group("carbon", "over_allowance_t")
        row = form.row_group("carbon", "allowance").at()
        # the row reads total − over − Σ earned ≤ allowance_t: what units earned by benchmark stays as it was
        earned = x[total.at()] - x[over.at()] - float((form.a[row] @ x)[0])
        x[over.at()] = max(0.0, value - earned - form.row_upper[row])
    except KeyError:
        pass


# --------------------------------------------------------------------------- emissions
BASES = ("location", "market")


@dataclass
class Attribution:
    """Emissions attributed to each row (``park`` and every tenant) [kg], on both scope-2 bases.

    ``by_row[basis][row]``: the row's share (the rows sum to the park's inventory on that basis).
    """

    by_row: dict[str, dict[str, float]]
    final_use_kwh: dict[tuple[str, str], np.ndarray]
    """Final use at each (node, carrier) per step: loads, runs and lines net of shedding [kWh] (not the export)."""


def attribute_emissions(model: BuiltModel, x: np.ndarray) -> Attribution:
    """Attribute the park's emissions to final uses (see the module docstring), both scope-2 bases."""
    inputs, park = model.inputs, model.inputs.park
    n_t, dt = inputs.n_steps, inputs.step_h
    owner_of = {a.id: a.owner for a in park.assets}
    rows = [PARK_OWNER] + [t.id for t in park.tenants]
    pools = [(n, c) for c, nodes in model.nodes.items() for n in nodes]
    pos = {p: i for i, p in enumerate(pools)}
    m = len(pools)
    direct = _direct_kg(model, x)  # asset -> (T, 2) kg per step

    supply = np.zeros((n_t, m))  # kWh into each pool
    final_use = np.zeros((n_t, m))  # use, export and demand net of shed [kWh]
    exported = np.zeros((n_t, m))
    couplings: list[tuple[int, int, np.ndarray]] = []  # (to pool, from pool, kWh per step)
    outputs: dict[str, list[tuple[int, np.ndarray, str]]] = {}
    inputs_of: dict[str, list[tuple[int, np.ndarray]]] = {}
    charges: dict[str, list[tuple[int, np.ndarray]]] = {}
    discharges: dict[str, list[tuple[int, np.ndarray]]] = {}
    link_ends: dict[int, dict[bool, list[tuple[int, np.ndarray]]]] = {}

    for (c, n), demand in model.demands.items():
        final_use[:, pos[(n, c)]] += np.broadcast_to(demand, (n_t,)) * dt
    for port in model.ports:
        flow = x[port.var.index()] * port.coef * dt  # signed kWh into the node, shape (K, T)
        ends = link_ends.setdefault(id(port.var), {True: [], False: []}) if port.role == "link" else None
        for k, key in enumerate(port.var.keys):
            i, f = pos[(port.nodes[k], port.carrier)], flow[k]
            if port.role == "output":
                supply[:, i] += f
                outputs.setdefault(key, []).append((i, f, port.carrier))
            elif port.role in ("use", "export", "shed"):
                final_use[:, i] -= f
                if port.role == "export":
                    exported[:, i] -= f
            elif port.role == "input":
                inputs_of.setdefault(key, []).append((i, -f))
            elif port.role == "charge":
                charges.setdefault(key, []).append((i, -f))
            elif port.role == "discharge":
                supply[:, i] += f
                discharges.setdefault(key, []).append((i, f))
            elif ends is not None:
                ends[bool(port.coef[k, 0] > 0)].append((i, f))
    for ends in link_ends.values():
        for (to, f), (frm, _) in zip(ends[True], ends[False], strict=True):
            supply[:, to] += f
            couplings.append((to, frm, f))

    # an asset's emissions and inputs ride on its outputs, shared by output / reference efficiency
    shares: list[tuple[str, list[tuple[int, np.ndarray]], np.ndarray]] = []
    for key, outs in outputs.items():
        ws = [(i, np.clip(f, 0.0, None) / REFERENCE_EFFICIENCY.get(c, 1.0)) for i, f, c in outs]
        shares.append((key, ws, sum((w for _, w in ws), np.zeros(n_t))))
    for key in set(direct) - set(outputs):
        shares.append((key, [], np.zeros(n_t)))  # emits without delivering (never today): stays with the owner

    by_row = np.zeros((len(rows), 2))
    row_of = {r: i for i, r in enumerate(rows)}

    def owner_row(key: str) -> int:
        return row_of.get(owner_of.get(key, PARK_OWNER), 0)

    # Per step: diag(supply)·I − couplings·I = direct emissions + what stores release. The matrices do
    # not depend on the stores, so every step is solved at once (in chunks) for the direct part and for
    # a unit release at each discharging pool; the stores are then followed step by step.
    stores = _stores(model, x, set(charges) | set(discharges))
    releases = [(key, i, f) for key, outs in discharges.items() for i, f in outs]
    zero = np.zeros((n_t, 2))
    rhs = np.zeros((n_t, m, 2 + len(releases)))
    for c, (_key, i, _f) in enumerate(releases):
        rhs[:, i, 2 + c] = 1.0
    mats = np.zeros((n_t, m, m))
    mats[:, np.arange(m), np.arange(m)] = supply
    for to, frm, f in couplings:
        mats[:, to, frm] -= f
    for key, ws, weight in shares:
        d = direct.get(key, zero)
        idle = weight <= 1e-12
        by_row[owner_row(key)] += d[idle].sum(axis=0)  # burnt with nothing delivered: the owner's own
        safe = np.where(idle, 1.0, weight)
        for i, w in ws:
            share = np.where(idle, 0.0, w / safe)
            rhs[:, i, :2] += share[:, None] * d
            for j, f in inputs_of.get(key, []):
                mats[:, i, j] -= share * f
    empty = supply <= 1e-12
    t_idx, p_idx = np.nonzero(empty)
    mats[t_idx, p_idx, :] = 0.0
    mats[t_idx, p_idx, p_idx] = 1.0
    rhs[t_idx, p_idx, :] = 0.0
    solved = np.zeros_like(rhs)
    circulating = False  # a step whose system is singular: energy circulating in a loop (power → heat → power)
    for c0 in range(0, n_t, 512):
        if m:
            try:
                solved[c0 : c0 + 512] = np.linalg.solve(mats[c0 : c0 + 512], rhs[c0 : c0 + 512])
            except np.linalg.LinAlgError:  # step by step, least squares where a step's system is singular
                circulating = True
                for t in range(c0, min(c0 + 512, n_t)):
                    solved[t] = np.linalg.lstsq(mats[t], rhs[t], rcond=None)[0]
    intensity = solved[:, :, :2].copy()
    stored = {key: np.zeros(2) for key in stores}
    if releases:
        for t in range(n_t):
            for c, (key, _i, f) in enumerate(releases):
                if f[t] > 0:
                    level, eta = stores[key]
                    take = stored[key] * (min(1.0, f[t] / eta / level[t]) if level[t] > 1e-9 else 1.0)
                    stored[key] = stored[key] - take
                    intensity[t] += solved[t, :, 2 + c, None] * take[None, :]
            for key, ins in charges.items():
                for i, f in ins:
                    stored[key] = stored[key] + f[t] * intensity[t, i]
    else:
        for key, ins in charges.items():
            for i, f in ins:
                stored[key] = stored[key] + (f[:, None] * intensity[:, i]).sum(axis=0)
    for key, _ws, weight in shares:
        idle = weight <= 1e-12
        for j, f in inputs_of.get(key, []):  # what an idle converter took stays with its owner
            by_row[owner_row(key)] += (np.where(idle, f, 0.0)[:, None] * intensity[:, j]).sum(axis=0)
    use_kg = np.einsum("tm,tmb->mb", final_use, intensity)
    for i, (node, _c) in enumerate(pools):
        by_row[row_of.get(node, 0)] += use_kg[i]
    for key, kg in stored.items():
        by_row[owner_row(key)] += kg  # still in the store at the end: its owner's
    if circulating:  # what a loop of conversions keeps circulating never reaches a final use: the park row's
        emitted = sum((d.sum(axis=0) for d in direct.values()), np.zeros(2))
        by_row[0] += emitted - by_row.sum(axis=0)
    return Attribution(
        by_row={b: {r: float(by_row[i, k]) for i, r in enumerate(rows)} for k, b in enumerate(BASES)},
        final_use_kwh={pools[i]: final_use[:, i] - exported[:, i] for i in range(m)},
    )


def _direct_kg(model: BuiltModel, x: np.ndarray) -> dict[str, np.ndarray]:
    """Each emitting asset's inventory per step [kg], shape (T, 2): location and market basis.

    On the market basis the grid import carries the residual factor on what certificates
    do not cover, spread evenly over the imported kWh.
    """
    inputs, form = model.inputs, model.form
    n_t, dt = inputs.n_steps, inputs.step_h
    direct: dict[str, np.ndarray] = {}
    for e in model.emissions:
        if e.ledger != "park":
            continue
        kg = x[e.var.index()] * e.kg
        for k, key in enumerate(e.var.keys):
            d = direct.setdefault(key, np.zeros((n_t, 2)))
            d[:, 0] += kg[k]
            if e.scope == "scope1":
                d[:, 1] += kg[k]
    try:
        imp = form.var_group("grid", "import_kw")
    except KeyError:
        return direct
    flows = x[imp.index()] * dt
    factor = market_factor_kg_per_kwh(model, x)
    for k, key in enumerate(imp.keys):
        direct.setdefault(key, np.zeros((n_t, 2)))[:, 1] += factor * flows[k]
    return direct


def market_factor_kg_per_kwh(model: BuiltModel, x: np.ndarray) -> float:
    """Market-based factor of the grid import: the residual factor on the share certificates do not cover.

    ``f_res·(1 − certificates / Σ import·Δt)`` [kgCO2/kWh], the certificates spread evenly over
    the imported kWh (the model holds certificates ≤ import).
    """
    form, dt = model.form, model.inputs.step_h
    try:
        total = float(x[form.var_group("grid", "import_kw").index()].sum()) * dt
    except KeyError:
        return 0.0
    try:
        cert = float(x[form.var_group("carbon", "certificates_kwh").at()])
    except KeyError:
        cert = 0.0
    covered = min(1.0, cert / total) if total > 0 else 0.0
    return model.inputs.park.carbon.market_residual_co2_kg_per_kwh * (1.0 - covered)


def _stores(model: BuiltModel, x: np.ndarray, keys: set[str]) -> dict[str, tuple[np.ndarray, float]]:
    """For each store: the energy held at the start of every step [kWh] and its discharge efficiency."""
    assets = {a.id: a for a in model.inputs.park.assets}
    out = {}
    for key in keys:
        a = assets[key]
        g = model.form.var_group(a.kind, "soc_kwh")
        soc = x[g.index()[g.key_index(key)]]
        level = np.concatenate([[a.soc_initial_fraction * a.energy_kwh], soc[:-1]])
        out[key] = (level, float(a.discharge_efficiency))
    return out


# --------------------------------------------------------------------------- bills
def books(
    model: BuiltModel,
    x: np.ndarray,
    objective_cny: float,
    prices: pd.DataFrame,
    attribution: Attribution,
    scope1_kg: dict[str, float],
    ledger_kg: dict[str, float],
) -> pd.DataFrame:
    """The tenants table: one row per tenant and the row ``park``; bills sum to ``objective_cny``.

    Columns (energy in kWh over the horizon, money in CNY, emissions in t):
    ``electricity_use_kwh``, ``heat_use_kwh`` (final use: loads, runs, lines, net of
    shedding), ``electricity_drawn_kwh``, ``heat_drawn_kwh`` (net from the park node; the
    park's own use for ``park``), ``electricity_value_cny``, ``heat_value_cny`` (drawn ×
    the park node's marginal price), ``own_assets_cost_cny`` (every cost on the row's own
    assets; for ``park`` only its own loads), ``own_carbon_cost_cny`` (carbon price × the
    row's own scope 1), ``cost_at_marginal_prices_cny`` (their sum), ``residual_share_cny``
    (the rest of the park's cost, shared by final use), ``bill_cny``; ``scope1_t`` (own
    burners), ``co2_t`` (attributed, location-based scope 1 + 2), ``co2_market_t``
    (attributed, market-based), ``co2_cap_ledger_t`` (what a tenant carbon cap counts:
    own scope 1 + electricity drawn × grid factor + heat drawn × heat factor; empty for
    ``park``).
    """
    inputs, form, park = model.inputs, model.form, model.inputs.park
    n_t, dt = inputs.n_steps, inputs.step_h
    rows = [PARK_OWNER] + [t.id for t in park.tenants]
    n = len(rows)
    row_of = {r: i for i, r in enumerate(rows)}
    owner_of = {a.id: a.owner for a in park.assets}
    table: dict[str, np.ndarray] = {}

    # electricity and heat always (the table's columns stay the same), cooling where the park has it
    use = {c: np.zeros((n, n_t)) for c in CARRIERS if c in ("electricity", "heat") or model.nodes.get(c)}
    for (node, c), kwh in attribution.final_use_kwh.items():
        if node in row_of:
            use[c][row_of[node]] += kwh
    drawn = {c: np.zeros((n, n_t)) for c in use}
    for c in use:
        prefix = LINK_PREFIX[c]
        drawn[c][0] = use[c][0]
        try:
            imp = form.var_group("link", f"{prefix}import_kw")
            exp = form.var_group("link", f"{prefix}export_kw")
        except KeyError:
            continue
        net = (x[imp.index()] - x[exp.index()]) * dt
        for k, tid in enumerate(imp.keys):
            drawn[c][row_of[tid]] = net[k]
    for c in use:
        col = f"{c}_cny_per_kwh"
        price = prices[col].to_numpy() if col in prices else np.zeros(n_t)
        table[f"{c}_use_kwh"] = use[c].sum(axis=1)
        table[f"{c}_drawn_kwh"] = drawn[c].sum(axis=1)
        table[f"{c}_value_cny"] = drawn[c] @ price

    # own assets: every cost on a tenant's assets; for the park, only its own loads
    consumers = _consumer_keys(model)
    col_row = np.full(form.n_cols, -1, dtype=np.int64)
    for g in form.var_groups:
        if g.block in ("link", "carbon", "balance"):
            continue
        for k, key in enumerate(g.keys):
            aid = key.split("#")[0]
            owner = owner_of.get(aid)
            if owner is None or (owner == PARK_OWNER and aid not in consumers):
                continue
            col_row[g.index()[k]] = row_of[owner]
    mine = col_row >= 0
    table["own_assets_cost_cny"] = np.bincount(col_row[mine], weights=(form.col_cost * x)[mine], minlength=n)
    price_per_kg = float(np.mean(model.carbon_price_cny_per_kg)) if len(model.carbon_price_cny_per_kg) else 0.0
    own_scope1 = np.array([scope1_kg.get(r, 0.0) for r in rows])
    own_scope1[0] = 0.0  # the park's own burners are shared assets, recovered through the prices
    table["own_carbon_cost_cny"] = price_per_kg * own_scope1
    raw = sum(table[f"{c}_value_cny"] for c in use) + table["own_assets_cost_cny"]
    raw = raw + table["own_carbon_cost_cny"]
    table["cost_at_marginal_prices_cny"] = raw
    share = use_shares(sum(table[f"{c}_use_kwh"] for c in use))
    residual = float(objective_cny) - float(raw.sum())
    table["residual_share_cny"] = residual * share
    table["bill_cny"] = raw + residual * share
    table["scope1_t"] = np.array([scope1_kg.get(r, 0.0) for r in rows]) / 1000.0
    table["co2_t"] = np.array([attribution.by_row["location"][r] for r in rows]) / 1000.0
    table["co2_market_t"] = np.array([attribution.by_row["market"][r] for r in rows]) / 1000.0
    ledger = np.array([ledger_kg.get(r, 0.0) / 1000.0 for r in rows])
    ledger[0] = np.nan
    table["co2_cap_ledger_t"] = ledger
    return pd.DataFrame(table, index=pd.Index(rows, name="tenant"))


def use_shares(consumption_kwh: np.ndarray) -> np.ndarray:
    """Shares of the rows (``park`` first, then the tenants) by final energy use.

    With no use at all, the tenants share equally (the park alone when it has none).
    """
    consumption = np.asarray(consumption_kwh, dtype=float)
    total = float(consumption.sum())
    if total > 0:
        return consumption / total
    share = np.zeros(len(consumption))
    if len(consumption) > 1:
        share[1:] = 1.0 / (len(consumption) - 1)
    else:
        share[:] = 1.0
    return share


def _consumer_keys(model: BuiltModel) -> set[str]:
    """Assets whose every flow is a final use (loads, runs, lines): billed to their owner, the park included."""
    roles: dict[str, set[str]] = {}
    for port in model.ports:
        for key in port.var.keys:
            roles.setdefault(key, set()).add(port.role)
    return {k for k, r in roles.items() if r <= {"use", "shed"}}
