"""What converters share: heat from one input, and unit commitment with its no-load input."""

from __future__ import annotations

import numpy as np

from greenpark.kinds.base import Kind, carry_commitment, commitment_horizon_check, fuel_check
from greenpark.model.builders.commitment import UnitSpec, commit
from greenpark.model.context import BuildContext
from greenpark.model.linear import Group


def commit_units(
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


def build_heat_converter(
    ctx: BuildContext,
    block: str,
    assets: list,
    input_name: str,
    efficiency: np.ndarray,
    *,
    gas: bool = False,
    takes: str = "electricity",
    gives: str = "heat",
) -> None:
    """``out[t] = η(t)·input_kw[t]``, ``out ∈ [0, out_max]``; O&M ``c·out·Δt``.

    ``out`` is the column ``<gives>_kw`` (``heat_kw``, ``cooling_kw``) with its limit in the field of the
    same name; the input is a fuel (``gas``) or the ``takes`` carrier at the owner's node (electricity
    for a heat pump or a chiller, heat for an absorption chiller). With ``commitment``:
    ``input = a·on + out/η`` and the limits of :func:`~greenpark.model.builders.commitment.commit`.
    """
    lp = ctx.lp
    keys = [a.id for a in assets]
    owners = [a.owner for a in assets]
    out_name = f"{gives}_kw"
    out_limit = "electric_kw" if gives == "electricity" else out_name  # an ORC is rated like a CHP
    out = lp.add_var(block, out_name, keys, 0.0, _limit(assets, out_limit), unit="kW")
    in_limit = "electric_kw" if takes == "electricity" else f"{takes}_input_kw"
    inp = lp.add_var(block, input_name, keys, 0.0, _limit(assets, in_limit), unit="kW")
    rows = lp.add_rows(block, "conversion", keys, 0.0, 0.0, unit="kW")
    lp.add_terms(rows, out, 1.0)
    lp.add_terms(rows, inp, -efficiency)
    commit_units(ctx, block, assets, out, rows, efficiency, out_limit)
    ctx.connect(gives, out, owners, 1.0)
    if gives == "electricity":
        ctx.add_generation(out)  # on-site generation (the park may export it)
    if gas:
        ctx.burn_fuel(inp, assets)
        if gives == "heat":
            ctx.earn_allowance(assets, heat=out)
    else:
        ctx.connect(takes, inp, owners, -1.0, role="input")
    om_costs(ctx, assets, output=out, input=inp)


def _limit(assets: list, name: str) -> np.ndarray:
    """A limit field of every asset as a column; no field, or none given, is no limit."""
    return np.array([[v if (v := getattr(a, name, None)) is not None else np.inf] for a in assets])


def om_costs(ctx: BuildContext, assets: list, *, output: Group, input: Group) -> None:
    """O&M cost kind ``operation``: ``c·output·Δt``, or ``c·input·Δt`` for assets with ``om_basis: input``."""
    om = ctx.column(assets, "om_cny_per_kwh") * ctx.step_h
    on_input = np.array([[getattr(a, "om_basis", "output") == "input"] for a in assets])
    ctx.lp.add_cost("operation", output, np.where(on_input, 0.0, om))
    if on_input.any():
        ctx.lp.add_cost("operation", input, np.where(on_input, om, 0.0))


def cogenerate(ctx: BuildContext, assets: list, *, electricity: Group, heat: Group, fuel: Group) -> None:
    """A fuel-fired unit delivering electricity and heat to its owner's nodes: on-site generation, its fuel's
    cost and emissions, the allowance it earns by benchmark, its O&M."""
    owners = [a.owner for a in assets]
    ctx.connect("electricity", electricity, owners, 1.0)
    ctx.add_generation(electricity)
    ctx.connect("heat", heat, owners, 1.0)
    ctx.burn_fuel(fuel, assets)
    ctx.earn_allowance(assets, electricity=electricity, heat=heat)
    om_costs(ctx, assets, output=electricity, input=fuel)


def heat_converter_kind(
    spec: type,
    *,
    takes: str,
    efficiency: str,
    labels: dict[str, str],
    colour: str,
    series: dict | None = None,
    gives: str = "heat",
) -> Kind:
    """The kind of a one-input, one-output converter: ``<gives>_kw = η·input`` (:func:`build_heat_converter`).

    ``takes`` is ``"electricity"`` or ``"heat"`` (from the owner's node) or ``"gas"`` (a fuel of the
    park, natural gas by default: the kind burns fuel); ``gives`` is ``"heat"`` or ``"cooling"``;
    ``efficiency`` names the field holding ``η`` or the COP (a number or a series). Such a kind may be
    committed (on/off), and carries its on/off state across windows.
    """
    gas = takes == "gas"
    name = spec.model_fields["kind"].annotation.__args__[0]
    roles = {"burns_fuel", "committable"} if gas else {"committable"}
    if gives == "electricity":
        roles.add("generates")

    def build(assets: list, ctx: BuildContext) -> None:
        eta = ctx.series(assets, efficiency) if (assets[0].id, efficiency) in ctx.inputs.series else None
        eta = ctx.column(assets, efficiency) if eta is None else eta
        input_name = "fuel_kw" if gas else f"{takes}_kw"
        build_heat_converter(ctx, name, assets, input_name, eta, gas=gas, takes=takes, gives=gives)

    build.__doc__ = f"{spec.__doc__}\n\nSee :func:`~greenpark.model.builders.conversion.build_heat_converter`."
    return Kind(
        spec=spec,
        build=build,
        roles=roles,
        labels=labels,
        colour=colour,
        series=series or {},
        check_document=fuel_check if gas else None,
        check_horizon=commitment_horizon_check,
        carry=lambda a, view: carry_commitment(a, view, f"{gives}_kw"),
    )
