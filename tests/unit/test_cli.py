"""CLI: exit codes and error listings (no traceback)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from greenpark.cli import app
from tests.conftest import MODELS

runner = CliRunner()


@pytest.mark.unit
def test_validate_ok_and_bad_file(tmp_path):
    assert runner.invoke(app, ["validate", str(MODELS / "quick-park.yaml")]).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "park: {name: x, latitude: 31, longitude: 120}\n"
        "tenants: [{id: a}]\n"
        "assets:\n"
        "  - {id: g, kind: grid, import_limit_kw: 10, import_price_cny_per_kwh: 1, co2_kg_per_kwh: 0.5}\n"
        "  - {id: b, kind: battery, owner: zz, power_kw: 0, energy_kwh: 1}\n"
    )
    r = runner.invoke(app, ["validate", str(bad)])
    assert r.exit_code == 2
    assert "assets[1].power_kw: must be > 0" in r.output
    assert "assets[1].owner: unknown tenant 'zz'" in r.output
    assert "Traceback" not in r.output


@pytest.mark.unit
def test_solve_with_missing_dataset_exits_2_listing_the_file(tmp_path):
    park = tmp_path / "p.yaml"
    park.write_text(
        "park: {name: x, latitude: 31, longitude: 120}\n"
        "tenants: [{id: a}]\n"
        "assets:\n"
        "  - {id: g, kind: grid, import_limit_kw: 10, import_price_cny_per_kwh: 1, co2_kg_per_kwh: 0.5}\n"
        "  - {id: l, kind: electric_load, owner: a, power_kw: {file: loads.csv, column: x}}\n"
    )
    r = subprocess.run(
        [sys.executable, "-m", "greenpark.cli", "solve", str(park), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 2, r.stderr
    assert "loads.csv: dataset file not found" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert not (tmp_path / "o").exists()


def _solve_quick(out, *extra: str):
    args = ["solve", str(MODELS / "quick-park.yaml"), "--start", "2026-07-15", "--horizon", "24h"]
    return runner.invoke(app, [*args, "--out", str(out), "-q", *extra])


@pytest.mark.integration
def test_solve_writes_results_and_exit_codes(tmp_path):
    out = tmp_path / "o"
    r = _solve_quick(out)
    assert r.exit_code == 0, r.output
    summary = json.loads((out / "summary.json").read_text())
    for key in ("status", "termination", "objective_cny", "costs_cny", "co2_t", "highs_run_time_s", "mip_gap", "kpis"):
        assert key in summary
    assert summary["status"] == "optimal"
    assert (out / "dispatch.csv").exists()
    assert (out / "highs.log").read_text()
    # an impossible carbon cap: infeasible, exit 3, summary still written
    r = _solve_quick(out, "--carbon-cap-t", "0")
    assert r.exit_code == 3
    assert json.loads((out / "summary.json").read_text())["status"] == "infeasible"
    # time limit without a solution: exit 4
    r = _solve_quick(tmp_path / "t", "--time-limit", "0.000001", "--no-presolve")
    assert r.exit_code == 4
    assert json.loads((tmp_path / "t" / "summary.json").read_text())["status"] == "time_limit"
    r = _solve_quick(out, "--horizon", "soon")
    assert r.exit_code == 2
    assert "horizon" in r.output
