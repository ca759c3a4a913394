"""Production requirements no schedule could meet: errors before any solve, naming the job or line."""

from __future__ import annotations

import pytest

import greenpark as gp
from tests.conftest import grid, load, tiny_park

pytestmark = pytest.mark.unit


def _problems(assets: list[dict], horizon: str = "24h", **sections) -> list[str]:
    with pytest.raises(gp.ParkValidationError) as info:
        gp.solve(tiny_park([grid(0.5), load(10), *assets], **sections), start="2026-07-15", horizon=horizon)
    return [str(p) for p in info.value.problems]


def _job(**kw) -> dict:
    return {"id": "furnace", "kind": "batch_job", "owner": "a", "profile_kw": [100] * 4, **kw}


def test_window_shorter_than_the_job():
    probs = _problems([_job(earliest_start="06:00", latest_end="09:00")])
    assert any(
        p.startswith(
            "assets[2]: job 'furnace': window 2026-07-15 06:00–2026-07-15 09:00 is 3 h, shorter than 1 run(s) of 4 h"
        )
        for p in probs
    ), probs


def test_deliveries_beyond_full_output():
    line = {
        "id": "line", "kind": "production_line", "owner": "a", "max_power_kw": 100,
        "specific_energy_kwh_per_unit": 1.0, "inventory_max_units": 10000,
        "deliveries": [{"at": "10:00", "units": 600}], "shifts": [{"start": "06:00", "end": "22:00"}],
    }  # fmt: skip
    probs = _problems([line])
    assert any(
        "assets[2].deliveries: line 'line': 600 units are due by 2026-07-15 10:00" in p and "at most 400 units" in p
        for p in probs
    ), probs


def test_min_up_time_longer_than_the_horizon():
    chp = {"id": "chp", "kind": "chp", "electric_kw": 100, "commitment": {"min_up_h": 30}}
    probs = _problems([chp], gas={"price_cny_per_kwh": 0.3})
    assert "assets[2].commitment.min_up_h: chp 'chp': 30 h is longer than the 24 h horizon" in probs


def test_precedence_must_name_a_job_of_the_same_tenant():
    with pytest.raises(gp.ParkValidationError) as info:
        tiny_park([grid(0.5), _job(earliest_start="00:00", latest_end="24:00", after="ghost")])
    assert "assets[1].after: no batch job 'ghost'" in [str(p) for p in info.value.problems]


def test_bad_times_and_profiles_name_the_field():
    with pytest.raises(gp.ParkValidationError) as info:
        tiny_park([grid(0.5), _job(earliest_start="25:99", latest_end="24:00", profile_kw=[-1])])
    probs = [str(p) for p in info.value.problems]
    assert any(p.startswith("assets[1].earliest_start: '25:99' is neither HH:MM nor an ISO date-time") for p in probs)


def test_a_line_running_at_the_start_must_be_allowed_to_finish_its_minimum_run():
    """Found by the generated parks: a line on since 0 h with a 2 h minimum run whose shift starts at 01:00."""
    line = {
        "id": "line", "kind": "production_line", "owner": "a", "max_power_kw": 10,
        "specific_energy_kwh_per_unit": 0.5, "inventory_max_units": 10, "shifts": [{"start": "01:00", "end": "02:00"}],
        "min_run_h": 2.0, "initially_on": True, "initial_state_h": 0.0,
    }  # fmt: skip
    probs = _problems([line])
    assert (
        "assets[2].initially_on: line 'line' is on at the start with 0 h of its 2 h minimum run done "
        "(initial_state_h, min_run_h), but its shifts stop it at 2026-07-15 00:00" in probs
    ), probs
    line["initial_state_h"] = 2.0  # its minimum run is done: it may stop when its shift says
    gp.prepare(tiny_park([grid(0.5), load(10), line]), "2026-07-15", "24h")  # no problem left
