"""Large models (deselected by default: ``pytest -m performance``). No timed asserts: figures live in benchmarks/."""

from __future__ import annotations

import sys

import pytest

import greenpark as gp
from tests.conftest import ROOT

pytestmark = pytest.mark.performance

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_build_solve import REFERENCE, scaled_park  # noqa: E402


@pytest.mark.parametrize(("hours", "tenants"), [(168, 50), (8760, 10)])
def test_large_parks_solve_and_balance(hours, tenants):
    park = gp.park_from_dict(scaled_park(tenants), base_dir=REFERENCE.parent)
    s = gp.solve(park, start="2026-01-01", horizon=f"{hours}h", build_pyomo=False)
    assert s.status is gp.Status.OPTIMAL
    assert s.balances.xs("residual", axis=1, level="term").abs().to_numpy().max() <= 1e-6
    assert s.costs_cny.sum() == pytest.approx(s.objective_cny, rel=1e-9)
