"""Limits on chosen sets of assets or tenants: emissions or energy, upper or lower, with hand-derived optima."""

from __future__ import annotations

import pytest

import greenpark as gp
from tests.conftest import grid, load, solve, tiny_park

pytestmark = pytest.mark.integration

GAS = {"price_cny_per_kwh": 0.1, "co2_kg_per_kwh": 0.2}
HEAT = load(90, id="h", kind="heat_load")


def boilers(owner: str = "park") -> list[dict]:
    return [{"id": "gb", "kind": "gas_boiler", "heat_kw": 200, "efficiency": 0.9, "owner": owner},
            {"id": "eb", "kind": "electric_boiler", "heat_kw": 200, "efficiency": 1.0}]  # fmt: skip


def test_an_emission_limit_on_one_boiler():
    """Heat 90 kW for 2 h; gas heat costs 0.1/0.9 = 0.111, electric 0.5 CNY/kWh: gas serves it all (20 CNY).

    At most 0.02 t from the gas boiler: 100 kWh of gas (0.2 kg/kWh) → 90 kWh of heat (10 CNY); the other
    90 kWh electric (45 CNY) → 55 CNY.
    """
    free = solve(tiny_park([grid(0.5), *boilers(), load(0), HEAT], gas=GAS), 2).raise_for_status()
    assert free.objective_cny == pytest.approx(20.0)
    limits = [{"name": "gb-co2", "assets": ["gb"], "quantity": "co2_t", "max": 0.02}]
    s = solve(tiny_park([grid(0.5), *boilers(), load(0), HEAT], gas=GAS, limits=limits), 2).raise_for_status()
    assert s.objective_cny == pytest.approx(55.0)


def test_an_energy_minimum_on_a_tenants_assets():
    """Power at 0.05 CNY/kWh makes electric heat cheaper than gas (0.111): the boiler of tenant a idles.

    At least 150 kWh from a's assets: 150/0.9·0.1 = 16.67 CNY of gas + 30 kWh electric (1.5) = 18.17 CNY.
    """
    limits = [{"name": "a-heat", "tenants": ["a"], "quantity": "energy_kwh", "min": 150}]
    park = tiny_park([grid(0.05), *boilers(owner="a"), load(0), HEAT], gas=GAS, limits=limits)
    s = solve(park, 2).raise_for_status()
    assert s.objective_cny == pytest.approx(150 / 0.9 * 0.1 + 30 * 0.05)


def test_an_impossible_limit_is_named_and_an_unknown_member_is_an_input_error():
    # the boiler's heat has nowhere to go beyond the 180 kWh load: 1000 kWh cannot come from it
    limits = [{"name": "too-much", "assets": ["gb"], "quantity": "energy_kwh", "min": 1000}]
    s = solve(tiny_park([grid(0.5), *boilers(), load(0), HEAT], gas=GAS, limits=limits), 2)
    found = [f for f in s.explanation if f.get("requirement") == "limit"]
    assert found
    assert found[0]["limit"] == "too-much"
    assert found[0]["amount"] == pytest.approx(1000 - 180)
    with pytest.raises(gp.ParkValidationError, match=r"limits\[0\]\.assets\[0\]: no asset 'nope'"):
        tiny_park([grid(0.5), load(0)], limits=[{"name": "x", "assets": ["nope"], "quantity": "co2_t", "max": 1}])
