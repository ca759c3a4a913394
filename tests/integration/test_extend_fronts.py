"""``extend`` runs on every model a call builds: frontier points, rolling windows, settlement coalitions."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

import greenpark as gp
from greenpark import settlement
from greenpark.simulate import simulate
from tests.conftest import MODELS, START

pytestmark = pytest.mark.integration

CAP_KW = 16_500.0
"""A grid import limit the extension sets: below the reference park's peak on these days, within its reach."""


def cap_import(m) -> None:
    """Grid import at most CAP_KW in every step (a user's extension, not a park field)."""
    if m.component("grid") is None:
        return
    m.import_cap = pyo.Constraint(m.T, rule=lambda m, t: m.grid.import_kw["grid", t] <= CAP_KW)


def test_every_frontier_point_keeps_the_extension():
    plain = gp.solve(MODELS / "reference-park.yaml", start=START, horizon="24h")
    assert plain.kpis["peak_grid_import_kw"] > CAP_KW + 1, "the cap would not bind: the test would prove nothing"
    frontier = gp.pareto(MODELS / "reference-park.yaml", start=START, horizon="24h", points=3, extend=cap_import)
    assert (frontier.table["status"] == "optimal").all(), frontier.table
    for s in frontier.schedules:
        assert s.values("grid", "import_kw").to_numpy().max() <= CAP_KW + 1e-6
        assert len(s.extension["constraints"]) == 24


def test_every_rolling_window_runs_the_extension():
    seen: list[str] = []

    def counted(m) -> None:
        seen.append(f"{m.time[0]:%Y-%m-%d}")
        cap_import(m)

    sim = simulate(MODELS / "reference-park.yaml", "2026-07-15", "2026-07-17", window="24h", horizon="24h",
                   extend=counted)  # fmt: skip
    assert seen == ["2026-07-15", "2026-07-16"]
    assert sim.dispatch["grid[grid].import_kw"].max() <= CAP_KW + 1e-6


def test_every_settlement_coalition_runs_the_extension_and_sees_its_tenants():
    coalitions: list[tuple[str, ...]] = []

    def seen_tenants(m) -> None:
        coalitions.append(tuple(sorted(t.id for t in m.park.tenants)))

    park = gp.load_park(MODELS / "quick-park.yaml")
    result = settlement.settle(park, start=START, horizon="24h", methods=["shapley"], workers=1, extend=seen_tenants)
    tenants = tuple(sorted(park.tenant_ids))
    assert tenants in coalitions  # the grand coalition
    assert () in coalitions  # the park alone
    assert len(set(coalitions)) == 2 ** len(tenants)  # every coalition, each with its own tenants
    assert np.isclose(result.table["bill_shapley_cny"].sum(), result.park_cost_cny)
