"""What a builder sees: the inputs, the problem, and the park's shared ledgers.

A builder adds its columns and rows to ``ctx.lp`` and then *declares* what the
core needs, so that balances, carbon accounting and the objective are written
once (in :mod:`greenpark.model.core`):

* :meth:`BuildContext.connect` — a flow into (coef > 0) or out of (coef < 0) a
  node's balance of one carrier;
* :meth:`BuildContext.add_demand` — a fixed demand at a node;
* :meth:`BuildContext.burn_fuel` — fuel bought (its cost and scope-1 emissions);
* :meth:`BuildContext.add_emission` — any other emission source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from greenpark.model.linear import Group, LinearProblem

if TYPE_CHECKING:
    from greenpark.inputs import Inputs

CARRIERS = ("electricity", "heat", "cooling")
"""The energy carriers: each node has a balance of each carrier it uses."""

LINK_PREFIX = {"electricity": "", "heat": "heat_", "cooling": "cooling_"}
"""Names of a tenant link's columns by carrier: ``link[t].<prefix>import_kw``."""


ROLES = ("output", "use", "export", "input", "charge", "discharge", "shed", "link")
"""What a flow is to the books (:mod:`greenpark.accounts`), declared by the builder that connects it.

``output``
    energy an asset delivers into a node; it carries the asset's own emissions and
    those of its ``input`` flows (a converter), shared between an asset's output
    carriers by the efficiency method (CHP).
``use``
    energy a node uses for good: a load, a batch run, a line.
``export``
    energy sold out of the park (the grid export): the park's, not a use.
``input``
    energy a converter takes from a node (a heat pump's electricity); its emissions
    pass on to the converter's outputs.
``charge`` / ``discharge``
    energy into and out of a store; its emissions are carried in the store.
``shed``
    demand not served (shed, interrupted, unserved): it reduces the node's use.
``link``
    a tenant's link to the park node (written by the core).
"""


@dataclass
class Port:
    """``coef[k, t] · var[k, t]`` enters the ``carrier`` balance of node ``nodes[k]`` [kW].

    ``role`` says what the flow is to the books (see :data:`ROLES`).
    """

    carrier: str
    nodes: list[str]
    var: Group
    coef: np.ndarray
    role: str = "output"


@dataclass
class Emission:
    """``kg[k, t] · var[k, t]`` kgCO2 of ``scope`` attributed to ``owners[k]``.

    ``ledger`` is ``"park"`` for the park's inventory (what it emits on site and
    through its grid import) or ``"tenant"`` for the tenants' own accounting of
    what they draw from the park network.
    """

    scope: str
    owners: list[str]
    var: Group
    kg: np.ndarray
    ledger: str = "park"


@dataclass
class Slack:
    """An elastic relaxation: ``var`` > 0 means the requirement ``requirement`` had to give.

    ``describe(values)`` turns the slack's values (shape of ``var``) into
    findings: dicts with ``requirement``, ``asset`` or ``tenant``, ``amount``,
    ``unit``, ``hours`` and a ``message`` in park terms.
    """

    requirement: str
    var: Group
    describe: Callable[[np.ndarray], list[dict]]


@dataclass
class Meter:
    """A metered connection: ``imp[k, t]`` and ``exp[k, t]`` [kW], never both in one step.

    Where ``exclusive[k, t]`` the model holds it with a binary; elsewhere the LP holds
    it because both flows at once never pay (``net[k, t]``: the reported schedule nets
    the two flows, which changes no cost).
    """

    imp: Group
    exp: Group
    net: np.ndarray


ELASTIC_PENALTY_CNY = {
    "load_kwh": 1.0e4,  # per kWh of a non-curtailable load not served
    "run": 1.0e7,  # per required batch run not scheduled
    "unit_kwh": 1.0e4,  # per kWh-equivalent of product not delivered
    "co2_t": 1.0e6,  # per tonne over a carbon cap (cheaper than unserved load: caps give first)
    "renewable_kwh": 1.0e3,  # per kWh of renewable electricity short of the minimum share (gives like a cap)
    "store_end_kwh": 5.0e3,  # per kWh a store ends below its required end state (before any load)
    "intensity_kg": 1.0e3,  # per kg of a line's emissions above its intensity cap (gives like a cap)
    "supply_kwh": 2.0e4,  # per kWh a node could not be supplied beyond any load's shortfall (last resort)
}
"""Penalties of the elastic re-solve: far above any energy price, ranked so that a carbon cap
gives way before a load and a load before a production run."""


@dataclass
class BuildContext:
    inputs: Inputs
    lp: LinearProblem
    ports: list[Port] = field(default_factory=list)
    demands: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    emissions: list[Emission] = field(default_factory=list)
    grid_co2_kg_per_kwh: np.ndarray | None = None
    grid_import: Group | None = None
    grid_export: Group | None = None
    generation: list[Group] = field(default_factory=list)
    renewable: list[Group] = field(default_factory=list)
    elastic: bool = False
    reference_operation: bool = False
    """Business-as-usual build: no shifting (batch runs as early as they can, no interruption)."""
    slacks: list[Slack] = field(default_factory=list)
    assets_by_key: dict[str, object] = field(default_factory=dict)
    deferred: list[Callable[[], None]] = field(default_factory=list)
    """Steps a builder leaves until every asset is built (they may read what other builders declared)."""
    meters: list[Meter] = field(default_factory=list)
    """Connections with one meter: import and export never both in one step (see :class:`Meter`)."""
    allowances: list[tuple[Group, np.ndarray]] = field(default_factory=list)
    """Free allowance earned by benchmark: ``t[k, t]·var[k, t]`` tCO2 (see :meth:`earn_allowance`)."""

    @property
    def n_t(self) -> int:
        return self.inputs.n_steps

    @property
    def step_h(self) -> float:
        return self.inputs.step_h

    def series(self, assets: list, name: str) -> np.ndarray:
        """A series field of every asset, stacked to shape ``(len(assets), T)``."""
        return np.vstack([self.inputs.get(a.id, name) for a in assets])

    @staticmethod
    def column(assets: list, name: str) -> np.ndarray:
        """A scalar field of every asset as a column ``(len(assets), 1)``."""
        return np.array([[float(getattr(a, name))] for a in assets])

    def connect(
        self, carrier: str, var: Group, nodes: list[str], coef: float | np.ndarray = 1.0, *, role: str | None = None
    ) -> None:
        """``coef·var`` into the ``carrier`` balance of ``nodes``; ``role`` (default: ``output`` for
        a positive, ``use`` for a negative coefficient) says what the flow is to the books."""
        assert carrier in CARRIERS, carrier
        c = np.broadcast_to(np.asarray(coef, float), var.shape)
        if role is None:
            role = "output" if (c >= 0).all() else "use"
        assert role in ROLES, role
        self.ports.append(Port(carrier, list(nodes), var, c, role))

    def add_slack(self, requirement: str, var: Group, penalty: np.ndarray | float, describe) -> None:
        """Register an elastic slack column (only in an elastic build) and its penalty (cost kind ``elastic``)."""
        self.lp.add_cost("elastic", var, penalty)
        self.slacks.append(Slack(requirement, var, describe))

    def energy_findings(self, values: np.ndarray, entries: list[dict], message) -> list[dict]:
        """Findings of an energy slack [kW per step]: one per row of ``values`` with more than 1 Wh.

        ``entries[k]`` holds the row's fixed fields (requirement, asset, tenant);
        ``message(entry, kwh, hours)`` words it.
        """
        out = []
        for entry, v in zip(entries, values, strict=True):
            kwh = float(v.sum() * self.step_h)
            if kwh > 1e-3:
                hours = self.hours(v > 1e-6)
                out.append({**entry, "amount": kwh, "unit": "kWh", "hours": hours,
                            "message": message(entry, kwh, hours)})  # fmt: skip
        return out

    def hours(self, active: np.ndarray) -> str:
        """``'2026-07-15 06:00–10:00'`` spanning the steps where ``active`` is true."""
        idx = np.flatnonzero(active)
        if not len(idx):
            return ""
        index = self.inputs.index
        end = index[idx[-1]] + (index[1] - index[0] if len(index) > 1 else np.timedelta64(1, "h"))
        same_day = index[idx[0]].date() == end.date()
        return (
            f"{index[idx[0]]:%Y-%m-%d %H:%M}–{end:%H:%M}"
            if same_day
            else f"{index[idx[0]]:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"
        )

    def add_generation(self, var: Group) -> None:
        """Declare on-site electricity generation (PV, CHP): the park may export only this.

        It counts towards the renewable share when the kind of its block declares the
        role ``renewable`` (:mod:`greenpark.kinds`): one definition for the constraint
        and the KPI.
        """
        from greenpark import kinds

        self.generation.append(var)
        if var.block in kinds.names() and "renewable" in kinds.get(var.block).roles:
            self.renewable.append(var)

    def add_demand(self, carrier: str, node: str, power_kw: np.ndarray) -> None:
        key = (carrier, node)
        self.demands[key] = self.demands.get(key, 0.0) + np.asarray(power_kw, dtype=float)

    def add_emission(self, scope: str, var: Group, owners: list[str], kg: np.ndarray, ledger: str = "park") -> None:
        self.emissions.append(
            Emission(scope, list(owners), var, np.broadcast_to(np.asarray(kg, float), var.shape), ledger)
        )

    def earn_allowance(self, assets: list, *, electricity: Group | None = None, heat: Group | None = None) -> None:
        """Allowance units earn by benchmark on what they supply [tCO2]: ``b_e·electricity_kw·Δt/1000``
        (``b_e`` tCO2/MWh) plus ``b_h·heat_kw·Δt·0.0036`` (``b_h`` tCO2/GJ); ``electricity`` and ``heat`` are
        columns keyed like ``assets``."""
        dt = self.step_h
        bench = [getattr(a, "allowance_benchmark", None) for a in assets]
        for var, name, per_kwh in ((electricity, "electricity_t_per_mwh", 1e-3), (heat, "heat_t_per_gj", 3.6e-3)):
            coef = np.array([[getattr(b, name) * per_kwh * dt if b is not None else 0.0] for b in bench])
            if var is not None and coef.any():
                self.allowances.append((var, np.broadcast_to(coef, var.shape)))

    def burn_fuel(self, fuel: Group, assets: list) -> None:
        """Fuel use ``fuel[k, t]`` [kW of fuel, LHV] of ``assets[k]``: its cost and scope-1 emissions.

        ``cost = Σ price_f(t)·fuel·Δt`` with ``f`` the asset's fuel (cost kind ``gas`` for natural gas,
        ``fuel_<name>`` for any other); ``co2_kg = Σ e·fuel·Δt`` with ``e`` the asset's own
        ``fuel_co2_kg_per_kwh`` or its fuel's factor.
        """
        fuels = self.inputs.park.all_fuels()
        dt = self.step_h
        names = [a.fuel for a in assets]
        for name in dict.fromkeys(names):
            mine = np.array([[1.0 if n == name else 0.0] for n in names])
            kind = "gas" if name == "natural_gas" else f"fuel_{name}"
            self.lp.add_cost(kind, fuel, mine * self.inputs.fuel_price_cny_per_kwh[name][None, :] * dt)
        factor = np.array([[a.fuel_co2_kg_per_kwh if a.fuel_co2_kg_per_kwh is not None
                            else fuels[a.fuel].co2_per_kwh(a.fuel)] for a in assets])  # fmt: skip
        owners = [a.owner for a in assets]
        kg = np.broadcast_to(factor * dt, fuel.shape)
        self.add_emission("scope1", fuel, owners, kg, "park")
        self.add_emission("scope1", fuel, owners, kg, "tenant")
