"""Checks that need the horizon: requirements that no schedule could meet.

Run before any model is built, so that an impossible job window, delivery or
minimum up time is reported with the job or line it belongs to.
"""

from __future__ import annotations

from greenpark import kinds
from greenpark.errors import Problem
from greenpark.inputs.resolve import Inputs


def check_horizon_requirements(inputs: Inputs, *, with_series: bool = True) -> list[Problem]:
    """Every requirement that cannot be met on this horizon, with its path (each kind's ``check_horizon``).

    ``with_series=False`` leaves out the checks that read resolved series (the
    minimum renewable share), for inputs whose series had problems.
    """
    problems: list[Problem] = []
    for i, a in enumerate(inputs.park.assets):
        check = kinds.of(a).check_horizon
        if check is not None:
            problems += check(f"assets[{i}]", a, inputs)
    if with_series:
        problems += _renewable_problems(inputs)
    return problems


def _renewable_problems(inputs: Inputs) -> list[Problem]:
    """A minimum renewable share PV cannot reach even if every fixed electric load were all the park used."""
    policy = inputs.park.carbon
    share = policy.min_renewable_share
    if share is None or policy.green_certificates is not None:
        return []
    dt = inputs.step_h
    pv = 0.0
    fixed = 0.0
    for a in inputs.park.assets:
        kind = kinds.of(a)
        if "renewable" in kind.roles and kind.available:
            pv += float(inputs.get(a.id, kind.available).sum()) * dt
        if kind.demand and kind.demand[0] == "electricity" and not getattr(a, "curtailable", False):
            fixed += float(inputs.get(a.id, kind.demand[1]).sum()) * dt
    # renewable ≥ s·use with use ≥ fixed load and renewable ≤ PV: needs PV ≥ s·fixed
    if pv + 1e-9 < share * fixed:
        return [
            Problem(
                "carbon.min_renewable_share",
                f"{share:.0%} of at least {fixed:,.0f} kWh of electricity use needs {share * fixed:,.0f} kWh of "
                f"renewable electricity, but on-site renewables (PV) can supply at most {pv:,.0f} kWh in this horizon "
                "(add green_certificates or lower the share)",
            )
        ]
    return []
