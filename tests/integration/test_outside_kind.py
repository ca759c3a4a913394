"""A kind defined outside greenpark joins through the public API, or through an entry point.

Registering changes the park schema, so each test runs in a process of its own
(the ``api/`` drift test keeps seeing the built-in kinds only).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

HERE = Path(__file__).resolve().parent.parent / "outside_kind"

PARK = {
    "park": {"name": "hydro valley", "latitude": 27.0, "longitude": 119.0},
    "tenants": [{"id": "mill"}],
    "assets": [
        {"id": "grid", "kind": "grid", "import_limit_kw": 500, "import_price_cny_per_kwh": 0.8,
         "co2_kg_per_kwh": 0.58},
        {"id": "river", "kind": "small_hydro", "turbine_kw": 80, "pond_kwh": 200, "pond_initial_kwh": 0,
         "inflow_kw": 50},
        {"id": "mill_load", "kind": "electric_load", "owner": "mill", "power_kw": 100},
    ],
}  # fmt: skip


def run(code: str, extra_path: Path, tmp_path: Path) -> str:
    """Run ``code`` in a fresh interpreter with ``extra_path`` importable; its stdout."""
    env_path = f"{extra_path}"
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


CHECKS = f"""
    import json
    import greenpark as gp
    from greenpark import kinds
    from greenpark.report import render_html
    from greenpark.simulate import simulate

    doc = {PARK!r}
    park = gp.park_from_dict(doc)                                     # validates
    assert type(park.assets[1]).__name__ == "SmallHydro"
    schema = gp.park_json_schema()                                    # appears in the JSON Schema
    assert "SmallHydro" in schema["$defs"], list(schema["$defs"])
    bad = dict(doc, assets=[*doc["assets"][:1], dict(doc["assets"][1], inflow_kw=-5), doc["assets"][2]])
    try:
        gp.solve(gp.park_from_dict(bad), start="2026-07-15", horizon="24h")
        raise AssertionError("a negative inflow passed")
    except gp.ParkValidationError as exc:                             # the kind's sign rule holds
        assert exc.problems[0].path == "assets[1].inflow_kw", exc.problems

    s = gp.solve(park, start="2026-07-15", horizon="24h").raise_for_status()  # solves
    hydro = s.values("small_hydro", "output_kw")["river"]
    # 50 kW arrives every hour and the mill uses 100 kW: all water is used, the rest is bought
    assert abs(hydro.sum() - 50 * 24) < 1e-6, hydro.sum()
    assert abs(s.kpis["hydro_generation_kwh"] - 1200) < 1e-6
    assert abs(s.kpis["grid_import_kwh"] - (100 - 50) * 24) < 1e-6
    assert abs(s.kpis["renewable_share"] - 0.5) < 1e-9                # counts as renewable (its role)
    html = render_html(s, lang="zh")                                  # the report names it
    assert ("小水电" in html or json.dumps("小水电")[1:-1] in html) and "#2e86c1" in html, "no hydro legend"
    # a rolling horizon carries its pond: with no load the pond fills and the next day starts full
    idle = dict(doc, assets=[*doc["assets"][:2], dict(doc["assets"][2], power_kw=0)])
    sim = simulate(gp.park_from_dict(idle), "2026-07-15", "2026-07-17", window="24h", horizon="24h")
    assert abs(sim.states[0]["river.pond_kwh"] - 200) < 1e-6, sim.states[0]
    pond = sim.dispatch["small_hydro[river].pond_kwh"]
    assert abs(pond.iloc[24] - 200) < 1e-6, pond.iloc[22:26]  # starts full (without the carry-over: 50)
    print("ok", kinds.names()[-1])
"""


def test_a_kind_registered_through_the_api_validates_solves_and_reports(tmp_path):
    code = "import small_hydro\nfrom greenpark import kinds\nkinds.register(small_hydro.KIND)\n" + textwrap.dedent(
        CHECKS
    )
    assert run(code, HERE, tmp_path).strip() == "ok small_hydro"


def test_an_installed_package_adds_a_kind_through_its_entry_point(tmp_path):
    site = tmp_path / "site"
    dist = site / "gp_small_hydro-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: gp-small-hydro\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[greenpark.kinds]\nsmall_hydro = small_hydro:KIND\n")
    (site / "small_hydro.py").write_text((HERE / "small_hydro.py").read_text())
    assert run(textwrap.dedent(CHECKS), site, tmp_path).strip() == "ok small_hydro"


def test_the_built_in_schema_is_untouched_in_this_process():
    import greenpark as gp
    from greenpark import kinds

    assert "small_hydro" not in kinds.names()
    assert "SmallHydro" not in gp.park_json_schema()["$defs"]
