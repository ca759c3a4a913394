"""Pyomo extensions compiled onto the model's arrays (``greenpark.model.extend``): optima derived by hand.

The tests drive :func:`~greenpark.model.extend.extend_model` and :func:`greenpark.solve.solve`
directly; those named ``test_gp_solve_*`` go through ``gp.solve(..., extend=fn)``.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

import greenpark as gp
from greenpark.model.core import BuiltModel, build_model
from greenpark.model.extend import ELASTIC_PENALTY_EXTENSION, extend_model
from greenpark.pipeline import prepare
from greenpark.solve import Status
from greenpark.solve import solve as solve_form
from tests.conftest import START, battery, grid, load, tiny_park

pytestmark = pytest.mark.integration

GAS = {"price_cny_per_kwh": 0.30, "co2_kg_per_kwh": 0.2}
NO_CARBON = {"price_cny_per_t": 0}


def _built(park: gp.Park, steps: int, *, elastic: bool = False) -> BuiltModel:
    return build_model(prepare(park, START, f"{steps}h"), elastic=elastic)


def _solve(park: gp.Park, steps: int, fn=None, *, elastic: bool = False):
    model = _built(park, steps, elastic=elastic)
    if fn is not None:
        model = extend_model(model, fn, elastic=elastic)
    return model, solve_form(model.form)


def _total_by_kind(form, x) -> float:
    return sum(float(v @ x) for v in form.cost_by_kind.values()) + form.objective_constant


# ---- README example 1: the two CHPs start at most three times a week together ------------------


def chp_starts(m, limit: int = 3) -> None:
    """The park's CHPs start at most ``limit`` times together over the horizon (a week)."""
    if m.component("chp") is None or m.chp.component("start") is None:
        return  # no committed CHP in this model (a coalition without them)
    m.chp_starts_limit = pyo.Constraint(expr=sum(m.chp.start.values()) <= limit)


# ---- README example 2: tenant X takes at least 30 % of its electricity from park PV -------------


def pv_share(m, tenant: str = "x", share: float = 0.30) -> None:
    """Tenant ``tenant`` takes at least ``share`` of its electricity from the park's PV.

    Definition (all in kWh over the horizon):

    * the tenant's electricity is what it draws from the park network, ``Σ link[X].import_kw·Δt``
      (for a tenant without its own generation this is all it uses; park PV can reach it only
      through this link);
    * park PV is the output of PV owned by the park (at the park node, not a tenant's own roof),
      less the grid export of the same step: export counts against PV first, as in the park's
      renewable share, so PV sold to the grid is never claimed by a tenant;
    * a step's PV can only serve that step's draw: ``pv_x[t] ≤ link[X].import_kw[t]`` and
      ``pv_x[t] ≤ Σ park PV[t] − export[t]`` (no banking of PV, and PV stored in a park battery
      does not count), and ``Σ pv_x·Δt ≥ share · Σ link[X].import_kw·Δt``.

    The allocation ``pv_x`` is the tenant's claim on the pooled PV of the step; other tenants
    make no claims in this extension.
    """
    pv = [a.id for a in m.park.assets if a.kind == "pv" and a.owner == "park"]
    grids = [a.id for a in m.park.assets if a.kind == "grid"]
    imp = m.find_component("link.import_kw")  # None when no tenant is linked
    if tenant not in {t.id for t in m.park.tenants} or not pv or imp is None or (tenant, 0) not in imp:
        return
    m.pv_x = pyo.Var(m.T, domain=pyo.NonNegativeReals)  # park PV taken by X [kW]
    m.pv_x_draw = pyo.Constraint(m.T, rule=lambda m, t: m.pv_x[t] <= m.link.import_kw[tenant, t])
    m.pv_x_output = pyo.Constraint(
        m.T,
        rule=lambda m, t: (
            m.pv_x[t] <= sum(m.pv.output_kw[k, t] for k in pv) - sum(m.grid.export_kw[g, t] for g in grids)
        ),
    )
    m.pv_x_share = pyo.Constraint(
        expr=sum(m.pv_x[t] for t in m.T) >= share * sum(m.link.import_kw[tenant, t] for t in m.T)
    )


# ---- (a) a hand-derived LP: user variable value and dual ----------------------------------------


def _arbitrage_park() -> gp.Park:
    return tiny_park([grid([0.3, 0.3, 1.0, 1.0]), battery(), load(100)])


def _valley_cap(m) -> None:
    """Grid energy bought in the valley (steps 0–1) is at most 300 kWh."""
    m.valley_kwh = pyo.Var(domain=pyo.NonNegativeReals)
    m.valley_definition = pyo.Constraint(
        expr=m.valley_kwh == sum(m.grid.import_kw["grid", t] for t in (0, 1)) * m.step_h
    )
    m.valley_cap = pyo.Constraint(expr=m.valley_kwh <= 300)
    m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)


def test_user_constraint_changes_the_optimum_and_returns_value_and_dual():
    # Without the cap (test_hand_optima): charge 200 kWh in the valley, deliver 162 in the peak: 158 CNY.
    # Cap 300 kWh in the valley: the load takes 200, so the battery charges 100 kWh → 90 stored → 81 delivered;
    # the peak buys 200 − 81 = 119. Cost = 0.3·300 + 1.0·119 = 209.
    # One more kWh allowed in the valley: +0.3 bought, 0.9·0.9 = 0.81 kWh less at 1.0 → −0.51: dual of the
    # cap (a binding ≤ of a minimisation, Pyomo's sign) = −0.51.
    park = _arbitrage_park()
    _, free = _solve(park, 4)
    assert free.objective == pytest.approx(158.0, abs=1e-6)
    model, r = _solve(park, 4, _valley_cap)
    assert r.status is Status.OPTIMAL
    assert r.objective == pytest.approx(209.0, abs=1e-6)
    ext = model.extension
    form = model.form
    assert form.n_cols == ext.n_core_cols + 1
    assert form.n_rows == ext.n_core_rows + 2
    assert [(g.block, g.name, g.keys, g.n_t) for g in form.var_groups[-1:]] == [("extension", "valley_kwh", [""], 1)]
    assert [g.group.name for g in ext.row_groups] == ["valley_definition", "valley_cap"]
    cap = form.row_group("extension", "valley_cap")
    assert r.row_dual[cap.offset] == pytest.approx(-0.51, abs=1e-9)

    ext.load(r.x, r.row_dual)
    m = ext.pyomo_model
    assert m.valley_kwh.value == pytest.approx(300.0, abs=1e-6)
    assert m.dual[m.valley_cap] == pytest.approx(-0.51, abs=1e-9)
    peak = m.grid.import_kw["grid", 2].value + m.grid.import_kw["grid", 3].value  # core values loaded too
    assert peak == pytest.approx(200 - 81, abs=1e-6)
    assert pyo.value(m.objective) == pytest.approx(209.0, abs=1e-6)

    frames = ext.frames(r.x, r.row_dual)
    v = frames["variables"].set_index("name")
    assert v.loc["valley_kwh", "value"] == pytest.approx(300.0, abs=1e-6)
    assert (v.loc["valley_kwh", "lower"], v.loc["valley_kwh", "upper"]) == (0.0, np.inf)
    c = frames["constraints"].set_index("name")
    assert c.loc["valley_cap", "body"] == pytest.approx(300.0, abs=1e-6)
    assert c.loc["valley_cap", "upper"] == 300.0
    assert c.loc["valley_cap", "dual"] == pytest.approx(-0.51, abs=1e-9)
    assert frames["constraints"]["dual"].notna().all()
    assert ext.frames(r.x)["constraints"]["dual"].isna().all()  # no duals given → NaN


# ---- (b) the two README examples -------------------------------------------------------------------

CHP = {"id": "chp1", "kind": "chp", "electric_kw": 100, "electric_efficiency": 0.3, "heat_efficiency": 0.4}
PEAK_EVERY_DAY = ([0.4] * 8 + [1.5] * 12 + [0.4] * 4) * 7  # 08:00–20:00 at 1.5 CNY/kWh


def _two_chp_park() -> gp.Park:
    commitment = {"min_load_fraction": 0.5, "startup_cost_cny": 30}
    chps = [{**CHP, "commitment": commitment}, {**CHP, "id": "chp2", "commitment": commitment}]
    return tiny_park([grid(PEAK_EVERY_DAY), *chps, load(200)], gas=GAS, carbon=NO_CARBON)


def test_readme_two_chps_start_at_most_three_times_a_week():
    # A CHP makes electricity at 0.30 / 0.3 = 1.0 CNY/kWh: worth running in the 1.5 peak, not in the 0.4 night.
    # Free, each unit starts every morning (14 starts a week); limited to 3 starts together, the units run
    # through some nights at minimum load or stay off some days: dearer.
    park = _two_chp_park()
    free_model, free = _solve(park, 168)
    starts = free_model.form.var_group("chp", "start")
    assert free.status is Status.OPTIMAL
    assert free.x[starts.index()].sum() == pytest.approx(14.0, abs=1e-6)

    model, r = _solve(park, 168, chp_starts)
    assert r.status is Status.OPTIMAL
    assert model.form.is_mip
    total = r.x[starts.index()].sum()
    assert total <= 3.0 + 1e-6
    assert total == pytest.approx(3.0, abs=1e-6)  # it binds: every start allowed is used
    assert r.objective > free.objective + 1.0
    rows = model.extension.frames(r.x)["constraints"]
    assert rows["name"].tolist() == ["chp_starts_limit"]
    assert rows["body"].iloc[0] == pytest.approx(3.0, abs=1e-6)


def _pv_share_park() -> gp.Park:
    # Tenant x: 50 kW for 8 h; park PV 100 kW in steps 2–3; grid 0.2 CNY/kWh, export at 0.1 (limit 1000 kW).
    # x owns a battery (0.9/0.9, 0.3 CNY per kWh discharged: never worth cycling for a 0.2 tariff).
    return tiny_park(
        [
            grid(0.2, export_limit_kw=1000, export_price_cny_per_kwh=0.1),
            {"id": "pv", "kind": "pv", "owner": "park", "capacity_kwp": 120, "forecast_kw": [0, 0, 100, 100] + [0] * 4},
            battery(id="x-bess", owner="x", throughput_cost_cny_per_kwh=0.3),
            load(50, owner="x"),
        ],
        tenants=[{"id": "x"}],
    )


def _share(model, x) -> float:
    """x's share of park PV by :func:`pv_share`'s definition, computed from the solution."""
    form = model.form
    imp = x[form.var_group("link", "import_kw").index()[0]]
    pv = x[form.var_group("pv", "output_kw").index()[0]]
    exp = x[form.var_group("grid", "export_kw").index()[0]]
    return float(np.minimum(imp, pv - exp).sum() / imp.sum())


def test_readme_tenant_takes_at_least_30_percent_of_its_electricity_from_park_pv():
    # Free: x draws 400 kWh; in steps 2–3 it takes 50 of the 100 kW PV and 50 kW is exported (0.1 CNY/kWh):
    # share 100/400 = 25 %, cost 0.2·300 − 0.1·100 = 50. With the rule x's battery stores c kWh of PV that
    # would be exported (kept, never discharged: a discharge costs 0.3 and saves 0.2):
    # 100 + c = 0.3·(400 + c) → c = 20/0.7 = 28.571, cost 50 + 0.1·c = 52.857; share exactly 30 %.
    # The share constraint's dual: one more kWh required costs 0.1/0.7 = 0.142857.
    park = _pv_share_park()
    free_model, free = _solve(park, 8)
    assert free.objective == pytest.approx(50.0, abs=1e-6)
    assert _share(free_model, free.x) == pytest.approx(0.25, abs=1e-9)

    model, r = _solve(park, 8, pv_share)
    assert r.status is Status.OPTIMAL
    c = 20 / 0.7
    assert r.objective == pytest.approx(50 + 0.1 * c, abs=1e-6)
    assert _share(model, r.x) == pytest.approx(0.30, abs=1e-9)  # satisfied, and it binds
    frames = model.extension.frames(r.x, r.row_dual)
    pv_x = frames["variables"].set_index("name")["value"]
    link = r.x[model.form.var_group("link", "import_kw").index()[0]]
    assert pv_x.sum() == pytest.approx(0.30 * link.sum(), abs=1e-6)
    share_row = frames["constraints"].set_index("name").loc["pv_x_share"]
    assert abs(share_row["dual"]) == pytest.approx(0.1 / 0.7, abs=1e-9)
    # in a model without tenant x (a settlement coalition) the rule adds nothing
    other = tiny_park([grid(0.2), load(50, owner="y")], tenants=[{"id": "y"}])
    model_y, _r_y = _solve(other, 8, pv_share)
    assert model_y.extension.empty
    assert model_y.form.n_cols == model_y.extension.n_core_cols


# ---- (c) a user integer variable in a MILP ----------------------------------------------------------


def _capacity_blocks(m) -> None:
    """Grid import is bought in blocks of 40 kW at 5 CNY per block for the horizon."""
    m.blocks = pyo.Var(domain=pyo.NonNegativeIntegers, bounds=(0, 10))
    m.block_limit = pyo.Constraint(m.T, rule=lambda m, t: m.grid.import_kw["grid", t] <= 40 * m.blocks)
    m.objective.expr += 5 * m.blocks


def test_user_integer_variable_makes_a_milp():
    # Load 100 kW for 2 h at 1.0: 100 ≤ 40·n → n = 3 (the LP relaxation would take 2.5). Cost 200 + 15 = 215.
    park = tiny_park([grid(1.0), load(100)])
    model, r = _solve(park, 2, _capacity_blocks)
    assert model.form.is_mip
    assert "extension: blocks is integer" in model.form.integer_reasons
    assert r.status is Status.OPTIMAL
    assert r.objective == pytest.approx(215.0, abs=1e-6)
    v = model.extension.frames(r.x)["variables"]
    assert v["name"].tolist() == ["blocks"]
    assert v["integer"].tolist() == [True]
    assert v["value"].iloc[0] == pytest.approx(3.0, abs=1e-6)
    assert (v["lower"].iloc[0], v["upper"].iloc[0]) == (0.0, 10.0)
    model.extension.load(r.x)
    assert model.extension.pyomo_model.blocks.value == pytest.approx(3.0, abs=1e-6)


# ---- (d) non-linear extensions are refused by name ---------------------------------------------------


def test_non_linear_extension_is_named():
    park = tiny_park([grid(1.0), load(100)])
    model = _built(park, 2)

    def product(m):
        m.both = pyo.Constraint(expr=m.grid.import_kw["grid", 0] * m.grid.import_kw["grid", 1] <= 5000)

    with pytest.raises(gp.ParkValidationError) as err:
        extend_model(model, product)
    assert [p.path for p in err.value.problems] == ["extend: both"]
    assert "is not linear" in err.value.problems[0].message
    assert "import_kw[grid,0]*grid.import_kw[grid,1]" in err.value.problems[0].message

    def quadratic_objective(m):
        m.objective.expr += 0.01 * m.grid.import_kw["grid", 0] ** 2

    with pytest.raises(gp.ParkValidationError) as err:
        extend_model(model, quadratic_objective)
    assert [p.path for p in err.value.problems] == ["extend: objective"]

    def general(m):
        m.z = pyo.Var(m.T)
        m.bad = pyo.Constraint(m.T, rule=lambda m, t: pyo.exp(m.z[t]) >= 1)
        m.gain = pyo.Objective(expr=pyo.log(m.z[0] + 2), sense=pyo.maximize)

    with pytest.raises(gp.ParkValidationError) as err:
        extend_model(model, general)
    assert [p.path for p in err.value.problems] == ["extend: bad[0]", "extend: bad[1]", "extend: gain"]

    def sos(m):
        m.s = pyo.SOSConstraint(var=m.grid.import_kw, sos=1)

    with pytest.raises(gp.ParkValidationError, match="extend: s: is a SOSConstraint"):
        extend_model(model, sos)

    def foreign(m):
        outside = pyo.ConcreteModel()
        outside.v = pyo.Var()
        m.uses_foreign = pyo.Constraint(expr=m.grid.import_kw["grid", 0] <= outside.v)

    with pytest.raises(gp.ParkValidationError, match="not a variable of this model"):
        extend_model(model, foreign)

    def switch_off(m):
        m.balance.electricity[0].deactivate()

    with pytest.raises(
        gp.ParkValidationError,
        match=r"extend: balance.electricity: 1 of its rows were deactivated "
        r"\(balance\[park\].electricity\[2026-07-15 00:00\]\)",
    ):
        extend_model(model, switch_off)


# ---- (e) the elastic model names an extension that makes the park infeasible ---------------------------


def _import_floor(m) -> None:
    """Buy at least 150 kW in step 0 (the connection takes 100)."""
    m.import_floor = pyo.Constraint(expr=m.grid.import_kw["grid", 0] >= 150)


def _import_cap(m) -> None:
    """Buy at most 50 kW in every step (the load is 80)."""
    m.import_cap = pyo.Constraint(m.T, rule=lambda m, t: m.grid.import_kw["grid", t] <= 50)


def _findings(model, x) -> list[dict]:
    out = []
    for slack in model.slacks:
        g = slack.var
        out += slack.describe(x[g.offset : g.offset + g.size].reshape(g.shape))
    return out


def test_elastic_model_names_the_extension_that_makes_the_park_infeasible():
    park = tiny_park([grid(1.0, import_limit_kw=100), load(80)])
    _, r = _solve(park, 2, _import_floor)
    assert r.status is Status.INFEASIBLE
    model, r = _solve(park, 2, _import_floor, elastic=True)
    assert r.status is Status.OPTIMAL
    found = [f for f in _findings(model, r.x) if f["requirement"] == "extension constraint"]
    # the extension gives 70 (import stays at the load's 80) rather than 50 plus 20 kWh of surplus at 1e4
    assert found == [
        {
            "requirement": "extension constraint",
            "constraint": "import_floor",
            "side": "lower",
            "amount": pytest.approx(70.0, abs=1e-6),
            "unit": "",
            "message": "extension constraint import_floor had to give by 70",
        }
    ]
    assert [f for f in _findings(model, r.x) if f["requirement"] != "extension constraint"] == []
    slacks = [s for s in model.slacks if s.requirement == "extension"]
    assert [(s.var.block, s.var.name, s.var.keys) for s in slacks] == [("extension", "import_floor_short", [""])]
    penalty = model.form.cost_by_kind["elastic"][slacks[0].var.offset]
    assert penalty == ELASTIC_PENALTY_EXTENSION
    assert _total_by_kind(model.form, r.x) == pytest.approx(r.objective, rel=1e-12)

    # an extension at odds with a load gives itself, before the load is shed
    model, r = _solve(park, 2, _import_cap, elastic=True)
    found = _findings(model, r.x)
    assert [(f["requirement"], f["constraint"], f["side"]) for f in found] == [
        ("extension constraint", "import_cap[0]", "upper"),
        ("extension constraint", "import_cap[1]", "upper"),
    ]
    assert [f["amount"] for f in found] == pytest.approx([30.0, 30.0], abs=1e-6)


# ---- (f) changed bounds of core variables ------------------------------------------------------------


def _hp_park() -> gp.Park:
    # Heat 100 kW for 2 h. Heat pump (COP 3, grid 0.3): 0.1 CNY per kWh heat; boiler (gas 0.30, η 0.9): 1/3.
    return tiny_park(
        [
            grid(0.3),
            {"id": "hp", "kind": "heat_pump", "heat_kw": 200, "cop": 3},
            {"id": "gb", "kind": "gas_boiler", "heat_kw": 200, "efficiency": 0.9},
            load(100, kind="heat_load", id="heat"),
        ],
        gas=GAS,
        carbon=NO_CARBON,
    )


def test_changed_bounds_of_core_variables_are_honoured():
    # Free: the heat pump serves all: 20 CNY. HP ≤ 40 kW in step 0: 40·0.1 + 60/3 = 24; boiler fixed at
    # 30 kW in step 1: 30/3 + 70·0.1 = 17. Total 41.
    park = _hp_park()
    _, free = _solve(park, 2)
    assert free.objective == pytest.approx(20.0, abs=1e-6)

    def limit(m):
        m.heat_pump.heat_kw["hp", 0].setub(40)
        m.gas_boiler.heat_kw["gb", 1].fix(30)

    model, r = _solve(park, 2, limit)
    assert r.objective == pytest.approx(41.0, abs=1e-6)
    form = model.form
    hp = form.var_group("heat_pump", "heat_kw").offset
    gb = form.var_group("gas_boiler", "heat_kw").offset
    assert model.extension.changed_core_cols.tolist() == [hp, gb + 1]
    assert (form.col_lower[gb + 1], form.col_upper[gb + 1]) == (30.0, 30.0)
    assert r.x[hp] == pytest.approx(40.0, abs=1e-6)
    assert r.x[gb + 1] == pytest.approx(30.0, abs=1e-6)
    assert form.n_cols == model.extension.n_core_cols
    assert not model.extension.var_groups

    def integral(m):  # a core variable made integer: 40.5 → 40
        m.heat_pump.heat_kw["hp", 0].setub(40.5)
        m.heat_pump.heat_kw["hp", 0].domain = pyo.NonNegativeIntegers

    model, r = _solve(park, 2, integral)
    assert model.form.is_mip
    assert "extension: heat_pump.heat_kw made integer" in model.form.integer_reasons
    assert r.x[hp] == pytest.approx(40.0, abs=1e-6)
    assert r.objective == pytest.approx(40 * 0.1 + 60 / 3 + 10, abs=1e-6)


# ---- (g) objective terms: a new Objective and m.objective.expr += ... -----------------------------------


def test_objective_terms_are_counted_and_costs_by_kind_sum_to_the_objective():
    # Load 100 kW for 2 h at 0.5: 100 CNY. Added: 0.1 and 0.2 per kWh bought (a new Objective and +=),
    # a maximised −0.05 per kWh (negated: +0.05) and a constant 7: 100 + 20 + 40 + 10 + 7 = 177.
    park = tiny_park([grid(0.5), load(100)])

    def terms(m):
        bought = sum(m.grid.import_kw["grid", t] for t in m.T) * m.step_h
        m.levy = pyo.Objective(expr=0.1 * bought)
        m.bonus = pyo.Objective(expr=-0.05 * bought, sense=pyo.maximize)
        m.objective.expr += 0.2 * bought
        m.objective.expr += 7

    model, r = _solve(park, 2, terms)
    form = model.form
    assert r.objective == pytest.approx(177.0, abs=1e-6)
    assert float(form.cost_by_kind["extension"] @ r.x) + form.constant_costs["extension"] == pytest.approx(77.0)
    assert _total_by_kind(form, r.x) == pytest.approx(r.objective, rel=1e-12)
    assert form.col_cost == pytest.approx(sum(form.cost_by_kind.values()))
    assert model.extension.pyomo_model.levy.active  # the user's objects stay as written

    def doubled(m):  # any other change recompiles the whole objective and keeps the difference
        m.objective.expr = 2 * m.objective.expr

    model, r = _solve(park, 2, doubled)
    assert r.objective == pytest.approx(200.0, abs=1e-6)
    assert float(model.form.cost_by_kind["extension"] @ r.x) == pytest.approx(100.0, abs=1e-6)
    assert _total_by_kind(model.form, r.x) == pytest.approx(r.objective, rel=1e-12)


def test_extension_that_adds_nothing_keeps_the_form_and_reads_the_park():
    park = tiny_park([grid(0.5), load(100)], tenants=[{"id": "a"}, {"id": "b"}])
    model = _built(park, 3)
    seen = {}

    def look(m):
        seen.update(tenants=[t.id for t in m.park.tenants], steps=list(m.T), step_h=m.step_h, first=m.time[0])
        m.note = pyo.Param(initialize=1.0)
        m.helper = pyo.Expression(expr=2 * m.grid.import_kw["grid", 0])

    out = extend_model(model, look)
    assert seen["tenants"] == ["a", "b"]
    assert seen["steps"] == [0, 1, 2]
    assert seen["step_h"] == 1.0
    assert str(seen["first"]) == "2026-07-15 00:00:00+08:00"
    assert out.form is model.form
    assert out.extension.empty
    assert set(out.extension.timings_s) == {"pyomo_s", "fn_s", "compile_s"}


# ---- through gp.solve(..., extend=fn) --------------------------------------------


def test_gp_solve_extend_hand_optimum():
    s = gp.solve(_arbitrage_park(), start=START, horizon="4h", extend=_valley_cap)
    assert s.status is gp.Status.OPTIMAL
    assert s.objective_cny == pytest.approx(209.0, abs=1e-6)
    assert s.extension["variables"].set_index("name").loc["valley_kwh", "value"] == pytest.approx(300.0, abs=1e-6)
    assert s.extension["constraints"].set_index("name").loc["valley_cap", "dual"] == pytest.approx(-0.51, abs=1e-9)
    assert "valley_kwh" not in " ".join(s.dispatch.columns)  # user columns: schedule.extension, not dispatch
    m = s.pyomo_model  # the user's own model, with the solution and the duals written in
    assert m.valley_kwh.value == pytest.approx(300.0, abs=1e-6)
    assert m.dual[m.valley_cap] == pytest.approx(-0.51, abs=1e-9)


def test_gp_solve_extend_readme_examples():
    s = gp.solve(_two_chp_park(), start=START, horizon="168h", extend=chp_starts)
    assert s.ok
    assert s.dispatch.filter(like="chp[").filter(like="].start").to_numpy().sum() == pytest.approx(3.0, abs=1e-6)
    s = gp.solve(_pv_share_park(), start=START, horizon="8h", extend=pv_share)
    assert s.objective_cny == pytest.approx(50 + 0.1 * 20 / 0.7, abs=1e-6)


def test_gp_solve_extend_objective_terms_are_a_cost_kind():
    park = tiny_park([grid(0.5), load(100)])

    def levy(m):
        m.objective.expr += 0.2 * sum(m.grid.import_kw["grid", t] for t in m.T) * m.step_h + 7

    s = gp.solve(park, start=START, horizon="2h", extend=levy)
    assert s.objective_cny == pytest.approx(100 + 40 + 7, abs=1e-6)
    assert s.costs_cny["extension"] == pytest.approx(47.0, abs=1e-6)
    assert float(s.costs_cny.sum()) == pytest.approx(s.objective_cny, abs=1e-6)


def test_gp_solve_extend_infeasible_is_explained_by_name():
    park = tiny_park([grid(1.0, import_limit_kw=100), load(80)])
    s = gp.solve(park, start=START, horizon="2h", extend=_import_floor)
    assert s.status is gp.Status.INFEASIBLE
    named = [f for f in s.explanation if f.get("requirement") == "extension constraint"]
    assert [f["constraint"] for f in named] == ["import_floor"]
    assert "import_floor" in s.message


def test_gp_solve_extend_non_linear_raises():
    park = tiny_park([grid(1.0), load(100)])

    def product(m):
        m.both = pyo.Constraint(expr=m.grid.import_kw["grid", 0] * m.grid.import_kw["grid", 1] <= 5000)

    with pytest.raises(gp.ParkValidationError, match="extend: both"):
        gp.solve(park, start=START, horizon="2h", extend=product)
