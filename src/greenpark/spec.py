"""The park specification: what a park file (YAML) may say, validated by pydantic.

Every model forbids unknown fields (``extra="forbid"``) so that a misspelt
parameter is an error, not a silently ignored line. Units live in field names.

Any parameter typed :data:`Series` varies in time and accepts

* a scalar (the same value at every step),
* an inline list of values, one per model step of the horizon, or
* a reference to a CSV file (:class:`SeriesRef`), resolved relative to the park
  file's folder; see :mod:`greenpark.inputs.series` for the typical-year rule.
"""

from __future__ import annotations

import itertools
import re
import typing
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from greenpark.errors import ParkValidationError, Problem

PARK_OWNER = "park"
"""Owner name of shared assets: they sit at the park node."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeriesRef(_Spec):
    """A time series read from a CSV file.

    The file has a ``time`` column (ISO timestamps, local time of the park or
    with an explicit UTC offset) and one column per series.
    """

    file: str = Field(description="CSV path, relative to the park file's folder.")
    column: str = Field(description="Column of the CSV file holding the values.")
    scale: float = Field(1.0, description="Factor applied to every value (e.g. to scale a profile).")


Series = float | list[float] | SeriesRef
"""A scalar, an inline list (one value per step) or a :class:`SeriesRef`."""


class Site(_Spec):
    """Where and at what resolution the park is modelled."""

    name: str = Field(min_length=1)
    timezone: str = Field("Asia/Shanghai", description="IANA time zone of the park.")
    latitude: float = Field(ge=-90, le=90, description="[degrees north]")
    longitude: float = Field(ge=-180, le=180, description="[degrees east]")
    altitude_m: float = Field(0.0, description="Altitude above sea level [m].")
    resolution: Literal["1h", "15min"] = Field("1h", description="Model time step.")

    @field_validator("timezone")
    @classmethod
    def _known_tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r}") from exc
        return v

    @property
    def step_hours(self) -> float:
        return 1.0 if self.resolution == "1h" else 0.25


class Weather(_Spec):
    """Weather series used by PV assets (pvlib).

    Columns: ``ghi_w_per_m2``, ``dni_w_per_m2``, ``dhi_w_per_m2`` [W/m²],
    ``temp_air_c`` [°C], ``wind_speed_m_per_s`` [m/s].
    """

    file: str = Field(description="CSV path, relative to the park file's folder.")


class Gas(_Spec):
    """Natural gas bought by the park, on lower heating value."""

    price_cny_per_kwh: Series = Field(description="Gas price per kWh of fuel (LHV) [CNY/kWh].")
    co2_kg_per_kwh: float = Field(0.200, ge=0, description="Combustion emission factor [kgCO2/kWh fuel].")


class CarbonTier(_Spec):
    """Emissions above ``above_t`` (up to the next tier) cost ``price_cny_per_t``."""

    above_t: float = Field(ge=0, description="Lower edge of the tier [tCO2].")
    price_cny_per_t: float = Field(ge=0, description="Price inside the tier [CNY/tCO2].")


class AllowanceTrading(_Spec):
    """A free allowance with trading: cost = price × (emissions − allowance)."""

    allowance_t: float = Field(ge=0, description="Free allowance for the horizon [tCO2].")
    price_cny_per_t: float = Field(ge=0, description="Allowance market price [CNY/tCO2].")
    sell_surplus: bool = Field(True, description="Unused allowance is sold at the price.")


class GreenCertificates(_Spec):
    """Green electricity certificates (GEC, 1 per MWh) the park may buy for market-based scope 2."""

    price_cny_per_mwh: float = Field(ge=0, description="Certificate price [CNY/MWh].")
    max_mwh: float | None = Field(
        None, ge=0, description="Certificates on offer in the horizon [MWh]; none = unlimited."
    )


class Carbon(_Spec):
    """Carbon policy of the park: any combination of the fields below."""

    price_cny_per_t: Series = Field(
        0.0, description="Carbon price on the park's emissions, at its mean over the horizon [CNY/tCO2]."
    )
    cap_t: float | None = Field(None, ge=0, description="Park-wide emissions cap over the horizon [tCO2].")
    tenant_caps_t: dict[str, float] = Field(
        default_factory=dict, description="Caps per tenant id [tCO2] (also settable as tenants[].carbon_cap_t)."
    )
    tiers: list[CarbonTier] = Field(default_factory=list, description="Tiered carbon price, tiers in rising order.")
    trading: AllowanceTrading | None = None
    min_renewable_share: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Renewable share of the park's electricity use, at least (PV used + certificates).",
    )
    green_certificates: GreenCertificates | None = None
    scope2_basis: Literal["location", "market"] = Field(
        "location", description="Scope 2 counted in caps and prices: location-based or market-based."
    )
    market_residual_co2_kg_per_kwh: float = Field(
        0.6096,
        ge=0,
        description="Market-based factor for grid electricity not covered by certificates [kgCO2/kWh] "
        "(national factor excluding market-traded non-fossil power, 2023).",
    )
    heat_co2_kg_per_kwh: float = Field(
        0.222,
        ge=0,
        description="Factor for heat a tenant draws from the park network in tenant accounting [kgCO2/kWh].",
    )

    @field_validator("tenant_caps_t")
    @classmethod
    def _caps(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [k for k, cap in v.items() if cap < 0]
        if bad:
            raise ValueError(f"caps must be >= 0 ({', '.join(bad)})")
        return v

    @model_validator(mode="after")
    def _tiers(self) -> Carbon:
        for a, b in itertools.pairwise(self.tiers):
            if b.above_t <= a.above_t:
                raise ValueError("tiers: above_t must increase from tier to tier")
            if b.price_cny_per_t < a.price_cny_per_t:
                raise ValueError("tiers: price_cny_per_t must not fall from tier to tier")
        return self


class Tenant(_Spec):
    """A tenant enterprise: its own node, connected to the park node."""

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    name: str = ""
    sector: str = ""
    electric_connection_kw: float | None = Field(
        None, gt=0, description="Limit of the tenant's electric link to the park node [kW]; none = unlimited."
    )
    heat_connection_kw: float | None = Field(
        None, ge=0, description="Limit of the tenant's heat link to the park node [kW]; none = unlimited."
    )
    carbon_cap_t: float | None = Field(None, ge=0, description="Cap on the tenant's emissions over the horizon [tCO2].")


class _Asset(_Spec):
    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    owner: str = Field(
        PARK_OWNER,
        description="Tenant id, or 'park' for a shared asset at the park node (the default). In a park with "
        "tenants, every load (electric_load, heat_load, interruptible_load, batch_job, production_line) must "
        "name its owner: a tenant id, or 'park' for the park's own load, billed to the row 'park'.",
    )


class GridConnection(_Asset):
    """The park's connection to the public grid (at the park node)."""

    kind: Literal["grid"]
    import_limit_kw: float = Field(gt=0, description="Transformer / contract import limit [kW].")
    export_limit_kw: float = Field(
        0.0,
        ge=0,
        description="Export limit [kW]; 0 forbids export. Export in a step is at most the on-site generation "
        "(PV and CHP output of the park and its tenants) in that step: energy bought is never resold.",
    )
    import_price_cny_per_kwh: Series = Field(description="Time-of-use energy price incl. critical peak [CNY/kWh].")
    export_price_cny_per_kwh: Series = Field(
        0.0,
        description="Price received for exported energy [CNY/kWh]. One meter: in a step the park imports or "
        "exports, never both; in steps where this price exceeds the import price a binary per step holds that "
        "(the park becomes a MILP, summary.json: integer_variables).",
    )
    co2_kg_per_kwh: Series = Field(description="Grid emission factor for imports [kgCO2/kWh].")
    demand_charge_cny_per_kw_month: float = Field(
        0.0, ge=0, description="Maximum-demand charge on the month's peak import [CNY/(kW·month)]."
    )
    peak_billed_kw: float = Field(
        0.0, ge=0, description="Peak import already billed this month [kW]; at most import_limit_kw."
    )


class PV(_Asset):
    """Rooftop or ground PV; output from weather via pvlib, or a given forecast."""

    kind: Literal["pv"]
    capacity_kwp: float = Field(gt=0, description="DC nameplate [kWp].")
    tilt_deg: float = Field(20.0, ge=0, le=90)
    azimuth_deg: float = Field(180.0, ge=0, lt=360, description="180 = south.")
    inverter_kw: float | None = Field(None, gt=0, description="AC limit [kW]; default = capacity_kwp / 1.1.")
    losses_fraction: float = Field(0.14, ge=0, lt=1, description="System losses (soiling, wiring, mismatch).")
    temp_coefficient_per_c: float = Field(-0.0037, description="Power temperature coefficient [1/°C].")
    forecast_kw: Series | None = Field(
        None,
        description="AC output forecast [kW]; replaces the pvlib model. Values above the AC limit (inverter_kw) "
        "are clipped to it and the clipped energy is reported (kpis.pv_clipped_kwh).",
    )
    om_cny_per_kwh: float = Field(0.0, ge=0)


class _Storage(_Asset):
    power_kw: float = Field(gt=0, description="Charge and discharge power limit [kW].")
    energy_kwh: float = Field(gt=0, description="Usable nameplate energy [kWh].")
    charge_efficiency: float = Field(0.95, gt=0, le=1)
    discharge_efficiency: float = Field(0.95, gt=0, le=1)
    soc_initial_fraction: float = Field(0.5, ge=0, le=1, description="State at the start, as a share of energy_kwh.")
    soc_final_fraction: float | None = Field(
        None, ge=0, le=1, description="Minimum state at the end; default = the initial state."
    )


class Battery(_Storage):
    """Electric battery storage."""

    kind: Literal["battery"]
    soc_min_fraction: float = Field(0.1, ge=0, le=1)
    soc_max_fraction: float = Field(0.9, ge=0, le=1)
    self_discharge_fraction_per_h: float = Field(0.0, ge=0, lt=1)
    throughput_cost_cny_per_kwh: float = Field(0.0, ge=0, description="Cost per kWh discharged [CNY/kWh].")
    no_simultaneous: bool = Field(
        False, description="Forbid charging and discharging in the same step (one binary per step, MILP)."
    )

    @model_validator(mode="after")
    def _soc_order(self) -> Battery:
        if self.soc_min_fraction > self.soc_max_fraction:
            raise ValueError("soc_min_fraction must not exceed soc_max_fraction")
        for name in ("soc_initial_fraction", "soc_final_fraction"):
            v = getattr(self, name)
            if v is not None and not (self.soc_min_fraction <= v <= self.soc_max_fraction):
                raise ValueError(f"{name} must lie between soc_min_fraction and soc_max_fraction")
        return self


class ThermalStore(_Storage):
    """Hot-water / steam accumulator (state between 0 and energy_kwh)."""

    kind: Literal["thermal_store"]
    discharge_efficiency: float = Field(0.90, gt=0, le=1)
    loss_fraction_per_h: float = Field(0.005, ge=0, lt=1, description="Standing losses [1/h].")
    om_cny_per_kwh: float = Field(0.0, ge=0, description="Cost per kWh discharged.")


TimeOfDayOrDateTime = str
"""``"HH:MM"`` (repeats every day of the horizon) or an ISO date-time (once)."""

_TIME_RE = re.compile(r"^([01]\d|2[0-4]):[0-5]\d$")


def _check_time(v: str) -> str:
    if _TIME_RE.match(v):
        return v
    try:
        pd.Timestamp(v)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{v!r} is neither HH:MM nor an ISO date-time") from exc
    return v


class Commitment(_Spec):
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


class _HeatConverter(_Asset):
    heat_kw: float = Field(gt=0, description="Maximum heat output [kW].")
    om_cny_per_kwh: float = Field(0.0, ge=0, description="Cost per kWh heat.")
    commitment: Commitment | None = None


class HeatPump(_HeatConverter):
    """Electric heat pump: heat = COP × electricity."""

    kind: Literal["heat_pump"]
    cop: Series = Field(description="Coefficient of performance [-].")


class GasBoiler(_HeatConverter):
    """Gas-fired boiler: heat = efficiency × gas."""

    kind: Literal["gas_boiler"]
    efficiency: float = Field(0.9, gt=0, le=1.1)


class ElectricBoiler(_HeatConverter):
    """Electrode / resistive boiler: heat = efficiency × electricity."""

    kind: Literal["electric_boiler"]
    efficiency: float = Field(0.99, gt=0, le=1)


class CHP(_Asset):
    """Gas CHP: electricity = η_e × gas, recovered heat ≤ η_h × gas."""

    kind: Literal["chp"]
    electric_kw: float = Field(gt=0, description="Maximum electric output [kW].")
    min_electric_kw: float = Field(0.0, ge=0, description="Minimum electric output (LP: must run) [kW].")
    electric_efficiency: float = Field(0.35, gt=0, lt=1)
    heat_efficiency: float = Field(0.45, ge=0, lt=1)
    om_cny_per_kwh: float = Field(0.0, ge=0, description="Cost per kWh electricity.")
    commitment: Commitment | None = None

    @model_validator(mode="after")
    def _limits(self) -> CHP:
        if self.min_electric_kw > self.electric_kw:
            raise ValueError("min_electric_kw must not exceed electric_kw")
        if self.electric_efficiency + self.heat_efficiency > 1.0:
            raise ValueError("electric_efficiency + heat_efficiency must not exceed 1")
        return self


class _Load(_Asset):
    power_kw: Series = Field(description="Demand [kW].")
    curtailable: bool = Field(False, description="Only curtailable loads may be shed.")
    value_of_lost_load_cny_per_kwh: float | None = Field(
        None, gt=0, description="Penalty per kWh shed; required when curtailable."
    )

    @model_validator(mode="after")
    def _voll(self) -> _Load:
        if self.curtailable and self.value_of_lost_load_cny_per_kwh is None:
            raise ValueError("value_of_lost_load_cny_per_kwh is required when curtailable is true")
        return self


class ElectricLoad(_Load):
    """A tenant's electric demand (incl. its chillers / cooling)."""

    kind: Literal["electric_load"]


class HeatLoad(_Load):
    """A tenant's heat / process steam demand."""

    kind: Literal["heat_load"]


class InterruptibleLoad(_Load):
    """Electric load that may be interrupted up to a daily energy at a price (demand response)."""

    kind: Literal["interruptible_load"]
    max_shed_kwh_per_day: float = Field(ge=0, description="Energy that may be shed per local day [kWh].")
    shed_price_cny_per_kwh: float = Field(ge=0, description="Cost (compensation) per kWh shed [CNY/kWh].")
    curtailable: bool = Field(False, description="Unused for this kind: shedding follows the daily limit.")


class BatchJob(_Asset):
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

    @field_validator("earliest_start", "latest_end")
    @classmethod
    def _times(cls, v: str) -> str:
        return _check_time(v)

    @model_validator(mode="after")
    def _profile(self) -> BatchJob:
        if any(p < 0 for p in self.profile_kw):
            raise ValueError("profile_kw must not be negative")
        if self.heat_profile_kw is not None and len(self.heat_profile_kw) != len(self.profile_kw):
            raise ValueError("heat_profile_kw must have as many hours as profile_kw")
        if self.running_since_h is not None and self.running_since_h >= len(self.profile_kw):
            raise ValueError("running_since_h must be shorter than the run (profile_kw)")
        return self


class Delivery(_Spec):
    """Units that leave the buffer at a time (daily at HH:MM, or once at an ISO date-time)."""

    at: TimeOfDayOrDateTime
    units: float = Field(gt=0)

    @field_validator("at")
    @classmethod
    def _time(cls, v: str) -> str:
        return _check_time(v)


class Shift(_Spec):
    """Hours a line may run: from ``start`` to ``end`` (HH:MM, may cross midnight) on ``weekdays`` (0 = Monday)."""

    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(pattern=r"^([01]\d|2[0-4]):[0-5]\d$")
    weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4, 5, 6])


class ProductionLine(_Asset):
    """A continuous line filling a product buffer that deliveries empty.

    ``output_units[t] = power_kw[t]·Δt / specific_energy``;
    ``inventory[t] = inventory[t−1] + output − deliveries``.
    """

    kind: Literal["production_line"]
    min_power_kw: float = Field(0.0, ge=0, description="Power when on, at least [kW].")
    max_power_kw: float = Field(gt=0, description="Power when on, at most [kW].")
    specific_energy_kwh_per_unit: float = Field(gt=0, description="Electricity per unit of product [kWh/unit].")
    co2_kg_per_unit_max: float | None = Field(
        None, ge=0, description="Emission intensity cap: grid emissions of the line's power per unit made [kgCO2/unit]."
    )
    inventory_initial_units: float = Field(0.0, ge=0)
    inventory_min_units: float = Field(0.0, ge=0)
    inventory_max_units: float = Field(gt=0)
    inventory_final_min_units: float | None = Field(None, ge=0, description="Inventory left at the end, at least.")
    deliveries: list[Delivery] = Field(default_factory=list)
    shifts: list[Shift] | None = Field(None, description="Operating hours; none = any time.")
    min_run_h: float = Field(0.0, ge=0, description="Minimum time on once started [h].")
    max_starts: int | None = Field(None, ge=0, description="Starts allowed in the horizon.")
    initially_on: bool = False
    initial_state_h: float = Field(1000.0, ge=0, description="Hours on (or off) before the start.")

    @model_validator(mode="after")
    def _bounds(self) -> ProductionLine:
        if self.min_power_kw > self.max_power_kw:
            raise ValueError("min_power_kw must not exceed max_power_kw")
        if not (self.inventory_min_units <= self.inventory_initial_units <= self.inventory_max_units):
            raise ValueError("inventory_initial_units must lie between inventory_min_units and inventory_max_units")
        return self


Asset = Annotated[
    GridConnection
    | PV
    | Battery
    | ThermalStore
    | HeatPump
    | GasBoiler
    | ElectricBoiler
    | CHP
    | ElectricLoad
    | HeatLoad
    | InterruptibleLoad
    | BatchJob
    | ProductionLine,
    Field(discriminator="kind"),
]


class Park(_Spec):
    """A whole park file."""

    park: Site
    weather: Weather | None = None
    gas: Gas | None = None
    carbon: Carbon = Carbon()
    tenants: list[Tenant] = Field(default_factory=list)
    assets: list[Asset] = Field(min_length=1)

    base_dir: Path = Field(Path("."), exclude=True, description="Folder that relative paths resolve from.")

    def assets_of_kind(self, kind: str) -> list[Any]:
        return [a for a in self.assets if a.kind == kind]

    @property
    def tenant_ids(self) -> list[str]:
        return [t.id for t in self.tenants]

    def tenant_caps_t(self) -> dict[str, float]:
        """Every tenant cap, from ``tenants[].carbon_cap_t`` and ``carbon.tenant_caps_t``."""
        caps = {t.id: t.carbon_cap_t for t in self.tenants if t.carbon_cap_t is not None}
        caps.update(self.carbon.tenant_caps_t)
        return caps


_GAS_KINDS = {"gas_boiler", "chp"}
LOAD_KINDS = {"electric_load", "heat_load", "interruptible_load", "batch_job", "production_line"}
"""Kinds with the load role: in a park with tenants each names its owner (a tenant, or 'park')."""


def check_references(data: dict[str, Any]) -> list[Problem]:
    """Cross-field checks on the raw document: unique ids, owners that exist, one grid connection.

    Works on the raw mapping so that these problems are listed together with
    the field errors pydantic finds.
    """
    problems: list[Problem] = []
    tenants_raw = data.get("tenants") or []
    assets_raw = data.get("assets") or []
    if not isinstance(tenants_raw, list) or not isinstance(assets_raw, list):
        return problems
    seen: dict[str, str] = {}
    for i, t in enumerate(tenants_raw):
        tid = t.get("id") if isinstance(t, dict) else None
        if tid is None:
            continue
        if tid == PARK_OWNER:
            problems.append(Problem(f"tenants[{i}].id", f"'{PARK_OWNER}' is reserved for the park itself"))
        if tid in seen:
            problems.append(Problem(f"tenants[{i}].id", f"duplicate id {tid!r} (also {seen[tid]})"))
        seen[tid] = f"tenants[{i}]"
    tenants = set(seen)
    asset_seen: dict[str, str] = {}
    grids: list[int] = []
    for i, a in enumerate(assets_raw):
        if not isinstance(a, dict):
            continue
        aid, kind, owner = a.get("id"), a.get("kind"), a.get("owner", PARK_OWNER)
        if aid is not None:
            if aid in asset_seen:
                problems.append(Problem(f"assets[{i}].id", f"duplicate id {aid!r} (also {asset_seen[aid]})"))
            asset_seen[aid] = f"assets[{i}]"
        if kind in LOAD_KINDS and tenants and "owner" not in a:
            problems.append(
                Problem(
                    f"assets[{i}].owner",
                    f"{kind} {aid!r} has no owner: in a park with tenants every load names its owner "
                    f"(a tenant id: {', '.join(sorted(tenants))}; or 'park' for the park's own load)",
                )
            )
        elif owner != PARK_OWNER and owner not in tenants:
            known = ", ".join(sorted(tenants)) or "none"
            problems.append(Problem(f"assets[{i}].owner", f"unknown tenant {owner!r} (tenants: {known}; or 'park')"))
        if kind == "grid":
            grids.append(i)
            peak, limit = a.get("peak_billed_kw"), a.get("import_limit_kw")
            if isinstance(peak, (int, float)) and isinstance(limit, (int, float)) and peak > limit:
                problems.append(
                    Problem(f"assets[{i}].peak_billed_kw", f"{peak:g} kW exceeds import_limit_kw ({limit:g} kW)")
                )
            if owner != PARK_OWNER:
                problems.append(Problem(f"assets[{i}].owner", "the grid connection belongs to the park node ('park')"))
        if kind in _GAS_KINDS and data.get("gas") is None:
            problems.append(Problem(f"assets[{i}].kind", f"a {kind} burns gas but the park file has no 'gas' section"))
        if kind == "pv" and a.get("forecast_kw") is None and data.get("weather") is None:
            problems.append(Problem(f"assets[{i}]", "PV needs either forecast_kw or the park's 'weather' section"))
    if len(grids) > 1:
        problems.append(Problem(f"assets[{grids[1]}].kind", "a park has one grid connection"))
    problems += _precedence_problems(assets_raw)
    problems += _running_problems(assets_raw)
    carbon = data.get("carbon") or {}
    if isinstance(carbon, dict) and isinstance(carbon.get("tenant_caps_t"), dict):
        for tid in carbon["tenant_caps_t"]:
            if tid not in tenants:
                problems.append(Problem(f"carbon.tenant_caps_t.{tid}", f"unknown tenant {tid!r}"))
            elif any(isinstance(t, dict) and t.get("id") == tid and t.get("carbon_cap_t") is not None
                     for t in tenants_raw):  # fmt: skip
                problems.append(Problem(f"carbon.tenant_caps_t.{tid}", "also set as tenants[].carbon_cap_t"))
    return problems


def _precedence_problems(assets_raw: list) -> list[Problem]:
    """``after`` names a required single-run batch job of the same tenant."""
    jobs = {a.get("id"): a for a in assets_raw if isinstance(a, dict) and a.get("kind") == "batch_job"}
    problems = []
    for i, a in enumerate(assets_raw):
        if not isinstance(a, dict) or a.get("kind") != "batch_job" or a.get("after") is None:
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


def _running_problems(assets_raw: list) -> list[Problem]:
    """Runs already going at the start (``running_since_h``) must fit their line and precedence."""
    jobs = [(i, a) for i, a in enumerate(assets_raw) if isinstance(a, dict) and a.get("kind") == "batch_job"]
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


def _loc_to_path(loc: tuple[Any, ...]) -> str:
    """Turn a pydantic error location into ``assets[3].power_kw``.

    The discriminated-union tag (``'battery'`` after an asset index) and the
    union branch names (``float``, ``list[float]``, ``SeriesRef``) are dropped.
    """
    out = ""
    prev: Any = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _is_noise(part, prev, out):
            pass
        else:
            out += f".{part}" if out else str(part)
        prev = part
    return out


def _is_noise(part: Any, prev: Any, path: str) -> bool:
    tag = isinstance(prev, int) and path.startswith("assets") and part in _ASSET_KINDS
    return tag or part in ("float", "list[float]", "SeriesRef") or bool(re.match(r"^function-", str(part)))


_ASSET_KINDS = {
    typing.get_args(cls.model_fields["kind"].annotation)[0] for cls in typing.get_args(typing.get_args(Asset)[0])
}
"""Every kind tag of the ``Asset`` union (derived, so a new kind cannot be forgotten here)."""


def _pydantic_problems(exc: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors():
        path = _loc_to_path(tuple(err["loc"]))
        msg = err["msg"]
        msg = re.sub(r"^(Value error|Assertion failed), ", "", msg)
        for words, sign in (
            ("greater than or equal to ", ">="),
            ("less than or equal to ", "<="),
            ("greater than ", ">"),
            ("less than ", "<"),
        ):
            if msg.startswith("Input should be " + words):
                msg = f"must be {sign} " + msg.removeprefix("Input should be " + words)
                break
        key = (path, msg)
        if key not in seen:
            seen.add(key)
            problems.append(Problem(path, msg))
    return _collapse_union_noise(problems)


def _collapse_union_noise(problems: list[Problem]) -> list[Problem]:
    """A bad Series value produces one error per union branch; keep one clear message."""
    by_path: dict[str, list[Problem]] = {}
    for p in problems:
        by_path.setdefault(p.path, []).append(p)
    out: list[Problem] = []
    for path, group in by_path.items():
        branch_errors = [p for p in group if p.message.startswith("Input should be a valid")]
        if len(branch_errors) >= 2 and len(branch_errors) == len(group):
            out.append(Problem(path, "must be a number, a list of numbers or {file, column}"))
        else:
            out.extend(group)
    return out


def park_from_dict(data: Any, base_dir: Path | str = ".", source: str | None = None) -> Park:
    """Validate a park document (already parsed from YAML/JSON).

    Raises
    ------
    ParkValidationError
        With every problem found and its path.
    """
    if not isinstance(data, dict):
        raise ParkValidationError([Problem("", "a park file must be a mapping with 'park' and 'assets'")], source)
    problems = check_references(data)
    try:
        park = Park.model_validate({**data, "base_dir": Path(base_dir)})
    except ValidationError as exc:
        problems = _pydantic_problems(exc) + problems
    if problems:
        raise ParkValidationError(problems, source)
    return park


def load_park(path: str | Path) -> Park:
    """Read and validate a park file (YAML).

    Paths inside the file resolve relative to the file's folder.
    """
    path = Path(path)
    if not path.is_file():
        raise ParkValidationError([Problem(str(path), "park file not found")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParkValidationError([Problem(str(path), f"not valid YAML: {exc}")]) from None
    return park_from_dict(data, base_dir=path.resolve().parent, source=str(path))


def park_json_schema() -> dict[str, Any]:
    """The JSON Schema of a park file (``api/park.schema.json``)."""
    schema = Park.model_json_schema(mode="validation")
    schema["properties"].pop("base_dir", None)
    schema["title"] = "greenpark park file"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
