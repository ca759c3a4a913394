"""Rooftop or ground PV: output from the weather (pvlib) or a forecast, curtailable."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from greenpark.errors import Problem
from greenpark.fields import Series
from greenpark.inputs.pv import WEATHER_COLUMNS, pv_ac_power_kw
from greenpark.kinds.base import AssetSpec, Kind
from greenpark.model.builders.generation import available_from_forecast, build_available, generated_and_curtailed
from greenpark.model.context import BuildContext


class PV(AssetSpec):
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


def build(assets: list[PV], ctx: BuildContext) -> None:
    """PV: ``output_kw[t] ∈ [0, available_kw(t)]`` (from pvlib or a forecast); see
    :func:`~greenpark.model.builders.generation.build_available`."""
    build_available(ctx, "pv", assets)


def ac_limit_kw(pv: PV) -> float:
    """A PV system's AC limit: ``inverter_kw``, by default ``capacity_kwp / 1.1`` [kW]."""
    return float(pv.inverter_kw or pv.capacity_kwp / 1.1)


def derive(items: list[tuple[int, PV]], inputs, resolver) -> None:
    """``available_kw`` of every array: its forecast clipped to the AC limit (``clipped_kw`` the rest), or pvlib."""
    park = inputs.park
    weather = None
    if any(a.forecast_kw is None for _, a in items) and park.weather is not None:
        weather = resolver.columns(park.weather.file, WEATHER_COLUMNS, "weather")
        if weather is not None:
            for c in ("ghi_w_per_m2", "dni_w_per_m2", "dhi_w_per_m2"):
                weather[c] = weather[c].clip(lower=0.0)
    for _i, a in items:
        if a.forecast_kw is not None:
            available_from_forecast(inputs, a, ac_limit_kw(a))
        elif weather is not None:
            inputs.series[(a.id, "available_kw")] = pv_ac_power_kw(
                weather,
                latitude=park.park.latitude,
                longitude=park.park.longitude,
                altitude_m=park.park.altitude_m,
                capacity_kwp=a.capacity_kwp,
                tilt_deg=a.tilt_deg,
                azimuth_deg=a.azimuth_deg,
                inverter_kw=ac_limit_kw(a),
                losses_fraction=a.losses_fraction,
                temp_coefficient_per_c=a.temp_coefficient_per_c,
            )
        else:
            inputs.series[(a.id, "available_kw")] = np.zeros(inputs.n_steps)


def check_document(items: list[tuple[int, dict]], doc: dict) -> list[Problem]:
    """Each array has a forecast or the park has weather."""
    return [
        Problem(f"assets[{i}]", "PV needs either forecast_kw or the park's 'weather' section")
        for i, a in items
        if a.get("forecast_kw") is None and doc.get("weather") is None
    ]


def kpis(assets: list[PV], schedule, inputs) -> dict[str, float]:
    """PV energy generated, curtailed, clipped at the inverter [kWh], and the share used on site."""
    dt = schedule.step_h
    pv = schedule.values("pv", "output_kw").sum(axis=1).to_numpy()
    exp = schedule.values("grid", "export_kw").sum(axis=1).to_numpy()
    total, curtailed = generated_and_curtailed("pv", assets, schedule, inputs)
    clipped = sum(float(inputs.series.get((a.id, "clipped_kw"), np.zeros(1)).sum()) for a in assets)
    used = pv - np.minimum(pv, exp)
    return {
        "pv_generation_kwh": total,
        "pv_curtailed_kwh": curtailed,
        "pv_clipped_kwh": clipped * dt,
        "pv_self_consumption": float(used.sum() * dt / total) if total > 0 else 0.0,
    }


KIND = Kind(spec=PV, build=build, roles={"generates", "renewable", "curtailable"}, labels={"en": "PV", "zh": "光伏"},
            colour="#f1c40f", series={"forecast_kw": "nonnegative"}, derive=derive, check_document=check_document,
            kpis=kpis, available="available_kw", forecast=("pv", "forecast_kw"))  # fmt: skip
