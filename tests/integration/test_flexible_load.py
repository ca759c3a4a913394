"""Flexible loads: energy within a window at any power within bounds, against a daily time-of-use pattern."""

from __future__ import annotations

import pytest

import greenpark as gp
from tests.conftest import grid, solve, tiny_park

pytestmark = pytest.mark.integration

DAY = [0.3] * 4 + [1.0] * 18 + [0.5] * 2
"""A daily pattern: 0.3 CNY/kWh 00–04, 1.0 by day, 0.5 from 22:00."""


def ev(**kw) -> dict:
    return {"id": "ev", "kind": "flexible_load", "owner": "a", "energy_kwh": 60, "earliest_start": "22:00",
            "latest_end": "06:00", "max_power_kw": 20, **kw}  # fmt: skip


def test_the_energy_goes_into_the_cheapest_hours_of_its_window():
    """48 h from 15 July 00:00: only the window 15 July 22:00 – 16 July 06:00 lies wholly inside the horizon.

    60 kWh at up to 20 kW: 3 of the 4 hours at 0.3 → 18 CNY. Business as usual charges from 22:00 at full power:
    22:00 and 23:00 at 0.5 (40 kWh, 20 CNY) and 00:00 at 0.3 (20 kWh, 6 CNY) → 26 CNY: a saving of 8 CNY.
    """
    s = solve(tiny_park([grid(DAY), ev()]), 48, compare_bau=True).raise_for_status()
    assert s.objective_cny == pytest.approx(18.0)
    power = s.values("flexible_load", "power_kw")["ev"]
    assert power.sum() == pytest.approx(60.0)
    cheap = (power.index >= "2026-07-16 00:00") & (power.index < "2026-07-16 04:00")
    assert power[~cheap].abs().max() < 1e-9  # nothing outside the cheap hours, nothing in the unfinished window
    assert s.kpis["flexible_load_kwh"] == pytest.approx(60.0)
    assert s.bau["cost_cny"] == pytest.approx(26.0)
    assert s.bau["saving_cny"] == pytest.approx(8.0)


def test_a_minimum_power_spreads_the_energy():
    """At least 5 kW in each of the 8 window hours (40 kWh) leaves 20 kWh to place: +15 kW in one cheap hour.

    Cost: 5 kW in 22:00, 23:00 at 0.5 (5 CNY) + 5 kW in 04:00, 05:00 at 1.0 (10 CNY) + 40 kWh at 0.3 (12 CNY) = 27.
    """
    s = solve(tiny_park([grid(DAY), ev(min_power_kw=5)]), 48).raise_for_status()
    assert s.objective_cny == pytest.approx(27.0)
    power = s.values("flexible_load", "power_kw")["ev"]
    inside = (power.index >= "2026-07-15 22:00") & (power.index < "2026-07-16 06:00")
    assert (power[inside] >= 5 - 1e-9).all()


def test_a_window_too_short_for_its_energy_is_an_input_error():
    with pytest.raises(gp.ParkValidationError) as exc:
        solve(tiny_park([grid(DAY), ev(max_power_kw=5)]), 48)
    assert any("takes at most 40 kWh at max_power_kw, less than 60" in str(p) for p in exc.value.problems)


def test_an_import_limit_below_the_need_is_explained():
    """A 5 kW grid gives the 8-hour window 40 kWh of its 60: the explanation names the flexible load, 20 kWh short."""
    s = solve(tiny_park([grid(DAY, import_limit_kw=5), ev()]), 48)
    assert s.status is gp.Status.INFEASIBLE
    found = [f for f in s.explanation if f.get("requirement") == "flexible load energy"]
    assert found
    assert found[0]["amount"] == pytest.approx(20.0)
