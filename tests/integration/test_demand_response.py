"""Grid demand-response events: the park decides its offer; reductions paid, offers paid, shortfalls penalised."""

from __future__ import annotations

import pytest

from tests.conftest import battery, grid, load, solve, tiny_park

pytestmark = pytest.mark.integration


def event(**kw) -> dict:
    return {"start": "2026-07-15 01:00", "end": "2026-07-15 03:00", "baseline_kw": 100, "max_reduction_kw": 60,
            "payment_cny_per_kwh": 2.0, **kw}  # fmt: skip


def lossless(**kw) -> dict:
    return battery(charge_efficiency=1.0, discharge_efficiency=1.0, soc_initial_fraction=0.5, **kw)


def test_a_battery_earns_the_event_by_discharging_in_it():
    """Load 100 kW for 4 h at 0.5 CNY/kWh: 200 CNY. A lossless battery (100 kW, 200 kWh, half full, ending at
    least half full) discharges 60 kW in the two event hours and recharges 120 kWh outside them: the energy
    bill stays 200, the event pays 2·60·2 = 240 → −40 CNY, offering the most it may (60 kW)."""
    plain = solve(tiny_park([grid(0.5), lossless(), load(100)]), 4).raise_for_status()
    assert plain.objective_cny == pytest.approx(200.0)
    s = solve(tiny_park([grid(0.5, dr_events=[event()]), lossless(), load(100)]), 4).raise_for_status()
    assert s.objective_cny == pytest.approx(-40.0)
    assert s.costs_cny["dr_revenue"] == pytest.approx(-240.0)
    assert s.kpis["dr_offered_kw"] == pytest.approx(60.0)
    assert s.kpis["dr_reduced_kwh"] == pytest.approx(120.0)
    assert s.kpis["dr_revenue_cny"] == pytest.approx(240.0)
    imp = s.values("grid", "import_kw")["grid"]
    assert (imp.iloc[1:3] <= 40.0 + 1e-6).all()  # at least the offer below the baseline in both event hours


@pytest.mark.parametrize(("per_kw", "offer", "dr_net"), [(5.0, 30.0, -(5 * 30 + 2 * 60)), (7.0, 60.0, -360.0)])
def test_the_offer_weighs_its_payment_against_the_shortfall_penalty(per_kw, offer, dr_net):
    """The battery can cut only 30 kW (its power); a shortfall costs 3 CNY/kWh, the offer pays p CNY/kW.

    Offering o ≥ 30: p·o + 2·60 − 3·2·(o − 30): at p = 5 the slope is −1, offer 30 (150 + 120 = 270);
    at p = 7 it is +1, offer the maximum 60 (420 + 120 − 180 = 360).
    """
    ev = event(payment_cny_per_kw=per_kw, shortfall_penalty_cny_per_kwh=3.0)
    s = solve(tiny_park([grid(0.5, dr_events=[ev]), lossless(power_kw=30), load(100)]), 4).raise_for_status()
    assert s.kpis["dr_offered_kw"] == pytest.approx(offer)
    dr = s.costs_cny["dr_revenue"] + s.costs_cny.get("dr_penalty", 0.0)
    assert dr == pytest.approx(dr_net)
    assert s.objective_cny == pytest.approx(200.0 + dr_net)
