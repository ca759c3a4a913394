"""Conventions a park file can switch (issue 13's smaller options), each with a hand-derived optimum."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import battery, grid, load, solve, tiny_park

pytestmark = pytest.mark.integration

GAS = {"price_cny_per_kwh": 0.1, "co2_kg_per_kwh": 0.2}


def test_a_cyclic_store_starts_where_it_ends():
    """Prices 1, 1, 0.3, 0.3; load 100 kW; a 100 kW / 200 kWh battery (η 0.9 each way), empty at the start.

    Ending at least where it began (empty), stored energy bought late is worth nothing: 100·(1+1+0.3+0.3) = 260.
    Cyclic (a free start, the same state at the end): discharge d in the dear steps and buy it back in the cheap
    ones: charge ≤ 2·100 kWh → d ≤ 0.81·200 = 162 kWh; (200 − 162)·1 + 400·0.3 = 158; it starts and ends at
    d/0.9 = 180 kWh.
    """
    prices = [1.0, 1.0, 0.3, 0.3]
    at_least = solve(tiny_park([grid(prices), battery(), load(100)]), 4).raise_for_status()
    assert at_least.objective_cny == pytest.approx(260.0)
    cyclic = solve(tiny_park([grid(prices), battery(end_state="cyclic"), load(100)]), 4).raise_for_status()
    assert cyclic.objective_cny == pytest.approx(158.0)
    soc = cyclic.values("battery", "soc_kwh")["bess"].to_numpy()
    assert soc[-1] == pytest.approx(180.0)
    assert cyclic.values("battery", "discharge_kw")["bess"].sum() == pytest.approx(162.0)


def test_an_end_state_equal_to_its_target():
    """Prices 0.5 then −0.1 (paid to take power); load 100 kW; a 300 kW / 200 kWh battery, empty, end ≥ or = 100 kWh,
    that may not charge and discharge at once (else it would burn energy for pay through its losses).

    At least: fill it in the paid step, 200/0.9 = 222.2 kWh: 0.5·100 − 0.1·(100 + 222.2) = 17.78.
    Equal: charge only 100/0.9 = 111.1 kWh: 0.5·100 − 0.1·(100 + 111.1) = 28.89.
    """
    store = {"power_kw": 300, "soc_final_fraction": 0.5, "no_simultaneous": True}
    at_least = solve(tiny_park([grid([0.5, -0.1]), battery(**store), load(100)]), 2).raise_for_status()
    assert at_least.objective_cny == pytest.approx(50 - 0.1 * (100 + 200 / 0.9))
    equal = solve(tiny_park([grid([0.5, -0.1]), battery(**store, end_state="equal"), load(100)]), 2)
    assert equal.raise_for_status().objective_cny == pytest.approx(50 - 0.1 * (100 + 100 / 0.9))
    assert equal.values("battery", "soc_kwh")["bess"].iloc[-1] == pytest.approx(100.0)


def test_a_chp_without_heat_rejection_runs_only_as_far_as_its_heat_is_used():
    """Grid 2 CNY/kWh, gas 0.1 CNY/kWh, a 100 kW CHP (η_e 0.4, η_h 0.4), loads 100 kW electric and 30 kW heat, 2 h.

    With rejection it runs flat out: fuel 250 kWh a step → 2·25 = 50 CNY (70 kW of heat rejected).
    Without, heat = 0.4·fuel ≤ 30 kW → fuel 75, 30 kW electric; 70 kW bought: 2·(7.5 + 140) = 295 CNY.
    """
    chp = {"id": "chp", "kind": "chp", "electric_kw": 100, "electric_efficiency": 0.4, "heat_efficiency": 0.4}
    heat = load(30, id="steam", kind="heat_load")
    free = solve(tiny_park([grid(2.0), chp, load(100), heat], gas=GAS), 2).raise_for_status()
    assert free.objective_cny == pytest.approx(50.0)
    bound = solve(tiny_park([grid(2.0), {**chp, "heat_rejection": False}, load(100), heat], gas=GAS), 2)
    assert bound.raise_for_status().objective_cny == pytest.approx(295.0)
    np.testing.assert_allclose(bound.values("chp", "heat_kw")["chp"], [30, 30], atol=1e-6)


def test_meter_binaries_in_every_step_change_no_optimum():
    """Export and import at one price: the LP needs no binary; ``every_step`` adds one per step with export."""
    pv = {"id": "pv", "kind": "pv", "capacity_kwp": 200, "forecast_kw": [0, 150, 150, 0]}
    g = grid(0.6, export_limit_kw=100, export_price_cny_per_kwh=0.6)
    plain = solve(tiny_park([g, pv, load(50)]), 4).raise_for_status()
    strict = solve(tiny_park([{**g, "meter_binaries": "every_step"}, pv, load(50)]), 4).raise_for_status()
    assert plain.meta["integer_variables"]["count"] == 0
    assert strict.meta["integer_variables"]["count"] == 2  # the steps with generation to export
    assert "every_step" in strict.meta["integer_variables"]["why"][0]
    assert strict.objective_cny == pytest.approx(plain.objective_cny)


def test_a_thermal_store_may_forbid_charging_and_discharging_at_once():
    store = {"id": "ts", "kind": "thermal_store", "power_kw": 50, "energy_kwh": 100, "no_simultaneous": True}
    boiler = {"id": "eb", "kind": "electric_boiler", "heat_kw": 200}
    s = solve(tiny_park([grid([0.2, 1.0, 0.2, 1.0]), store, boiler, load(40, id="h", kind="heat_load")]), 4)
    s.raise_for_status()
    assert s.meta["integer_variables"]["count"] == 4
    both = s.values("thermal_store", "charge_kw")["ts"] * s.values("thermal_store", "discharge_kw")["ts"]
    assert (both.abs() < 1e-9).all()


def test_a_heat_pump_rated_by_its_electric_input():
    """Heat 150 kW; a heat pump of 25 kW electric at COP 4 gives at most 100 kW; an electric boiler (η 1) the rest:
    (25 + 50) kW at 1 CNY/kWh → 75 CNY for the hour."""
    hp = {"id": "hp", "kind": "heat_pump", "electric_kw": 25, "cop": 4.0}
    eb = {"id": "eb", "kind": "electric_boiler", "heat_kw": 200, "efficiency": 1.0}
    s = solve(tiny_park([grid(1.0), hp, eb, load(0), load(150, id="h", kind="heat_load")]), 1).raise_for_status()
    assert s.objective_cny == pytest.approx(75.0)
    assert s.values("heat_pump", "heat_kw")["hp"].iloc[0] == pytest.approx(100.0)


@pytest.mark.parametrize(("basis", "om"), [("output", 0.02 * 100), ("input", 0.02 * 250)])
def test_om_charged_on_output_or_on_fuel(basis, om):
    """A CHP (η_e 0.4) makes 100 kW from 250 kW of fuel: O&M 0.02 CNY/kWh on its output or on its fuel."""
    unit = {"id": "chp", "kind": "chp", "electric_kw": 100, "electric_efficiency": 0.4, "heat_efficiency": 0.0,
            "om_cny_per_kwh": 0.02, "om_basis": basis}  # fmt: skip
    s = solve(tiny_park([grid(5.0), unit, load(100)], gas=GAS), 1).raise_for_status()
    assert s.costs_cny["operation"] == pytest.approx(om)


def test_hourly_state_limits_of_a_store():
    """Prices 0.3, 1, 0.3, 1; load 100 kW; a lossless 100 kW / 200 kWh battery, empty, ending at least empty.

    Free: it saves 0.7·100 twice → 260 − 140 = 120. At most 50 kWh after the first hour: 260 − 35 − 70 = 155.
    At least 100 kWh after the last hour: what it charges in the third hour stays in it: 60 + 0 + 60 + 100 = 220.
    """
    prices = [0.3, 1.0, 0.3, 1.0]
    store = {"charge_efficiency": 1.0, "discharge_efficiency": 1.0}
    free = solve(tiny_park([grid(prices), battery(**store), load(100)]), 4).raise_for_status()
    assert free.objective_cny == pytest.approx(120.0)
    capped = battery(**store, soc_max_kwh=[50, 200, 200, 200])
    assert solve(tiny_park([grid(prices), capped, load(100)]), 4).objective_cny == pytest.approx(155.0)
    kept = battery(**store, soc_min_kwh=[0, 0, 0, 100])
    assert solve(tiny_park([grid(prices), kept, load(100)]), 4).objective_cny == pytest.approx(220.0)


def test_a_tenant_cap_missed_by_grams_is_named():
    """Found by the generated parks: a 0 t tenant cap and a 0.06 kWh flexible load on a 0.01 kg/kWh grid.

    The least achievable is 0.6 g: the explanation names the cap (it used to drop findings under 1 g).
    """
    flex = {"id": "f", "kind": "flexible_load", "owner": "a", "earliest_start": "00:00", "latest_end": "01:00",
            "max_power_kw": 1.0, "energy_kwh": 0.06}  # fmt: skip
    park = tiny_park([grid(0.05, co2=0.01), flex], tenants=[{"id": "a", "carbon_cap_t": 0.0}])
    s = solve(park, 4)
    cap = [f for f in s.explanation if f.get("requirement") == "tenant carbon cap"]
    assert cap, s.explanation
    assert cap[0]["least_achievable_co2_t"] == pytest.approx(0.06 * 0.01 / 1000)
