"""Resolve a validated park onto a model horizon: every series as an array."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from greenpark import kinds
from greenpark.errors import ParkValidationError, Problem
from greenpark.inputs.series import SeriesResolver, model_index

if TYPE_CHECKING:
    from greenpark.spec import Park


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
        (scalars broadcast), plus the series kinds derive (``(pv_id, "available_kw")`` for PV).
    gas_price_cny_per_kwh, carbon_price_cny_per_t : ndarray
        Park-level series (the natural gas price, per kWh of LHV).
    """

    park: Park
    index: pd.DatetimeIndex
    step_h: float
    series: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    gas_price_cny_per_kwh: np.ndarray | None = None
    fuel_price_cny_per_kwh: dict[str, np.ndarray] = field(default_factory=dict)
    """Every fuel's price per kWh (LHV), by name (``natural_gas`` too, also as ``gas_price_cny_per_kwh``)."""
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
        signs = kinds.of(asset).series  # each kind states the sign rule of its series
        for name in _series_fields(type(asset)):
            value = getattr(asset, name)
            if value is None:
                continue
            sign = signs.get(name, "any")
            inputs.series[(asset.id, name)] = resolver.resolve(
                value, f"assets[{i}].{name}", nonnegative=sign == "nonnegative", positive=sign == "positive"
            )
    for name, fuel in park.all_fuels().items():
        value, factor = fuel.price_per_kwh_factor(name)
        field_name = next(f for f in ("price_cny_per_kwh", "price_cny_per_m3", "price_cny_per_t")
                          if getattr(fuel, f) is not None)  # fmt: skip
        where = f"gas.{field_name}" if name == "natural_gas" and park.gas is not None else f"fuels.{name}.{field_name}"
        inputs.fuel_price_cny_per_kwh[name] = resolver.resolve(value, where) * factor
    inputs.gas_price_cny_per_kwh = inputs.fuel_price_cny_per_kwh.get("natural_gas")
    inputs.carbon_price_cny_per_t = resolver.resolve(
        park.carbon.price_cny_per_t, "carbon.price_cny_per_t", nonnegative=True
    )

    for kind in kinds.all_kinds():  # series computed from others (PV from the weather)
        items = [(i, a) for i, a in enumerate(park.assets) if a.kind == kind.name]
        if items and kind.derive is not None:
            kind.derive(items, inputs, resolver)

    if problems is not None:
        problems += resolver.problems
    elif resolver.problems:
        raise ParkValidationError(resolver.problems)
    return inputs
