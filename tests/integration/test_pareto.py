"""Cost–carbon frontier: monotone, right end points, duals between neighbouring slopes."""

from __future__ import annotations

import numpy as np
import pytest

import greenpark as gp
from greenpark.cli import app
from tests.conftest import MODELS

pytestmark = pytest.mark.integration
START, HORIZON = "2026-07-15", "24h"


@pytest.fixture(scope="module", params=["reference-park.yaml", "reference-park-milp.yaml"])
def frontier(request):
    return request.param, gp.pareto(MODELS / request.param, start=START, horizon=HORIZON, points=6)


def test_frontier_is_monotone(frontier):
    _, f = frontier
    t = f.table
    assert len(t) == 6
    assert (t["status"] == "optimal").all()
    assert np.all(np.diff(t["co2_t"]) >= -1e-6)  # emissions rise from the cleanest to the cheapest
    assert np.all(np.diff(t["cost_cny"]) <= 1e-6 * t["cost_cny"].abs().max())  # cost never rises as the cap loosens
    assert t["co2_t"].iloc[0] < t["co2_t"].iloc[-1]


def test_end_points_are_the_least_cost_and_least_emission_schedules(frontier):
    name, f = frontier
    t = f.table
    least_cost = gp.solve(MODELS / name, start=START, horizon=HORIZON, build_pyomo=False)
    assert t["cost_cny"].iloc[-1] == pytest.approx(least_cost.objective_cny, rel=5e-3 if "milp" in name else 1e-9)
    # the least achievable emissions that the infeasibility explanation finds equal the frontier's cleanest point
    below = gp.solve(MODELS / name, start=START, horizon=HORIZON, carbon_cap_t=t["co2_t"].iloc[0] - 1.0)
    assert below.status is gp.Status.INFEASIBLE
    least = below.meta["least_achievable_co2_t"]
    assert least == pytest.approx(t["co2_t"].iloc[0], rel=1e-6 if "milp" not in name else 1e-3)


def test_marginal_abatement_cost_lies_between_neighbouring_slopes(frontier):
    name, f = frontier
    t = f.table.iloc[:-1]  # the last point has no binding cap
    if "milp" in name:
        # a MILP frontier is not convex: the duals of the LP with fixed integers are local prices, ≥ 0 where
        # the cap binds, and the cleanest point's is the highest
        mac = t["marginal_abatement_cost_cny_per_t"].to_numpy()
        assert np.all(mac >= 0)
        assert mac[0] == mac.max()
        return
    co2, cost, mac = t["co2_t"].to_numpy(), t["cost_cny"].to_numpy(), t["marginal_abatement_cost_cny_per_t"].to_numpy()
    for i in range(1, len(t) - 1):
        left = (cost[i - 1] - cost[i]) / (co2[i] - co2[i - 1])  # CNY saved per t allowed, to the left
        right = (cost[i] - cost[i + 1]) / (co2[i + 1] - co2[i])
        assert right - 1e-6 * abs(right) - 1e-6 <= mac[i] <= left + 1e-6 * abs(left) + 1e-6


def test_cli_writes_frontier_csv(tmp_path):
    from typer.testing import CliRunner

    r = CliRunner().invoke(
        app,
        ["pareto", str(MODELS / "quick-park.yaml"), "--points", "3", "--start", START, "--horizon", HORIZON,
         "--out", str(tmp_path), "-q"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    import pandas as pd

    table = pd.read_csv(tmp_path / "frontier.csv")
    assert list(table.columns[:4]) == ["point", "cap_t", "cost_cny", "co2_t"]
    assert len(table) == 3
    assert (tmp_path / "point-00" / "summary.json").exists()
