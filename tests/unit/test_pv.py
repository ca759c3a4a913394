"""PV from weather (pvlib): physical sanity on hand-checkable cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greenpark.inputs.pv import pv_ac_power_kw

pytestmark = pytest.mark.unit


def _weather(ghi, temp=25.0):
    idx = pd.date_range("2026-06-21 00:00", periods=24, freq="1h", tz="Asia/Shanghai")
    g = np.asarray(ghi, dtype=float)
    return pd.DataFrame(
        {
            "ghi_w_per_m2": g,
            "dni_w_per_m2": g * 0.8,
            "dhi_w_per_m2": g * 0.2,
            "temp_air_c": temp,
            "wind_speed_m_per_s": 2.0,
        },
        index=idx,
    )


KW = {
    "latitude": 31.3,
    "longitude": 120.6,
    "altitude_m": 0,
    "tilt_deg": 20,
    "azimuth_deg": 180,
    "losses_fraction": 0.14,
    "temp_coefficient_per_c": -0.0037,
}


def test_night_is_zero_and_inverter_limit_holds():
    ghi = np.where((np.arange(24) >= 6) & (np.arange(24) < 18), 1000.0, 0.0)
    p = pv_ac_power_kw(_weather(ghi), capacity_kwp=100, inverter_kw=60, **KW)
    assert np.all(p[:5] == 0)
    assert np.all(p[19:] == 0)
    assert p.max() == pytest.approx(60.0)  # clipped at the inverter
    assert np.all(p >= 0)


def test_output_scales_with_capacity_and_falls_with_heat():
    ghi = np.where((np.arange(24) >= 6) & (np.arange(24) < 18), 600.0, 0.0)
    p1 = pv_ac_power_kw(_weather(ghi), capacity_kwp=100, inverter_kw=1000, **KW)
    p2 = pv_ac_power_kw(_weather(ghi), capacity_kwp=200, inverter_kw=2000, **KW)
    np.testing.assert_allclose(p2, 2 * p1, rtol=0.02)
    hot = pv_ac_power_kw(_weather(ghi, temp=40.0), capacity_kwp=100, inverter_kw=1000, **KW)
    assert hot.sum() < p1.sum()
    # noon with ~600 W/m² on a 100 kWp plant, 14 % losses: well under 100 kW, well above 20 kW
    assert 20 < p1[12] < 100


def test_reference_year_pv_yield_is_plausible_for_east_china():
    path = __import__("pathlib").Path(__file__).resolve().parents[2] / "datasets/weather-suzhou/weather.csv"
    wx = pd.read_csv(path, index_col="time")
    wx.index = pd.DatetimeIndex(pd.to_datetime(wx.index)).tz_convert("Asia/Shanghai")
    wx.index.freq = "1h"
    p = pv_ac_power_kw(wx, capacity_kwp=1.0, inverter_kw=1 / 1.1, **KW)
    # East China rooftop PV yields roughly 1,000–1,250 kWh per kWp per year
    assert 950 < p.sum() < 1300
