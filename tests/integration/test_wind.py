"""Wind farms: a forecast, a power curve on the weather's wind speed (Hellman to hub height), the library's turbines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import greenpark as gp
from tests.conftest import ROOT, grid, load, solve, tiny_park

pytestmark = pytest.mark.integration

WEATHER = {"file": "../datasets/weather-suzhou/weather.csv"}


def farm(**kw) -> dict:
    return {"id": "wf", "kind": "wind", **kw}


def test_a_forecast_farm_serves_the_load_and_the_rest_is_curtailed():
    """Load 200 kW, grid 1 CNY/kWh, no export; forecast 100, 300, 0, 50 kW.

    Wind used = min(forecast, load) = 100, 200, 0, 50 → 350 kWh; curtailed 100 kWh;
    bought 100 + 0 + 200 + 150 = 450 kWh → 450 CNY; renewable share 350 / 800.
    """
    s = solve(tiny_park([grid(1.0), farm(forecast_kw=[100, 300, 0, 50]), load(200)]), 4).raise_for_status()
    assert s.objective_cny == pytest.approx(450.0)
    np.testing.assert_allclose(s.values("wind", "output_kw")["wf"], [100, 200, 0, 50], atol=1e-9)
    assert s.kpis["wind_generation_kwh"] == pytest.approx(350.0)
    assert s.kpis["wind_curtailed_kwh"] == pytest.approx(100.0)
    assert s.kpis["renewable_share"] == pytest.approx(350.0 / 800.0)


def test_a_power_curve_on_the_weather_wind_speed_at_hub_height():
    """Hub 80 m from 10 m with α = 1/7: v_hub = v·8^(1/7); one turbine's curve 0 kW at 3 m/s, 200 kW at 8 m/s, 200 kW
    up to 25 m/s (linear between); 3 turbines, 10 % losses. With a load above any output, all of it is used."""
    curve = {"wind_speed_m_per_s": [3, 8, 25], "power_kw": [0, 200, 200]}
    park = tiny_park([grid(1.0), farm(power_curve=curve, turbines=3, hub_height_m=80, losses_fraction=0.1),
                      load(5000)], weather=WEATHER)  # fmt: skip
    s = solve(park, 6).raise_for_status()
    weather = pd.read_csv(ROOT / "datasets/weather-suzhou/weather.csv", index_col="time")
    v = weather.loc[weather.index.str.startswith("2025-07-15")]["wind_speed_m_per_s"].to_numpy()[:6]
    hub = v * 8 ** (1 / 7)
    one = np.interp(hub, [3, 8, 25], [0, 200, 200], left=0.0, right=0.0)
    np.testing.assert_allclose(s.values("wind", "output_kw")["wf"], one * 3 * 0.9, rtol=1e-9)
    assert s.kpis["wind_generation_kwh"] > 0  # the check above compared something


def test_a_turbine_of_the_library_and_a_misspelt_one():
    park = tiny_park([grid(1.0), farm(turbine_type="E-82/2350", turbines=2, hub_height_m=108), load(5000)],
                     weather=WEATHER)  # fmt: skip
    s = solve(park, 24).raise_for_status()
    assert 0 < s.values("wind", "output_kw")["wf"].max() <= 2 * 2350.0
    with pytest.raises(gp.ParkValidationError) as exc:
        tiny_park([grid(1.0), farm(turbine_type="E82/2350"), load(10)], weather=WEATHER)
    problem = exc.value.problems[0]
    assert problem.path == "assets[1].turbine_type"
    assert "did you mean 'E-82/2350'" in problem.message


def test_a_farm_needs_a_curve_or_a_forecast_and_weather_for_a_curve():
    with pytest.raises(gp.ParkValidationError) as exc:
        tiny_park([grid(1.0), farm(), load(10)])
    assert "turbine_type, power_curve or forecast_kw" in str(exc.value)
    with pytest.raises(gp.ParkValidationError) as exc:
        tiny_park([grid(1.0), farm(turbine_type="E-82/2350"), load(10)])
    assert "wind needs either forecast_kw or the park's 'weather' section" in str(exc.value)


def test_another_renewable_generator_by_its_forecast_up_to_its_nameplate():
    """Small hydro: forecast 80, 150 kW, nameplate 120 kW → available 80, 120; load 100 kW, grid 1 CNY/kWh.

    Used 80 + 100 = 180 kWh (20 kWh curtailed in step 2: no export); bought 20 kWh → 20 CNY; renewable share 0.9.
    """
    hydro = {"id": "river", "kind": "renewable_generator", "technology": "small hydro", "forecast_kw": [80, 150],
             "capacity_kw": 120}  # fmt: skip
    s = solve(tiny_park([grid(1.0), hydro, load(100)]), 2).raise_for_status()
    assert s.objective_cny == pytest.approx(20.0)
    assert s.kpis["other_renewable_generation_kwh"] == pytest.approx(180.0)
    assert s.kpis["other_renewable_curtailed_kwh"] == pytest.approx(20.0)
    assert s.kpis["renewable_share"] == pytest.approx(0.9)
