"""One storage formulation for every store kind (battery, thermal store), any carrier."""

from __future__ import annotations

import numpy as np

from greenpark.kinds.base import Kind, carry_store
from greenpark.model.context import ELASTIC_PENALTY_CNY, BuildContext


def build_store(
    ctx: BuildContext,
    block: str,
    carrier: str,
    assets: list,
    *,
    loss_per_h: np.ndarray,
    soc_min: np.ndarray,
    soc_max: np.ndarray,
    cost_kind: str,
    cost_per_kwh: np.ndarray,
) -> None:
    """State-of-charge balance shared by every storage kind.

    ``soc_kwh[t] = (1−λ)^Δt · soc_kwh[t−1] + η_c·charge_kw[t]·Δt − discharge_kw[t]·Δt/η_d``
    with ``soc_kwh[−1] = s_0·E``; ``soc_kwh[t] ∈ [s_min·E, s_max·E]``, charge and
    discharge ``∈ [0, P]``. ``soc_kwh[t]`` is the state at the *end* of step t.
    Cost ``c·discharge_kw·Δt``. The end of the horizon (``end_state``):
    ``at_least`` ``soc_kwh[T−1] ≥ s_end·E`` (default ``s_end = s_0``), ``equal``
    ``soc_kwh[T−1] = s_end·E``, ``cyclic`` ``soc_kwh[−1] = soc_kwh[T−1]`` (a free start).
    ``no_simultaneous``: a binary per step forbids charging and discharging at once.
    """
    lp, dt, n_t = ctx.lp, ctx.step_h, ctx.n_t
    keys = [a.id for a in assets]
    owners = [a.owner for a in assets]
    e = ctx.column(assets, "energy_kwh")
    p = ctx.column(assets, "power_kw")
    eta_c = ctx.column(assets, "charge_efficiency")
    eta_d = ctx.column(assets, "discharge_efficiency")
    s0 = ctx.column(assets, "soc_initial_fraction")
    s_end = np.array(
        [[a.soc_final_fraction if a.soc_final_fraction is not None else a.soc_initial_fraction] for a in assets]
    )
    keep = (1.0 - loss_per_h) ** dt
    end = np.array([getattr(a, "end_state", "at_least") for a in assets])
    cyclic = end == "cyclic"

    ch = lp.add_var(block, "charge_kw", keys, 0.0, p, unit="kW")
    dis = lp.add_var(block, "discharge_kw", keys, 0.0, p, unit="kW")
    lower = np.repeat(soc_min * e, n_t, axis=1)
    upper = np.repeat(soc_max * e, n_t, axis=1)
    for k, a in enumerate(assets):  # hourly limits of the state, where a store gives them
        if getattr(a, "soc_min_kwh", None) is not None:
            lower[k] = np.maximum(lower[k], ctx.inputs.get(a.id, "soc_min_kwh"))
        if getattr(a, "soc_max_kwh", None) is not None:
            upper[k] = np.minimum(upper[k], ctx.inputs.get(a.id, "soc_max_kwh"))
    lower[~cyclic, -1:] = np.maximum(lower[~cyclic, -1:], (s_end * e)[~cyclic])
    upper[end == "equal", -1:] = (s_end * e)[end == "equal"]
    if ctx.elastic:  # the kind's own limits hold; the floors and ceilings the park file adds may give
        physical = np.repeat(soc_max * e, n_t, axis=1)
        soc = lp.add_var(block, "soc_kwh", keys, 0.0, physical, unit="kWh")
        _bound_slack(ctx, block, keys, soc, np.arange(len(keys)), lower, "floor")
        tighter = np.flatnonzero((upper < physical).any(axis=1))
        if len(tighter):
            _bound_slack(ctx, block, keys, soc, tighter, upper, "ceiling")
    else:
        soc = lp.add_var(block, "soc_kwh", keys, lower, upper, unit="kWh")

    rhs = np.zeros((len(assets), n_t))
    rhs[:, :1] = np.where(cyclic[:, None], 0.0, keep * s0 * e)
    rows = lp.add_rows(block, "soc_balance", keys, rhs, rhs, unit="kWh")
    lp.add_terms(rows, soc, 1.0)
    lp.add_terms(rows, soc, -keep, shift=-1)
    if cyclic.any():  # the state before the first step is the state after the last
        k = np.flatnonzero(cyclic)
        lp.add_entries(rows.index()[k, 0], soc.index()[k, n_t - 1], -np.broadcast_to(keep, (len(assets), 1))[k, 0])
    lp.add_terms(rows, ch, -eta_c * dt)
    lp.add_terms(rows, dis, dt / eta_d)

    ctx.connect(carrier, dis, owners, 1.0, role="discharge")
    ctx.connect(carrier, ch, owners, -1.0, role="charge")
    lp.add_cost(cost_kind, dis, cost_per_kwh * dt)

    exclusive = [i for i, a in enumerate(assets) if getattr(a, "no_simultaneous", False)]
    if exclusive:
        # charging[t] ∈ {0, 1}: charge_kw ≤ P·charging, discharge_kw ≤ P·(1 − charging)
        ek = [keys[i] for i in exclusive]
        pe = p[exclusive]
        why = [f"{block.replace('_', ' ')} {k!r}: no simultaneous charge and discharge" for k in ek]
        mode = lp.add_var(block, "charging", ek, 0.0, 1.0, integer=True, why=why)
        rows = lp.add_rows(block, "charge_mode", ek, -np.inf, 0.0, unit="kW")
        lp.add_terms(rows, ch, 1.0, var_keys=exclusive)
        lp.add_terms(rows, mode, -pe)
        rows = lp.add_rows(block, "discharge_mode", ek, -np.inf, pe, unit="kW")
        lp.add_terms(rows, dis, 1.0, var_keys=exclusive)
        lp.add_terms(rows, mode, pe)


_BOUND_WORDS = {
    # side: (slack column, row, sign of the slack in the row, requirement within the horizon, what it could not do
    #        within the horizon, what it could not do at the end, what limits it)
    "floor": ("soc_short_kwh", "soc_floor", 1.0, "store minimum state",
              "cannot stay at its minimum state (soc_min_fraction, soc_min_kwh)", "below it",
              "cannot end the horizon at its required state (soc_final_fraction, default the initial state)",
              "short", "its losses and what can charge it"),
    "ceiling": ("soc_over_kwh", "soc_ceiling", -1.0, "store maximum state",
                "cannot stay below its hourly maximum (soc_max_kwh)", "above it",
                "cannot come down to its required end state", "above it", "what can take its energy"),
}  # fmt: skip


def _bound_slack(ctx: BuildContext, block: str, keys: list[str], soc, which: np.ndarray, bound: np.ndarray,
                 side: str) -> None:  # fmt: skip
    """Elastic build: ``soc_kwh[t] + short_kwh[t] ≥ floor[t]`` (``side="floor"``: the minimum and end states a
    store could not hold) or ``soc_kwh[t] − over_kwh[t] ≤ ceiling[t]`` (``"ceiling"``: an hourly maximum or an
    ``equal`` end state below what the kind allows), for the stores ``which``."""
    name, row_name, sign, within, cannot, where, cannot_end, end_where, because = _BOUND_WORDS[side]
    lp = ctx.lp
    ek = [keys[i] for i in which]
    slack = lp.add_var(block, name, ek, 0.0, np.inf, unit="kWh")
    lo, hi = (bound[which], np.inf) if side == "floor" else (-np.inf, bound[which])
    rows = lp.add_rows(block, row_name, ek, lo, hi, unit="kWh")
    lp.add_terms(rows, soc, 1.0, var_keys=which)
    lp.add_terms(rows, slack, sign)
    kind = block.replace("_", " ")

    def describe(values: np.ndarray) -> list[dict]:
        out = []
        for key, v in zip(ek, values, strict=True):
            if v[:-1].max(initial=0.0) > 1e-3:
                out.append({"requirement": within, "asset": key, "amount": float(v[:-1].max()), "unit": "kWh",
                            "hours": ctx.hours(v > 1e-6),
                            "message": f"{kind} {key!r} {cannot}: up to {float(v[:-1].max()):,.1f} kWh {where} "
                            f"({ctx.hours(v > 1e-6)}) with {because}"})  # fmt: skip
            elif v[-1] > 1e-3:
                out.append({"requirement": "store end state", "asset": key, "amount": float(v[-1]), "unit": "kWh",
                            "message": f"{kind} {key!r} {cannot_end}: {float(v[-1]):,.1f} kWh {end_where} with "
                            f"{because}"})  # fmt: skip
        return out

    ctx.add_slack("store state", slack, ELASTIC_PENALTY_CNY["store_end_kwh"], describe)


def store_kind(
    spec: type,
    *,
    carrier: str,
    loss: str,
    cost: str,
    labels: dict[str, str],
    colour: str,
    soc_limits: tuple[str, str] | None = None,
) -> Kind:
    """The kind of a store of ``carrier`` (:func:`build_store`).

    ``loss`` names the field of its standing loss per hour ``λ``, ``cost`` the field of
    its cost per kWh discharged; ``soc_limits`` the fields of its state limits as shares
    of ``energy_kwh`` (default ``[0, 1]``). A store is left out of the business-as-usual
    operation and carries its state of charge from one rolling-horizon window to the next.
    """
    name = spec.model_fields["kind"].annotation.__args__[0]

    def build(assets: list, ctx: BuildContext) -> None:
        n = len(assets)
        low, high = (ctx.column(assets, f) for f in soc_limits) if soc_limits else (np.zeros((n, 1)), np.ones((n, 1)))
        build_store(ctx, name, carrier, assets, loss_per_h=ctx.column(assets, loss), soc_min=low, soc_max=high,
                    cost_kind="operation", cost_per_kwh=ctx.column(assets, cost))  # fmt: skip

    build.__doc__ = f"{spec.__doc__}\n\nSee :func:`~greenpark.model.builders.storage.build_store`."
    series = {"soc_min_kwh": "nonnegative", "soc_max_kwh": "nonnegative"}
    return Kind(spec=spec, build=build, roles={"stores"}, labels=labels, colour=colour, carry=carry_store,
                series=series)  # fmt: skip
