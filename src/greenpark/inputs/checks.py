"""Checks that need the horizon: production requirements that no schedule could meet.

Run before any model is built, so that an impossible job window, delivery or
minimum up time is reported with the job or line it belongs to.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from greenpark.errors import Problem
from greenpark.inputs.resolve import Inputs
from greenpark.model import calendar


def _fmt(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%d %H:%M")


def check_horizon_requirements(inputs: Inputs, *, with_series: bool = True) -> list[Problem]:
    """Every production requirement that cannot be met on this horizon, with its path.

    ``with_series=False`` leaves out the checks that read resolved series (the
    minimum renewable share), for inputs whose series had problems.
    """
    problems: list[Problem] = []
    index, dt = inputs.index, inputs.step_h
    horizon_h = len(index) * dt
    step = pd.Timedelta(hours=dt)
    for i, a in enumerate(inputs.park.assets):
        where = f"assets[{i}]"
        if a.kind == "batch_job":
            run_steps = len(a.profile_kw) * round(1 / dt) if dt < 1 else len(a.profile_kw)
            for s0, s1 in calendar.windows(index, a.earliest_start, a.latest_end):
                need = run_steps * a.runs_per_window
                if s1 - s0 < need:
                    problems.append(
                        Problem(
                            where,
                            f"job {a.id!r}: window {_fmt(index[s0])}–{_fmt(index[0] + s1 * step)} is "
                            f"{(s1 - s0) * dt:g} h, shorter than {a.runs_per_window} run(s) of "
                            f"{len(a.profile_kw)} h",
                        )
                    )
        elif a.kind == "production_line":
            problems += _line_problems(where, a, index, dt)
            if a.min_run_h > horizon_h:
                problems.append(
                    Problem(
                        f"{where}.min_run_h", f"line {a.id!r}: {a.min_run_h:g} h exceeds the {horizon_h:g} h horizon"
                    )
                )
        commitment = getattr(a, "commitment", None)
        if commitment is not None:
            for name in ("min_up_h", "min_down_h"):
                v = getattr(commitment, name)
                if v > horizon_h:
                    problems.append(
                        Problem(
                            f"{where}.commitment.{name}",
                            f"{a.kind} {a.id!r}: {v:g} h is longer than the {horizon_h:g} h horizon",
                        )
                    )
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
    pv = sum(float(inputs.get(a.id, "available_kw").sum()) * dt for a in inputs.park.assets_of_kind("pv"))
    fixed = sum(
        float(inputs.get(a.id, "power_kw").sum()) * dt
        for a in inputs.park.assets
        if a.kind in ("electric_load", "interruptible_load") and not getattr(a, "curtailable", False)
    )
    # renewable ≥ s·use with use ≥ fixed load and renewable ≤ PV: needs PV ≥ s·fixed
    if pv + 1e-9 < share * fixed:
        return [
            Problem(
                "carbon.min_renewable_share",
                f"{share:.0%} of at least {fixed:,.0f} kWh of electricity use needs {share * fixed:,.0f} kWh of "
                f"renewable electricity, but PV can supply at most {pv:,.0f} kWh in this horizon "
                "(add green_certificates or lower the share)",
            )
        ]
    return []


def _line_problems(where: str, a, index: pd.DatetimeIndex, dt: float) -> list[Problem]:
    """Deliveries the line cannot make even running flat out in every allowed step."""
    from greenpark.model.builders.production import line_deliveries

    delivered = line_deliveries([a], index)[0]
    if not delivered.any():
        return []
    allowed = calendar.shift_mask(index, a.shifts)
    full = np.where(allowed, a.max_power_kw * dt / a.specific_energy_kwh_per_unit, 0.0)
    capacity = a.inventory_initial_units - a.inventory_min_units + np.cumsum(full)
    need = np.cumsum(delivered)
    short = need > capacity + 1e-9
    if not short.any():
        return []
    t = int(np.argmax(short))
    return [
        Problem(
            f"{where}.deliveries",
            f"line {a.id!r}: {need[t]:g} units are due by {_fmt(index[t] + pd.Timedelta(hours=dt))} but the "
            f"buffer plus full output in the allowed hours gives at most {capacity[t]:g} units",
        )
    ]
