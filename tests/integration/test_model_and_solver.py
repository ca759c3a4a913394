"""The Pyomo model, solver outcomes, resolution and tenant carbon caps."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

import greenpark as gp
from greenpark.model.linear import LinearProblem
from greenpark.model.pyomo_model import load_solution
from greenpark.solve import SolveOptions, Status
from greenpark.solve import solve as solve_form
from tests.conftest import MODELS, grid, load, solve, tiny_park

pytestmark = pytest.mark.integration


def test_pyomo_model_has_named_blocks_and_agrees_with_the_solution():
    s = gp.solve(MODELS / "quick-park.yaml", start="2026-07-15", horizon="24h")
    m = s.pyomo_model
    assert isinstance(m, pyo.ConcreteModel)
    form = s.model.form
    n_vars = sum(1 for _ in m.component_data_objects(pyo.Var))
    n_cons = sum(len(c) for c in m.component_objects(pyo.Constraint))
    assert (n_vars, n_cons) == (form.n_cols, form.n_rows)
    assert len(m.battery.soc_kwh) == 24
    assert len(m.battery.soc_balance) == 24
    assert m.battery.soc_kwh["bess", 0].ub == pytest.approx(0.9 * 1000)
    load_solution(m, s.solution.x)
    assert pyo.value(m.objective) == pytest.approx(s.objective_cny, rel=1e-9)
    assert m.battery.soc_kwh["bess", 5].value == pytest.approx(s.dispatch["battery[bess].soc_kwh"].iloc[5])
    # every constraint body, evaluated by Pyomo at the solution, lies within its bounds
    for con in m.component_data_objects(pyo.Constraint):
        body = pyo.value(con.body)
        if con.lb is not None:
            assert body >= con.lb - 1e-6 * (1 + abs(con.lb))
        if con.ub is not None:
            assert body <= con.ub + 1e-6 * (1 + abs(con.ub))
    # rows and columns carry names that map back to (asset, constraint/variable, time)
    g = form.row_group("battery", "soc_balance")
    assert form.row_label(g.offset + 5) == "battery[bess].soc_balance[5]"
    v = form.var_group("grid", "import_kw")
    assert form.col_label(v.offset + 23) == "grid[grid].import_kw[23]"


def _tiny_form(cost: float, upper: float) -> LinearProblem:
    lp = LinearProblem(n_t=1)
    x = lp.add_var("test", "x", ["a"], 0.0, upper)
    rows = lp.add_rows("test", "floor", ["a"], 1.0, np.inf)
    lp.add_terms(rows, x, 1.0)
    lp.add_cost("test", x, cost)
    return lp


def test_solver_outcomes_are_reported_not_raised():
    ok = solve_form(_tiny_form(1.0, 10.0).finalize())
    assert ok.status is Status.OPTIMAL
    assert ok.objective == pytest.approx(1.0)
    assert ok.highs_run_time_s >= 0
    assert "HiGHS" in ok.log
    unb = solve_form(_tiny_form(-1.0, np.inf).finalize())
    assert unb.status is Status.UNBOUNDED
    assert "unbounded" in unb.message
    inf = solve_form(_tiny_form(1.0, 0.5).finalize())
    assert inf.status is Status.INFEASIBLE
    assert inf.x is None


def test_time_limit_without_solution_is_reported_and_exits_4(tmp_path):
    opts = SolveOptions(time_limit_s=1e-3, presolve=False)
    s = gp.solve(MODELS / "reference-park.yaml", start="2026-07-13", horizon="168h", options=opts)
    assert s.status is Status.TIME_LIMIT
    assert not s.ok
    assert "before any feasible solution" in s.message
    assert s.termination == "kTimeLimit"
    s.to_folder(tmp_path)
    assert gp.load_schedule(tmp_path).status is Status.TIME_LIMIT


def test_quarter_hour_resolution_matches_hourly_on_flat_data():
    # Hourly prices held over four quarter-hours; the same park at 15 min costs the same.
    assets = [
        grid([0.3, 0.3, 1.0, 1.0]),
        {"id": "bess", "kind": "battery", "power_kw": 100, "energy_kwh": 200, "soc_min_fraction": 0,
         "soc_max_fraction": 1, "soc_initial_fraction": 0},
        load(100),
    ]  # fmt: skip
    hourly = solve(tiny_park(assets), 4)
    q_assets = [grid([p for p in (0.3, 0.3, 1.0, 1.0) for _ in range(4)]), assets[1], load(100)]
    park = tiny_park(q_assets)
    park = park.model_copy(update={"park": park.park.model_copy(update={"resolution": "15min"})})
    quarter = gp.solve(park, start="2026-07-15", horizon="4h")
    assert len(quarter.dispatch) == 16
    assert quarter.objective_cny == pytest.approx(hourly.objective_cny, rel=1e-9)
    assert quarter.prices["electricity_cny_per_kwh"].iloc[0] == pytest.approx(0.3)


def test_tenant_carbon_cap_binds_on_that_tenant_only():
    # Tenant a draws 100 kW for 2 h at 0.5 kg/kWh = 0.1 t; its own gas boiler is cleaner for heat... here:
    # a's heat 100 kW from a park heat pump (COP 2, draws at the park node, not a's account) or a's own boiler.
    # Tenant accounting: heat drawn from the park counts at heat_co2_kg_per_kwh = 0.3; a's own boiler at 0.2/0.9.
    tenants = [{"id": "a", "carbon_cap_t": 0.05}, {"id": "b"}]
    assets = [
        grid(0.2, co2=0.5),
        {"id": "hp", "kind": "heat_pump", "heat_kw": 500, "cop": 2},
        {"id": "gb", "kind": "gas_boiler", "owner": "a", "heat_kw": 200, "efficiency": 0.9},
        load(100, owner="a", id="heat-a", kind="heat_load"),
        load(100, owner="b", id="heat-b", kind="heat_load"),
    ]
    sections = {"gas": {"price_cny_per_kwh": 0.3, "co2_kg_per_kwh": 0.2}, "carbon": {"heat_co2_kg_per_kwh": 0.3}}
    free = solve(tiny_park(assets, [{"id": "a"}, {"id": "b"}], **sections), 2)
    assert free.dispatch["gas_boiler[gb].heat_kw"].sum() == pytest.approx(0.0, abs=1e-6)
    assert free.tenants.loc["a", "co2_cap_ledger_t"] == pytest.approx(0.06)  # 200 kWh × 0.3 kg
    # attributed: the heat pump's heat carries its grid electricity, 0.5 kg/kWh / COP 2 = 0.25 kg/kWh
    assert free.tenants.loc["a", "co2_t"] == pytest.approx(0.05)
    assert free.tenants["co2_t"].sum() == pytest.approx(free.emissions_t["total_t"].sum(), rel=1e-9)
    capped = solve(tiny_park(assets, tenants, **sections), 2)
    # a must move x kWh of heat to its boiler: 0.06 − x·(0.3 − 0.2/0.9)/1000 = 0.05
    x = 10.0 / (0.3 - 0.2 / 0.9)
    assert capped.dispatch["gas_boiler[gb].heat_kw"].sum() == pytest.approx(x, rel=1e-9)
    assert capped.tenants.loc["a", "co2_cap_ledger_t"] == pytest.approx(0.05, rel=1e-9)
    assert capped.tenants.loc["b", "co2_cap_ledger_t"] == pytest.approx(free.tenants.loc["b", "co2_cap_ledger_t"])
    # the cap's price: each tonne a may emit more saves (0.3/0.9 − 0.1) CNY per kWh moved / 0.0778 kg per kWh
    mac = (0.3 / 0.9 - 0.1) / (0.3 - 0.2 / 0.9) * 1000
    assert capped.tenants.loc["a", "carbon_cap_price_cny_per_t"] == pytest.approx(mac, rel=1e-9)
    assert np.isnan(capped.tenants.loc["b", "carbon_cap_price_cny_per_t"])
