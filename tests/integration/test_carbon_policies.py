"""Carbon policies: trading, tiers, renewable share, certificates, market-based scope 2, intensity caps."""

from __future__ import annotations

import numpy as np
import pytest

import greenpark as gp
from tests.conftest import grid, load, solve, tiny_park

pytestmark = pytest.mark.integration

GAS = {"price_cny_per_kwh": 0.30, "co2_kg_per_kwh": 0.2}
# 100 kW heat for 2 h from a heat pump (0.1 CNY and 0.4 kg per kWh heat) or a boiler (0.3333 CNY, 0.2222 kg).
HEAT = [
    grid(0.2, co2=0.8),
    {"id": "hp", "kind": "heat_pump", "heat_kw": 200, "cop": 2},
    {"id": "gb", "kind": "gas_boiler", "heat_kw": 200, "efficiency": 0.9},
    load(100, kind="heat_load", id="heat"),
]


def test_allowance_trading_sells_the_surplus_at_the_price():
    # Emissions 0.08 t (all heat pump) against a 0.1 t allowance at 100 CNY/t: 0.02 t sold → −2 CNY.
    trading = {"allowance_t": 0.1, "price_cny_per_t": 100}
    s = solve(tiny_park(HEAT, gas=GAS, carbon={"trading": trading}), 2)
    assert s.kpis["total_co2_t"] == pytest.approx(0.08)
    assert s.costs_cny["carbon_trading"] == pytest.approx(-2.0)
    assert s.objective_cny == pytest.approx(20.0 - 2.0)
    # without selling, the surplus is worth nothing
    s = solve(tiny_park(HEAT, gas=GAS, carbon={"trading": {**trading, "sell_surplus": False}}), 2)
    assert s.costs_cny["carbon_trading"] == pytest.approx(0.0, abs=1e-9)
    # short of allowance: 0.08 t against 0.05 t buys 0.03 t at 100 → +3 CNY (the heat pump stays cheaper)
    s = solve(tiny_park(HEAT, gas=GAS, carbon={"trading": {**trading, "allowance_t": 0.05}}), 2)
    assert s.costs_cny["carbon_trading"] == pytest.approx(3.0)


def test_tiered_price_switches_tier_at_the_right_emission_level():
    # Free up to 0.05 t, 2000 CNY/t above. Above the edge a kWh of heat costs 0.1 + 0.8 (HP) vs 0.333 + 0.444
    # (boiler): the boiler; below it, the heat pump. So the heat pump runs until emissions reach exactly 0.05 t:
    # 44.44 kg + 0.1778·x = 50 kg → x = 31.25 kWh; cost 31.25·0.1 + 168.75·0.3333 = 59.375.
    tiers = [{"above_t": 0.0, "price_cny_per_t": 0.0}, {"above_t": 0.05, "price_cny_per_t": 2000.0}]
    s = solve(tiny_park(HEAT, gas=GAS, carbon={"tiers": tiers}), 2)
    assert s.kpis["total_co2_t"] == pytest.approx(0.05, rel=1e-9)
    assert s.dispatch["heat_pump[hp].heat_kw"].sum() == pytest.approx(31.25, rel=1e-9)
    assert s.objective_cny == pytest.approx(59.375, rel=1e-9)
    assert s.costs_cny["carbon"] == pytest.approx(0.0, abs=1e-9)
    # a gentler upper tier (200 CNY/t = 0.2 CNY/kg) keeps the heat pump: 0.1 + 0.08 < 0.333 + 0.044
    tiers[1]["price_cny_per_t"] = 200.0
    s = solve(tiny_park(HEAT, gas=GAS, carbon={"tiers": tiers}), 2)
    assert s.dispatch["heat_pump[hp].heat_kw"].sum() == pytest.approx(200.0)
    assert s.costs_cny["carbon"] == pytest.approx((0.08 - 0.05) * 200.0)


PV_LOAD = [
    grid(0.5, co2=0.5),
    {"id": "pv", "kind": "pv", "capacity_kwp": 100, "forecast_kw": [50, 0]},
    load(100),
]


def test_renewable_share_buys_certificates_and_market_scope2_counts_them():
    # Use 200 kWh, PV 50 kWh: a 50 % share needs 50 kWh of certificates at 40 CNY/MWh = 2 CNY.
    carbon = {"min_renewable_share": 0.5, "green_certificates": {"price_cny_per_mwh": 40}}
    s = solve(tiny_park(PV_LOAD, carbon=carbon), 2)
    assert s.kpis["green_certificates_kwh"] == pytest.approx(50.0)
    assert s.costs_cny["certificates"] == pytest.approx(2.0)
    assert s.kpis["renewable_share_with_certificates"] == pytest.approx(0.5)
    assert s.kpis["renewable_share"] == pytest.approx(0.25)
    em = s.emissions_t.loc["park"]
    assert em["scope2_location_t"] == pytest.approx(150 * 0.5 / 1000)
    assert em["scope2_market_t"] == pytest.approx((150 - 50) * 0.6096 / 1000)
    assert em["counted_t"] == pytest.approx(em["total_t"])  # location basis by default
    assert em["total_market_t"] == pytest.approx(em["scope1_t"] + em["scope2_market_t"])


def test_market_based_cap_is_met_with_certificates():
    # Market basis: scope 2 = 0.6096·(150 − certificates) kg; a 0.03 t cap needs ≥ 150 − 30/0.6096 kWh certificates.
    carbon = {"scope2_basis": "market", "cap_t": 0.03, "green_certificates": {"price_cny_per_mwh": 40}}
    s = solve(tiny_park(PV_LOAD, carbon=carbon), 2)
    assert s.kpis["green_certificates_kwh"] == pytest.approx(150 - 30 / 0.6096, rel=1e-9)
    assert s.emissions_t["counted_t"].sum() == pytest.approx(0.03, rel=1e-9)
    assert s.emissions_t["total_market_t"].sum() == pytest.approx(0.03, rel=1e-9)
    # the park's co2_t stays location-based (150 kWh × 0.5), and the tenants' figures sum to both
    assert s.emissions_t["total_t"].sum() == pytest.approx(0.075, rel=1e-9)
    assert s.tenants["co2_t"].sum() == pytest.approx(0.075, rel=1e-9)
    assert s.tenants["co2_market_t"].sum() == pytest.approx(0.03, rel=1e-9)
    assert s.marginal_abatement_cost_cny_per_t == pytest.approx(40 / 0.6096, rel=1e-9)


def test_emission_intensity_cap_per_unit_moves_production_to_clean_hours():
    # 100 units due at 04:00, 1 kWh/unit, ≤ 100 kW. Grid factor 0.8, 0.8, 0.2, 0.2 kg/kWh; price flat.
    # Intensity cap 0.4 kg/unit: with x units made in dirty hours, 0.8x + 0.2(100 − x) ≤ 40 → x ≤ 33.3.
    line = {
        "id": "line", "kind": "production_line", "owner": "a", "max_power_kw": 100,
        "specific_energy_kwh_per_unit": 1.0, "inventory_max_units": 1000,
        "deliveries": [{"at": "04:00", "units": 100}], "co2_kg_per_unit_max": 0.4,
    }  # fmt: skip
    prices = [0.4, 0.4, 0.5, 0.5]
    s = solve(tiny_park([grid(prices, co2=[0.8, 0.8, 0.2, 0.2]), line]), 4)
    power = s.dispatch["production_line[line].power_kw"].to_numpy()
    assert power[:2].sum() == pytest.approx(100 / 3, rel=1e-6)
    emissions = (power * np.array([0.8, 0.8, 0.2, 0.2])).sum()
    assert emissions / power.sum() == pytest.approx(0.4, rel=1e-6)


def test_contradictory_targets_are_input_errors():
    with pytest.raises(gp.ParkValidationError) as info:
        solve(tiny_park(PV_LOAD, carbon={"min_renewable_share": 0.9}), 2)
    msg = str(info.value.problems[0])
    assert msg.startswith("carbon.min_renewable_share: 90% of at least 200 kWh")
    assert "(PV) can supply at most 50 kWh" in msg
    with pytest.raises(gp.ParkValidationError) as info:
        tiny_park(
            PV_LOAD, carbon={"tiers": [{"above_t": 5, "price_cny_per_t": 50}, {"above_t": 1, "price_cny_per_t": 80}]}
        )
    assert "carbon: tiers: above_t must increase from tier to tier" in [str(p) for p in info.value.problems]
    with pytest.raises(gp.ParkValidationError) as info:
        tiny_park(PV_LOAD, carbon={"tenant_caps_t": {"ghost": 1.0}, "cap_t": -1})
    probs = [str(p) for p in info.value.problems]
    assert "carbon.tenant_caps_t.ghost: unknown tenant 'ghost'" in probs
    assert "carbon.cap_t: must be >= 0" in probs
