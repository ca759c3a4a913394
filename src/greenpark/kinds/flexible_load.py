"""Flexible loads: an energy to deliver within a window, at any power within bounds (EV charging, pre-cooling)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from greenpark.errors import Problem
from greenpark.fields import TimeOfDayOrDateTime
from greenpark.kinds.base import AssetSpec, Kind
from greenpark.model import calendar
from greenpark.model.context import ELASTIC_PENALTY_CNY, BuildContext


class FlexibleLoad(AssetSpec):
    """An electric demand of ``energy_kwh`` in each window, at ``[min_power_kw, max_power_kw]`` in every step of it.

    Windows: ``earliest_start``/``latest_end`` as ``HH:MM`` give one window per day (it may cross
    midnight), as ISO date-times one window. Only windows lying wholly inside the horizon ask for their
    energy; outside every such window the load draws nothing. Business as usual draws at full power from
    the window's start until the energy is in (uncontrolled charging).
    """

    kind: Literal["flexible_load"]
    energy_kwh: float = Field(gt=0, description="Energy to deliver in each window [kWh].")
    earliest_start: TimeOfDayOrDateTime = Field(description="Window opens (HH:MM daily, or ISO date-time).")
    latest_end: TimeOfDayOrDateTime = Field(description="Window closes: the energy is in by then.")
    max_power_kw: float = Field(gt=0, description="Power in any step of a window, at most [kW].")
    min_power_kw: float = Field(0.0, ge=0, description="Power in every step of a window, at least [kW].")

    @model_validator(mode="after")
    def _powers(self) -> FlexibleLoad:
        if self.min_power_kw > self.max_power_kw:
            raise ValueError("min_power_kw must not exceed max_power_kw")
        return self


def _windows(a: FlexibleLoad, index: pd.DatetimeIndex) -> list[tuple[int, int]]:
    return calendar.windows(index, a.earliest_start, a.latest_end)


def build(assets: list[FlexibleLoad], ctx: BuildContext) -> None:
    """``power_kw[t] ∈ [P_min, P_max]`` inside a window, 0 outside; row ``energy[j#w]``:
    ``Σ_{t∈W} power_kw[t]·Δt = energy_kwh`` for every window W wholly inside the horizon.

    Business as usual (``reference_operation``): full power from the window's start until the energy
    is in. Elastic: ``short_kwh[j#w] ≥ 0`` energy a window could not get.
    """
    lp, n_t, dt, index = ctx.lp, ctx.n_t, ctx.step_h, ctx.inputs.index
    keys = [a.id for a in assets]
    wins = [_windows(a, index) for a in assets]
    lower, upper = np.zeros((len(assets), n_t)), np.zeros((len(assets), n_t))
    for j, (a, ws) in enumerate(zip(assets, wins, strict=True)):
        for s0, s1 in ws:
            if ctx.reference_operation:  # uncontrolled: full power from the start until the energy is in
                full = np.minimum(a.max_power_kw, np.clip(a.energy_kwh / dt - a.max_power_kw * np.arange(s1 - s0),
                                                          0.0, None))  # fmt: skip
                lower[j, s0:s1] = upper[j, s0:s1] = np.maximum(full, a.min_power_kw)
            else:
                lower[j, s0:s1], upper[j, s0:s1] = a.min_power_kw, a.max_power_kw
    power = lp.add_var("flexible_load", "power_kw", keys, lower, upper, unit="kW")
    ctx.connect("electricity", power, [a.owner for a in assets], -1.0, role="use")
    labels = [f"{keys[j]}#{w}" for j, ws in enumerate(wins) for w in range(len(ws))]
    if not labels:
        return
    need = np.array([[assets[j].energy_kwh] for j, ws in enumerate(wins) for _ in ws])
    rows = lp.add_rows("flexible_load", "energy", labels, need, need, n_t=1, unit="kWh")
    r = 0
    for j, ws in enumerate(wins):
        for s0, s1 in ws:
            lp.add_entries(np.full(s1 - s0, rows.at(r)), power.index()[j, s0:s1], dt)
            r += 1
    if ctx.elastic:
        short = lp.add_var("flexible_load", "short_kwh", labels, 0.0, need, n_t=1, unit="kWh")
        lp.add_entries(rows.index()[:, 0], short.index()[:, 0], 1.0)

        def describe(values: np.ndarray) -> list[dict]:
            return [{"requirement": "flexible load energy", "asset": label.split("#")[0], "amount": float(v[0]),
                     "unit": "kWh", "message": f"flexible load {label.split('#')[0]!r}: {float(v[0]):,.1f} kWh of "
                     f"its window #{label.split('#')[1]} could not be delivered"}
                    for label, v in zip(labels, values, strict=True) if v[0] > 1e-3]  # fmt: skip

        ctx.add_slack("flexible load energy", short, ELASTIC_PENALTY_CNY["load_kwh"], describe)


def check_horizon(where: str, a: FlexibleLoad, inputs) -> list[Problem]:
    """Each window can take its energy within the power bounds."""
    index, dt = inputs.index, inputs.step_h
    problems = []
    for s0, s1 in _windows(a, index):
        hours = (s1 - s0) * dt
        span = f"window {index[s0]:%Y-%m-%d %H:%M}–{index[0] + s1 * pd.Timedelta(hours=dt):%Y-%m-%d %H:%M}"
        most, least = a.max_power_kw * hours, a.min_power_kw * hours
        if most < a.energy_kwh - 1e-9:
            msg = f"takes at most {most:g} kWh at max_power_kw, less than {a.energy_kwh:g}"
            problems.append(Problem(where, f"flexible load {a.id!r}: {span} {msg}"))
        if least > a.energy_kwh + 1e-9:
            msg = f"takes at least {least:g} kWh at min_power_kw, more than {a.energy_kwh:g}"
            problems.append(Problem(where, f"flexible load {a.id!r}: {span} {msg}"))
    return problems


def kpis(assets: list[FlexibleLoad], schedule, inputs) -> dict[str, float]:
    """Energy the flexible loads drew [kWh]."""
    drawn = schedule.values("flexible_load", "power_kw").to_numpy().sum() * schedule.step_h
    return {"flexible_load_kwh": float(drawn)}


KIND = Kind(spec=FlexibleLoad, build=build, roles={"load"}, labels={"en": "Flexible load", "zh": "柔性负荷"},
            colour="#48c9b0", check_horizon=check_horizon, kpis=kpis)  # fmt: skip
