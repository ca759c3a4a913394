"""Converters: heat pump, gas boiler, electric boiler, CHP."""

from __future__ import annotations

import numpy as np

from greenpark.model.builders.commitment import UnitSpec, commit
from greenpark.model.context import BuildContext
from greenpark.model.linear import Group
from greenpark.spec import CHP, ElectricBoiler, GasBoiler, HeatPump


def _commit_units(
    ctx: BuildContext, block: str, assets: list, output: Group, conversion: Group, efficiency: np.ndarray,
    max_field: str, extra_min: dict[str, float] | None = None,
) -> None:  # fmt: skip
    """Commitment for the assets that have it, and their no-load input in the conversion row.

    Conversion rows read ``out − η·input = 0``; with ``input = a·on + out/η``
    they become ``out − η·input + η·a·on = 0``.
    """
    committed = [(i, a) for i, a in enumerate(assets) if a.commitment is not None]
    if not committed:
        return
    units = []
    for _, a in committed:
        c = a.commitment
        pmax = float(getattr(a, max_field))
        pmin = max(c.min_load_fraction * pmax, (extra_min or {}).get(a.id, 0.0))
        units.append(
            UnitSpec(
                key=a.id, max_out=pmax, min_out=pmin, min_up_h=c.min_up_h, min_down_h=c.min_down_h,
                startup_cost_cny=c.startup_cost_cny, max_starts=c.max_starts, ramp_up_kw_per_h=c.ramp_up_kw_per_h,
                ramp_down_kw_per_h=c.ramp_down_kw_per_h, initially_on=c.initially_on,
                initial_state_h=c.initial_state_h, initial_output_kw=c.initial_output_kw,
            )
        )  # fmt: skip
    on = commit(ctx, block, output, units)
    idx = [i for i, _ in committed]
    eff = np.broadcast_to(efficiency, (len(assets), ctx.n_t))[idx]
    a_noload = np.array([[a.commitment.no_load_input_kw] for _, a in committed])
    ctx.lp.add_terms(conversion, on, eff * a_noload, row_keys=idx, var_keys=np.arange(len(idx)))


def _heat_from(
    ctx: BuildContext, block: str, assets: list, input_name: str, efficiency: np.ndarray, *, gas: bool
) -> None:
    """``heat_kw[t] = η(t)·input_kw[t]``, ``heat_kw ∈ [0, heat_kw_max]``; O&M ``c·heat_kw·Δt``.

    With ``commitment``: ``input = a·on + heat/η`` and the limits of
    :func:`~greenpark.model.builders.commitment.commit`.
    """
    lp, dt = ctx.lp, ctx.step_h
    keys = [a.id for a in assets]
    owners = [a.owner for a in assets]
    heat = lp.add_var(block, "heat_kw", keys, 0.0, ctx.column(assets, "heat_kw"), unit="kW")
    inp = lp.add_var(block, input_name, keys, 0.0, np.inf, unit="kW")
    rows = lp.add_rows(block, "conversion", keys, 0.0, 0.0, unit="kW")
    lp.add_terms(rows, heat, 1.0)
    lp.add_terms(rows, inp, -efficiency)
    _commit_units(ctx, block, assets, heat, rows, efficiency, "heat_kw")
    ctx.connect("heat", heat, owners, 1.0)
    if gas:
        ctx.burn_gas(inp, owners)
    else:
        ctx.connect("electricity", inp, owners, -1.0, role="input")
    lp.add_cost("operation", heat, ctx.column(assets, "om_cny_per_kwh") * dt)


def build_heat_pump(assets: list[HeatPump], ctx: BuildContext) -> None:
    """Heat pump: ``heat_kw = COP(t)·electricity_kw``."""
    _heat_from(ctx, "heat_pump", assets, "electricity_kw", ctx.series(assets, "cop"), gas=False)


def build_gas_boiler(assets: list[GasBoiler], ctx: BuildContext) -> None:
    """Gas boiler: ``heat_kw = η·fuel_kw`` (fuel on LHV)."""
    _heat_from(ctx, "gas_boiler", assets, "fuel_kw", ctx.column(assets, "efficiency"), gas=True)


def build_electric_boiler(assets: list[ElectricBoiler], ctx: BuildContext) -> None:
    """Electric boiler: ``heat_kw = η·electricity_kw``."""
    _heat_from(ctx, "electric_boiler", assets, "electricity_kw", ctx.column(assets, "efficiency"), gas=False)


def build_chp(assets: list[CHP], ctx: BuildContext) -> None:
    """Gas CHP (LP).

    ``electricity_kw = η_e·fuel_kw`` (row ``electric_conversion``),
    ``heat_kw ≤ η_h·fuel_kw`` (row ``heat_recovery``: heat not recovered is
    rejected), ``electricity_kw ∈ [P_min, P_max]`` (LP: ``P_min`` is a must-run);
    O&M ``c·electricity_kw·Δt``. With ``commitment``, see
    :func:`~greenpark.model.builders.commitment.commit`:
    ``fuel = a·on + electricity/η_e`` and ``P_min`` applies only when on.
    """
    lp, dt = ctx.lp, ctx.step_h
    keys = [a.id for a in assets]
    owners = [a.owner for a in assets]
    # LP: min_electric_kw is a must-run floor; committed: it holds only while on (commit's min_output row)
    must_run = np.array([[0.0 if a.commitment is not None else a.min_electric_kw] for a in assets])
    el = lp.add_var("chp", "electricity_kw", keys, must_run, ctx.column(assets, "electric_kw"), unit="kW")
    fuel = lp.add_var("chp", "fuel_kw", keys, 0.0, np.inf, unit="kW")
    heat = lp.add_var("chp", "heat_kw", keys, 0.0, np.inf, unit="kW")
    conv = lp.add_rows("chp", "electric_conversion", keys, 0.0, 0.0, unit="kW")
    lp.add_terms(conv, el, 1.0)
    lp.add_terms(conv, fuel, -ctx.column(assets, "electric_efficiency"))
    minimum = {a.id: a.min_electric_kw for a in assets}
    _commit_units(ctx, "chp", assets, el, conv, ctx.column(assets, "electric_efficiency"), "electric_kw", minimum)
    rec = lp.add_rows("chp", "heat_recovery", keys, -np.inf, 0.0, unit="kW")
    lp.add_terms(rec, heat, 1.0)
    lp.add_terms(rec, fuel, -ctx.column(assets, "heat_efficiency"))
    ctx.connect("electricity", el, owners, 1.0)
    ctx.add_generation(el)
    ctx.connect("heat", heat, owners, 1.0)
    ctx.burn_gas(fuel, owners)
    lp.add_cost("operation", el, ctx.column(assets, "om_cny_per_kwh") * dt)
