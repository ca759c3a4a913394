"""Fuels in their market units, each burner with its fuel and, if it says so, its own CO2 factor."""

from __future__ import annotations

import pytest

from tests.conftest import grid, load, solve, tiny_park

pytestmark = pytest.mark.integration

DIESEL_CNY_PER_KWH = 7500 / (42652 / 3.6)
"""7,500 CNY/t over 42.652 GJ/t (the guideline's LHV) = 11,847.8 kWh/t → 0.6330 CNY/kWh."""


def genset(**kw) -> dict:
    return {"id": "gen", "kind": "chp", "electric_kw": 100, "electric_efficiency": 0.35, "heat_efficiency": 0.0,
            "fuel": "diesel", **kw}  # fmt: skip


def test_a_diesel_genset_priced_per_tonne():
    """Grid 2 CNY/kWh; diesel power costs 0.6330 / 0.35 = 1.809 CNY/kWh < 2: the genset serves the 100 kW load.

    Fuel 100 / 0.35 = 285.71 kW for 2 h → 571.43 kWh × 0.6330 = 361.71 CNY (cost kind fuel_diesel) and
    571.43 × 0.2613 = 149.31 kgCO2 (the guideline's diesel factor).
    """
    s = solve(tiny_park([grid(2.0), genset(), load(100)], fuels={"diesel": {"price_cny_per_t": 7500}}), 2)
    s.raise_for_status()
    fuel_kwh = 2 * 100 / 0.35
    assert s.objective_cny == pytest.approx(fuel_kwh * DIESEL_CNY_PER_KWH)
    assert s.costs_cny["fuel_diesel"] == pytest.approx(fuel_kwh * DIESEL_CNY_PER_KWH)
    assert "gas" not in s.costs_cny
    assert s.emissions_t["scope1_t"].sum() == pytest.approx(fuel_kwh * 0.2613 / 1000)


def test_each_burner_has_its_fuels_factor_or_its_own():
    """A diesel genset with its own factor 0.30 kg/kWh beside a gas boiler (gas section, 0.2 kg/kWh).

    Heat 90 kW from the boiler at η 0.9: 100 kW of gas a step → 2·100·0.2 = 40 kg; the genset 2·285.71·0.30 =
    171.43 kg.
    """
    boiler = {"id": "gb", "kind": "gas_boiler", "heat_kw": 200, "efficiency": 0.9}
    park = tiny_park(
        [grid(2.0), genset(fuel_co2_kg_per_kwh=0.30), boiler, load(100), load(90, id="steam", kind="heat_load")],
        fuels={"diesel": {"price_cny_per_t": 7500}},
        gas={"price_cny_per_kwh": 0.3, "co2_kg_per_kwh": 0.2},
    )
    s = solve(park, 2).raise_for_status()
    assert s.costs_cny["gas"] == pytest.approx(2 * 100 * 0.3)
    assert s.emissions_t["scope1_t"].sum() == pytest.approx((40 + 2 * 100 / 0.35 * 0.30) / 1000)


def test_a_gas_priced_per_cubic_metre_converts_by_its_heating_value():
    """Natural gas at 3.0 CNY/m³ and the guideline's 38,931 kJ/m³ (10.814 kWh/m³): 0.2774 CNY/kWh of fuel."""
    boiler = {"id": "gb", "kind": "gas_boiler", "heat_kw": 200, "efficiency": 0.9}
    park = tiny_park([grid(2.0), boiler, load(0), load(90, id="steam", kind="heat_load")],
                     fuels={"natural_gas": {"price_cny_per_m3": 3.0}})  # fmt: skip
    s = solve(park, 2).raise_for_status()
    assert s.costs_cny["gas"] == pytest.approx(2 * 100 * 3.0 / (38931 / 3600))
    assert s.emissions_t["scope1_t"].sum() == pytest.approx(2 * 100 * 0.1999 / 1000)
