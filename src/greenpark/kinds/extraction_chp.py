"""A CHP defined by its feasible (power, heat) region: an extraction-condensing unit."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from greenpark.fields import SpecModel
from greenpark.kinds.base import (
    BurnerSpec,
    Commitment,
    Kind,
    carry_commitment,
    commitment_horizon_check,
    fuel_check,
)
from greenpark.model.builders.commitment import UnitSpec, commit
from greenpark.model.builders.conversion import cogenerate
from greenpark.model.context import BuildContext


class OperatingPoint(SpecModel):
    """A corner of the unit's operating region: power and heat it delivers, and the fuel it burns there."""

    electric_kw: float = Field(ge=0, description="Electric output [kW].")
    heat_kw: float = Field(ge=0, description="Heat output [kW].")
    fuel_kw: float = Field(gt=0, description="Fuel burnt (LHV) [kW].")


class ExtractionCHP(BurnerSpec):
    """A CHP whose heat-to-power ratio varies: any point of the convex hull of its ``corners``.

    Power, heat and fuel are the same convex combination of the corners (fuel is linear over the region).
    With ``commitment`` the unit is on (inside its region) or off (nothing); without it, an LP, it may
    also run anywhere between off and its region (a relaxation: its minimum load does not hold). Its heat
    goes to its node's heat balance (the region already says what its condenser rejects).
    """

    kind: Literal["extraction_chp"]
    corners: list[OperatingPoint] = Field(min_length=2, description="Corner points of the operating region.")
    om_cny_per_kwh: float = Field(0.0, ge=0, description="O&M cost per kWh of electricity (or of fuel: om_basis).")
    om_basis: Literal["output", "input"] = Field("output", description="What the O&M cost is charged on.")
    commitment: Commitment | None = None

    @model_validator(mode="after")
    def _region(self) -> ExtractionCHP:
        if max(c.electric_kw for c in self.corners) <= 0:
            raise ValueError("corners: the unit makes no electricity at any corner")
        return self


def build(assets: list[ExtractionCHP], ctx: BuildContext) -> None:
    """``(P, Q, F)[t] = Σ_i λ_i[t]·(P_i, Q_i, F_i)``, ``λ ≥ 0``; ``Σ_i λ_i[t] = on[t]`` with commitment
    (its limits from :func:`~greenpark.model.builders.commitment.commit` on ``P``), else ``≤ 1``."""
    lp = ctx.lp
    keys = [a.id for a in assets]
    top = np.array([[max(c.electric_kw for c in a.corners)] for a in assets])
    el = lp.add_var("extraction_chp", "electricity_kw", keys, 0.0, top, unit="kW")
    heat = lp.add_var("extraction_chp", "heat_kw", keys, 0.0, np.inf, unit="kW")
    fuel = lp.add_var("extraction_chp", "fuel_kw", keys, 0.0, np.inf, unit="kW")
    corners = [(k, i, c) for k, a in enumerate(assets) for i, c in enumerate(a.corners)]
    lam = lp.add_var("extraction_chp", "weight", [f"{keys[k]}#{i}" for k, i, _ in corners], 0.0, 1.0)
    for name, var in (("electricity", el), ("heat", heat), ("fuel", fuel)):
        rows = lp.add_rows("extraction_chp", f"{name}_of_corners", keys, 0.0, 0.0, unit="kW")
        lp.add_terms(rows, var, 1.0)
        for j, (k, _i, c) in enumerate(corners):
            value = {"electricity": c.electric_kw, "heat": c.heat_kw, "fuel": c.fuel_kw}[name]
            lp.add_terms(rows, lam, -value, row_keys=[k], var_keys=[j])
    committed = [k for k, a in enumerate(assets) if a.commitment is not None]
    total = lp.add_rows("extraction_chp", "in_region", keys, -np.inf, 1.0)
    for j, (k, _i, _c) in enumerate(corners):
        lp.add_terms(total, lam, 1.0, row_keys=[k], var_keys=[j])
    if committed:
        units = []
        for k in committed:
            a, c = assets[k], assets[k].commitment
            low = min(p.electric_kw for p in a.corners)
            units.append(UnitSpec(key=a.id, max_out=float(top[k, 0]), min_out=low, min_up_h=c.min_up_h,
                                  min_down_h=c.min_down_h, startup_cost_cny=c.startup_cost_cny,
                                  max_starts=c.max_starts, ramp_up_kw_per_h=c.ramp_up_kw_per_h,
                                  ramp_down_kw_per_h=c.ramp_down_kw_per_h, initially_on=c.initially_on,
                                  initial_state_h=c.initial_state_h,
                                  initial_output_kw=c.initial_output_kw))  # fmt: skip
        on = commit(ctx, "extraction_chp", el, units)
        # on: Σλ = on (inside the region when on, nothing when off)
        lp.set_row_bounds(total, lower=np.where(np.isin(np.arange(len(keys)), committed)[:, None], 0.0, -np.inf))
        lp.add_terms(total, on, -1.0, row_keys=committed, var_keys=np.arange(len(committed)))
        upper = np.where(np.isin(np.arange(len(keys)), committed)[:, None], 0.0, 1.0)
        lp.set_row_bounds(total, upper=upper)
    cogenerate(ctx, assets, electricity=el, heat=heat, fuel=fuel)


KIND = Kind(spec=ExtractionCHP, build=build, roles={"generates", "burns_fuel", "committable"},
            labels={"en": "Extraction CHP", "zh": "抽凝式热电联产"}, colour="#d35400", check_document=fuel_check,
            check_horizon=commitment_horizon_check,
            carry=lambda a, view: carry_commitment(a, view, "electricity_kw"))  # fmt: skip
