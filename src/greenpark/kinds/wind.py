"""Wind farms: output from the weather's wind speed through a turbine power curve (windpowerlib), or a forecast."""

from __future__ import annotations

import difflib
from typing import Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from greenpark.errors import Problem
from greenpark.fields import Series, SpecModel
from greenpark.inputs.wind import library_curve, library_types, wind_ac_power_kw
from greenpark.kinds.base import AssetSpec, Kind
from greenpark.model.builders.generation import available_from_forecast, build_available, generated_and_curtailed
from greenpark.model.context import BuildContext


class PowerCurve(SpecModel):
    """One turbine's power curve: power at each wind speed, linear between the points, 0 outside them."""

    wind_speed_m_per_s: list[float] = Field(min_length=2, description="Wind speeds at hub height, rising [m/s].")
    power_kw: list[float] = Field(min_length=2, description="One turbine's power at each wind speed [kW].")

    @model_validator(mode="after")
    def _points(self) -> PowerCurve:
        if len(self.wind_speed_m_per_s) != len(self.power_kw):
            raise ValueError("wind_speed_m_per_s and power_kw must have as many points")
        if any(b <= a for a, b in zip(self.wind_speed_m_per_s, self.wind_speed_m_per_s[1:], strict=False)):
            raise ValueError("wind_speed_m_per_s must rise from point to point")
        if min(self.power_kw) < 0:
            raise ValueError("power_kw must not be negative")
        return self


class Wind(AssetSpec):
    """A wind farm of identical turbines.

    Output from the weather's ``wind_speed_m_per_s`` (measured at ``measurement_height_m``),
    brought to hub height by the Hellman power law and turned into power by the
    turbine's power curve — a ``turbine_type`` from windpowerlib's turbine library
    (OpenEnergy Database) or your own ``power_curve`` — times ``turbines``, less
    ``losses_fraction``. A ``forecast_kw`` replaces this model.
    """

    kind: Literal["wind"]
    turbines: int = Field(1, ge=1, description="Identical turbines in the farm.")
    turbine_type: str | None = Field(
        None, description="Turbine type in windpowerlib's library (OpenEnergy Database), e.g. 'E-82/2350'."
    )
    power_curve: PowerCurve | None = Field(None, description="One turbine's power curve (instead of turbine_type).")
    hub_height_m: float = Field(100.0, gt=0, description="Hub height [m].")
    measurement_height_m: float = Field(10.0, gt=0, description="Height of the weather file's wind speed [m].")
    hellman_exponent: float = Field(
        1 / 7, ge=0, le=1, description="Exponent α of v_hub = v·(h_hub/h)^α [-] (1/7: open, flat land)."
    )
    losses_fraction: float = Field(
        0.0, ge=0, lt=1, description="Share of the turbines' power lost (wakes, availability, electrical) [-]."
    )
    forecast_kw: Series | None = Field(
        None, description="AC output forecast of the farm [kW]; replaces the power-curve model."
    )
    om_cny_per_kwh: float = Field(0.0, ge=0, description="Cost per kWh generated [CNY/kWh].")

    @field_validator("turbine_type")
    @classmethod
    def _known_type(cls, v: str | None) -> str | None:
        if v is not None and v not in library_types():
            near = difflib.get_close_matches(v, library_types(), n=3, cutoff=0.4)
            known = ", ".join(library_types())
            hint = f"did you mean {', '.join(repr(n) for n in near)}?" if near else f"known: {known}"
            raise ValueError(f"no power curve for turbine type {v!r} in windpowerlib's library; {hint}")
        return v

    @model_validator(mode="after")
    def _one_curve(self) -> Wind:
        if self.turbine_type is not None and self.power_curve is not None:
            raise ValueError("give turbine_type or power_curve, not both")
        if self.forecast_kw is None and self.turbine_type is None and self.power_curve is None:
            raise ValueError("a wind farm needs turbine_type, power_curve or forecast_kw")
        return self

    def curve(self) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
        """The power curve of one turbine (wind speeds [m/s], power [kW]), or None for a forecast-only farm."""
        if self.power_curve is not None:
            return tuple(self.power_curve.wind_speed_m_per_s), tuple(self.power_curve.power_kw)
        return library_curve(self.turbine_type) if self.turbine_type is not None else None


def build(assets: list[Wind], ctx: BuildContext) -> None:
    """Wind: ``output_kw[t] ∈ [0, available_kw(t)]``; see
    :func:`~greenpark.model.builders.generation.build_available`."""
    build_available(ctx, "wind", assets)


def derive(items: list[tuple[int, Wind]], inputs, resolver) -> None:
    """``available_kw`` of every farm: its forecast (at most its nameplate when its curve is known), or the
    power curve on the weather's wind speed."""
    park = inputs.park
    speed = None
    if any(a.forecast_kw is None for _, a in items) and park.weather is not None:
        weather = resolver.columns(park.weather.file, ("wind_speed_m_per_s",), "weather")
        speed = np.clip(weather["wind_speed_m_per_s"].to_numpy(), 0.0, None) if weather is not None else None
    for _i, a in items:
        curve = a.curve()
        if a.forecast_kw is not None:
            available_from_forecast(inputs, a, max(curve[1]) * a.turbines if curve is not None else np.inf)
        elif speed is not None and curve is not None:
            inputs.series[(a.id, "available_kw")] = wind_ac_power_kw(
                speed,
                measurement_height_m=a.measurement_height_m,
                hub_height_m=a.hub_height_m,
                curve_wind_speed_m_per_s=curve[0],
                curve_power_kw=curve[1],
                turbines=a.turbines,
                hellman_exponent=a.hellman_exponent,
                losses_fraction=a.losses_fraction,
            )
        else:
            inputs.series[(a.id, "available_kw")] = np.zeros(inputs.n_steps)


def check_document(items: list[tuple[int, dict]], doc: dict) -> list[Problem]:
    """Each farm has a forecast or the park has weather (its wind speed)."""
    return [
        Problem(f"assets[{i}]", "wind needs either forecast_kw or the park's 'weather' section (wind_speed_m_per_s)")
        for i, a in items
        if a.get("forecast_kw") is None and doc.get("weather") is None
    ]


def kpis(assets: list[Wind], schedule, inputs) -> dict[str, float]:
    """Wind energy generated and curtailed [kWh]."""
    generated, curtailed = generated_and_curtailed("wind", assets, schedule, inputs)
    return {"wind_generation_kwh": generated, "wind_curtailed_kwh": curtailed}


KIND = Kind(spec=Wind, build=build, roles={"generates", "renewable", "curtailable"},
            labels={"en": "Wind", "zh": "风电"}, colour="#5dade2", series={"forecast_kw": "nonnegative"},
            derive=derive, check_document=check_document, kpis=kpis, available="available_kw",
            forecast=("wind", "forecast_kw"))  # fmt: skip
