"""Continuous production lines (MILP): on/off within shifts, filling a product buffer that deliveries empty."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from greenpark.errors import Problem
from greenpark.fields import SpecModel, TimeOfDayOrDateTime
from greenpark.kinds.base import AssetSpec, CarryView, Kind, run_length
from greenpark.model import calendar
from greenpark.model.builders.commitment import UnitSpec, commit
from greenpark.model.context import ELASTIC_PENALTY_CNY, BuildContext


class Delivery(SpecModel):
    """Units that leave the buffer at a time (daily at HH:MM, or once at an ISO date-time)."""

    at: TimeOfDayOrDateTime
    units: float = Field(gt=0)


class Shift(SpecModel):
    """Hours a line may run: from ``start`` to ``end`` (HH:MM, may cross midnight) on ``weekdays`` (0 = Monday)."""

    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(pattern=r"^([01]\d|2[0-4]):[0-5]\d$")
    weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4, 5, 6])


class ProductionLine(AssetSpec):
    """A continuous line filling a product buffer that deliveries empty.

    ``output_units[t] = power_kw[t]·Δt / specific_energy``;
    ``inventory[t] = inventory[t−1] + output − deliveries``.
    """

    kind: Literal["production_line"]
    min_power_kw: float = Field(0.0, ge=0, description="Power when on, at least [kW].")
    max_power_kw: float = Field(gt=0, description="Power when on, at most [kW].")
    specific_energy_kwh_per_unit: float = Field(gt=0, description="Electricity per unit of product [kWh/unit].")
    co2_kg_per_unit_max: float | None = Field(
        None, ge=0, description="Emission intensity cap: grid emissions of the line's power per unit made [kgCO2/unit]."
    )
    inventory_initial_units: float = Field(0.0, ge=0)
    inventory_min_units: float = Field(0.0, ge=0)
    inventory_max_units: float = Field(gt=0)
    inventory_final_min_units: float | None = Field(None, ge=0, description="Inventory left at the end, at least.")
    deliveries: list[Delivery] = Field(default_factory=list)
    shifts: list[Shift] | None = Field(None, description="Operating hours; none = any time.")
    min_run_h: float = Field(0.0, ge=0, description="Minimum time on once started [h].")
    max_starts: int | None = Field(None, ge=0, description="Starts allowed in the horizon.")
    initially_on: bool = False
    initial_state_h: float = Field(1000.0, ge=0, description="Hours on (or off) before the start.")

    @model_validator(mode="after")
    def _bounds(self) -> ProductionLine:
        if self.min_power_kw > self.max_power_kw:
            raise ValueError("min_power_kw must not exceed max_power_kw")
        if not (self.inventory_min_units <= self.inventory_initial_units <= self.inventory_max_units):
            raise ValueError("inventory_initial_units must lie between inventory_min_units and inventory_max_units")
        return self


def build(assets: list[ProductionLine], ctx: BuildContext) -> None:
    """Continuous lines with a product buffer (MILP through their on/off state).

    * ``power_kw[t] ∈ [P_min·on[t], P_max·on[t]]``, ``on`` only inside the shift calendar,
      minimum run time and maximum starts (see :func:`~greenpark.model.builders.commitment.commit`)
    * ``inventory_balance``: ``inventory[t] = inventory[t−1] + power_kw[t]·Δt/e − delivery[t]``
      (``e`` = specific energy [kWh/unit]; ``inventory[−1]`` = initial; a delivery at
      time τ leaves in the step that ends at or after τ)
    * ``inventory[t] ∈ [min, max]``; ``inventory[T−1] ≥ final_min`` when given
    """
    lp, n_t, dt = ctx.lp, ctx.n_t, ctx.step_h
    keys = [a.id for a in assets]
    power = lp.add_var("production_line", "power_kw", keys, 0.0, ctx.column(assets, "max_power_kw"), unit="kW")
    ctx.connect("electricity", power, [a.owner for a in assets], -1.0)
    units = [_unit(a, ctx.inputs.index) for a in assets]
    commit(ctx, "production_line", power, units)

    deliveries = line_deliveries(assets, ctx.inputs.index)
    lower = np.repeat(ctx.column(assets, "inventory_min_units"), n_t, axis=1)
    final = np.array([[a.inventory_final_min_units or 0.0] for a in assets])
    lower[:, -1:] = np.maximum(lower[:, -1:], final)
    inv = lp.add_var("production_line", "inventory_units", keys, lower, ctx.column(assets, "inventory_max_units"))
    rhs = -deliveries
    rhs[:, :1] += ctx.column(assets, "inventory_initial_units")
    rows = lp.add_rows("production_line", "inventory_balance", keys, rhs, rhs, unit="units")
    lp.add_terms(rows, inv, 1.0)
    lp.add_terms(rows, inv, -1.0, shift=-1)
    lp.add_terms(rows, power, -dt / ctx.column(assets, "specific_energy_kwh_per_unit"))
    if ctx.elastic:
        _shortfall(ctx, rows, assets)
    _intensity_caps(ctx, power, assets)


def _unit(a: ProductionLine, index) -> UnitSpec:
    """A line's on/off limits: its power when on, minimum run, starts, state at the start, and shifts."""
    return UnitSpec(key=a.id, max_out=a.max_power_kw, min_out=a.min_power_kw, min_up_h=a.min_run_h,
                    max_starts=a.max_starts, initially_on=a.initially_on, initial_state_h=a.initial_state_h,
                    allowed=calendar.shift_mask(index, a.shifts))  # fmt: skip


def _intensity_caps(ctx: BuildContext, power, assets: list[ProductionLine]) -> None:
    """Row ``intensity_cap``: ``Σ_t power[t]·Δt·f_grid(t) ≤ c_max·Σ_t power[t]·Δt/e`` (kgCO2 per unit made).

    The line's electricity counts at the location-based grid factor.
    """
    capped = [i for i, a in enumerate(assets) if a.co2_kg_per_unit_max is not None]
    if not capped or ctx.grid_co2_kg_per_kwh is None:
        return
    dt = ctx.step_h
    rows = ctx.lp.add_rows("production_line", "intensity_cap", [assets[i].id for i in capped], -np.inf, 0.0, n_t=1)
    coef = np.zeros(power.shape)
    for i in capped:
        a = assets[i]
        coef[i] = dt * (ctx.grid_co2_kg_per_kwh - a.co2_kg_per_unit_max / a.specific_energy_kwh_per_unit)
    row_of = np.zeros(len(assets), dtype=np.int64)
    row_of[capped] = np.arange(len(capped))
    ctx.lp.add_sum_terms(rows, row_of, power, coef)
    if ctx.elastic:
        keys = [assets[i].id for i in capped]
        over = ctx.lp.add_var("production_line", "intensity_excess_kg", keys, 0.0, np.inf, n_t=1, unit="kg")
        ctx.lp.add_terms(rows, over, -1.0)

        def describe(values: np.ndarray) -> list[dict]:
            return [
                {"requirement": "line emission intensity cap", "asset": k, "amount": float(v), "unit": "kgCO2",
                 "message": f"line {k!r}: its co2_kg_per_unit_max cannot be met with the grid's carbon intensity "
                 f"in the hours it must run ({float(v):,.1f} kg over)"}
                for k, v in zip(keys, values[:, 0], strict=True)
                if v > 1e-3
            ]  # fmt: skip

        ctx.add_slack("line emission intensity cap", over, ELASTIC_PENALTY_CNY["intensity_kg"], describe)


def _shortfall(ctx: BuildContext, rows, assets: list[ProductionLine]) -> None:
    """Elastic build: ``shortfall_units[t] ≥ 0`` product that had to appear from nowhere to meet deliveries."""
    lp = ctx.lp
    var = lp.add_var("production_line", "shortfall_units", [a.id for a in assets], 0.0, np.inf)
    lp.add_terms(rows, var, -1.0)
    energy = ctx.column(assets, "specific_energy_kwh_per_unit")

    def describe(values: np.ndarray) -> list[dict]:
        out = []
        for a, v in zip(assets, values, strict=True):
            units = float(v.sum())
            if units > 1e-6:
                first = ctx.inputs.index[int(np.argmax(v > 1e-6))]
                out.append(
                    {
                        "requirement": "delivery",
                        "asset": a.id,
                        "tenant": a.owner,
                        "amount": units,
                        "unit": "units",
                        "hours": ctx.hours(v > 1e-6),
                        "message": f"{a.owner}: line {a.id!r} falls {units:,.1f} units short of its deliveries and "
                        f"inventory limits from {first:%Y-%m-%d %H:%M}",
                    }
                )
        return out

    ctx.add_slack("delivery", var, ELASTIC_PENALTY_CNY["unit_kwh"] * energy, describe)

    # product the buffer cannot hold (a line that must run, its buffer full): it has to go somewhere
    overflow = lp.add_var("production_line", "overflow_units", [a.id for a in assets], 0.0, np.inf)
    lp.add_terms(rows, overflow, 1.0)

    def describe_overflow(values: np.ndarray) -> list[dict]:
        return [{"requirement": "buffer limit", "asset": a.id, "tenant": a.owner, "amount": float(v.sum()),
                 "unit": "units", "hours": ctx.hours(v > 1e-6),
                 "message": f"{a.owner}: line {a.id!r} makes {float(v.sum()):,.1f} units more than its buffer "
                 f"(inventory_max_units) and deliveries take ({ctx.hours(v > 1e-6)}), running as it must"}
                for a, v in zip(assets, values, strict=True) if v.sum() > 1e-6]  # fmt: skip

    ctx.add_slack("buffer limit", overflow, ELASTIC_PENALTY_CNY["unit_kwh"] * energy, describe_overflow)


def line_deliveries(assets: list[ProductionLine], index) -> np.ndarray:
    """Units delivered in each step, shape ``(len(assets), T)``."""
    out = np.zeros((len(assets), len(index)))
    for i, a in enumerate(assets):
        for d in a.deliveries:
            for t in calendar.event_steps(index, d.at):
                out[i, t] += d.units
    return out


def _line_problems(where: str, a: ProductionLine, index: pd.DatetimeIndex, dt: float) -> list[Problem]:
    """Deliveries the line cannot make even running flat out in every allowed step."""
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
            f"line {a.id!r}: {need[t]:g} units are due by {index[t] + pd.Timedelta(hours=dt):%Y-%m-%d %H:%M} but the "
            f"buffer plus full output in the allowed hours gives at most {capacity[t]:g} units",
        )
    ]


def check_horizon(where: str, a: ProductionLine, inputs) -> list[Problem]:
    """Deliveries the line can make, and a minimum run no longer than the horizon."""
    index, dt = inputs.index, inputs.step_h
    problems = _line_problems(where, a, index, dt)
    horizon_h = len(index) * dt
    if a.initially_on and a.min_run_h > a.initial_state_h:
        # a run going at the start must last its minimum run: its shifts must let it
        keep = min(len(index), calendar.hours_to_steps(a.min_run_h, dt) - round(a.initial_state_h / dt))
        closed = np.flatnonzero(~calendar.shift_mask(index, a.shifts)[:keep])
        if len(closed):
            problems.append(
                Problem(
                    f"{where}.initially_on",
                    f"line {a.id!r} is on at the start with {a.initial_state_h:g} h of its {a.min_run_h:g} h "
                    f"minimum run done (initial_state_h, min_run_h), but its shifts stop it at "
                    f"{index[closed[0]]:%Y-%m-%d %H:%M}",
                )
            )
    if a.min_run_h > horizon_h:
        problems.append(
            Problem(f"{where}.min_run_h", f"line {a.id!r}: {a.min_run_h:g} h exceeds the {horizon_h:g} h horizon")
        )
    return problems


def carry(a: ProductionLine, view: CarryView) -> tuple[dict, dict]:
    """Inventory, and on or off for how long, after the kept steps."""
    dt = view.schedule.step_h
    inv = view.last("production_line", "inventory_units", a.id)
    on = np.round(view.kept("production_line", "on", a.id))
    prior = a.initial_state_h / dt if bool(on[-1]) == a.initially_on else 0
    update = {
        "inventory_initial_units": float(np.clip(inv, a.inventory_min_units, a.inventory_max_units)),
        "initially_on": bool(on[-1]),
        "initial_state_h": float(run_length(on, prior) * dt),
    }
    return update, {f"{a.id}.inventory_units": inv}


KIND = Kind(spec=ProductionLine, build=build, roles={"load", "committable"},
            labels={"en": "Production line", "zh": "生产线"}, colour="#2c3e50", check_horizon=check_horizon,
            carry=carry)  # fmt: skip
