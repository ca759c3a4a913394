"""Invariants on every park file in models/ (batch files in models/batches/ are not parks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import greenpark as gp
from tests import invariants
from tests.conftest import MODELS
from tests.invariants import violations

pytestmark = pytest.mark.integration

PARKS = sorted(MODELS.glob("*.yaml"))
CASES = [(p, start) for p in PARKS for start in ("2026-01-14", "2026-07-15")]


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"{c[0].stem}@{c[1]}")
def solved(request) -> gp.Schedule:
    path, start = request.param
    s = gp.solve(path, start=start, horizon="48h")
    assert s.status is gp.Status.OPTIMAL, s.message
    return s


def test_there_are_park_files():
    assert len(PARKS) >= 2


def test_energy_balances_close_at_every_node_and_step(solved):
    residual = solved.balances.xs("residual", axis=1, level="term")
    assert residual.abs().to_numpy().max() <= 1e-6
    # the park node and every tenant with a load have a balance
    nodes = set(solved.balances.columns.get_level_values("node"))
    assert "park" in nodes
    park = solved.model.inputs.park
    assert {a.owner for a in park.assets if a.kind.endswith("_load")} <= nodes


def test_every_invariant_holds(solved):
    # balances, bounds, storage, PV, one meter per connection, committed units, costs (tests/invariants.py)
    assert violations(solved) == []


def test_all_bounds_hold(solved):
    assert invariants.all_bounds_hold(solved, solved.model.inputs.park) == []
    # physical reading of the bounds, from the frames
    park = solved.model.inputs.park
    assert invariants.storage_within_limits(solved, park) == []
    tol = 1e-6
    d = solved.dispatch
    for a in park.assets_of_kind("grid"):
        assert d[f"grid[{a.id}].import_kw"].max() <= a.import_limit_kw + tol
        assert d[f"grid[{a.id}].export_kw"].max() <= a.export_limit_kw + tol
    for t in park.tenants:
        if t.electric_connection_kw is not None and f"link[{t.id}].import_kw" in d:
            assert d[f"link[{t.id}].import_kw"].max() <= t.electric_connection_kw + tol


def test_emissions_recomputed_from_dispatch_match(solved):
    inputs = solved.model.inputs
    park = inputs.park
    d = solved.dispatch
    dt = inputs.step_h
    scope2 = sum(
        (d[f"grid[{g.id}].import_kw"].to_numpy() * inputs.get(g.id, "co2_kg_per_kwh")).sum() * dt
        for g in park.assets_of_kind("grid")
    )
    fuel_cols = [c for c in d.columns if c.endswith(".fuel_kw")]
    scope1 = d[fuel_cols].to_numpy().sum() * dt * (park.gas.co2_kg_per_kwh if park.gas else 0.0)
    em = solved.emissions_t
    assert em["scope2_location_t"].sum() == pytest.approx(scope2 / 1000, rel=1e-9)
    assert em["scope1_t"].sum() == pytest.approx(scope1 / 1000, rel=1e-9, abs=1e-12)
    assert solved.kpis["total_co2_t"] == pytest.approx((scope1 + scope2) / 1000, rel=1e-9)
    assert solved.prices["co2_kg"].sum() == pytest.approx(scope1 + scope2, rel=1e-9)
    # carbon cost is the price times the park's emissions
    price = inputs.carbon_price_cny_per_t
    hourly = solved.prices["co2_kg"].to_numpy() / 1000
    assert solved.costs_cny["carbon"] == pytest.approx(float((hourly * price).sum()), rel=1e-9)


def test_costs_by_kind_sum_to_the_objective(solved):
    assert solved.costs_cny.sum() == pytest.approx(solved.objective_cny, rel=1e-9)
    assert solved.kpis["total_cost_cny"] == pytest.approx(solved.objective_cny, rel=1e-12)
    # grid energy cost recomputed from the tariff
    inputs = solved.model.inputs
    d = solved.dispatch
    g = inputs.park.assets_of_kind("grid")[0]
    energy = (
        d[f"grid[{g.id}].import_kw"] * inputs.get(g.id, "import_price_cny_per_kwh")
        - d[f"grid[{g.id}].export_kw"] * inputs.get(g.id, "export_price_cny_per_kwh")
    ).sum() * inputs.step_h
    assert solved.costs_cny["grid_energy"] == pytest.approx(energy, rel=1e-9)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_frames_are_tz_aware_and_schedule_round_trips(solved, tmp_path, fmt):
    assert str(solved.dispatch.index.tz) == "Asia/Shanghai"
    assert len(solved.dispatch) == 48
    solved.to_folder(tmp_path, fmt=fmt)
    assert (tmp_path / f"dispatch.{fmt}").exists()
    back = gp.load_schedule(tmp_path)
    assert back.status is solved.status
    assert back.objective_cny == pytest.approx(solved.objective_cny)
    pd.testing.assert_frame_equal(back.dispatch, solved.dispatch, check_freq=False, atol=1e-9)
    pd.testing.assert_frame_equal(back.prices, solved.prices, check_freq=False, atol=1e-9)
    assert back.balances.shape == solved.balances.shape
    pd.testing.assert_frame_equal(back.node_prices, solved.node_prices, check_freq=False, atol=1e-9)
    pd.testing.assert_frame_equal(back.tenants, solved.tenants, atol=1e-9)


def test_marginal_prices_are_consistent_with_the_tariff(solved):
    # when the park imports strictly inside its limits and exports nothing,
    # the park electricity price equals the import price (+ carbon at the grid factor).
    inputs = solved.model.inputs
    g = inputs.park.assets_of_kind("grid")[0]
    imp = solved.dispatch[f"grid[{g.id}].import_kw"].to_numpy()
    exp = solved.dispatch[f"grid[{g.id}].export_kw"].to_numpy()
    peak = solved.kpis["peak_grid_import_kw"]
    inner = (imp > 1.0) & (imp < min(g.import_limit_kw, peak) - 1.0) & (exp < 1e-6)
    assert inner.any()
    expected = inputs.get(g.id, "import_price_cny_per_kwh") + inputs.get(g.id, "co2_kg_per_kwh") * (
        inputs.carbon_price_cny_per_t / 1000
    )
    got = solved.prices["electricity_cny_per_kwh"].to_numpy()
    np.testing.assert_allclose(got[inner], expected[inner], rtol=1e-7, atol=1e-7)


def test_node_prices_include_every_balance(solved):
    np_ = solved.node_prices
    for carrier, nodes in solved.model.nodes.items():
        for node in nodes:
            assert (carrier, node) in np_.columns
    np.testing.assert_allclose(np_[("electricity", "park")], solved.prices["electricity_cny_per_kwh"])


MILP_PARKS = [p for p in PARKS if any(a.kind in ("batch_job", "production_line") for a in gp.load_park(p).assets)]


@pytest.fixture(scope="module", params=[(p, s) for p in MILP_PARKS for s in ("2026-01-14", "2026-07-18")],
                ids=lambda c: f"{c[0].stem}@{c[1]}")  # fmt: skip
def milp(request) -> gp.Schedule:
    path, start = request.param
    s = gp.solve(path, start=start, horizon="48h", build_pyomo=False)
    assert s.ok, s.message
    return s


def test_there_is_a_milp_reference_park():
    assert MILP_PARKS


def test_every_invariant_holds_in_the_milp(milp):
    assert violations(milp) == []


def test_every_job_runs_its_required_times_inside_its_windows(milp):
    from greenpark.model import calendar

    inputs = milp.model.inputs
    for a in inputs.park.assets_of_kind("batch_job"):
        starts = np.flatnonzero(np.round(milp.dispatch[f"batch_job[{a.id}].start"].to_numpy()) == 1)
        wins = calendar.windows(inputs.index, a.earliest_start, a.latest_end)
        assert wins
        run_len = len(a.profile_kw)
        for s0, s1 in wins:
            inside = [s for s in starts if s0 <= s and s + run_len <= s1]
            assert len(inside) == a.runs_per_window, (a.id, s0, s1, starts)
        assert len(starts) == a.runs_per_window * len(wins)
        power = milp.dispatch[f"batch_job[{a.id}].power_kw"].to_numpy()
        expected = np.zeros(len(power))
        for s in starts:
            expected[s : s + run_len] += np.asarray(a.profile_kw)[: len(power) - s]
        np.testing.assert_allclose(power, expected, atol=1e-6)


def test_inventory_stays_in_bounds_and_meets_every_delivery(milp):
    from greenpark.kinds.production_line import line_deliveries

    inputs = milp.model.inputs
    lines = inputs.park.assets_of_kind("production_line")
    assert lines
    delivered = line_deliveries(lines, inputs.index)
    for a, out in zip(lines, delivered, strict=True):
        inv = milp.dispatch[f"production_line[{a.id}].inventory_units"].to_numpy()
        power = milp.dispatch[f"production_line[{a.id}].power_kw"].to_numpy()
        assert inv.min() >= a.inventory_min_units - 1e-6
        assert inv.max() <= a.inventory_max_units + 1e-6
        # recomputed from the line's own output and the deliveries
        produced = np.cumsum(power * inputs.step_h / a.specific_energy_kwh_per_unit)
        np.testing.assert_allclose(inv, a.inventory_initial_units + produced - np.cumsum(out), atol=1e-5)
        on = np.round(milp.dispatch[f"production_line[{a.id}].on"].to_numpy())
        assert np.all(power[on == 1] >= a.min_power_kw - 1e-6)
        assert np.all(power[on == 0] <= 1e-6)


def test_committed_units_respect_min_load_when_on(milp):
    park = milp.model.inputs.park
    committed = [a for a in park.assets if getattr(a, "commitment", None) is not None]
    assert committed
    for a in committed:
        out_col = f"{a.kind}[{a.id}].{'electricity_kw' if a.kind == 'chp' else 'heat_kw'}"
        out = milp.dispatch[out_col].to_numpy()
        on = np.round(milp.dispatch[f"{a.kind}[{a.id}].on"].to_numpy())
        pmax = a.electric_kw if a.kind == "chp" else a.heat_kw
        assert np.all(out[on == 1] >= a.commitment.min_load_fraction * pmax - 1e-6)
        assert np.all(out[on == 0] <= 1e-6)
    assert milp.prices_from == "lp_with_integers_fixed"
    assert milp.mip_gap is not None
    assert milp.mip_gap <= 0.005 + 1e-9
