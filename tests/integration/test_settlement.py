"""Tenant settlement: budget balance, Shapley efficiency and symmetry, individual rationality."""

from __future__ import annotations

import numpy as np
import pytest

import greenpark as gp
from greenpark import settlement as st
from tests.conftest import MODELS, grid, load, tiny_park

pytestmark = pytest.mark.integration
START = "2026-07-15"


@pytest.fixture(scope="module")
def reference():
    return st.settle(MODELS / "reference-park.yaml", start=START, horizon="24h", workers=2)


def test_bills_sum_to_the_park_cost_for_every_method(reference):
    for m in st.METHODS:
        assert reference.table[f"bill_{m}_cny"].sum() == pytest.approx(reference.park_cost_cny, rel=1e-9)
    assert len(reference.coalition_costs_cny) == 2**6
    assert reference.notes["shapley"] == "exact over 64 coalitions"
    assert "keeping every shared asset" in reference.notes["standalone"]
    park = reference.table.loc["park"]
    assert park["standalone_cost_cny"] == reference.coalition_costs_cny[()]


def test_negative_savings_are_flagged_not_hidden(reference):
    t = reference.table
    for m in st.METHODS:
        np.testing.assert_array_equal(t[f"negative_saving_{m}"], t[f"saving_{m}_cny"] < -1e-6 * reference.park_cost_cny)
        assert (t[f"saving_{m}_cny"] == t["standalone_cost_cny"] - t[f"bill_{m}_cny"]).all()
        if t[f"negative_saving_{m}"].any():
            assert reference.notes["negative_saving"][m]  # each flagged saving says why


def _peaks_park(**extra):
    # Demand charge 73 CNY/kW-month → 2.4 CNY/kW over 24 h; flat energy 1.0. Tenant a peaks at hour 0, b at hour 1,
    # c is b's twin. The peak of the sum is below the sum of the peaks: coalition costs are subadditive.
    a = [100.0, 10.0] + [10.0] * 22
    b = [10.0, 100.0] + [10.0] * 22
    tenants = [{"id": "a"}, {"id": "b"}, {"id": "c"}]
    assets = [
        grid(1.0, demand_charge_cny_per_kw_month=73),
        load(a, owner="a", id="la"),
        load(b, owner="b", id="lb"),
        load(b, owner="c", id="lc"),
    ]
    return tiny_park(assets, tenants)


def test_shapley_efficiency_symmetry_and_individual_rationality():
    s = st.settle(_peaks_park(), start=START, horizon="24h", methods=["shapley"], workers=1)
    t = s.table
    assert t["bill_shapley_cny"].sum() == pytest.approx(s.park_cost_cny, rel=1e-12)  # efficiency
    assert t.loc["b", "bill_shapley_cny"] == pytest.approx(t.loc["c", "bill_shapley_cny"], rel=1e-9)  # symmetry
    assert (t["saving_shapley_cny"] >= -1e-9).all()  # subadditive game: nobody loses
    assert not t["negative_saving_shapley"].any()
    # by hand: energy is additive (a 330, b 330, c 330 kWh at 1.0); demand charges 2.4·peak:
    # c(a)=330+240, c(b)=c(c)=330+240, c(ab)=c(ac)=660+2.4·110, c(bc)=660+2.4·200, c(abc)=990+2.4·210
    c = {(): 0.0, ("a",): 570.0, ("b",): 570.0, ("c",): 570.0, ("a", "b"): 660 + 264.0,
         ("a", "c"): 660 + 264.0, ("b", "c"): 660 + 480.0, ("a", "b", "c"): 990 + 504.0}  # fmt: skip
    for k, v in c.items():
        assert s.coalition_costs_cny[k] == pytest.approx(v, rel=1e-9), k
    phi_a = (c[("a",)] / 3 + (c[("a", "b")] - c[("b",)]) / 6 + (c[("a", "c")] - c[("c",)]) / 6
             + (c[("a", "b", "c")] - c[("b", "c")]) / 3)  # fmt: skip  # = 190 + 59 + 59 + 118 = 426
    assert t.loc["a", "bill_shapley_cny"] == pytest.approx(phi_a, rel=1e-9)


def test_sampled_shapley_beyond_the_exact_limit(monkeypatch):
    monkeypatch.setattr(st, "EXACT_SHAPLEY_MAX_TENANTS", 2)
    s = st.settle(_peaks_park(), start=START, horizon="24h", methods=["shapley"], workers=1, samples=60)
    t = s.table
    assert "estimated from 60 random orderings" in s.notes["shapley"]
    assert t["bill_shapley_cny"].sum() == pytest.approx(s.park_cost_cny, rel=1e-12)  # efficient sample by sample
    exact = st.settle(_peaks_park(), start=START, horizon="24h", methods=["shapley"], workers=1).table
    for tenant in t.index:
        err = t.loc[tenant, "shapley_std_error_cny"]
        assert abs(t.loc[tenant, "bill_shapley_cny"] - exact.loc[tenant, "bill_shapley_cny"]) <= 4 * err + 1e-6


def test_marginal_and_proportional_methods_by_hand():
    s = st.settle(_peaks_park(), start=START, horizon="24h", methods=["marginal", "proportional"], workers=1)
    t = s.table
    use = t["consumption_kwh"]
    assert use.tolist() == pytest.approx([0.0, 330.0, 330.0, 330.0])  # the park row has no loads of its own
    assert t["bill_proportional_cny"].tolist() == pytest.approx([0.0] + [s.park_cost_cny / 3] * 3)
    assert t["bill_marginal_cny"].sum() == pytest.approx(s.park_cost_cny)
    # the default method of settle is solve's bill
    full = gp.solve(_peaks_park(), start=START, horizon="24h")
    np.testing.assert_allclose(t["bill_marginal_cny"], full.tenants["bill_cny"], rtol=1e-9)
    # by hand: flat 1.0 CNY/kWh, demand charge 2.4 CNY/kW on the 210 kW peak at hour 1 → the park node's
    # price is 1.0 except hour 1 (1.0 + 2.4): a draws 10 kW then (330 + 2.4·10), b and c 100 kW (330 + 2.4·100);
    # these sum to the park's cost 990 + 2.4·210, so nothing is left to share
    assert t.loc["a", "bill_marginal_cny"] == pytest.approx(354.0, rel=1e-9)
    assert t.loc["b", "bill_marginal_cny"] == pytest.approx(570.0, rel=1e-9)
    assert full.tenants["residual_share_cny"].abs().max() == pytest.approx(0.0, abs=1e-9)


def test_unknown_method_is_an_input_error():
    with pytest.raises(gp.ParkValidationError):
        st.settle(_peaks_park(), start=START, horizon="24h", methods=["nucleolus"])


def test_cli_settle_writes_the_table(tmp_path):
    from typer.testing import CliRunner

    from greenpark.cli import app

    args = ["settle", str(MODELS / "quick-park.yaml"), "--start", START, "--horizon", "24h", "--out", str(tmp_path)]
    r = CliRunner().invoke(app, [*args, "--method", "shapley", "--method", "proportional", "-q", "--workers", "1"])
    assert r.exit_code == 0, r.output
    import pandas as pd

    t = pd.read_csv(tmp_path / "settlement.csv", index_col=0)
    assert {"bill_shapley_cny", "bill_proportional_cny", "standalone_cost_cny"} <= set(t.columns)
    assert "bill_marginal_cny" not in t.columns
