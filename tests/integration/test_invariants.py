"""Invariants (tests/invariants.py) on randomly generated parks and on every park file in models/.

Generated parks (tests/strategies.py) are small — 4 to 12 hourly steps — so that
200 of them solve in well under a minute. A park with a solution must satisfy
every invariant; an infeasible one must say why (``explanation`` and
``message``); no park may raise anything but a ``ParkValidationError``, and a
generated park is meant to be valid, so that is a failure too.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import greenpark as gp
from tests.conftest import MODELS, grid, load, tiny_park
from tests.invariants import SHOWN, violations
from tests.strategies import MAX_STEPS, MIN_STEPS, START, parks

pytestmark = pytest.mark.integration

OPTIONS = gp.SolveOptions(time_limit_s=10)
"""A MILP of a generated park solves in milliseconds; the limit only guards against a runaway."""


def solve_case(doc: dict, steps: int) -> gp.Schedule:
    park = gp.park_from_dict(doc, base_dir=MODELS)
    return gp.solve(park, start=START, horizon=f"{steps}h", options=OPTIONS, build_pyomo=False)


def outcome_problems(schedule: gp.Schedule) -> list[str]:
    """What is wrong with a solve's outcome: violations of a solution, or an infeasible park left unexplained."""
    if schedule.ok:
        return violations(schedule)
    if schedule.status is gp.Status.INFEASIBLE:
        problems = []
        generic = ("model", "irreducible infeasible subset")
        said = [f for f in schedule.explanation if f.get("requirement") not in generic]
        # an elastic re-solve stopped by its time limit: a far busier machine, not a finding about the park
        busy = any("time limit" in str(f.get("message", "")).lower() for f in schedule.explanation)
        # HiGHS's conflicting rows alone, or "nothing helps", do not tell a park manager what gave
        if not said and not busy:
            problems.append(f"infeasible without an explanation in park terms: {schedule.explanation}")
        if not schedule.message:
            problems.append("infeasible without a message")
        return problems
    if schedule.status is gp.Status.TIME_LIMIT and schedule.message:
        return []  # a machine far busier than this one; not a finding about the park
    highs = [line.strip() for line in schedule.log.splitlines() if "ERROR" in line or "inconsistent" in line]
    return [f"status {schedule.status.value} ({schedule.termination}): {schedule.message}", *highs[:SHOWN]]


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(steps=st.integers(MIN_STEPS, MAX_STEPS), data=st.data())
def test_generated_parks_keep_every_invariant(steps, data):
    doc = data.draw(parks(steps), label="park")
    try:
        schedule = solve_case(doc, steps)
    except gp.ParkValidationError as exc:  # the generator means every park to be valid
        pytest.fail(f"generated park rejected (a generator bug, or a check the generator should know): {exc}")
    event(f"status: {schedule.status.value}")  # the mix shows with --hypothesis-show-statistics
    problems = outcome_problems(schedule)
    assert problems == [], "\n".join([*problems, f"steps: {steps}", f"park: {json.dumps(doc)}"])


PARKS = sorted(MODELS.glob("*.yaml"))


@pytest.mark.parametrize("start", ["2026-01-14", "2026-07-15"])
@pytest.mark.parametrize("path", PARKS, ids=lambda p: p.stem)
def test_park_files_keep_every_invariant(path, start):
    schedule = gp.solve(path, start=start, horizon="24h", build_pyomo=False)
    assert schedule.ok, schedule.message
    assert violations(schedule) == []


def test_there_are_park_files():
    assert len(PARKS) >= 2


def test_the_checker_catches_a_tampered_schedule():
    """Each check reports a schedule broken in its own way (so that an empty list means something)."""
    chp = {"id": "chp", "kind": "chp", "owner": "a", "electric_kw": 50, "commitment": {"min_load_fraction": 0.5}}
    assets = [
        grid(1.0, co2=0.5, export_limit_kw=100, export_price_cny_per_kwh=0.1),
        {"id": "pv", "kind": "pv", "owner": "a", "capacity_kwp": 110, "forecast_kw": 50},
        {"id": "bess", "kind": "battery", "power_kw": 20, "energy_kwh": 40},
        chp,
        load(80),
        load(20, id="heat", kind="heat_load"),
    ]
    park = tiny_park(assets, gas={"price_cny_per_kwh": 0.3})
    s = gp.solve(park, start=START, horizon="4h", options=OPTIONS, build_pyomo=False)
    assert s.ok, s.message
    assert violations(s) == []

    def tampered(**fields) -> list[str]:
        return violations(replace(s, **fields))

    def step0(values: dict[str, float]) -> list[str]:
        """Violations with the dispatch's first step overwritten."""
        d = s.dispatch.copy()
        for name, value in values.items():
            d.iloc[0, d.columns.get_loc(name)] = value
        return tampered(dispatch=d)

    def found(messages: list[str], prefix: str) -> bool:
        return any(m.startswith(prefix) for m in messages)

    assert found(tampered(costs_cny=s.costs_cny + 1.0), "costs:")
    b = s.balances.copy()
    b[("electricity", "park", "residual")] += 1.0
    assert found(tampered(balances=b), "balance electricity@park")
    assert found(step0({"grid[grid].import_kw": 5.0, "grid[grid].export_kw": 5.0}), "grid 'grid'")
    assert found(step0({"link[a].import_kw": 5.0, "link[a].export_kw": 5.0}), "link 'a' (electricity)")
    assert found(step0({"chp[chp].on": 0.0, "chp[chp].electricity_kw": 10.0}), "chp 'chp': electricity_kw while off")
    assert found(step0({"chp[chp].on": 1.0, "chp[chp].electricity_kw": 10.0}), "chp 'chp': electricity_kw outside")
    assert found(step0({"battery[bess].soc_kwh": 39.0}), "battery 'bess': state outside")
    assert found(step0({"battery[bess].soc_kwh": 30.0}), "battery 'bess': state does not follow")
    assert found(step0({"pv[pv].output_kw": 101.0}), "pv 'pv': output above the 100 kW AC limit")
    assert found(step0({"pv[pv].output_kw": 60.0}), "pv 'pv': output above what is available")
    assert found(step0({"pv[pv].output_kw": 1e3}), "reported schedule: column above its upper bound")
    x = s.solution.x.copy()
    x[s.model.form.var_group("pv", "output_kw").offset] = 1e3
    assert found(tampered(solution=replace(s.solution, x=x)), "bounds: column above its upper bound")
    # the books
    t = s.tenants.copy()
    t.loc["a", "bill_cny"] += 1.0
    assert found(tampered(tenants=t), "bills_sum_to_objective: bills sum to")
    t = s.tenants.copy()
    t.loc["a", "co2_t"] += 0.01
    assert found(tampered(tenants=t), "emissions_reconcile: co2_t")
    t = s.tenants.copy()
    t.loc["a", "co2_market_t"] -= 0.01
    assert found(tampered(tenants=t), "emissions_reconcile: co2_market_t")
    t = s.tenants.copy()
    t.loc["a", "electricity_use_kwh"] += 1.0
    assert found(tampered(tenants=t), "energy_use_reconciles: electricity")
    assert found(tampered(tenants=s.tenants.drop(index="park")), "bills_sum_to_objective: rows")
