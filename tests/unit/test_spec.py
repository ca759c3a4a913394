"""Park file validation: every problem, with its path, no traceback."""

from __future__ import annotations

import json

import pytest
import yaml

import greenpark as gp
from greenpark.cli import schema_text
from tests.conftest import MODELS, ROOT, grid, load, tiny_park

pytestmark = pytest.mark.unit


def _problems(doc: dict) -> list[str]:
    with pytest.raises(gp.ParkValidationError) as info:
        gp.park_from_dict(doc, base_dir=MODELS)
    return [str(p) for p in info.value.problems]


def _doc(assets, tenants=None) -> dict:
    return {
        "park": {"name": "t", "latitude": 31.3, "longitude": 120.6},
        "tenants": tenants if tenants is not None else [{"id": "a"}],
        "assets": assets,
    }


def test_every_bundled_park_validates():
    for path in MODELS.glob("*.yaml"):
        park = gp.load_park(path)
        assert park.assets


def test_nonpositive_power_names_the_field():
    bad = {"id": "b", "kind": "battery", "power_kw": 0, "energy_kwh": 10}
    probs = _problems(_doc([grid(0.5), bad, load(1)]))
    assert "assets[1].power_kw: must be > 0" in probs


def test_all_problems_are_listed_together():
    assets = [
        grid(0.5),
        {"id": "b", "kind": "battery", "power_kw": -1, "energy_kwh": 0},
        {"id": "x", "kind": "nuclear_reactor"},
        load(1, colour="red"),
    ]
    probs = _problems(_doc(assets))
    assert "assets[1].power_kw: must be > 0" in probs
    assert "assets[1].energy_kwh: must be > 0" in probs
    assert any(p.startswith(("assets[2].kind", "assets[2]:")) for p in probs)
    assert "assets[3].colour: Extra inputs are not permitted" in probs


def test_unknown_owner_and_duplicate_ids():
    probs = _problems(_doc([grid(0.5), load(1, owner="ghost"), load(2, owner="a")]))
    assert any(p.startswith("assets[1].owner: unknown tenant 'ghost'") for p in probs)
    assert any(p.startswith("assets[2].id: duplicate id 'load'") for p in probs)


def test_gas_asset_needs_gas_section_and_pv_needs_weather():
    probs = _problems(
        _doc(
            [
                grid(0.5),
                {"id": "gb", "kind": "gas_boiler", "heat_kw": 10},
                {"id": "pv", "kind": "pv", "capacity_kwp": 5},
            ]
        )
    )
    want = "assets[1].kind: a gas_boiler burns natural_gas but the park buys no such fuel (fuels: none); add a 'gas'"
    assert any(p.startswith(want) for p in probs), probs
    assert any(p.startswith("assets[2]: PV needs") for p in probs)


def test_fuels_in_their_market_units_and_a_burner_naming_its_fuel():
    """Diesel at 7,500 CNY/t, LHV 42.652 GJ/t (the guideline's default) → 7,500 / 11,847.8 kWh = 0.633 CNY/kWh."""
    doc = _doc([grid(0.5), {"id": "gen", "kind": "chp", "electric_kw": 100, "fuel": "diesel"}])
    doc["fuels"] = {"diesel": {"price_cny_per_t": 7500}}
    park = gp.park_from_dict(doc)
    fuel = park.all_fuels()["diesel"]
    value, factor = fuel.price_per_kwh_factor("diesel")
    assert value * factor == pytest.approx(7500 / (42652 / 3.6))
    assert fuel.co2_per_kwh("diesel") == pytest.approx(0.2613)
    doc["fuels"] = {"biogas": {"price_cny_per_m3": 1.2}}
    probs = _problems(doc)
    assert "fuels.biogas.lhv_kwh_per_m3: needed to convert price_cny_per_m3 to kWh" in probs
    assert any(p.startswith("fuels.biogas: no CO2 factor") for p in probs)
    assert any(p.startswith("assets[1].fuel: a chp burns diesel but the park buys no such fuel") for p in probs)
    doc["fuels"] = {"natural_gas": {"price_cny_per_m3": 3.0}}
    doc["gas"] = {"price_cny_per_kwh": 0.3}
    assert "fuels.natural_gas: natural gas is given twice: as 'gas' and in 'fuels'" in _problems(doc)


def test_bad_series_value_and_cross_field_checks():
    bad_series = load("lots")
    bat = {
        "id": "b",
        "kind": "battery",
        "power_kw": 1,
        "energy_kwh": 1,
        "soc_min_fraction": 0.6,
        "soc_max_fraction": 0.5,
    }
    probs = _problems(_doc([grid(0.5), bad_series, bat]))
    assert "assets[1].power_kw: must be a number, a list of numbers, {file, column} or a calendar {weekday, …}" in probs
    assert "assets[2]: soc_min_fraction must not exceed soc_max_fraction" in probs


def test_bad_time_zone_and_missing_file():
    doc = _doc([grid(0.5), load(1)])
    doc["park"]["timezone"] = "Mars/Olympus"
    assert "park.timezone: unknown time zone 'Mars/Olympus'" in _problems(doc)
    with pytest.raises(gp.ParkValidationError) as info:
        gp.load_park(ROOT / "models" / "nope.yaml")
    assert "park file not found" in str(info.value)


def test_yaml_round_trip_of_reference_park_is_stable():
    raw = yaml.safe_load((MODELS / "reference-park.yaml").read_text())
    park = gp.park_from_dict(raw, base_dir=MODELS)
    again = gp.park_from_dict(park.model_dump(mode="json", exclude={"base_dir"}), base_dir=MODELS)
    assert again == park


def test_committed_schema_is_current():
    committed = (ROOT / "api" / "park.schema.json").read_text()
    assert committed == schema_text(), "api/park.schema.json is stale: run `greenpark schema`"
    schema = json.loads(committed)
    assert schema["additionalProperties"] is False


def test_tiny_park_helper_builds():
    park = tiny_park([grid(0.5), load(1)])
    assert park.tenant_ids == ["a"]


def test_committed_contract_is_current():
    """api/ (OpenAPI, park schema, example requests) is generated from the code: fail when it drifts."""
    from greenpark.cli import contract_files

    files = contract_files(MODELS)
    assert {"park.schema.json", "openapi.json", "examples/reference-park.json"} <= set(files)
    for name, content in files.items():
        path = ROOT / "api" / name
        assert path.exists(), f"api/{name} is missing: run `greenpark schema`"
        assert path.read_text() == content, f"api/{name} is stale: run `greenpark schema`"
    spec = json.loads(files["openapi.json"])
    assert "/v1/solve-jobs" in spec["paths"]
    assert "application/problem+json" in spec["paths"]["/v1/solve-jobs"]["post"]["responses"]["422"]["content"]


def test_runs_already_going_must_fit_their_line_and_precedence():
    job = {"kind": "batch_job", "owner": "a", "profile_kw": [10, 10], "earliest_start": "00:00",
           "latest_end": "23:00", "line": "L1", "running_since_h": 0}  # fmt: skip
    doc = {
        "park": {"name": "p", "latitude": 31.3, "longitude": 120.6},
        "tenants": [{"id": "a"}],
        "assets": [{**job, "id": "j1"}, {**job, "id": "j2", "after": "j1"}],
    }
    with pytest.raises(gp.ParkValidationError) as exc:
        gp.park_from_dict(doc)
    messages = [(p.path, p.message) for p in exc.value.problems]
    assert (
        "assets[1].running_since_h",
        "job 'j2' and job 'j1' are both running at the start on line 'L1'; a line runs one job at a time",
    ) in messages
    assert any("which must end before it starts, is running too" in m for _, m in messages)
    doc["assets"][1].pop("running_since_h")
    gp.park_from_dict(doc)  # one run going, the other to come: fine


def test_peak_billed_above_the_import_limit_and_output_of_a_unit_off_are_input_errors():
    grid = {"id": "g", "kind": "grid", "import_limit_kw": 100, "import_price_cny_per_kwh": 1, "co2_kg_per_kwh": 0}
    doc = {"park": {"name": "p", "latitude": 31.3, "longitude": 120.6},
           "assets": [{**grid, "peak_billed_kw": 120}]}  # fmt: skip
    with pytest.raises(gp.ParkValidationError) as exc:
        gp.park_from_dict(doc)
    assert [p.path for p in exc.value.problems] == ["assets[0].peak_billed_kw"]
    doc["assets"] = [grid, {"id": "hp", "kind": "heat_pump", "heat_kw": 10, "cop": 3,
                            "commitment": {"initial_output_kw": 5}}]  # fmt: skip
    with pytest.raises(gp.ParkValidationError) as exc:
        gp.park_from_dict(doc)
    assert "initially_on" in exc.value.problems[0].message


def test_the_asset_union_is_the_registry_and_error_paths_are_tidy():
    import typing

    from greenpark import kinds

    union = typing.get_args(typing.get_args(gp.spec.Asset)[0])
    assert [k.spec for k in kinds.all_kinds()] == list(union)
    assert kinds.names() == list(kinds.BUILT_IN)
    doc = {"park": {"name": "p", "latitude": 31.3, "longitude": 120.6},
           "assets": [{"id": "b", "kind": "thermal_store", "power_kw": -1, "energy_kwh": 10}]}  # fmt: skip
    with pytest.raises(gp.ParkValidationError) as exc:
        gp.park_from_dict(doc)
    assert [p.path for p in exc.value.problems] == ["assets[0].power_kw"]  # no union tag in the path


@pytest.mark.parametrize("first", ["greenpark.kinds.pv", "greenpark.inputs.series", "greenpark.model.core"])
def test_the_asset_union_holds_every_kind_whichever_module_is_imported_first(first):
    """A module that reads the registry while the built-in kinds are still loading must not freeze a short union."""
    import subprocess
    import sys

    code = (
        f"import {first}\nimport typing\nimport greenpark.spec as s\nfrom greenpark import kinds\n"
        "union = typing.get_args(s.Park.model_fields['assets'].annotation.__args__[0])[0]\n"
        "print(len(typing.get_args(union)), len(kinds.BUILT_IN))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == out[1], out
