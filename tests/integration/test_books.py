"""The books: the five wrong answers of the books issue, and attribution and bills derived by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import greenpark as gp
from tests.conftest import ROOT, grid, load, solve, tiny_park

pytestmark = pytest.mark.integration


def _park(doc: dict) -> gp.Park:
    return gp.park_from_dict(doc, base_dir=ROOT / "models")


SITE = {"name": "books", "timezone": "Asia/Shanghai", "latitude": 31.3, "longitude": 120.6}


def _both(schedule: gp.Schedule, grid_id: str = "grid") -> np.ndarray:
    d = schedule.dispatch
    return np.minimum(d[f"grid[{grid_id}].import_kw"], d[f"grid[{grid_id}].export_kw"]).to_numpy()


# ---------------------------------------------------------------- 1. one meter
def test_a_meter_never_imports_and_exports_when_export_pays_more():
    doc = {
        "park": {"name": "minimal import export", "latitude": 39.9, "longitude": 116.4},
        "assets": [
            {"id": "grid", "kind": "grid", "import_limit_kw": 1000, "export_limit_kw": 1000,
             "import_price_cny_per_kwh": 0.35, "export_price_cny_per_kwh": 0.5, "co2_kg_per_kwh": 0.0},
            {"id": "gen", "kind": "pv", "capacity_kwp": 110, "inverter_kw": 100, "forecast_kw": 100},
            {"id": "load", "kind": "electric_load", "power_kw": 100},
        ],
    }  # fmt: skip
    s = gp.solve(_park(doc), start="2026-12-01", horizon="24h")
    assert s.status is gp.Status.OPTIMAL
    # PV serves the load; buying 100 kW to sell the PV at the higher price is what a single meter forbids
    assert s.objective_cny == pytest.approx(0.0, abs=1e-6)
    assert _both(s).max() <= 1e-6
    why = s.meta["integer_variables"]
    assert why["count"] == 24
    assert "export price exceeds the import price in 24 of 24 steps" in why["why"][0]


def test_binaries_only_in_the_steps_where_export_pays_more():
    # export 0.5 beats import only in the first 3 of 6 steps; load 100, PV 150
    imp = [0.35, 0.35, 0.35, 0.8, 0.8, 0.8]
    s = solve(tiny_park([grid(imp, export_limit_kw=500, export_price_cny_per_kwh=0.5),
                         {"id": "pv", "kind": "pv", "capacity_kwp": 200, "forecast_kw": 150},
                         load(100)]), 6)  # fmt: skip
    assert s.meta["integer_variables"]["count"] == 3
    assert _both(s).max() <= 1e-6
    # every step: 50 kW of surplus sold at 0.5
    assert s.objective_cny == pytest.approx(-6 * 50 * 0.5)


def test_no_binary_where_export_pays_less_and_equal_prices_are_netted():
    # equal prices: buying and selling at once costs nothing, so the LP may do it; the schedule nets it
    park = tiny_park(
        [grid(0.4, co2=0.5, export_limit_kw=500, export_price_cny_per_kwh=0.4),
         {"id": "pv", "kind": "pv", "capacity_kwp": 200, "forecast_kw": 150}, load(100)]
    )  # fmt: skip
    s = solve(park, 4)
    assert s.meta["integer_variables"]["count"] == 0
    assert _both(s).max() <= 1e-9
    assert s.objective_cny == pytest.approx(-4 * 50 * 0.4)
    assert s.emissions_t["total_t"].sum() == pytest.approx(0.0, abs=1e-12)
    assert s.tenants["co2_t"].sum() == pytest.approx(0.0, abs=1e-12)
    assert s.costs_cny.sum() == pytest.approx(s.objective_cny)


# ---------------------------------------------------------------- 2. committed minimum only while on
def _chp_park(commitment: dict | None) -> gp.Park:
    chp = {"id": "chp", "kind": "chp", "electric_kw": 1200, "min_electric_kw": 700,
           "electric_efficiency": 0.36, "heat_efficiency": 0.45}  # fmt: skip
    if commitment is not None:
        chp["commitment"] = commitment
    doc = {
        "park": {**SITE, "name": "chp-minel", "resolution": "1h"},
        "gas": {"price_cny_per_kwh": 0.6, "co2_kg_per_kwh": 0.2},
        "tenants": [{"id": "t1"}],
        "assets": [
            {"id": "grid", "kind": "grid", "import_limit_kw": 5000, "import_price_cny_per_kwh": 0.5,
             "co2_kg_per_kwh": 0.6},
            {"id": "load", "kind": "electric_load", "owner": "t1", "power_kw": 1000},
            chp,
        ],
    }  # fmt: skip
    return _park(doc)


def test_a_committed_chp_with_a_minimum_switches_off():
    s = gp.solve(_chp_park({"min_load_fraction": 0.5}), start="2026-12-01", horizon="24h")
    assert s.status is gp.Status.OPTIMAL
    assert s.objective_cny == pytest.approx(12_000.0, rel=1e-9)  # the grid alone: 1000 kW × 0.5 × 24 h
    assert s.dispatch["chp[chp].on"].max() == 0.0
    assert s.dispatch["chp[chp].electricity_kw"].max() == 0.0
    assert s.tenants.loc["t1", "co2_t"] == pytest.approx(14.4)
    assert s.emissions_t["total_t"].sum() == pytest.approx(14.4)


def test_an_lp_chp_minimum_is_a_must_run():
    # without commitment min_electric_kw is a floor: 700 kW of CHP, 300 kW from the grid
    s = gp.solve(_chp_park(None), start="2026-12-01", horizon="24h")
    per_h = 700 / 0.36 * 0.6 + 300 * 0.5
    assert s.objective_cny == pytest.approx(24 * per_h, rel=1e-9)


# ---------------------------------------------------------------- 3. PV within its inverter
def test_a_pv_forecast_above_the_inverter_is_clipped_and_reported():
    s = solve(tiny_park([grid(0.5), {"id": "pv", "kind": "pv", "capacity_kwp": 100, "inverter_kw": 90,
                                     "forecast_kw": 800}, load(1000)]), 24)  # fmt: skip
    assert s.dispatch["pv[pv].output_kw"].max() == pytest.approx(90.0)
    assert s.kpis["pv_clipped_kwh"] == pytest.approx((800 - 90) * 24)
    assert s.objective_cny == pytest.approx((1000 - 90) * 0.5 * 24)


# ---------------------------------------------------------------- 4. every load has an owner
def test_a_load_without_owner_in_a_park_with_tenants_is_an_input_error():
    doc = {"park": SITE, "tenants": [{"id": "t1"}],
           "assets": [grid(0.5), {"id": "lights", "kind": "electric_load", "power_kw": 100}]}  # fmt: skip
    with pytest.raises(gp.ParkValidationError) as exc:
        _park(doc)
    (p,) = exc.value.problems
    assert p.path == "assets[1].owner"
    for word in ("'lights'", "t1", "'park'"):
        assert word in p.message
    # 'park' is an owner like any other: the park's own load is billed to the row 'park'
    doc["assets"][1]["owner"] = "park"
    s = solve(_park(doc), 2)
    assert s.tenants.loc["park", "bill_cny"] == pytest.approx(100.0)
    assert s.tenants.loc["t1", "bill_cny"] == pytest.approx(0.0)


def test_a_park_without_tenants_bills_its_own_row():
    s = solve(_park({"park": SITE, "assets": [grid(0.5, co2=0.6), load(100, owner="park")]}), 3)
    assert list(s.tenants.index) == ["park"]
    assert s.tenants.loc["park", "bill_cny"] == pytest.approx(150.0)
    assert s.tenants.loc["park", "co2_t"] == pytest.approx(0.18)


# ---------------------------------------------------------------- 5. attribution by hand
def test_chp_emissions_split_by_the_efficiency_method():
    # a takes the CHP's heat, b its power; the grid is too dear to use. Fuel 1000 kW → 360 kW el, 450 kW heat,
    # 200 kg/h. Efficiency method: el share (360/0.35) / (360/0.35 + 450/0.8).
    tenants = [{"id": "a"}, {"id": "b"}]
    assets = [
        grid(10.0, co2=0.0),
        {"id": "chp", "kind": "chp", "electric_kw": 360, "electric_efficiency": 0.36, "heat_efficiency": 0.45},
        load(450, owner="a", id="heat-a", kind="heat_load"),
        load(360, owner="b", id="power-b"),
    ]
    s = solve(tiny_park(assets, tenants, gas={"price_cny_per_kwh": 0.1, "co2_kg_per_kwh": 0.2}), 2)
    assert s.dispatch["chp[chp].fuel_kw"].to_numpy() == pytest.approx([1000.0, 1000.0])
    el_share = (360 / 0.35) / (360 / 0.35 + 450 / 0.8)
    assert s.tenants.loc["b", "co2_t"] == pytest.approx(2 * 0.2 * el_share, rel=1e-9)
    assert s.tenants.loc["a", "co2_t"] == pytest.approx(2 * 0.2 * (1 - el_share), rel=1e-9)
    assert s.tenants.loc["park", "co2_t"] == pytest.approx(0.0, abs=1e-12)
    # the cap ledger is a different figure: heat drawn × the heat factor, electricity × the grid's (0 here)
    assert s.tenants.loc["a", "co2_cap_ledger_t"] == pytest.approx(2 * 450 * 0.222 / 1000)


def test_stored_energy_carries_the_emissions_of_its_charge():
    # the battery charges 100 kW from the grid at hour 0 (0.8 kg/kWh) and serves a's load at hour 1 (grid 0.2)
    battery = {"id": "bess", "kind": "battery", "power_kw": 100, "energy_kwh": 200, "charge_efficiency": 1.0,
               "discharge_efficiency": 1.0, "soc_min_fraction": 0.0, "soc_max_fraction": 1.0,
               "soc_initial_fraction": 0.0}  # fmt: skip
    s = solve(tiny_park([grid([0.1, 1.0], co2=[0.8, 0.2]), battery, load(100)]), 2)
    assert s.dispatch["battery[bess].discharge_kw"].to_numpy() == pytest.approx([0.0, 100.0])
    assert s.tenants.loc["a", "co2_t"] == pytest.approx(0.16, rel=1e-9)  # 200 kWh at 0.8
    assert s.tenants.loc["park", "co2_t"] == pytest.approx(0.0, abs=1e-12)
    # what is still stored at the end stays with the store's owner: keep 100 kWh in the battery
    battery["soc_final_fraction"] = 0.5
    s = solve(tiny_park([grid([0.1, 1.0], co2=[0.8, 0.2]), battery, load(100)]), 2)
    assert s.tenants["co2_t"].sum() == pytest.approx(s.emissions_t["total_t"].sum(), rel=1e-12)


def test_summary_and_tenants_csv_carry_the_same_books(tmp_path):
    s = gp.solve(ROOT / "models" / "reference-park.yaml", start="2026-12-01", horizon="24h")
    s.to_folder(tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    csv = pd.read_csv(tmp_path / "tenants.csv", index_col=0)
    table = pd.DataFrame(summary["tenants"]).T.astype(float)
    pd.testing.assert_frame_equal(table, csv, check_names=False, rtol=1e-12)
    assert summary["billing_method"]["name"] == "marginal"
    assert csv["bill_cny"].sum() == pytest.approx(summary["objective_cny"], rel=1e-9)
    assert csv["co2_t"].sum() == pytest.approx(summary["co2_t"], rel=1e-9)
    market = summary["emissions_t"]
    assert csv["co2_market_t"].sum() == pytest.approx(
        sum(r["scope1_t"] + r["scope2_market_t"] for r in market.values()), rel=1e-9
    )
    # the fab burns no gas itself but its energy from the park carries the park's emissions
    assert csv.loc["fab", "scope1_t"] == 0.0
    assert csv.loc["fab", "co2_t"] > 0.0


def test_netting_changes_no_cost_and_the_carbon_total_follows():
    # HiGHS rarely returns both flows at once at equal prices, so put them there by hand
    from greenpark.accounts import net_meters

    park = tiny_park(
        [grid(0.4, co2=0.5, export_limit_kw=500, export_price_cny_per_kwh=0.4),
         {"id": "pv", "kind": "pv", "capacity_kwp": 200, "forecast_kw": 150}, load(100)],
        carbon={"cap_t": 10.0},
    )  # fmt: skip
    s = solve(park, 4)
    form, x = s.model.form, s.solution.x
    imp, exp = form.var_group("grid", "import_kw").index(), form.var_group("grid", "export_kw").index()
    link_imp = form.var_group("link", "import_kw").index()
    link_exp = form.var_group("link", "export_kw").index()
    total = form.var_group("carbon", "total_t").offset
    both = x.copy()
    both[imp[0, 0]] += 30.0
    both[exp[0, 0]] += 30.0
    both[link_imp[0, 1]] += 20.0
    both[link_exp[0, 1]] += 20.0
    both[total] += 30.0 * 0.5 / 1000.0  # the carbon row still holds for the gross import
    assert form.col_cost @ both == pytest.approx(form.col_cost @ x)
    netted = net_meters(s.model, both)
    np.testing.assert_allclose(netted, x, atol=1e-12)
    assert net_meters(s.model, x) is x  # nothing to net: no copy
