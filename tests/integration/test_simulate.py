"""Rolling horizon: state continuity, the carbon budget over the period, closeness to perfect foresight."""

from __future__ import annotations

import numpy as np
import pytest

import greenpark as gp
from greenpark.simulate import simulate
from tests.conftest import MODELS

pytestmark = pytest.mark.integration
FROM, TO = "2026-07-06", "2026-07-20"  # 14 days


@pytest.fixture(scope="module")
def fourteen_days():
    return simulate(MODELS / "reference-park.yaml", FROM, TO, window="24h", horizon="48h")


def _storage_continuity(dispatch, park) -> None:
    """The state equation holds at every step of the realised dispatch, window boundaries included."""
    for a in park.assets:
        if a.kind not in ("battery", "thermal_store"):
            continue
        p = f"{a.kind}[{a.id}]"
        soc = dispatch[f"{p}.soc_kwh"].to_numpy()
        ch, dis = dispatch[f"{p}.charge_kw"].to_numpy(), dispatch[f"{p}.discharge_kw"].to_numpy()
        loss = a.self_discharge_fraction_per_h if a.kind == "battery" else a.loss_fraction_per_h
        prev = np.concatenate([[a.soc_initial_fraction * a.energy_kwh], soc[:-1]])
        expected = prev * (1 - loss) + a.charge_efficiency * ch - dis / a.discharge_efficiency
        np.testing.assert_allclose(soc, expected, atol=1e-5, err_msg=p)


def test_state_is_continuous_at_every_window_boundary(fourteen_days):
    sim = fourteen_days
    assert len(sim.windows) == 14
    assert len(sim.dispatch) == 14 * 24
    assert sim.dispatch.index.is_monotonic_increasing
    assert not sim.dispatch.index.has_duplicates
    _storage_continuity(sim.dispatch, gp.load_park(MODELS / "reference-park.yaml"))
    # the carried state is the kept part's last state
    for k, state in enumerate(sim.states[:-1]):
        last = sim.dispatch.iloc[(k + 1) * 24 - 1]
        assert state["bess.soc_kwh"] == pytest.approx(last["battery[bess].soc_kwh"])


def test_realised_cost_is_close_to_perfect_foresight(fourteen_days):
    full = gp.solve(MODELS / "reference-park.yaml", start=FROM, horizon="336h", build_pyomo=False)
    realised = fourteen_days.totals["cost_cny"]
    # rolling 24 h windows with 48 h look-ahead lose little against knowing all 14 days (stated tolerance 2 %)
    assert realised == pytest.approx(full.objective_cny, rel=0.02)


def test_carbon_budget_holds_over_the_whole_period(fourteen_days):
    budget = 0.995 * fourteen_days.totals["co2_t"]
    sim = simulate(MODELS / "reference-park.yaml", FROM, TO, carbon_budget_t=budget)
    assert sim.totals["co2_t"] <= budget + 1e-6
    assert sim.windows["cap_t"].notna().all()
    assert sim.totals["cost_cny"] > fourteen_days.totals["cost_cny"]


def test_milp_state_carries_units_jobs_and_inventory():
    park = gp.load_park(MODELS / "reference-park-milp.yaml")
    sim = simulate(park, "2026-07-13", "2026-07-16")
    d = sim.dispatch
    _storage_continuity(d, park)
    line = next(a for a in park.assets if a.kind == "production_line")
    inv = d[f"production_line[{line.id}].inventory_units"].to_numpy()
    assert inv.min() >= line.inventory_min_units - 1e-6
    # committed CHP: every on/off stretch that starts and ends inside the period respects min up / down
    on = np.round(d["chp[chp].on"].to_numpy()).astype(int)
    changes = np.flatnonzero(np.diff(on)) + 1
    stretches = np.diff(changes)
    chp = next(a for a in park.assets if a.id == "chp")
    for start, length in zip(changes[:-1], stretches, strict=True):
        limit = chp.commitment.min_up_h if on[start] == 1 else chp.commitment.min_down_h
        assert length >= limit, (start, length)
    # each day's formation batch ran exactly once
    starts = np.round(d["batch_job[pack-formation].start"].to_numpy())
    assert starts.reshape(3, 24).sum(axis=1).tolist() == [1, 1, 1]


def test_cli_simulate(tmp_path):
    from typer.testing import CliRunner

    from greenpark.cli import app

    r = CliRunner().invoke(
        app, ["simulate", str(MODELS / "quick-park.yaml"), "--from", "2026-07-01", "--to", "2026-07-04",
              "--out", str(tmp_path), "-q"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "3 windows" in r.output
    assert (tmp_path / "windows.csv").exists()
