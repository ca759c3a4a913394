"""Cooling as a third carrier: loads, electric and absorption chillers, a cold store; books like heat."""

from __future__ import annotations

import pytest

from tests.conftest import grid, load, solve, tiny_park
from tests.invariants import violations

pytestmark = pytest.mark.integration

DC = [{"id": "dc"}]


def hall(power) -> dict:
    return load(power, owner="dc", id="hall", kind="cooling_load")


def chiller(**kw) -> dict:
    return {"id": "ch", "kind": "electric_chiller", "cooling_kw": 300, "cop": 4.0, **kw}


def test_a_cold_store_moves_chilling_to_the_cheap_hour():
    """A data-centre hall needs 100 kW of cooling; the park's chiller has COP 4; power costs 0.2 then 1.0.

    Without storage: 25 kW of electricity each hour → 0.2·25 + 1.0·25 = 30 CNY.
    A lossless cold store (100 kW, 200 kWh, empty at both ends): chill 200 kW in the cheap hour (50 kW of
    electricity, 10 CNY) and discharge 100 kW in the dear one → 10 CNY.
    """
    plain = solve(tiny_park([grid([0.2, 1.0]), chiller(), hall(100)], tenants=DC), 2).raise_for_status()
    assert plain.objective_cny == pytest.approx(30.0)
    store = {"id": "tank", "kind": "cold_store", "power_kw": 100, "energy_kwh": 200, "charge_efficiency": 1.0,
             "discharge_efficiency": 1.0, "loss_fraction_per_h": 0.0, "soc_initial_fraction": 0.0}  # fmt: skip
    s = solve(tiny_park([grid([0.2, 1.0]), chiller(), store, hall(100)], tenants=DC), 2).raise_for_status()
    assert s.objective_cny == pytest.approx(10.0)
    assert list(s.values("electric_chiller", "cooling_kw")["ch"]) == pytest.approx([200.0, 0.0])
    assert s.tenants.loc["dc", "cooling_use_kwh"] == pytest.approx(200.0)
    assert s.tenants.loc["dc", "cooling_drawn_kwh"] == pytest.approx(200.0)
    assert s.tenants["bill_cny"].sum() == pytest.approx(10.0)
    assert "cooling_cny_per_kwh" in s.prices
    assert violations(s, tiny_park([grid([0.2, 1.0]), chiller(), store, hall(100)], tenants=DC)) == []


@pytest.mark.parametrize(("power_price", "want"), [(1.0, 2 * 17.5), (1.5, 2 * 20.0)])
def test_absorption_or_electric_chilling_whichever_is_cheaper(power_price, want):
    """70 kW of cooling for 2 h. Electric (COP 4): 17.5 kW of power a step. Absorption (COP 0.7): 100 kW of heat
    from a gas boiler (η 0.9, gas 0.18 CNY/kWh): 20 CNY a step. At 1.0 CNY/kWh power costs 17.5 a step; at 1.5,
    26.25 — then the absorption chiller runs: 20 a step."""
    absorption = {"id": "ab", "kind": "absorption_chiller", "cooling_kw": 100, "cop": 0.7}
    boiler = {"id": "gb", "kind": "gas_boiler", "heat_kw": 500, "efficiency": 0.9}
    assets = [grid(power_price), chiller(), absorption, boiler, hall(70)]
    park = tiny_park(assets, tenants=DC, gas={"price_cny_per_kwh": 0.18, "co2_kg_per_kwh": 0.2})
    s = solve(park, 2).raise_for_status()
    assert s.objective_cny == pytest.approx(want)
    assert violations(s, park) == []
