"""What generators given by an available power share: output up to what is available, curtailable."""

from __future__ import annotations

import numpy as np

from greenpark.model.context import BuildContext


def build_available(ctx: BuildContext, block: str, assets: list) -> None:
    """``output_kw[t] ∈ [0, available_kw(t)]``; O&M ``c·output_kw·Δt``; on-site generation (may be exported).

    Curtailment is ``available_kw − output_kw``. Renewable when the kind says so.
    """
    lp = ctx.lp
    keys = [a.id for a in assets]
    out = lp.add_var(block, "output_kw", keys, 0.0, ctx.series(assets, "available_kw"), unit="kW")
    ctx.connect("electricity", out, [a.owner for a in assets], 1.0)
    ctx.add_generation(out)
    lp.add_cost("operation", out, ctx.column(assets, "om_cny_per_kwh") * ctx.step_h)


def available_from_forecast(inputs, asset, limit_kw: float) -> None:
    """``available_kw`` of a generator given by its ``forecast_kw``: the forecast, at most ``limit_kw`` (its AC
    limit or nameplate); what the limit cuts off is ``clipped_kw``."""
    forecast = inputs.series[(asset.id, "forecast_kw")]
    available = np.minimum(forecast, limit_kw)
    inputs.series[(asset.id, "available_kw")] = available
    inputs.series[(asset.id, "clipped_kw")] = forecast - available


def generated_and_curtailed(block: str, assets: list, schedule, inputs) -> tuple[float, float]:
    """Energy a kind's generators delivered and curtailed over the horizon [kWh]."""
    dt = schedule.step_h
    out = schedule.values(block, "output_kw").sum(axis=1).to_numpy()
    available = sum((inputs.get(a.id, "available_kw") for a in assets), np.zeros(len(out)))
    return float(out.sum() * dt), float((available - out).clip(min=0).sum() * dt)
