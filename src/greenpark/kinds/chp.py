"""Gas CHP: electricity and recovered heat from one fuel."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from greenpark.kinds.base import (
    BurnerSpec,
    Commitment,
    Kind,
    carry_commitment,
    commitment_horizon_check,
    fuel_check,
)
from greenpark.model.builders.conversion import cogenerate, commit_units
from greenpark.model.context import BuildContext


class CHP(BurnerSpec):
    """CHP: electricity = η_e × fuel, recovered heat ≤ η_h × fuel (fuel on LHV; natural gas by default)."""

    kind: Literal["chp"]
    electric_kw: float = Field(gt=0, description="Maximum electric output [kW].")
    min_electric_kw: float = Field(0.0, ge=0, description="Minimum electric output (LP: must run) [kW].")
    electric_efficiency: float = Field(0.35, gt=0, lt=1)
    heat_efficiency: float = Field(0.45, ge=0, lt=1)
    om_cny_per_kwh: float = Field(0.0, ge=0, description="O&M cost per kWh of electricity (or of fuel: om_basis).")
    om_basis: Literal["output", "input"] = Field("output", description="What the O&M cost is charged on.")
    heat_rejection: bool = Field(
        True,
        description="Heat not used may be rejected (recovered heat ≤ heat_efficiency × fuel); false: every unit "
        "of heat must go to a heat load or store (heat = heat_efficiency × fuel, a back-pressure unit without a "
        "cooler).",
    )
    commitment: Commitment | None = None

    @model_validator(mode="after")
    def _limits(self) -> CHP:
        if self.min_electric_kw > self.electric_kw:
            raise ValueError("min_electric_kw must not exceed electric_kw")
        if self.electric_efficiency + self.heat_efficiency > 1.0:
            raise ValueError("electric_efficiency + heat_efficiency must not exceed 1")
        return self


def build(assets: list[CHP], ctx: BuildContext) -> None:
    """Gas CHP (LP).

    ``electricity_kw = η_e·fuel_kw`` (row ``electric_conversion``),
    ``heat_kw ≤ η_h·fuel_kw`` (row ``heat_recovery``: heat not recovered is
    rejected; ``= η_h·fuel_kw`` without ``heat_rejection``),
    ``electricity_kw ∈ [P_min, P_max]`` (LP: ``P_min`` is a must-run);
    O&M ``c·electricity_kw·Δt``. With ``commitment``, see
    :func:`~greenpark.model.builders.commitment.commit`:
    ``fuel = a·on + electricity/η_e`` and ``P_min`` applies only when on.
    """
    lp = ctx.lp
    keys = [a.id for a in assets]
    # LP: min_electric_kw is a must-run floor; committed: it holds only while on (commit's min_output row)
    must_run = np.array([[0.0 if a.commitment is not None else a.min_electric_kw] for a in assets])
    el = lp.add_var("chp", "electricity_kw", keys, must_run, ctx.column(assets, "electric_kw"), unit="kW")
    fuel = lp.add_var("chp", "fuel_kw", keys, 0.0, np.inf, unit="kW")
    heat = lp.add_var("chp", "heat_kw", keys, 0.0, np.inf, unit="kW")
    conv = lp.add_rows("chp", "electric_conversion", keys, 0.0, 0.0, unit="kW")
    lp.add_terms(conv, el, 1.0)
    lp.add_terms(conv, fuel, -ctx.column(assets, "electric_efficiency"))
    minimum = {a.id: a.min_electric_kw for a in assets}
    commit_units(ctx, "chp", assets, el, conv, ctx.column(assets, "electric_efficiency"), "electric_kw", minimum)
    reject = np.array([[-np.inf if a.heat_rejection else 0.0] for a in assets])  # no cooler: heat = η_h·fuel
    rec = lp.add_rows("chp", "heat_recovery", keys, reject, 0.0, unit="kW")
    lp.add_terms(rec, heat, 1.0)
    lp.add_terms(rec, fuel, -ctx.column(assets, "heat_efficiency"))
    cogenerate(ctx, assets, electricity=el, heat=heat, fuel=fuel)


KIND = Kind(spec=CHP, build=build, roles={"generates", "burns_fuel", "committable"},
            labels={"en": "CHP", "zh": "热电联产"}, colour="#e67e22", check_document=fuel_check,
            check_horizon=commitment_horizon_check,
            carry=lambda a, view: carry_commitment(a, view, "electricity_kw"))  # fmt: skip
