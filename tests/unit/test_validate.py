"""``greenpark validate`` runs every check ``solve`` makes before it builds a model (no solver)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import greenpark as gp
from greenpark.cli import app
from greenpark.pipeline import prepare
from tests.conftest import MODELS

pytestmark = pytest.mark.unit
runner = CliRunner()
START = "2026-07-15"


def write_park(folder: Path, power_kw: str, *extra_assets: str) -> Path:
    """A one-tenant park file whose load's ``power_kw`` is the given YAML flow value."""
    path = folder / "park.yaml"
    path.write_text(
        "park: {name: x, latitude: 31.3, longitude: 120.6}\n"
        "tenants: [{id: a}]\n"
        "assets:\n"
        "  - {id: g, kind: grid, import_limit_kw: 1000, import_price_cny_per_kwh: 1, co2_kg_per_kwh: 0.5}\n"
        f"  - {{id: l, kind: electric_load, owner: a, power_kw: {power_kw}}}\n"
        + "".join(f"  - {a}\n" for a in extra_assets)
    )
    return path


def write_loads(folder: Path, values: dict[int, str]) -> None:
    """``loads.csv``: hour h of 15 July 2026 → value (hours not given are left out)."""
    rows = [f"2026-07-15T{h:02d}:00,{v}" for h, v in sorted(values.items())]
    (folder / "loads.csv").write_text("time,kw\n" + "\n".join(rows) + "\n")


def validate(park: Path, horizon: str = "24h", start: str = START):
    return runner.invoke(app, ["validate", str(park), "--start", start, "--horizon", horizon])


def invalid(r, *expected: str) -> None:
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    for text in expected:
        assert text in r.output, r.output


def test_accepts_the_reference_park():
    r = validate(MODELS / "reference-park.yaml")
    assert r.exit_code == 0, r.output
    assert "valid" in r.output
    assert "2026-07-15 00:00 to 2026-07-16 00:00" in r.output
    assert "24 steps of 1h" in r.output


def test_rejects_a_csv_with_a_gap(tmp_path):
    write_loads(tmp_path, {h: "50" for h in range(24) if h != 7})
    invalid(validate(write_park(tmp_path, "{file: loads.csv, column: kw}")), "1 missing hours from 2026-07-15 07:00")


def test_rejects_a_nan(tmp_path):
    write_loads(tmp_path, {h: "" if h == 5 else "50" for h in range(24)})
    invalid(
        validate(write_park(tmp_path, "{file: loads.csv, column: kw}")),
        "column 'kw'",
        "1 missing values (NaN) from 2026-07-15 05:00",
    )


def test_rejects_a_negative_load(tmp_path):
    write_loads(tmp_path, {h: "-5" if h >= 20 else "50" for h in range(24)})
    invalid(
        validate(write_park(tmp_path, "{file: loads.csv, column: kw}")),
        "(assets[1].power_kw)",
        "4 negative values from 2026-07-15 20:00",
    )


def test_rejects_an_inline_list_that_fits_no_horizon(tmp_path):
    park = write_park(tmp_path, "[" + ", ".join(["50"] * 30) + "]")
    invalid(validate(park, "48h"), "assets[1].power_kw: has 30 values, the horizon has 48 steps")
    # the same list is right for a 30 h horizon
    assert validate(park, "30h").exit_code == 0


def test_rejects_an_impossible_batch_window(tmp_path):
    job = (
        '{id: kiln, kind: batch_job, owner: a, profile_kw: [100, 100, 100, 100], earliest_start: "08:00", '
        'latest_end: "10:00"}'
    )
    invalid(validate(write_park(tmp_path, "50", job)), "assets[2]: job 'kiln': window", "shorter than 1 run(s) of 4 h")


def test_lists_series_and_requirement_problems_together(tmp_path):
    job = (
        '{id: kiln, kind: batch_job, owner: a, profile_kw: [100, 100, 100, 100], earliest_start: "08:00", '
        'latest_end: "10:00"}'
    )
    park = write_park(tmp_path, "[50, 50, 50]", job)
    with pytest.raises(gp.ParkValidationError) as caught:
        prepare(park, start=START, horizon="24h")
    assert {p.path for p in caught.value.problems} == {"assets[1].power_kw", "assets[2]"}


def test_rejects_a_bad_start_and_horizon_together(tmp_path):
    invalid(validate(write_park(tmp_path, "50"), horizon="soon", start="2026-13-01"), "start: ", "horizon: ")


def test_solve_rejects_what_validate_rejects_before_any_model(tmp_path):
    park = write_park(tmp_path, "[" + ", ".join(["50"] * 30) + "]")
    with pytest.raises(gp.ParkValidationError, match="has 30 values, the horizon has 48 steps"):
        gp.solve(park, start=START, horizon="48h")


def test_prepare_returns_the_resolved_inputs():
    inputs = prepare(MODELS / "quick-park.yaml", start=START, horizon="24h")
    assert inputs.n_steps == 24
    assert str(inputs.index[0]) == "2026-07-15 00:00:00+08:00"
    pv = inputs.park.assets_of_kind("pv")[0]
    assert inputs.get(pv.id, "available_kw").max() > 0  # PV from the weather (pvlib)
