"""A CHP defined by its operating region (extraction-condensing), and heat turned into power (ORC)."""

from __future__ import annotations

import pytest

from tests.conftest import grid, load, solve, tiny_park

pytestmark = pytest.mark.integration

GAS = {"price_cny_per_kwh": 0.1, "co2_kg_per_kwh": 0.2}
CORNERS = [{"electric_kw": 100, "heat_kw": 0, "fuel_kw": 250}, {"electric_kw": 80, "heat_kw": 100, "fuel_kw": 250},
           {"electric_kw": 40, "heat_kw": 0, "fuel_kw": 110}]  # fmt: skip


def unit(**kw) -> dict:
    return {"id": "ec", "kind": "extraction_chp", "corners": CORNERS, **kw}


def test_the_unit_moves_inside_its_region():
    """Heat 50 kW only the unit can give, power 90 kW at 1 CNY/kWh from the grid otherwise, gas 0.1 CNY/kWh.

    Heat 50 needs λ_B = 0.5 (80 kW, 125 kW of fuel). Each further unit of λ_A adds 100 kW for 25 CNY of fuel
    (saves 75), of λ_D 40 kW for 11 (saves 29): λ_A = 0.5 → P = 90, F = 250, no import → 25 CNY an hour.
    """
    park = tiny_park([grid(1.0), unit(), load(90), load(50, id="h", kind="heat_load")], gas=GAS)
    s = solve(park, 2).raise_for_status()
    assert s.objective_cny == pytest.approx(2 * 25.0)
    assert list(s.values("extraction_chp", "electricity_kw")["ec"]) == pytest.approx([90.0, 90.0])
    assert list(s.values("extraction_chp", "heat_kw")["ec"]) == pytest.approx([50.0, 50.0])
    assert list(s.values("extraction_chp", "fuel_kw")["ec"]) == pytest.approx([250.0, 250.0])


def test_a_committed_unit_is_inside_its_region_or_off():
    """Power 10 kW, no heat, no export: on, it would make at least 40 kW; so it stays off: 10 CNY an hour."""
    park = tiny_park([grid(1.0), unit(commitment={}), load(10)], gas=GAS)
    s = solve(park, 2).raise_for_status()
    assert s.objective_cny == pytest.approx(2 * 10.0)
    assert s.values("extraction_chp", "electricity_kw")["ec"].abs().max() < 1e-9
    assert s.values("extraction_chp", "on")["ec"].max() < 0.5


def test_an_orc_turns_heat_into_power():
    """An ORC (efficiency 0.12) on heat from a boiler (η 0.9, gas 0.1): 0.1/0.9/0.12 = 0.926 CNY per kWh of
    power, below the grid's 1.0: it makes the 10 kW load's power from 92.6 kW of heat."""
    orc = {"id": "orc", "kind": "orc", "electric_kw": 50, "efficiency": 0.12}
    boiler = {"id": "gb", "kind": "gas_boiler", "heat_kw": 500, "efficiency": 0.9}
    s = solve(tiny_park([grid(1.0), orc, boiler, load(10)], gas=GAS), 1).raise_for_status()
    assert s.objective_cny == pytest.approx(10 / 0.12 / 0.9 * 0.1)
    assert s.values("orc", "electricity_kw")["orc"].iloc[0] == pytest.approx(10.0)
