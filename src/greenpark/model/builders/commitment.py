"""Unit commitment (MILP) shared by CHP, boilers, heat pumps and production lines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from greenpark.model.calendar import hours_to_steps
from greenpark.model.context import BuildContext
from greenpark.model.linear import Group


@dataclass
class UnitSpec:
    """What commitment needs to know of one unit (all powers in the output's unit, kW)."""

    key: str
    max_out: float
    min_out: float
    min_up_h: float = 0.0
    min_down_h: float = 0.0
    startup_cost_cny: float = 0.0
    max_starts: int | None = None
    ramp_up_kw_per_h: float | None = None
    ramp_down_kw_per_h: float | None = None
    initially_on: bool = False
    initial_state_h: float = 1000.0
    initial_output_kw: float | None = None
    allowed: np.ndarray | None = None  # steps in which the unit may be on


def commit(ctx: BuildContext, block: str, output: Group, units: list[UnitSpec]) -> Group:
    """Add on/start/stop binaries for ``units`` (a subset of ``output``'s keys) and their rows.

    For unit ``u`` and step ``t`` (``on``, ``start``, ``stop`` ∈ {0, 1}):

    * ``min_output``: ``out[t] − P_min·on[t] ≥ 0``; ``max_output``: ``out[t] − P_max·on[t] ≤ 0``
    * ``transition``: ``on[t] − on[t−1] − start[t] + stop[t] = 0`` (``on[−1]`` = initial state)
    * ``min_up``: ``Σ_{τ=t−U+1..t} start[τ] ≤ on[t]``; ``min_down``: ``Σ_{τ=t−D+1..t} stop[τ] ≤ 1 − on[t]``
    * initial state: a unit on (off) for ``k`` steps stays on (off) for ``U − k`` (``D − k``) more steps
    * ``ramp_up``: ``out[t] − out[t−1] ≤ R_up·Δt + P_min·start[t]`` (in its start step a unit may
      reach ``P_min + R_up·Δt``; ``out[−1]`` is ``initial_output_kw``, or 0 for a unit that is off);
      ``ramp_down``: ``out[t−1] − out[t] ≤ R_down·Δt + P_max·stop[t]``
    * ``max_starts``: ``Σ_t start[t] ≤ N``; cost ``startup`` = ``c_start·Σ_t start[t]``

    Returns the ``on`` group (keys = the committed units) for the caller's
    part-load terms.
    """
    lp, n_t, dt = ctx.lp, ctx.n_t, ctx.step_h
    keys = [u.key for u in units]
    vk = np.array([output.key_index(k) for k in keys])
    on_ub = np.ones((len(units), n_t))
    on_lb = np.zeros((len(units), n_t))
    for i, u in enumerate(units):
        if u.allowed is not None:
            on_ub[i] = u.allowed.astype(float)
        state_steps = round(u.initial_state_h / dt)
        if u.initially_on:
            keep = max(0, hours_to_steps(u.min_up_h, dt) - state_steps)
            on_lb[i, :keep] = 1.0
        else:
            keep = max(0, hours_to_steps(u.min_down_h, dt) - state_steps)
            on_ub[i, :keep] = 0.0
    on_lb = np.minimum(on_lb, on_ub)
    why = [f"{block.replace('_', ' ')} {k!r}: unit commitment (on/off, starts, stops)" for k in keys]
    on = lp.add_var(block, "on", keys, on_lb, on_ub, integer=True, why=why)
    start = lp.add_var(block, "start", keys, 0.0, 1.0, integer=True, why=why)
    stop = lp.add_var(block, "stop", keys, 0.0, 1.0, integer=True, why=why)
    pmax = np.array([[u.max_out] for u in units])
    pmin = np.array([[u.min_out] for u in units])

    rows = lp.add_rows(block, "min_output", keys, 0.0, np.inf)
    lp.add_terms(rows, output, 1.0, var_keys=vk)
    lp.add_terms(rows, on, -pmin)
    rows = lp.add_rows(block, "max_output", keys, -np.inf, 0.0)
    lp.add_terms(rows, output, 1.0, var_keys=vk)
    lp.add_terms(rows, on, -pmax)

    init = np.array([[1.0 if u.initially_on else 0.0] for u in units])
    rhs = np.zeros((len(units), n_t))
    rhs[:, :1] = init
    rows = lp.add_rows(block, "transition", keys, rhs, rhs)
    lp.add_terms(rows, on, 1.0)
    lp.add_terms(rows, on, -1.0, shift=-1)
    lp.add_terms(rows, start, -1.0)
    lp.add_terms(rows, stop, 1.0)

    _lagged_sums(ctx, block, "min_up", units, start, on, -1.0, 0.0, [hours_to_steps(u.min_up_h, dt) for u in units])
    _lagged_sums(ctx, block, "min_down", units, stop, on, 1.0, 1.0, [hours_to_steps(u.min_down_h, dt) for u in units])

    ramped = [i for i, u in enumerate(units) if u.ramp_up_kw_per_h is not None]
    if ramped:
        ub = np.array([[units[i].ramp_up_kw_per_h * dt] * n_t for i in ramped])
        for j, i in enumerate(ramped):
            ub[j, 0] += _initial_output(units[i])
        rows = lp.add_rows(block, "ramp_up", [keys[i] for i in ramped], -np.inf, ub)
        lp.add_terms(rows, output, 1.0, var_keys=vk[ramped])
        lp.add_terms(rows, output, -1.0, var_keys=vk[ramped], shift=-1)
        lp.add_terms(rows, start, -pmin[ramped], var_keys=ramped)
    ramped = [i for i, u in enumerate(units) if u.ramp_down_kw_per_h is not None]
    if ramped:
        ub = np.array([[units[i].ramp_down_kw_per_h * dt] * n_t for i in ramped])
        for j, i in enumerate(ramped):
            # out[−1] moves to the bound; a unit on with no initial output given is not ramp-limited in step 0
            before = _initial_output(units[i])
            ub[j, 0] = np.inf if np.isinf(before) else ub[j, 0] - before
        rows = lp.add_rows(block, "ramp_down", [keys[i] for i in ramped], -np.inf, ub)
        lp.add_terms(rows, output, -1.0, var_keys=vk[ramped])
        lp.add_terms(rows, output, 1.0, var_keys=vk[ramped], shift=-1)
        lp.add_terms(rows, stop, -pmax[ramped], var_keys=ramped)
    limited = [i for i, u in enumerate(units) if u.max_starts is not None]
    if limited:
        rows = lp.add_rows(
            block,
            "max_starts",
            [keys[i] for i in limited],
            -np.inf,
            [[float(units[i].max_starts)] for i in limited],
            n_t=1,
        )
        coef = np.zeros(start.shape)
        coef[limited] = 1.0
        row_of = np.zeros(len(units), dtype=np.int64)
        row_of[limited] = np.arange(len(limited))
        lp.add_sum_terms(rows, row_of, start, coef)
    costs = np.array([[u.startup_cost_cny] for u in units])
    if costs.any():
        lp.add_cost("startup", start, costs)
    return on


def _initial_output(u: UnitSpec) -> float:
    """Output just before the horizon: given, else 0 for a unit that is off (a unit on: not ramp-limited)."""
    if u.initial_output_kw is not None:
        return u.initial_output_kw
    return np.inf if u.initially_on else 0.0


def _lagged_sums(
    ctx: BuildContext, block: str, name: str, units: list[UnitSpec], events: Group, on: Group,
    on_coef: float, upper: float, lags: list[int],
) -> None:  # fmt: skip
    """Rows ``Σ_{τ=t−L+1..t} events[τ] + on_coef·on[t] ≤ upper`` for units with ``L > 1``."""
    sel = [i for i, n in enumerate(lags) if n > 1]
    if not sel:
        return
    rows = ctx.lp.add_rows(block, name, [units[i].key for i in sel], -np.inf, upper)
    for j, i in enumerate(sel):
        for lag in range(lags[i]):
            ctx.lp.add_terms(rows, events, 1.0, var_keys=[i], shift=-lag, row_keys=[j])
    ctx.lp.add_terms(rows, on, on_coef, var_keys=sel)
