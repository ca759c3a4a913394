"""Production and unit commitment (MILP): optima derived by hand, and checks on the solution itself."""

from __future__ import annotations

import numpy as np
import pytest

import greenpark as gp
from tests.conftest import grid, load, solve, tiny_park

pytestmark = pytest.mark.integration

GAS = {"price_cny_per_kwh": 0.30, "co2_kg_per_kwh": 0.2}
NO_CARBON = {"price_cny_per_t": 0}
VALLEY = [1.0] * 6 + [0.3] * 4 + [1.0] * 14  # cheap 06:00–10:00


def _job(**kw) -> dict:
    base = {"id": "furnace", "kind": "batch_job", "owner": "a", "profile_kw": [100, 200, 200, 100]}
    return {**base, "earliest_start": "00:00", "latest_end": "24:00", **kw}


def test_batch_job_moves_to_the_valley():
    # 600 kWh at 0.3 in the 4-h valley; a 10 kW base load pays 20 h × 1.0 + 4 h × 0.3 → 180 + 212 = 392.
    s = solve(tiny_park([grid(VALLEY), load(10), _job()]), 24)
    assert s.status is gp.Status.OPTIMAL
    assert s.objective_cny == pytest.approx(392.0, abs=1e-6)
    power = s.dispatch["batch_job[furnace].power_kw"].to_numpy()
    assert power[6:10].tolist() == pytest.approx([100, 200, 200, 100])
    assert power.sum() == pytest.approx(600)
    assert s.prices_from == "lp_with_integers_fixed"


def test_two_jobs_on_one_line_do_not_overlap():
    # Both want the valley (06–10 at 0.3, else 1.0). On one line: oven 06–08 (600 kWh × 0.3 = 180), then the
    # furnace 08–12 (100 + 200 kWh in the valley, 200 + 100 after: 90 + 300) = 570, + base load 212 = 782
    # (furnace first 06–10 then oven: 180 + 600 = 780, worse). On two lines both overlap in the valley: 360 + 212.
    jobs = [_job(line="L"), _job(id="oven", profile_kw=[300, 300], line="L")]
    s = solve(tiny_park([grid(VALLEY), load(10), *jobs]), 24)
    a = s.dispatch["batch_job[furnace].power_kw"].to_numpy() > 0
    b = s.dispatch["batch_job[oven].power_kw"].to_numpy() > 0
    assert not (a & b).any()
    assert a.sum() == 4
    assert b.sum() == 2
    # Valley 06–10 at 0.3, else 1.0. On one line: oven 06–08 (600 kWh × 0.3 = 180), then the furnace 08–12
    # (100 + 200 kWh in the valley, 200 + 100 after: 90 + 300) = 570, + base load 212 = 782 (furnace first
    # 06–10 then the oven: 180 + 600 = 780, worse). On two lines both overlap in the valley: 360 + 212 = 572.
    assert s.objective_cny == pytest.approx(782.0, abs=1e-6)
    apart = [_job(line="L"), _job(id="oven", profile_kw=[300, 300], line="M")]
    assert solve(tiny_park([grid(VALLEY), load(10), *apart]), 24).objective_cny == pytest.approx(572.0, abs=1e-6)


def test_precedence_runs_the_second_job_after_the_first():
    jobs = [_job(id="first"), _job(id="second", profile_kw=[50, 50], after="first")]
    s = solve(tiny_park([grid(VALLEY), load(10), *jobs]), 24)
    first = np.flatnonzero(s.dispatch["batch_job[first].power_kw"].to_numpy() > 0)
    second = np.flatnonzero(s.dispatch["batch_job[second].power_kw"].to_numpy() > 0)
    assert second.min() >= first.max() + 1


def test_a_delivery_forces_production_before_a_peak():
    # 300 units due at 18:00, 1 kWh/unit, ≤ 100 kW; the only cheap hours are 06–10 (0.3), then peak 2.0 from 10:00.
    # Cheapest: 4 h × 100 kW in the valley (400 units ≥ 300 → 300 needed: 100+100+100 or spread) = 300 kWh × 0.3.
    prices = [1.0] * 6 + [0.3] * 4 + [2.0] * 14
    line = {
        "id": "line", "kind": "production_line", "owner": "a", "min_power_kw": 50, "max_power_kw": 100,
        "specific_energy_kwh_per_unit": 1.0, "inventory_max_units": 1000, "deliveries": [{"at": "18:00", "units": 300}],
    }  # fmt: skip
    s = solve(tiny_park([grid(prices), line]), 24)
    power = s.dispatch["production_line[line].power_kw"].to_numpy()
    inventory = s.dispatch["production_line[line].inventory_units"].to_numpy()
    assert power[:6].sum() == pytest.approx(0.0, abs=1e-6)
    assert power[6:10].sum() == pytest.approx(300.0, abs=1e-6)
    assert power[10:].sum() == pytest.approx(0.0, abs=1e-6)
    assert s.objective_cny == pytest.approx(90.0, abs=1e-6)
    assert inventory[16] == pytest.approx(300.0)
    assert inventory[17] == pytest.approx(0.0, abs=1e-6)  # the 18:00 truck leaves in the 17:00–18:00 step


CHP = {"id": "chp", "kind": "chp", "electric_kw": 100, "electric_efficiency": 0.3, "heat_efficiency": 0.4}


def test_startup_cost_makes_one_long_run_cheaper_than_two_short_ones():
    # Grid 1.5 in hours 2–3 and 5–6, 0.5 otherwise; CHP costs 1.0 per kWh_e, min load 50 kW, start 30 CNY.
    # Two runs (2–3, 5–6): saving 4 h × 100 × 0.5 − 2 × 30 = 140. One run 2–6 at 50 kW in hour 4:
    # 200 − 30 − 50 × (1.0 − 0.5) = 145 → better. Objective = 800 − 145 = 655.
    prices = [0.5, 0.5, 1.5, 1.5, 0.5, 1.5, 1.5, 0.5]
    chp = {**CHP, "commitment": {"min_load_fraction": 0.5, "startup_cost_cny": 30}}
    s = solve(tiny_park([grid(prices), chp, load(100)], gas=GAS, carbon=NO_CARBON), 8)
    assert s.objective_cny == pytest.approx(655.0, abs=1e-6)
    on = s.dispatch["chp[chp].on"].to_numpy()
    assert on.tolist() == pytest.approx([0, 0, 1, 1, 1, 1, 1, 0])
    assert s.dispatch["chp[chp].electricity_kw"].iloc[4] == pytest.approx(50.0)
    assert s.costs_cny["startup"] == pytest.approx(30.0)
    # a dearer start (60) changes nothing: one run is still cheaper (saving 200 − 60 − 25 = 115 > 80)
    # but a cheap one (10) still prefers one run only if 25 < 10 — it does not: two runs
    chp_cheap = {**CHP, "commitment": {"min_load_fraction": 0.5, "startup_cost_cny": 10}}
    s2 = solve(tiny_park([grid(prices), chp_cheap, load(100)], gas=GAS, carbon=NO_CARBON), 8)
    assert s2.objective_cny == pytest.approx(800 - (200 - 20), abs=1e-6)
    assert s2.dispatch["chp[chp].on"].tolist() == pytest.approx([0, 0, 1, 1, 0, 1, 1, 0])


def _check_min_up_down(on: np.ndarray, up: int, down: int, initially_on: bool = False) -> None:
    """Check the rule on a 0/1 sequence (not on the model)."""
    seq = np.concatenate([[1 if initially_on else 0], np.round(on).astype(int)])
    runs, current, length = [], seq[1], 0
    for v in seq[1:]:
        if v == current:
            length += 1
        else:
            runs.append((current, length))
            current, length = v, 1
    runs.append((current, length))
    for i, (state, n) in enumerate(runs[:-1]):  # the last run may be cut by the horizon
        if i == 0:
            continue  # the first run continues the initial state
        assert n >= (up if state == 1 else down), f"{'on' if state else 'off'} for {n} < limit in {seq[1:]}"


def test_min_up_and_down_times_hold_in_the_solution():
    # Price flips every 2 h: without limits the CHP would follow it; with min up 3 h / min down 3 h it cannot.
    prices = [0.5, 0.5, 1.5, 1.5] * 6
    chp = {**CHP, "commitment": {"min_load_fraction": 0.5, "min_up_h": 3, "min_down_h": 3}}
    s = solve(tiny_park([grid(prices), chp, load(100)], gas=GAS, carbon=NO_CARBON), 24)
    on = s.dispatch["chp[chp].on"].to_numpy()
    assert on.sum() > 0
    _check_min_up_down(on, 3, 3)
    free = solve(tiny_park([grid(prices), {**CHP, "commitment": {"min_load_fraction": 0.5}}, load(100)],
                           gas=GAS, carbon=NO_CARBON), 24)  # fmt: skip
    assert free.dispatch["chp[chp].on"].tolist() == pytest.approx([0, 0, 1, 1] * 6)
    assert free.objective_cny < s.objective_cny


def test_initial_state_continues_what_runs_now():
    # On for 1 h of a 4-h minimum: it must stay on for 3 more hours although the grid is cheaper.
    chp = {**CHP, "commitment": {"min_load_fraction": 0.5, "min_up_h": 4, "initially_on": True, "initial_state_h": 1}}
    s = solve(tiny_park([grid(0.5), chp, load(100)], gas=GAS, carbon=NO_CARBON), 6)
    assert s.dispatch["chp[chp].on"].tolist() == pytest.approx([1, 1, 1, 0, 0, 0])
    assert s.dispatch["chp[chp].electricity_kw"].iloc[:3].tolist() == pytest.approx([50, 50, 50])
    # a job already running: its remaining profile is drawn first, and no new run starts over it
    job = _job(running_since_h=2, line="L")
    s = solve(tiny_park([grid(VALLEY), load(10), job]), 24)
    power = s.dispatch["batch_job[furnace].power_kw"].to_numpy()
    assert power[:2].tolist() == pytest.approx([200, 100])
    assert power[6:10].tolist() == pytest.approx([100, 200, 200, 100])


def test_part_load_fuel_and_ramp_limits():
    # fuel = a·on + P/η: 20 kW no-load fuel. Ramp 30 kW/h; the unit starts from 0 (initially off), and in
    # its start step may reach P_min + ramp = 40 + 30 = 70 kW, then +30 per hour up to 100.
    chp = {**CHP, "commitment": {"min_load_fraction": 0.4, "no_load_input_kw": 20, "ramp_up_kw_per_h": 30}}
    s = solve(tiny_park([grid(2.0), chp, load(100)], gas=GAS, carbon=NO_CARBON), 4)
    d = s.dispatch
    el = d["chp[chp].electricity_kw"].to_numpy()
    fuel = d["chp[chp].fuel_kw"].to_numpy()
    on = d["chp[chp].on"].to_numpy()
    np.testing.assert_allclose(fuel, 20 * on + el / 0.3, atol=1e-6)
    assert el.tolist() == pytest.approx([70, 100, 100, 100])


def test_battery_without_simultaneous_charge_and_discharge():
    # A full battery and a negative price: the LP burns energy through the battery's losses by charging 100 kW
    # and discharging 81 kW at once (state unchanged); with the binary it cannot.
    bess = {"id": "bess", "kind": "battery", "power_kw": 100, "energy_kwh": 1000, "charge_efficiency": 0.9,
            "discharge_efficiency": 0.9, "soc_min_fraction": 0, "soc_max_fraction": 1,
            "soc_initial_fraction": 1.0}  # fmt: skip
    assets = [grid([-1.0, -1.0], import_limit_kw=1000), bess, load(10)]
    lp = solve(tiny_park(assets), 2)
    both = (lp.dispatch["battery[bess].charge_kw"] > 1e-6) & (lp.dispatch["battery[bess].discharge_kw"] > 1e-6)
    assert both.all()
    assert lp.objective_cny == pytest.approx(-2 * (10 + 19), abs=1e-6)
    assets[1] = {**bess, "no_simultaneous": True}
    milp = solve(tiny_park(assets), 2)
    both = (milp.dispatch["battery[bess].charge_kw"] > 1e-6) & (milp.dispatch["battery[bess].discharge_kw"] > 1e-6)
    assert not both.any()
    # best with the binary: discharge 10 kW at t0 (import cannot go below 0: no export), recharge
    # 10/0.81 kW at t1 → extra draw 10·(1/0.81 − 1)
    assert milp.objective_cny == pytest.approx(-2 * 10 - 10 * (1 / 0.81 - 1), abs=1e-6)


def test_interruptible_load_sheds_up_to_its_daily_limit():
    # 100 kW at 1.0 (0.3 in the valley); shedding costs 0.5, up to 150 kWh a day → 150 kWh shed at peak price.
    il = {"id": "il", "kind": "interruptible_load", "owner": "a", "power_kw": 100, "max_shed_kwh_per_day": 150,
          "shed_price_cny_per_kwh": 0.5}  # fmt: skip
    s = solve(tiny_park([grid(VALLEY), il]), 24)
    shed = s.dispatch["interruptible_load[il].shed_kw"].to_numpy()
    assert shed.sum() == pytest.approx(150.0)
    assert shed[6:10].sum() == pytest.approx(0.0)
    assert s.objective_cny == pytest.approx(100 * (20 + 4 * 0.3) - 150 * 0.5, abs=1e-6)


def test_optional_run_is_skipped_when_its_penalty_is_lower():
    job = _job(required=False, skip_penalty_cny=100)  # running costs ≥ 180: skipping (100) is cheaper
    s = solve(tiny_park([grid(VALLEY), load(10), job]), 24)
    assert s.dispatch["batch_job[furnace].power_kw"].sum() == pytest.approx(0.0)
    assert s.costs_cny["production_penalty"] == pytest.approx(100.0)


def test_infeasible_production_is_explained_in_park_terms():
    # Each job fits its 06:00–12:00 window alone, but both on one line cannot: 4 h + 4 h > 6 h.
    jobs = [_job(line="L", earliest_start="06:00", latest_end="12:00"),
            _job(id="oven", line="L", earliest_start="06:00", latest_end="12:00")]  # fmt: skip
    s = solve(tiny_park([grid(VALLEY), load(10), *jobs]), 24)
    assert s.status is gp.Status.INFEASIBLE
    missed = [f for f in s.explanation if f["requirement"] == "batch run"]
    assert len(missed) == 1
    assert missed[0]["asset"] in ("furnace", "oven")
    assert missed[0]["amount"] == 1
    assert "could not be scheduled in its window 2026-07-15 06:00–12:00" in missed[0]["message"]
    assert "could not be scheduled" in s.message


def test_warm_start_from_a_previous_schedule():
    park = gp.load_park(__import__("tests.conftest", fromlist=["MODELS"]).MODELS / "reference-park-milp.yaml")
    first = gp.solve(park, start="2026-07-15", horizon="24h", build_pyomo=False)
    again = gp.solve(park, start="2026-07-15", horizon="24h", build_pyomo=False, warm_start=first)
    assert again.ok
    assert again.objective_cny <= first.objective_cny * (1 + 0.005) + 1e-6
    assert f"MIP start solution is feasible: objective value is {int(first.objective_cny)}" in again.log
    assert "MIP start" not in first.log


def test_time_limit_with_an_incumbent_is_feasible_with_gap_and_bound(tmp_path):
    # A week of the MILP reference park with a gap HiGHS cannot close in 2 s: an incumbent, not a failure.
    from tests.conftest import MODELS

    # The incumbent comes from a MIP start (an earlier solve at the default gap), so the test does not
    # depend on how fast this machine finds one; a gap of 1e-9 is not closed in 1 s.
    path = MODELS / "reference-park-milp.yaml"
    first = gp.solve(path, start="2026-07-13", horizon="168h", build_pyomo=False)
    assert first.ok
    opts = gp.SolveOptions(time_limit_s=1.0, mip_rel_gap=1e-9)
    s = gp.solve(path, start="2026-07-13", horizon="168h", options=opts, warm_start=first, build_pyomo=False)
    assert s.status is gp.Status.FEASIBLE
    assert s.ok
    assert s.mip_gap > 0
    assert s.dual_bound_cny <= s.objective_cny
    assert "gap" in s.message
    assert s.prices_from == "lp_with_integers_fixed"
    assert not s.prices["electricity_cny_per_kwh"].isna().any()
    s.to_folder(tmp_path)
    summary = __import__("json").loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "feasible"
    assert summary["mip_gap"] == pytest.approx(s.mip_gap)
