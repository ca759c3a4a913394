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

import re
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


class Carbon(_Spec):
    """Carbon policy of the park."""

    price_cny_per_t: Series = Field(0.0, description="Carbon price applied to park emissions [CNY/tCO2].")
    cap_t: float | None = Field(None, ge=0, description="Park-wide emissions cap over the horizon [tCO2].")
    heat_co2_kg_per_kwh: float = Field(
        0.222,
        ge=0,
        description="Factor for heat a tenant draws from the park network in tenant accounting [kgCO2/kWh].",
    )


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
    owner: str = Field(PARK_OWNER, description="Tenant id, or 'park' for a shared asset at the park node.")


class GridConnection(_Asset):
    """The park's connection to the public grid (at the park node)."""

    kind: Literal["grid"]
    import_limit_kw: float = Field(gt=0, description="Transformer / contract import limit [kW].")
    export_limit_kw: float = Field(0.0, ge=0, description="Export limit [kW]; 0 forbids export.")
    import_price_cny_per_kwh: Series = Field(description="Time-of-use energy price incl. critical peak [CNY/kWh].")
    export_price_cny_per_kwh: Series = Field(0.0, description="Price received for exported energy [CNY/kWh].")
    co2_kg_per_kwh: Series = Field(description="Grid emission factor for imports [kgCO2/kWh].")
    demand_charge_cny_per_kw_month: float = Field(
        0.0, ge=0, description="Maximum-demand charge on the month's peak import [CNY/(kW·month)]."
    )
    peak_billed_kw: float = Field(0.0, ge=0, description="Peak import already billed this month [kW].")


class PV(_Asset):
    """Rooftop or ground PV; output from weather via pvlib, or a given forecast."""

    kind: Literal["pv"]
    capacity_kwp: float = Field(gt=0, description="DC nameplate [kWp].")
    tilt_deg: float = Field(20.0, ge=0, le=90)
    azimuth_deg: float = Field(180.0, ge=0, lt=360, description="180 = south.")
    inverter_kw: float | None = Field(None, gt=0, description="AC limit [kW]; default = capacity_kwp / 1.1.")
    losses_fraction: float = Field(0.14, ge=0, lt=1, description="System losses (soiling, wiring, mismatch).")
    temp_coefficient_per_c: float = Field(-0.0037, description="Power temperature coefficient [1/°C].")
    forecast_kw: Series | None = Field(None, description="AC output forecast [kW]; replaces the pvlib model.")
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


class HeatPump(_Asset):
    """Electric heat pump: heat = COP × electricity."""

    kind: Literal["heat_pump"]
    heat_kw: float = Field(gt=0, description="Maximum heat output [kW].")
    cop: Series = Field(description="Coefficient of performance [-].")
    om_cny_per_kwh: float = Field(0.0, ge=0, description="Cost per kWh heat.")


class GasBoiler(_Asset):
    """Gas-fired boiler: heat = efficiency × gas."""

    kind: Literal["gas_boiler"]
    heat_kw: float = Field(gt=0)
    efficiency: float = Field(0.9, gt=0, le=1.1)
    om_cny_per_kwh: float = Field(0.0, ge=0, description="Cost per kWh heat.")


class ElectricBoiler(_Asset):
    """Electrode / resistive boiler: heat = efficiency × electricity."""

    kind: Literal["electric_boiler"]
    heat_kw: float = Field(gt=0)
    efficiency: float = Field(0.99, gt=0, le=1)
    om_cny_per_kwh: float = Field(0.0, ge=0, description="Cost per kWh heat.")


class CHP(_Asset):
    """Gas CHP: electricity = η_e × gas, recovered heat ≤ η_h × gas."""

    kind: Literal["chp"]
    electric_kw: float = Field(gt=0, description="Maximum electric output [kW].")
    min_electric_kw: float = Field(0.0, ge=0, description="Minimum electric output (LP: must run) [kW].")
    electric_efficiency: float = Field(0.35, gt=0, lt=1)
    heat_efficiency: float = Field(0.45, ge=0, lt=1)
    om_cny_per_kwh: float = Field(0.0, ge=0, description="Cost per kWh electricity.")

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
    | HeatLoad,
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


_GAS_KINDS = {"gas_boiler", "chp"}


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
        if owner != PARK_OWNER and owner not in tenants:
            known = ", ".join(sorted(tenants)) or "none"
            problems.append(Problem(f"assets[{i}].owner", f"unknown tenant {owner!r} (tenants: {known}; or 'park')"))
        if kind == "grid":
            grids.append(i)
            if owner != PARK_OWNER:
                problems.append(Problem(f"assets[{i}].owner", "the grid connection belongs to the park node ('park')"))
        if kind in _GAS_KINDS and data.get("gas") is None:
            problems.append(Problem(f"assets[{i}].kind", f"a {kind} burns gas but the park file has no 'gas' section"))
        if kind == "pv" and a.get("forecast_kw") is None and data.get("weather") is None:
            problems.append(Problem(f"assets[{i}]", "PV needs either forecast_kw or the park's 'weather' section"))
    if len(grids) > 1:
        problems.append(Problem(f"assets[{grids[1]}].kind", "a park has one grid connection"))
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
    "grid",
    "pv",
    "battery",
    "thermal_store",
    "heat_pump",
    "gas_boiler",
    "electric_boiler",
    "chp",
    "electric_load",
    "heat_load",
}


def _pydantic_problems(exc: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors():
        path = _loc_to_path(tuple(err["loc"]))
        msg = err["msg"]
        msg = re.sub(r"^(Value error|Assertion failed), ", "", msg)
        if msg.startswith("Input should be greater than "):
            msg = "must be > " + msg.removeprefix("Input should be greater than ")
        elif msg.startswith("Input should be less than "):
            msg = "must be < " + msg.removeprefix("Input should be less than ")
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
