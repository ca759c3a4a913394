"""Small parks whose optimum is derived by hand (comments give the derivation)."""

from __future__ import annotations

import numpy as np
import pytest

import greenpark as gp
from tests.conftest import battery, grid, load, solve, tiny_park

pytestmark = pytest.mark.integration

GAS = {"price_cny_per_kwh": 0.30, "co2_kg_per_kwh": 0.2}


def test_battery_arbitrage_valley_to_peak():
    # Prices 0.3, 0.3, 1.0, 1.0; load 100 kW. Charging 100 kW for 2 h stores 180 kWh (η_c 0.9),
    # which delivers 162 kWh (η_d 0.9) in the peak: worth 0.81 > 0.3 per kWh bought, so charge fully.
    # Cost = 0.3·(200 + 200) + 1.0·(200 − 162) = 120 + 38 = 158.
    park = tiny_park([grid([0.3, 0.3, 1.0, 1.0]), battery(), load(100)])
    s = solve(park, 4)
    assert s.status is gp.Status.OPTIMAL
    assert s.objective_cny == pytest.approx(158.0, abs=1e-6)
    d = s.dispatch
    assert d["battery[bess].charge_kw"].tolist() == pytest.approx([100, 100, 0, 0], abs=1e-6)
    assert d["battery[bess].discharge_kw"].sum() == pytest.approx(162.0, abs=1e-6)
    assert d["battery[bess].soc_kwh"].iloc[1] == pytest.approx(180.0, abs=1e-6)
    # duals: the marginal kWh costs 0.3 in the valley and 1.0 in the peak
    assert s.prices["electricity_cny_per_kwh"].tolist() == pytest.approx([0.3, 0.3, 1.0, 1.0], abs=1e-6)


def test_heat_pump_versus_gas_boiler_switches_with_price_and_cop():
    # Heat 100 kW. Boiler: 0.30/0.9 = 0.3333 CNY per kWh heat.
    # HP: price/COP: t0 0.3/3 = 0.1 (HP), t1 1.2/3 = 0.4 (boiler), t2 1.2/4 = 0.3 (HP), t3 0.9/2 = 0.45 (boiler).
    park = tiny_park(
        [
            grid([0.3, 1.2, 1.2, 0.9]),
            {"id": "hp", "kind": "heat_pump", "heat_kw": 200, "cop": [3, 3, 4, 2]},
            {"id": "gb", "kind": "gas_boiler", "heat_kw": 200, "efficiency": 0.9},
            load(100, kind="heat_load", id="heat"),
        ],
        gas=GAS,
    )
    s = solve(park, 4)
    assert s.dispatch["heat_pump[hp].heat_kw"].tolist() == pytest.approx([100, 0, 100, 0], abs=1e-6)
    assert s.dispatch["gas_boiler[gb].heat_kw"].tolist() == pytest.approx([0, 100, 0, 100], abs=1e-6)
    assert s.objective_cny == pytest.approx(10 + 100 / 3 + 30 + 100 / 3, abs=1e-6)
    assert s.prices["heat_cny_per_kwh"].tolist() == pytest.approx([0.1, 1 / 3, 0.3, 1 / 3], abs=1e-6)


def _cap_park(cap_t: float | None) -> gp.Park:
    # Heat 100 kW for 2 h. HP (COP 2, 0.2 CNY/kWh, grid 0.8 kg/kWh): 0.1 CNY and 0.4 kg per kWh heat.
    # Boiler (gas 0.30, η 0.9, 0.2 kg/kWh): 0.3333 CNY and 0.2222 kg per kWh heat.
    return tiny_park(
        [
            grid(0.2, co2=0.8),
            {"id": "hp", "kind": "heat_pump", "heat_kw": 200, "cop": 2},
            {"id": "gb", "kind": "gas_boiler", "heat_kw": 200, "efficiency": 0.9},
            load(100, kind="heat_load", id="heat"),
        ],
        gas=GAS,
        carbon={"price_cny_per_t": 0, "cap_t": cap_t},
    )


def test_binding_carbon_cap_changes_dispatch_and_its_dual_is_the_cost_per_tonne():
    free = solve(_cap_park(None), 2)
    assert free.kpis["total_co2_t"] == pytest.approx(0.08)  # 200 kWh heat × 0.4 kg
    assert free.objective_cny == pytest.approx(20.0)
    # Cap 0.06 t: move x kWh heat to the boiler with 0.08 − x·(0.4 − 0.2/0.9)/1000 = 0.06.
    capped = solve(_cap_park(0.06), 2)
    x = 20.0 / (0.4 - 0.2 / 0.9)
    assert capped.dispatch["gas_boiler[gb].heat_kw"].sum() == pytest.approx(x, rel=1e-9)
    assert capped.kpis["total_co2_t"] == pytest.approx(0.06, rel=1e-9)
    mac = (0.3 / 0.9 - 0.1) / (0.4 - 0.2 / 0.9) * 1000  # CNY per t = 1312.5
    assert capped.marginal_abatement_cost_cny_per_t == pytest.approx(mac, rel=1e-9)
    # ... and equals the cost increase per tonne when the cap moves by a small step
    step = 0.001
    moved = solve(_cap_park(0.06 - step), 2)
    assert (moved.objective_cny - capped.objective_cny) / step == pytest.approx(mac, rel=1e-6)
    assert free.marginal_abatement_cost_cny_per_t is None


def test_pv_is_curtailed_when_export_is_forbidden():
    # PV forecast 100 kW, load 40 kW, no export: 60 kW must be curtailed.
    park = tiny_park(
        [grid(0.5, export_limit_kw=0), {"id": "pv", "kind": "pv", "capacity_kwp": 120, "forecast_kw": 100}, load(40)]
    )
    s = solve(park, 3)
    assert s.dispatch["pv[pv].output_kw"].tolist() == pytest.approx([40] * 3, abs=1e-6)
    assert s.kpis["pv_curtailed_kwh"] == pytest.approx(180.0, abs=1e-6)
    assert s.dispatch["grid[grid].import_kw"].abs().max() == pytest.approx(0.0, abs=1e-6)
    # allowing export at 0.3 CNY/kWh sells the 60 kW instead
    park = tiny_park(
        [
            grid(0.5, export_limit_kw=1000, export_price_cny_per_kwh=0.3),
            {"id": "pv", "kind": "pv", "capacity_kwp": 120, "forecast_kw": 100},
            load(40),
        ]
    )
    s = solve(park, 3)
    assert s.objective_cny == pytest.approx(-0.3 * 60 * 3, abs=1e-6)


def test_connection_limits_force_batteries_to_serve_the_peak():
    # Transformer 100 kW. Tenant a: 60 kW flat. Tenant b: 40 kW then 90 kW, link limit 70 kW.
    # Peak hour t1 needs 150 kW: 50 kW from batteries; b's own battery must give ≥ 20 kW (its link caps at 70).
    tenants = [{"id": "a"}, {"id": "b", "electric_connection_kw": 70}]
    assets = [
        grid([0.5, 0.5], import_limit_kw=100),
        battery(id="shared", soc_initial_fraction=0.5),
        battery(id="b-bess", owner="b", soc_initial_fraction=0.5, soc_final_fraction=0.0),
        load(60, owner="a", id="la"),
        load([40, 90], owner="b", id="lb"),
    ]
    s = solve(tiny_park(assets, tenants), 2)
    assert s.ok
    d = s.dispatch
    assert d["grid[grid].import_kw"].iloc[1] <= 100 + 1e-6
    assert d["link[b].import_kw"].max() <= 70 + 1e-6
    assert d["battery[b-bess].discharge_kw"].iloc[1] >= 20 - 1e-6
    total = d["battery[shared].discharge_kw"].iloc[1] + d["battery[b-bess].discharge_kw"].iloc[1]
    assert total >= 50 - 1e-6
    # without b's battery the tenant cannot be served: infeasible, reported, not raised
    s2 = solve(tiny_park([a for a in assets if a["id"] != "b-bess"], tenants), 2)
    assert s2.status is gp.Status.INFEASIBLE
    assert not s2.ok
    assert s2.dispatch.empty
    with pytest.raises(gp.ScheduleError):
        s2.raise_for_status()


def test_demand_charge_is_prorated_and_starts_from_the_billed_peak():
    # 24 h of 100 kW except 300 kW in hour 5; battery 200 kW / 400 kWh can shave the peak.
    # Demand charge 73 CNY/kW-month → 73·24/730 = 2.4 CNY/kW over the horizon.
    # Energy price 1.0 flat, η = 1. The battery starts with 200 kWh and must end with at least as much,
    # so 24 h import 2400 + 200 (recharge) kWh at best flat: peak = 2600/24 = 108.33 kW.
    # Allowed to end empty, it covers the 200 kWh excess and the peak falls to the billed 100 kW.
    power = [100.0] * 24
    power[5] = 300.0
    assets = [
        grid(1.0, demand_charge_cny_per_kw_month=73, peak_billed_kw=100),
        battery(power_kw=200, energy_kwh=400, charge_efficiency=1, discharge_efficiency=1, soc_initial_fraction=0.5),
        load(power),
    ]
    s = solve(tiny_park(assets), 24)
    assert s.kpis["peak_grid_import_kw"] == pytest.approx(2600 / 24, abs=1e-6)
    assert s.costs_cny["demand_charge"] == pytest.approx(2.4 * 2600 / 24, abs=1e-6)
    assets[1] = {**assets[1], "soc_final_fraction": 0.0}
    s = solve(tiny_park(assets), 24)
    assert s.kpis["peak_grid_import_kw"] == pytest.approx(100.0, abs=1e-6)
    assert s.costs_cny["demand_charge"] == pytest.approx(2.4 * 100, abs=1e-6)
    # without the battery the 300 kW peak is billed
    s2 = solve(tiny_park([assets[0], assets[2]]), 24)
    assert s2.costs_cny["demand_charge"] == pytest.approx(2.4 * 300, abs=1e-6)


def test_curtailable_load_is_shed_only_when_cheaper_than_its_value():
    # Import limited to 50 kW; a curtailable 80 kW load with VoLL 2 CNY/kWh → 30 kW shed at 2.
    assets = [grid(0.5, import_limit_kw=50), load(80, curtailable=True, value_of_lost_load_cny_per_kwh=2.0)]
    s = solve(tiny_park(assets), 2)
    assert s.dispatch["electric_load[load].shed_kw"].tolist() == pytest.approx([30, 30], abs=1e-6)
    assert s.costs_cny["lost_load"] == pytest.approx(120.0, abs=1e-6)
    # the same load not curtailable: infeasible (never a blackout)
    s2 = solve(tiny_park([grid(0.5, import_limit_kw=50), load(80)]), 2)
    assert s2.status is gp.Status.INFEASIBLE


def test_chp_heat_and_power_and_gas_emissions():
    # CHP η_e 0.3, η_h 0.4; electricity 1.5 CNY/kWh makes it run flat out (fuel cost 0.3/0.3 = 1.0 per kWh_e).
    # 100 kW_e ↔ 333.3 kW fuel ↔ up to 133.3 kW heat; heat load 100 kW is met by the CHP for free.
    assets = [
        grid(1.5, co2=0.5),
        {"id": "chp", "kind": "chp", "electric_kw": 100, "electric_efficiency": 0.3, "heat_efficiency": 0.4},
        load(100),
        load(100, kind="heat_load", id="heat"),
    ]
    s = solve(tiny_park(assets, carbon={"price_cny_per_t": 0}, gas=GAS), 2)
    assert s.dispatch["chp[chp].electricity_kw"].tolist() == pytest.approx([100, 100], abs=1e-6)
    assert s.objective_cny == pytest.approx(2 * 100 / 0.3 * 0.3, abs=1e-6)
    assert s.emissions_t.loc["park", "scope1_t"] == pytest.approx(2 * 100 / 0.3 * 0.2 / 1000, rel=1e-9)
    assert np.allclose(s.dispatch["grid[grid].import_kw"], 0.0, atol=1e-6)


def test_binding_tenant_connection_prices_the_tenant_node_above_the_park():
    # b: load 80 kW, link limit 50 kW, own CHP at 0.3/0.3 = 1.0 CNY/kWh_e (heat rejected).
    # Grid 0.5: b takes 50 kW through its link and runs its CHP at 30 kW.
    # Park node price = 0.5; b's node price = 1.0 (its marginal kWh comes from its CHP).
    tenants = [{"id": "b", "electric_connection_kw": 50}]
    assets = [
        grid(0.5),
        {
            "id": "chp",
            "kind": "chp",
            "owner": "b",
            "electric_kw": 100,
            "electric_efficiency": 0.3,
            "heat_efficiency": 0.4,
        },
        load(80, owner="b"),
    ]
    s = solve(tiny_park(assets, tenants, gas=GAS, carbon={"price_cny_per_t": 0}), 2)
    assert s.dispatch["chp[chp].electricity_kw"].tolist() == pytest.approx([30, 30], abs=1e-6)
    assert s.node_prices[("electricity", "park")].tolist() == pytest.approx([0.5, 0.5], abs=1e-9)
    assert s.node_prices[("electricity", "b")].tolist() == pytest.approx([1.0, 1.0], abs=1e-9)
    assert s.objective_cny == pytest.approx(2 * (50 * 0.5 + 30 * 1.0), abs=1e-6)


def test_impossible_carbon_cap_reports_the_least_achievable_emissions(tmp_path):
    # The cleanest way to serve 2 h × 100 kW of heat is the boiler: 200/0.9 kWh gas × 0.2 kg = 44.4 kg.
    s = solve(_cap_park(0.01), 2)
    assert s.status is gp.Status.INFEASIBLE
    caps = [f for f in s.explanation if f["requirement"] == "carbon cap"]
    assert len(caps) == 1
    assert caps[0]["least_achievable_co2_t"] == pytest.approx(200 / 0.9 * 0.2 / 1000, rel=1e-6)
    assert "cannot be met: the least achievable" in s.message
    s.to_folder(tmp_path)
    summary = __import__("json").loads((tmp_path / "summary.json").read_text())
    assert summary["least_achievable_co2_t"] == pytest.approx(0.0444444, rel=1e-5)
    assert summary["explanation"][0]["requirement"] == "carbon cap"
    # a load no asset can serve is named with its tenant and hours
    s2 = solve(tiny_park([grid(0.5, import_limit_kw=50), load(80)]), 2)
    loads = [f for f in s2.explanation if f["requirement"] == "electricity load"]
    assert loads[0]["tenant"] == "a"
    assert loads[0]["amount"] == pytest.approx(60.0)
    assert loads[0]["hours"] == "2026-07-15 00:00–02:00"
    iis = [f for f in s2.explanation if f["requirement"] == "irreducible infeasible subset"]
    assert len(iis) == 1
    assert any(c.startswith("grid[grid].import_kw[2026-07-15 ") for c in iis[0]["columns"])
    assert any(r.startswith("balance[") for r in iis[0]["rows"])


def test_missing_heat_source_names_the_tenant_and_hours():
    # Tenant a needs heat from 02:00 to 04:00 and nothing in the park makes heat.
    s = solve(tiny_park([grid(0.5), load(10), load([0, 0, 50, 50, 0, 0], kind="heat_load", id="process-heat")]), 6)
    assert s.status is gp.Status.INFEASIBLE
    heat = [f for f in s.explanation if f["requirement"] == "heat load"]
    assert heat[0]["tenant"] == "a"
    assert heat[0]["asset"] == "process-heat"
    assert heat[0]["hours"] == "2026-07-15 02:00–04:00"
    assert heat[0]["amount"] == pytest.approx(100.0)


def test_business_as_usual_comparison_states_the_saving():
    # The battery arbitrage park (optimum 158): without the battery the load costs 100·(0.3 + 0.3 + 1 + 1) = 260.
    park = tiny_park([grid([0.3, 0.3, 1.0, 1.0], co2=0.5), battery(), load(100)])
    s = solve(park, 4, compare_bau=True)
    assert s.bau["cost_cny"] == pytest.approx(260.0)
    assert s.bau["saving_cny"] == pytest.approx(102.0)
    # optimal: 400 kWh + 200 charged − 162 discharged = 438 kWh imported vs 400 → 19 kg more CO2
    assert s.bau["saving_co2_t"] == pytest.approx((400 - 438) * 0.5 / 1000)
    # a batch job runs as early as it can in business as usual: at 00:00 for 1.0 instead of the 0.3 valley
    job = {"id": "j", "kind": "batch_job", "owner": "a", "profile_kw": [100, 200, 200, 100],
           "earliest_start": "00:00", "latest_end": "24:00"}  # fmt: skip
    prices = [1.0] * 6 + [0.3] * 4 + [1.0] * 14
    s = solve(tiny_park([grid(prices), job]), 24, compare_bau=True)
    assert s.bau["cost_cny"] == pytest.approx(600.0)
    assert s.bau["saving_cny"] == pytest.approx(600.0 - 180.0)
