"""What an asset kind is: its spec, its builder and everything else the engine asks of it.

A kind is one :class:`Kind` object, registered once (:func:`greenpark.kinds.register`).
The park file's ``Asset`` union, the JSON Schema, the model build, input
resolution and checks, results and KPIs, the rolling-horizon carry-over, the
business-as-usual comparison and the report all read what the kind declares;
none of them switches on a kind's name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from greenpark.errors import Problem
from greenpark.fields import PARK_OWNER, Series, SpecModel

if TYPE_CHECKING:
    from greenpark.inputs.resolve import Inputs
    from greenpark.inputs.series import SeriesResolver
    from greenpark.model.context import BuildContext
    from greenpark.results import Schedule

KIND_ROLES = ("generates", "renewable", "stores", "load", "burns_fuel", "committable", "curtailable", "grid")
"""What a kind may declare about itself.

``generates``
    delivers electricity on site (the park may export only this);
``renewable``
    its generation counts towards the renewable share (with ``generates``);
``stores``
    a store (removed in the business-as-usual operation);
``load``
    a tenant's demand: in a park with tenants each such asset names its owner;
``burns_fuel``
    burns the park's gas (the park file needs its ``gas`` section);
``committable``
    may carry a ``commitment`` (on/off, MILP);
``curtailable``
    its output or demand may be reduced below what is available or asked;
``grid``
    the park's connection to the public grid (one per park).
"""

SIGNS = ("any", "nonnegative", "positive")


class AssetSpec(SpecModel):
    """Fields every asset has: its id and owner. A kind's spec adds ``kind: Literal[...]`` and its own."""

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    owner: str = Field(
        PARK_OWNER,
        description="Tenant id, or 'park' for a shared asset at the park node (the default). In a park with "
        "tenants, every load (electric_load, heat_load, interruptible_load, batch_job, production_line) must "
        "name its owner: a tenant id, or 'park' for the park's own load, billed to the row 'park'.",
    )


@dataclass(frozen=True)
class CarryView:
    """What a rolling-horizon window realised, for one kind's :attr:`Kind.carry`.

    ``schedule`` is the window's solved schedule; the kept part is its first
    ``n_keep`` steps; the next window starts at ``next_start``.
    """

    schedule: Schedule
    n_keep: int
    window_start: pd.Timestamp
    next_start: pd.Timestamp

    def kept(self, block: str, name: str, key: str) -> np.ndarray:
        """Values of column group ``block[key].name`` over the kept steps."""
        return self.schedule.values(block, name)[key].to_numpy()[: self.n_keep]

    def last(self, block: str, name: str, key: str) -> float:
        """Value of ``block[key].name`` at the last kept step."""
        return float(self.kept(block, name, key)[-1])


@dataclass(frozen=True, eq=False)
class Kind:
    """One asset kind, declared in one module.

    Parameters
    ----------
    spec
        The pydantic model of the asset in a park file; its ``kind`` field is a
        ``Literal`` with the kind's name. Fields typed ``Series`` vary in time.
    build
        ``build(assets, ctx)`` adds the columns and rows of every asset of the
        kind to ``ctx.lp`` and declares its flows, costs and emissions to ``ctx``
        (:class:`greenpark.model.context.BuildContext`). The block name of its
        columns is the kind's name.
    roles
        What the kind is, from :data:`KIND_ROLES`.
    labels
        Its name for people, by language (``{"en": "Battery", "zh": "储能电池"}``).
    colour
        Its colour in charts.
    series
        Sign rule of each ``Series`` field (``nonnegative`` or ``positive``); a
        field not named may take any sign.
    derive
        ``derive(items, inputs, resolver)`` adds series computed from others
        (PV output from the weather) to ``inputs.series``; ``items`` are
        ``(position in park.assets, asset)``.
    check_document
        ``check_document(items, doc)`` finds problems in the raw park document
        across fields (``items``: position and raw mapping of the kind's assets).
    check_horizon
        ``check_horizon(where, asset, inputs)`` finds requirements no schedule
        can meet on the horizon, before a model is built.
    carry
        ``carry(asset, view)`` returns ``(updates, state)``: the field updates
        that start the next rolling-horizon window from where this one left
        the asset (:class:`CarryView`), and the state to report.
    kpis
        ``kpis(assets, schedule, inputs)`` returns the KPIs the kind contributes.
    demand
        ``(carrier, series field)`` of a fixed demand: weighs carbon budgets in
        a simulation, bounds the renewable share before a solve, and is the
        field a load forecast replaces in a nightly run.
    available
        Series (in ``inputs``) of the most a renewable generator can deliver.
    forecast
        ``(feed, field)``: the nightly run's forecast ``feed`` replaces ``field``.
    """

    spec: type[AssetSpec]
    build: Callable[[list, BuildContext], None]
    roles: frozenset[str] = frozenset()
    labels: Mapping[str, str] = field(default_factory=dict)
    colour: str = "#95a5a6"
    series: Mapping[str, str] = field(default_factory=dict)
    derive: Callable[[list[tuple[int, Any]], Inputs, SeriesResolver], None] | None = None
    check_document: Callable[[list[tuple[int, dict]], dict], list[Problem]] | None = None
    check_horizon: Callable[[str, Any, Inputs], list[Problem]] | None = None
    carry: Callable[[Any, CarryView], tuple[dict, dict]] | None = None
    kpis: Callable[[list, Schedule, Inputs], dict[str, float]] | None = None
    demand: tuple[str, str] | None = None
    available: str | None = None
    forecast: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(self.roles))
        unknown = set(self.roles) - set(KIND_ROLES)
        if unknown:
            raise ValueError(f"kind {self.name!r}: unknown roles {sorted(unknown)} (known: {', '.join(KIND_ROLES)})")
        bad = {f: s for f, s in self.series.items() if s not in SIGNS}
        if bad:
            raise ValueError(f"kind {self.name!r}: series signs must be one of {SIGNS}, not {bad}")

    @property
    def name(self) -> str:
        """The kind's tag in a park file (``kind: battery``), from its spec's ``kind`` literal."""
        return kind_name(self.spec)

    def label(self, lang: str = "en") -> str:
        """The kind's name in ``lang`` (English, else the tag)."""
        return self.labels.get(lang) or self.labels.get("en") or self.name


def kind_name(spec: type) -> str:
    """The ``Literal`` value of a spec class's ``kind`` field."""
    import typing

    f = spec.model_fields.get("kind") if hasattr(spec, "model_fields") else None
    args = typing.get_args(f.annotation) if f is not None else ()
    if len(args) != 1 or not isinstance(args[0], str):
        raise TypeError(f"{spec.__name__}: an asset spec needs a field kind: Literal['<name>']")
    return args[0]


# --------------------------------------------------------------------------
# Parts shared by several kinds


class Commitment(SpecModel):
    """Unit commitment (MILP) of a converter: on/off with its technical limits.

    With it, the unit's input is ``a·on + output/η`` (``a`` =
    ``no_load_input_kw``), its output lies in ``[min_load_fraction·max, max]``
    when on and is 0 when off.
    """

    min_load_fraction: float = Field(0.0, ge=0, le=1, description="Minimum stable output as a share of the maximum.")
    no_load_input_kw: float = Field(0.0, ge=0, description="Input (fuel or electricity) burnt whenever on [kW].")
    min_up_h: float = Field(0.0, ge=0, description="Minimum time on once started [h].")
    min_down_h: float = Field(0.0, ge=0, description="Minimum time off once stopped [h].")
    startup_cost_cny: float = Field(0.0, ge=0, description="Cost of each start [CNY].")
    max_starts: int | None = Field(None, ge=0, description="Starts allowed in the horizon.")
    ramp_up_kw_per_h: float | None = Field(None, gt=0, description="Output increase limit while on [kW/h].")
    ramp_down_kw_per_h: float | None = Field(None, gt=0, description="Output decrease limit while on [kW/h].")
    initially_on: bool = Field(False, description="On at the start of the horizon.")
    initial_state_h: float = Field(
        1000.0, ge=0, description="Hours the unit has been in its initial state (on or off) before the start."
    )
    initial_output_kw: float | None = Field(
        None, ge=0, description="Output just before the start (for ramps) [kW]; above 0 only for a unit initially on."
    )

    @model_validator(mode="after")
    def _initial(self) -> Commitment:
        if self.initial_output_kw and not self.initially_on:
            raise ValueError("initial_output_kw above 0 needs initially_on: true (a unit that is off produces nothing)")
        return self


def run_length(on: np.ndarray, prior_steps: float) -> float:
    """Steps the last state of ``on`` has lasted (plus ``prior_steps`` when it never changed)."""
    last = on[-1]
    change = np.flatnonzero(on != last)
    if not len(change):
        return len(on) + prior_steps
    return len(on) - (change[-1] + 1)


def carry_commitment(a: Any, view: CarryView, output: str) -> tuple[dict, dict]:
    """A committed unit's state after the kept steps: on or off, for how long, its last ``output``."""
    if a.commitment is None:
        return {}, {}
    block = a.kind
    on = np.round(view.kept(block, "on", a.id))
    dt = view.schedule.step_h
    c = a.commitment
    hours = float(run_length(on, c.initial_state_h / dt if bool(on[-1]) == c.initially_on else 0) * dt)
    update = {"initially_on": bool(on[-1]), "initial_state_h": hours,
              "initial_output_kw": view.last(block, output, a.id)}  # fmt: skip
    return {"commitment": c.model_copy(update=update)}, {f"{a.id}.on": bool(on[-1]), f"{a.id}.state_h": hours}


def commitment_horizon_check(where: str, a: Any, inputs: Inputs) -> list[Problem]:
    """Minimum up and down times no longer than the horizon."""
    c = getattr(a, "commitment", None)
    if c is None:
        return []
    horizon_h = inputs.n_steps * inputs.step_h
    return [
        Problem(f"{where}.commitment.{name}", f"{a.kind} {a.id!r}: {v:g} h is longer than the {horizon_h:g} h horizon")
        for name in ("min_up_h", "min_down_h")
        if (v := getattr(c, name)) > horizon_h
    ]


class AllowanceBenchmark(SpecModel):
    """Free allowance a unit earns by what it supplies (China's national ETS allocation by benchmark).

    allowance [t] = ``electricity_t_per_mwh`` × electricity supplied [MWh] + ``heat_t_per_gj`` × heat
    supplied [GJ]. Take the benchmark values from the allocation plan that applies (they change from
    plan to plan, by unit type).
    """

    electricity_t_per_mwh: float = Field(0.0, ge=0, description="Power-supply benchmark [tCO2/MWh].")
    heat_t_per_gj: float = Field(0.0, ge=0, description="Heat-supply benchmark [tCO2/GJ].")


class BurnerSpec(AssetSpec):
    """Fields of an asset that burns a fuel of the park (``fuels``, or the ``gas`` shorthand)."""

    fuel: str = Field("natural_gas", description="The fuel it burns: a name in the park's fuels (or 'gas').")
    fuel_co2_kg_per_kwh: float | None = Field(
        None, ge=0, description="Its own CO2 factor per kWh of fuel (LHV), instead of the fuel's [kgCO2/kWh]."
    )
    allowance_benchmark: AllowanceBenchmark | None = Field(
        None, description="Free allowance it earns by benchmark on what it supplies (needs carbon.trading)."
    )


def fuel_check(items: list[tuple[int, dict]], doc: dict) -> list[Problem]:
    """A burner's fuel is one the park buys (natural gas may come from the ``gas`` section)."""
    fuels = set((doc.get("fuels") or {}) if isinstance(doc.get("fuels"), dict) else ())
    if doc.get("gas") is not None:
        fuels.add("natural_gas")
    problems = []
    for i, a in items:
        fuel = a.get("fuel", "natural_gas")
        if isinstance(fuel, str) and fuel not in fuels:
            where = f"assets[{i}].fuel" if "fuel" in a else f"assets[{i}].kind"
            given = ", ".join(sorted(fuels)) or "none"
            hint = "add a 'gas' section or fuels.natural_gas" if fuel == "natural_gas" else f"add fuels.{fuel}"
            problems.append(Problem(where, f"a {a.get('kind')} burns {fuel} but the park buys no such fuel "
                                           f"(fuels: {given}); {hint}"))  # fmt: skip
    return problems


class StorageSpec(AssetSpec):
    """Fields of every store: power, energy, efficiencies, the initial and end state."""

    power_kw: float = Field(gt=0, description="Charge and discharge power limit [kW].")
    energy_kwh: float = Field(gt=0, description="Usable nameplate energy [kWh].")
    charge_efficiency: float = Field(0.95, gt=0, le=1)
    discharge_efficiency: float = Field(0.95, gt=0, le=1)
    soc_initial_fraction: float = Field(0.5, ge=0, le=1, description="State at the start, as a share of energy_kwh.")
    soc_final_fraction: float | None = Field(
        None,
        ge=0,
        le=1,
        description="State at the end of the horizon, as a share of energy_kwh (at least, or exactly: end_state); "
        "default = the initial state (a store never ends a horizon emptier than it began unless told). In a "
        "rolling-horizon simulation every window ends at least at the file's initial state.",
    )
    end_state: Literal["at_least", "equal", "cyclic"] = Field(
        "at_least",
        description="The end of the horizon: 'at_least' soc_final_fraction (the default), 'equal' to it, or "
        "'cyclic': the state at the end equals the state at the start, which is then free (soc_initial_fraction "
        "and soc_final_fraction unused).",
    )
    no_simultaneous: bool = Field(
        False, description="Forbid charging and discharging in the same step (one binary per step, MILP)."
    )
    soc_min_kwh: Series | None = Field(
        None, description="State at the end of each step, at least [kWh] (besides the kind's own limits)."
    )
    soc_max_kwh: Series | None = Field(
        None, description="State at the end of each step, at most [kWh] (besides the kind's own limits)."
    )

    @model_validator(mode="after")
    def _cyclic(self) -> StorageSpec:
        if self.end_state == "cyclic" and self.soc_final_fraction is not None:
            raise ValueError("soc_final_fraction has no meaning with end_state: cyclic (the end equals the start)")
        return self


def carry_store(a: Any, view: CarryView) -> tuple[dict, dict]:
    """A store starts the next window at its state after the kept steps (within its limits).

    Every window is asked to end at least at the park file's own initial state
    (its ``soc_final_fraction`` when given).
    """
    soc = view.last(a.kind, "soc_kwh", a.id)
    frac = float(np.clip(soc / a.energy_kwh, getattr(a, "soc_min_fraction", 0.0), getattr(a, "soc_max_fraction", 1.0)))
    update: dict[str, Any] = {"soc_initial_fraction": frac}
    if a.soc_final_fraction is None:
        update["soc_final_fraction"] = a.soc_initial_fraction
    return update, {f"{a.id}.soc_kwh": soc}


class HeatConverterSpec(AssetSpec):
    """Fields of a heat-only converter: its heat limit, O&M and optional commitment."""

    heat_kw: float = Field(gt=0, description="Maximum heat output [kW].")
    om_cny_per_kwh: float = Field(0.0, ge=0, description="O&M cost per kWh of heat (or of input: om_basis).")
    om_basis: Literal["output", "input"] = Field("output", description="What the O&M cost is charged on.")
    commitment: Commitment | None = None


class ChillerSpec(AssetSpec):
    """Fields of a chiller: its cooling limit, O&M and optional commitment."""

    cooling_kw: float = Field(gt=0, description="Maximum cooling output [kW].")
    om_cny_per_kwh: float = Field(0.0, ge=0, description="O&M cost per kWh of cooling (or of input: om_basis).")
    om_basis: Literal["output", "input"] = Field("output", description="What the O&M cost is charged on.")
    commitment: Commitment | None = None


class LoadSpec(AssetSpec):
    """Fields of a demand: its power and whether it may be shed at a value of lost load."""

    power_kw: Series = Field(description="Demand [kW].")
    curtailable: bool = Field(False, description="Only curtailable loads may be shed.")
    value_of_lost_load_cny_per_kwh: float | None = Field(
        None, gt=0, description="Penalty per kWh shed; required when curtailable."
    )

    @model_validator(mode="after")
    def _voll(self) -> LoadSpec:
        if self.curtailable and self.value_of_lost_load_cny_per_kwh is None:
            raise ValueError("value_of_lost_load_cny_per_kwh is required when curtailable is true")
        return self
