"""Resolve a validated park onto a model horizon: every series as an array."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from greenpark.errors import ParkValidationError, Problem
from greenpark.inputs.pv import WEATHER_COLUMNS, pv_ac_power_kw
from greenpark.inputs.series import SeriesResolver, model_index
from greenpark.spec import Park, SeriesRef

# Sign checks by field name: names carry meaning and units across asset kinds.
_NONNEGATIVE = {"power_kw", "co2_kg_per_kwh", "forecast_kw", "price_cny_per_t"}
_POSITIVE = {"cop"}


@cache
def _series_fields(model_cls: type) -> tuple[str, ...]:
    return tuple(name for name, f in model_cls.model_fields.items() if "SeriesRef" in str(f.annotation))


@dataclass
class Inputs:
    """A park with every time-varying parameter resolved on the model index.

    Attributes
    ----------
    park : Park
        The validated specification.
    index : DatetimeIndex
        Left-labelled model steps, tz-aware in the park's time zone.
    step_h : float
        Step length. [h]
    series : dict
        ``(asset_id, field) -> ndarray`` for every series-valued asset field
        (scalars broadcast), plus ``(pv_id, "available_kw")`` for PV.
    gas_price_cny_per_kwh, carbon_price_cny_per_t : ndarray
        Park-level series.
    """

    park: Park
    index: pd.DatetimeIndex
    step_h: float
    series: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    gas_price_cny_per_kwh: np.ndarray | None = None
    carbon_price_cny_per_t: np.ndarray | None = None

    @property
    def n_steps(self) -> int:
        return len(self.index)

    def get(self, asset_id: str, name: str) -> np.ndarray:
        return self.series[(asset_id, name)]


def resolve_inputs(
    park: Park, start: pd.Timestamp | str, horizon: pd.Timedelta | str, *, problems: list[Problem] | None = None
) -> Inputs:
    """Resolve every series of ``park`` on ``[start, start + horizon)``.

    ``problems``, when given, receives the series problems instead of their
    being raised; the series concerned are then zeros in the inputs returned
    (so that checks needing only the park and the horizon can still run).

    Raises
    ------
    ParkValidationError
        Listing every missing file, gap, NaN, negative load, wrong length or
        wrong time zone found (a horizon that is not whole steps is raised
        even with ``problems``).
    """
    tz = park.park.timezone
    try:
        index = model_index(pd.Timestamp(start), pd.Timedelta(horizon), park.park.resolution, tz)
    except ValueError as exc:
        raise ParkValidationError([Problem("horizon", str(exc))]) from None
    resolver = SeriesResolver(index=index, base_dir=park.base_dir)
    inputs = Inputs(park=park, index=index, step_h=park.park.step_hours)

    for i, asset in enumerate(park.assets):
        for name in _series_fields(type(asset)):
            value = getattr(asset, name)
            if value is None:
                continue
            inputs.series[(asset.id, name)] = resolver.resolve(
                value, f"assets[{i}].{name}", nonnegative=name in _NONNEGATIVE, positive=name in _POSITIVE
            )
    if park.gas is not None:
        inputs.gas_price_cny_per_kwh = resolver.resolve(park.gas.price_cny_per_kwh, "gas.price_cny_per_kwh")
    inputs.carbon_price_cny_per_t = resolver.resolve(
        park.carbon.price_cny_per_t, "carbon.price_cny_per_t", nonnegative=True
    )

    pvs = [(i, a) for i, a in enumerate(park.assets) if a.kind == "pv"]
    weather = None
    if any(a.forecast_kw is None for _, a in pvs) and park.weather is not None:
        weather = _weather(resolver, park.weather.file)
    for _i, a in pvs:
        if a.forecast_kw is not None:
            # a forecast above the inverter's AC limit is clipped to it; the clipped energy is reported
            forecast = inputs.series[(a.id, "forecast_kw")]
            available = np.minimum(forecast, pv_ac_limit_kw(a))
            inputs.series[(a.id, "available_kw")] = available
            inputs.series[(a.id, "clipped_kw")] = forecast - available
        elif weather is not None:
            inputs.series[(a.id, "available_kw")] = pv_ac_power_kw(
                weather,
                latitude=park.park.latitude,
                longitude=park.park.longitude,
                altitude_m=park.park.altitude_m,
                capacity_kwp=a.capacity_kwp,
                tilt_deg=a.tilt_deg,
                azimuth_deg=a.azimuth_deg,
                inverter_kw=pv_ac_limit_kw(a),
                losses_fraction=a.losses_fraction,
                temp_coefficient_per_c=a.temp_coefficient_per_c,
            )
        else:
            inputs.series[(a.id, "available_kw")] = np.zeros(len(index))

    if problems is not None:
        problems += resolver.problems
    elif resolver.problems:
        raise ParkValidationError(resolver.problems)
    return inputs


def pv_ac_limit_kw(pv) -> float:
    """A PV system's AC limit: ``inverter_kw``, by default ``capacity_kwp / 1.1`` [kW]."""
    return float(pv.inverter_kw or pv.capacity_kwp / 1.1)


def _weather(resolver: SeriesResolver, file: str) -> pd.DataFrame | None:
    n_before = len(resolver.problems)
    cols = {c: resolver.resolve(SeriesRef(file=file, column=c), f"weather.{c}") for c in WEATHER_COLUMNS}
    if len(resolver.problems) > n_before:
        return None
    frame = pd.DataFrame(cols, index=resolver.index)
    for c in ("ghi_w_per_m2", "dni_w_per_m2", "dhi_w_per_m2"):
        frame[c] = frame[c].clip(lower=0.0)
    return frame
