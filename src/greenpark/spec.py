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
from pathlib import Path
from typing import Annotated, Any, Literal, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo

from greenpark import kinds
from greenpark.errors import ParkValidationError, Problem
from greenpark.fields import PARK_OWNER, Series, SeriesRef, SpecModel

__all__ = ["PARK_OWNER", "Asset", "Park", "Series", "SeriesRef", "load_park", "park_from_dict", "park_json_schema"]

_Spec = SpecModel


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


FUEL_DEFAULTS: dict[str, dict[str, float]] = {
    # LHV and CO2 factors as the national accounting guidelines for industrial enterprises tabulate them
    # (datasets/fuels/PROVENANCE.md): natural gas 38,931 kJ/m³, 15.3 tC/TJ, oxidation 0.99 → 2.162 kg/m³;
    # diesel 42.652 GJ/t, 20.2 tC/TJ, oxidation 0.98; hydrogen burns to water (no CO2).
    "natural_gas": {"lhv_kwh_per_m3": 38931 / 3600, "co2_kg_per_kwh": 0.1999},
    "diesel": {"lhv_kwh_per_kg": 42652 / 3600, "co2_kg_per_kwh": 0.2613},
    "hydrogen": {"lhv_kwh_per_kg": 119.96e3 / 3600, "lhv_kwh_per_m3": 10.79e3 / 3600, "co2_kg_per_kwh": 0.0},
}
"""Heating values and CO2 factors of fuels known by name; a park file's figures override them."""


class Fuel(_Spec):
    """A fuel the park buys: its price in its market unit, its heating value to convert it, its CO2 factor.

    Quantities in the model are kWh of fuel on lower heating value (LHV). A price per m³ or per t is
    divided by ``lhv_kwh_per_m3`` or ``lhv_kwh_per_kg`` × 1000; a factor per m³ or per t likewise. For a
    fuel named ``natural_gas``, ``diesel`` or ``hydrogen`` the heating values and the CO2 factor default to
    the national guidelines' (``datasets/fuels``).
    """

    price_cny_per_kwh: Series | None = Field(None, description="Price per kWh of fuel (LHV) [CNY/kWh].")
    price_cny_per_m3: Series | None = Field(None, description="Price per cubic metre (gases) [CNY/m³].")
    price_cny_per_t: Series | None = Field(None, description="Price per tonne (liquids, solids) [CNY/t].")
    lhv_kwh_per_m3: float | None = Field(None, gt=0, description="Lower heating value per m³ [kWh/m³].")
    lhv_kwh_per_kg: float | None = Field(None, gt=0, description="Lower heating value per kg [kWh/kg].")
    co2_kg_per_kwh: float | None = Field(None, ge=0, description="CO2 per kWh of fuel (LHV) [kgCO2/kWh].")
    co2_kg_per_m3: float | None = Field(None, ge=0, description="CO2 per m³ burnt [kgCO2/m³].")
    co2_kg_per_t: float | None = Field(None, ge=0, description="CO2 per tonne burnt [kgCO2/t].")

    @model_validator(mode="after")
    def _one_price(self) -> Fuel:
        names = ("price_cny_per_kwh", "price_cny_per_m3", "price_cny_per_t")
        prices = [n for n in names if getattr(self, n) is not None]
        if len(prices) != 1:
            raise ValueError("give exactly one of price_cny_per_kwh, price_cny_per_m3, price_cny_per_t")
        if len([n for n in ("co2_kg_per_kwh", "co2_kg_per_m3", "co2_kg_per_t") if getattr(self, n) is not None]) > 1:
            raise ValueError("give at most one of co2_kg_per_kwh, co2_kg_per_m3, co2_kg_per_t")
        return self

    def kwh_per_unit(self, name: str, unit: str) -> float | None:
        """kWh (LHV) in one m³ or one t of this fuel (its own heating value, else the named fuel's default)."""
        defaults = FUEL_DEFAULTS.get(name, {})
        if unit == "m3":
            return self.lhv_kwh_per_m3 or defaults.get("lhv_kwh_per_m3")
        kg = self.lhv_kwh_per_kg or defaults.get("lhv_kwh_per_kg")
        return kg * 1000.0 if kg else None

    def price_per_kwh_factor(self, name: str) -> tuple[Series, float]:
        """The price series as given and the factor that turns it into CNY per kWh (LHV)."""
        if self.price_cny_per_kwh is not None:
            return self.price_cny_per_kwh, 1.0
        unit = "m3" if self.price_cny_per_m3 is not None else "t"
        per_unit = self.kwh_per_unit(name, unit)
        assert per_unit, "checked by check_fuels"
        return (self.price_cny_per_m3 if unit == "m3" else self.price_cny_per_t), 1.0 / per_unit

    def co2_per_kwh(self, name: str) -> float | None:
        """kgCO2 per kWh of fuel (LHV): the park file's factor in any unit, else the named fuel's default."""
        if self.co2_kg_per_kwh is not None:
            return self.co2_kg_per_kwh
        for field, unit in (("co2_kg_per_m3", "m3"), ("co2_kg_per_t", "t")):
            value = getattr(self, field)
            if value is not None:
                per_unit = self.kwh_per_unit(name, unit)
                return value / per_unit if per_unit else None
        return FUEL_DEFAULTS.get(name, {}).get("co2_kg_per_kwh")


class CarbonTier(_Spec):
    """Emissions above ``above_t`` (up to the next tier) cost ``price_cny_per_t``."""

    above_t: float = Field(ge=0, description="Lower edge of the tier [tCO2].")
    price_cny_per_t: float = Field(ge=0, description="Price inside the tier [CNY/tCO2].")


class AllowanceTrading(_Spec):
    """A free allowance with trading: cost = price × (emissions − allowance).

    The allowance is ``allowance_t`` plus what units earn by their benchmarks (``allowance_benchmark``
    on a CHP or boiler: t per MWh of electricity and per GJ of heat they supply, as China's national ETS
    allocates them), so the carbon price bites at the margin only on a unit's emissions above its
    benchmark.
    """

    allowance_t: float = Field(
        0.0, ge=0, description="Fixed free allowance for the horizon [tCO2] (besides what units earn by benchmark)."
    )
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
    cooling_co2_kg_per_kwh: float | None = Field(
        None,
        ge=0,
        description="Factor for cooling a tenant draws from the park network in tenant accounting [kgCO2/kWh]; "
        "none = cooling drawn is not counted in a tenant's own cap (its chillers' electricity is, where they "
        "are the tenant's).",
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


class Limit(_Spec):
    """A limit, upper and/or lower, on what a chosen set of assets emits or delivers over the horizon.

    The set is ``assets`` (ids) plus every asset owned by ``tenants``. ``co2_t`` counts the set's own
    emissions in the park inventory (scope 1 of its burners, scope 2 of the grid import if the grid is in
    it); ``energy_kwh`` the energy its assets deliver into their nodes (generators' and converters' output,
    stores' discharge).
    """

    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$", description="Names the limit in results and explanations.")
    assets: list[str] = Field(default_factory=list, description="Asset ids in the set.")
    tenants: list[str] = Field(default_factory=list, description="Tenants whose assets are all in the set.")
    quantity: Literal["co2_t", "energy_kwh"] = Field(description="What is limited: emissions [t] or energy [kWh].")
    max: float | None = Field(None, description="At most, over the horizon (in the quantity's unit).")
    min: float | None = Field(None, description="At least, over the horizon (in the quantity's unit).")

    @model_validator(mode="after")
    def _bounds(self) -> Limit:
        if self.max is None and self.min is None:
            raise ValueError("give max, min or both")
        if self.max is not None and self.min is not None and self.min > self.max:
            raise ValueError("min must not exceed max")
        if not self.assets and not self.tenants:
            raise ValueError("name the assets or tenants the limit is on")
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
    cooling_connection_kw: float | None = Field(
        None, ge=0, description="Limit of the tenant's cooling link to the park node [kW]; none = unlimited."
    )
    carbon_cap_t: float | None = Field(None, ge=0, description="Cap on the tenant's emissions over the horizon [tCO2].")


def asset_union() -> Any:
    """The ``Asset`` type of a park file: every registered kind's spec, told apart by ``kind``."""
    specs = tuple(k.spec for k in kinds.all_kinds())
    return Annotated[Union[specs], Field(discriminator="kind")]  # noqa: UP007 (a runtime tuple of classes)


Asset = asset_union()
"""Any asset of a registered kind (see :mod:`greenpark.kinds`)."""


class Park(_Spec):
    """A whole park file."""

    park: Site
    weather: Weather | None = None
    gas: Gas | None = Field(None, description="Natural gas: the shorthand of fuels.natural_gas with a price per kWh.")
    fuels: dict[str, Fuel] = Field(
        default_factory=dict,
        description="Fuels the park buys, by name (natural_gas, diesel, hydrogen, or any name with its own factors); "
        "each burner names its fuel (default natural_gas).",
    )
    carbon: Carbon = Carbon()
    limits: list[Limit] = Field(
        default_factory=list, description="Emission or energy limits on chosen sets of assets or tenants."
    )
    tenants: list[Tenant] = Field(default_factory=list)
    assets: list[Asset] = Field(min_length=1, description="The park's assets; each names its kind.")

    base_dir: Path = Field(Path("."), exclude=True, description="Folder that relative paths resolve from.")

    @model_validator(mode="after")
    def _benchmarks_trade(self) -> Park:
        earning = [a.id for a in self.assets if getattr(a, "allowance_benchmark", None) is not None]
        if earning and self.carbon.trading is None:
            raise ValueError(
                f"assets {', '.join(earning)} earn allowances by benchmark, but carbon.trading (the allowance "
                "price) is not given"
            )
        return self

    def all_fuels(self) -> dict[str, Fuel]:
        """Every fuel of the park: ``fuels`` plus the ``gas`` shorthand as ``natural_gas``."""
        out = dict(self.fuels)
        if self.gas is not None:
            gas = self.gas
            out["natural_gas"] = Fuel(price_cny_per_kwh=gas.price_cny_per_kwh, co2_kg_per_kwh=gas.co2_kg_per_kwh)
        return out

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
    by_kind: dict[str, list[tuple[int, dict]]] = {}
    for i, a in enumerate(assets_raw):
        if not isinstance(a, dict):
            continue
        aid, kind, owner = a.get("id"), a.get("kind"), a.get("owner", PARK_OWNER)
        if aid is not None:
            if aid in asset_seen:
                problems.append(Problem(f"assets[{i}].id", f"duplicate id {aid!r} (also {asset_seen[aid]})"))
            asset_seen[aid] = f"assets[{i}]"
        if kinds.has_role(a, "load") and tenants and "owner" not in a:
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
        if isinstance(kind, str) and kind in kinds.names():
            by_kind.setdefault(kind, []).append((i, a))
    for name, items in by_kind.items():
        check = kinds.get(name).check_document
        if check is not None:
            problems += check(items, data)
    problems += _fuel_problems(data)
    for i, lim in enumerate(data.get("limits") or []):
        if not isinstance(lim, dict):
            continue
        for field_name, known, what in (("assets", asset_seen, "asset"), ("tenants", tenants, "tenant")):
            for j, ref in enumerate(lim.get(field_name) or []):
                if isinstance(ref, str) and ref not in known:
                    problems.append(Problem(f"limits[{i}].{field_name}[{j}]", f"no {what} {ref!r}"))
    carbon = data.get("carbon") or {}
    if isinstance(carbon, dict) and isinstance(carbon.get("tenant_caps_t"), dict):
        for tid in carbon["tenant_caps_t"]:
            if tid not in tenants:
                problems.append(Problem(f"carbon.tenant_caps_t.{tid}", f"unknown tenant {tid!r}"))
            elif any(isinstance(t, dict) and t.get("id") == tid and t.get("carbon_cap_t") is not None
                     for t in tenants_raw):  # fmt: skip
                problems.append(Problem(f"carbon.tenant_caps_t.{tid}", "also set as tenants[].carbon_cap_t"))
    return problems


def _fuel_problems(data: dict[str, Any]) -> list[Problem]:
    """A fuel given once, with the heating value its units need and a CO2 factor (its own or a named default)."""
    fuels = data.get("fuels") or {}
    if not isinstance(fuels, dict):
        return []
    problems = []
    if data.get("gas") is not None and "natural_gas" in fuels:
        problems.append(Problem("fuels.natural_gas", "natural gas is given twice: as 'gas' and in 'fuels'"))
    for name, f in fuels.items():
        if not isinstance(f, dict):
            continue
        defaults = FUEL_DEFAULTS.get(name, {})
        for unit, lhv in (("m3", "lhv_kwh_per_m3"), ("t", "lhv_kwh_per_kg")):
            used = [k for k in (f"price_cny_per_{unit}", f"co2_kg_per_{unit}") if f.get(k) is not None]
            if used and f.get(lhv) is None and lhv not in defaults:
                problems.append(Problem(f"fuels.{name}.{lhv}", f"needed to convert {used[0]} to kWh"))
        co2 = [k for k in ("co2_kg_per_kwh", "co2_kg_per_m3", "co2_kg_per_t") if f.get(k) is not None]
        if not co2 and "co2_kg_per_kwh" not in defaults:
            known = ", ".join(FUEL_DEFAULTS)
            msg = f"no CO2 factor: give co2_kg_per_kwh (defaults exist for {known})"
            problems.append(Problem(f"fuels.{name}", msg))
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
    tag = isinstance(prev, int) and path.startswith("assets") and part in kinds.names()
    return tag or part in ("float", "list[float]", "SeriesRef", "Calendar") or bool(re.match(r"^function-", str(part)))


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
            out.append(Problem(path, "must be a number, a list of numbers, {file, column} or a calendar {weekday, …}"))
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


def _rebuild_park() -> None:
    """A kind was registered or removed: the ``Asset`` union and the park model follow."""
    global Asset
    Asset = asset_union()
    field = Park.model_fields["assets"]
    Park.model_fields["assets"] = FieldInfo.merge_field_infos(field, annotation=list[Asset])
    Park.model_rebuild(force=True)


kinds.on_change(_rebuild_park)
if kinds.load_entry_points():
    _rebuild_park()


def __getattr__(name: str) -> Any:
    """The spec classes of registered kinds by class name (``from greenpark.spec import Battery``)."""
    for k in kinds.all_kinds():
        if k.spec.__name__ == name:
            return k.spec
    raise AttributeError(f"module 'greenpark.spec' has no attribute {name!r}")
