"""Allowances allocated by benchmark: the carbon price bites on a unit's emissions above its benchmark only."""

from __future__ import annotations

import pytest

import greenpark as gp
from tests.conftest import grid, load, solve, tiny_park

pytestmark = pytest.mark.integration

GAS = {"price_cny_per_kwh": 0.23, "co2_kg_per_kwh": 0.2}
TRADING = {"carbon": {"trading": {"price_cny_per_t": 100}}}


def chp(**kw) -> dict:
    return {"id": "gt", "kind": "chp", "electric_kw": 100, "electric_efficiency": 0.4, "heat_efficiency": 0.0, **kw}


def test_the_marginal_incentive_is_the_price_times_factor_minus_benchmark():
    """Grid 0.6 CNY/kWh (no grid CO2); a gas unit: 0.23/0.4 = 0.575 CNY/kWh of fuel and 0.2/0.4 = 0.5 tCO2/MWh.

    At 100 CNY/t on every tonne: 0.575 + 0.05 = 0.625 > 0.6, the grid serves the 100 kW load: 2·100·0.6 = 120.
    With a 0.45 t/MWh benchmark: 0.575 + 100·(0.5 − 0.45)/1000 = 0.580 < 0.6, the unit runs: fuel
    2·250·0.23 = 115, emissions 0.1 t, allowance 0.45·0.2 MWh = 0.09 t, trading 100·0.01 = 1 → 116.
    """
    whole = solve(tiny_park([grid(0.6), chp(), load(100)], gas=GAS, **TRADING), 2).raise_for_status()
    assert whole.objective_cny == pytest.approx(120.0)
    bench = chp(allowance_benchmark={"electricity_t_per_mwh": 0.45})
    s = solve(tiny_park([grid(0.6), bench, load(100)], gas=GAS, **TRADING), 2).raise_for_status()
    assert s.objective_cny == pytest.approx(116.0)
    assert s.costs_cny["carbon_trading"] == pytest.approx(1.0)
    assert s.values("chp", "electricity_kw")["gt"].sum() == pytest.approx(200.0)
    position = s.meta["carbon_position"]
    assert position["units"]["gt"]["allowance_t"] == pytest.approx(0.09)
    assert position["units"]["gt"]["position_t"] == pytest.approx(0.09 - 0.1)
    assert position["park"]["position_t"] == pytest.approx(-0.01)


def test_heat_earns_by_the_gj_and_without_selling_only_a_deficit_costs():
    """A boiler (η 0.9, 0.2 kg/kWh of gas) serves 90 kW of heat for 2 h: 200 kWh of gas, 0.04 t emitted;
    180 kWh of heat = 0.648 GJ.

    A benchmark of 0.1 t/GJ earns 0.0648 t ≥ 0.04: without selling the surplus, trading costs nothing; with a
    0.05 t/GJ benchmark it earns 0.0324 t: 100·(0.04 − 0.0324) = 0.76 CNY.
    """

    def run(bench: float) -> gp.Schedule:
        boiler = {"id": "gb", "kind": "gas_boiler", "heat_kw": 200, "efficiency": 0.9,
                  "allowance_benchmark": {"heat_t_per_gj": bench}}  # fmt: skip
        carbon = {"trading": {"price_cny_per_t": 100, "sell_surplus": False}}
        park = tiny_park([grid(1.0), boiler, load(0), load(90, id="steam", kind="heat_load")], gas=GAS, carbon=carbon)
        return solve(park, 2).raise_for_status()

    assert run(0.1).costs_cny["carbon_trading"] == pytest.approx(0.0, abs=1e-9)
    short = run(0.05)
    assert short.costs_cny["carbon_trading"] == pytest.approx(100 * (0.04 - 0.0324))
    assert short.meta["carbon_position"]["park"]["position_t"] == pytest.approx(0.0324 - 0.04)


def test_a_benchmark_needs_the_trading_price():
    with pytest.raises(gp.ParkValidationError, match=r"earn allowances by benchmark, but carbon\.trading"):
        tiny_park([grid(0.6), chp(allowance_benchmark={"electricity_t_per_mwh": 0.45}), load(100)], gas=GAS)
