"""PV output from weather with pvlib (pure functions).

Chain: solar position at the middle of each step → plane-of-array irradiance
(Hay–Davies transposition) → cell temperature (Faiman) → PVWatts DC power with
the temperature coefficient → system losses → PVWatts inverter with its AC
limit.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pvlib

WEATHER_COLUMNS = ("ghi_w_per_m2", "dni_w_per_m2", "dhi_w_per_m2", "temp_air_c", "wind_speed_m_per_s")


def pv_ac_power_kw(
    weather: pd.DataFrame,
    *,
    latitude: float,
    longitude: float,
    altitude_m: float,
    capacity_kwp: float,
    tilt_deg: float,
    azimuth_deg: float,
    inverter_kw: float,
    losses_fraction: float,
    temp_coefficient_per_c: float,
    inverter_efficiency: float = 0.96,
) -> np.ndarray:
    """AC output of a PV system for each step of ``weather`` [kW].

    Parameters
    ----------
    weather : DataFrame
        tz-aware, left-labelled index; columns ``ghi_w_per_m2``,
        ``dni_w_per_m2``, ``dhi_w_per_m2`` [W/m²], ``temp_air_c`` [°C],
        ``wind_speed_m_per_s`` [m/s]; each row is the mean over its step.
    capacity_kwp : float
        DC nameplate at STC. [kWp]
    tilt_deg, azimuth_deg : float
        Module orientation; azimuth 180 = south. [degrees]
    inverter_kw : float
        AC limit. [kW]
    losses_fraction : float
        DC losses (soiling, wiring, mismatch, degradation). [-]
    temp_coefficient_per_c : float
        Power temperature coefficient γ. [1/°C]

    Returns
    -------
    ndarray
        ``P_ac = min(inverter(P_dc·(1-losses)), inverter_kw)`` with
        ``P_dc = capacity·G_poa/1000·(1 + γ (T_cell − 25))``. [kW]
        Values below 1e-4 × capacity are set to 0 (solver scaling).
    """
    with warnings.catch_warnings():
        # pvlib 0.16 still calls DatetimeIndex.dayofyear, deprecated in pandas 3
        warnings.filterwarnings("ignore", message=r".*dayofyear is deprecated")
        return _ac_power_kw(weather, latitude, longitude, altitude_m, capacity_kwp, tilt_deg, azimuth_deg,
                            inverter_kw, losses_fraction, temp_coefficient_per_c, inverter_efficiency)  # fmt: skip


def _ac_power_kw(weather, latitude, longitude, altitude_m, capacity_kwp, tilt_deg, azimuth_deg,
                 inverter_kw, losses_fraction, temp_coefficient_per_c, inverter_efficiency) -> np.ndarray:  # fmt: skip
    index = pd.DatetimeIndex(weather.index)
    step = pd.Timedelta(index.freq) if index.freq is not None else pd.Timedelta("1h")
    mid = index + step / 2
    solpos = pvlib.solarposition.get_solarposition(mid, latitude, longitude, altitude_m)
    dni_extra = pvlib.irradiance.get_extra_radiation(mid)
    poa = pvlib.irradiance.get_total_irradiance(
        surface_tilt=tilt_deg,
        surface_azimuth=azimuth_deg,
        solar_zenith=solpos["apparent_zenith"].to_numpy(),
        solar_azimuth=solpos["azimuth"].to_numpy(),
        dni=weather["dni_w_per_m2"].to_numpy(),
        ghi=weather["ghi_w_per_m2"].to_numpy(),
        dhi=weather["dhi_w_per_m2"].to_numpy(),
        dni_extra=dni_extra.to_numpy(),
        model="haydavies",
    )
    poa_global = np.nan_to_num(np.asarray(poa["poa_global"], dtype=float), nan=0.0).clip(min=0.0)
    temp_cell = pvlib.temperature.faiman(
        poa_global, weather["temp_air_c"].to_numpy(), weather["wind_speed_m_per_s"].to_numpy()
    )
    pdc_w = pvlib.pvsystem.pvwatts_dc(poa_global, temp_cell, capacity_kwp * 1000.0, temp_coefficient_per_c)
    pdc_w = np.asarray(pdc_w, dtype=float) * (1.0 - losses_fraction)
    pac_w = pvlib.inverter.pvwatts(pdc_w, inverter_kw * 1000.0 / inverter_efficiency, inverter_efficiency)
    pac_kw = np.clip(np.nan_to_num(np.asarray(pac_w, dtype=float)) / 1000.0, 0.0, inverter_kw)
    pac_kw[pac_kw < 1e-4 * capacity_kwp] = 0.0
    return pac_kw
