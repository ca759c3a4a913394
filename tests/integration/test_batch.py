"""Nightly batches: complete outputs and manifest, resume, crash and resume, Dask, bad runs, forecasts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from greenpark.batch import plan_batch, run_batch
from tests.conftest import MODELS, ROOT

pytestmark = pytest.mark.integration
DATE = "2026-07-15"


def _batch(tmp_path: Path, parks: list, scenarios: list, horizon: str = "24h") -> Path:
    doc = {"name": "test", "date": DATE, "horizon": horizon, "out": str(tmp_path / "out"), "parks": parks,
           "scenarios": scenarios, "options": {"time_limit_s": 60}}  # fmt: skip
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


SCENARIOS = [
    {"name": "base"},
    {"name": "carbon-200", "overrides": {"carbon.price_cny_per_t": 200}},
    {"name": "no-export", "overrides": {"assets[grid].export_limit_kw": 0}},
]
PARKS = [{"park": str(MODELS / "quick-park.yaml")}, {"park": str(MODELS / "reference-park.yaml")}]


def test_batch_outputs_manifest_and_resume(tmp_path):
    path = _batch(tmp_path, PARKS, SCENARIOS)
    plan = plan_batch(path)
    assert len(plan.runs) == 6
    result = run_batch(plan, jobs=2)
    assert not result.failed
    manifest = json.loads((tmp_path / "out" / DATE / "manifest.json").read_text())
    assert set(manifest["runs"]) == {r.run_id for r in plan.runs}
    assert manifest["versions"]["greenpark"]
    for run_id, rec in manifest["runs"].items():
        folder = tmp_path / "out" / run_id
        assert (folder / "summary.json").exists()
        assert json.loads((folder / "run.json").read_text())["input_hash"] == rec["input_hash"]
        for key in ("status", "termination", "objective_cny", "mip_gap", "wall_s", "inputs", "options"):
            assert key in rec
        assert rec["inputs"]["weather"] == "typical-year dataset"
    # the scenario changed what it should
    q = manifest["runs"][f"{DATE}/quick-park/carbon-200"]["objective_cny"]
    assert q > manifest["runs"][f"{DATE}/quick-park/base"]["objective_cny"]
    # resume: nothing is solved again
    again = run_batch(plan_batch(path), resume=True, jobs=2)
    assert all(r.get("resumed") for r in again.records)
    assert len(again.records) == 6
    # re-running the same night gives identical values
    rerun = run_batch(plan_batch(path), resume=False, jobs=1)
    before = {r["run_id"]: r["objective_cny"] for r in result.records}
    assert {r["run_id"]: r["objective_cny"] for r in rerun.records} == before
    d1 = pd.read_csv(tmp_path / "out" / DATE / "reference-park" / "base" / "dispatch.csv", index_col=0)
    assert d1.shape[0] == 24


def test_bad_runs_are_listed_before_solving_and_the_valid_runs_still_go(tmp_path):
    parks = [*PARKS, {"park": "no-such-park"}]
    scenarios = [*SCENARIOS[:1], {"name": "typo", "overrides": {"carbon.price_cny_per_tt": 1}},
                 {"name": "ghost", "overrides": {"assets[ghost].power_kw": 1}},
                 {"name": "broken", "overrides": {"assets[grid].import_limit_kw": -5}}]  # fmt: skip
    plan = plan_batch(_batch(tmp_path, parks, scenarios))
    bad = {r.run_id: r.problems for r in plan.runs if r.problems}
    assert any("unknown park 'no-such-park'" in p for p in bad[f"{DATE}/no-such-park/base"])
    assert any("carbon.price_cny_per_tt: Extra inputs are not permitted" in p for p in bad[f"{DATE}/quick-park/typo"])
    assert any("no asset with id 'ghost'" in p for p in bad[f"{DATE}/quick-park/ghost"])
    assert any("import_limit_kw: must be > 0" in p for p in bad[f"{DATE}/reference-park/broken"])
    result = run_batch(plan, jobs=1)
    ok = {r["run_id"] for r in result.records if r["status"] == "optimal"}
    assert ok == {f"{DATE}/quick-park/base", f"{DATE}/reference-park/base"}
    assert {r["status"] for r in result.failed} == {"invalid"}
    r = subprocess.run([sys.executable, "-m", "greenpark.cli", "batch", str(tmp_path / "batch.yaml"), "-q"],
                       capture_output=True, text=True, check=False)  # fmt: skip
    assert r.returncode == 1
    assert "invalid run 2026-07-15/no-such-park/base" in r.stderr


def test_forecasts_latest_file_stale_or_missing(tmp_path):
    fc = tmp_path / "forecasts"
    fc.mkdir()
    idx = pd.date_range(f"{DATE} 00:00", periods=24, freq="1h")
    (fc / "loads-old.csv").write_text(pd.DataFrame({"time": idx.strftime("%Y-%m-%dT%H:%M"), "food-power": 10.0,
                                                    "food-heat": 5.0}).to_csv(index=False))  # fmt: skip
    old = time.time() - 3600 * 5
    os.utime(fc / "loads-old.csv", (old, old))
    (fc / "loads-new.csv").write_text(pd.DataFrame({"time": idx.strftime("%Y-%m-%dT%H:%M"), "food-power": 200.0,
                                                    "food-heat": 100.0}).to_csv(index=False))  # fmt: skip
    parks = [
        {"park": str(MODELS / "quick-park.yaml"), "forecast": {"loads": {"dir": str(fc), "pattern": "loads-*.csv",
                                                                        "max_age_h": 2}}},
        {"park": str(MODELS / "reference-park.yaml"), "forecast": {"weather": {"dir": str(fc / "none"),
                                                                              "pattern": "w-*.csv"}}},
    ]  # fmt: skip
    plan = plan_batch(_batch(tmp_path, parks, SCENARIOS[:1]))
    quick = next(r for r in plan.runs if r.park == "quick-park")
    ref = next(r for r in plan.runs if r.park == "reference-park")
    assert quick.inputs_note["loads"].startswith(f"forecast {fc / 'loads-new.csv'}")
    assert any("weather forecast: no file matching 'w-*.csv'" in p for p in ref.problems)
    result = run_batch(plan)
    by = {r["run_id"]: r for r in result.records}
    assert by[f"{DATE}/quick-park/base"]["status"] == "optimal"
    assert by[f"{DATE}/reference-park/base"]["status"] == "invalid"
    d = pd.read_csv(tmp_path / "out" / DATE / "quick-park" / "base" / "balances.csv", header=[0, 1, 2], index_col=0)
    assert d[("electricity", "food", "demand")].tolist() == pytest.approx([-200.0] * 24)
    # stale: every file older than its limit
    os.utime(fc / "loads-new.csv", (old, old))
    plan = plan_batch(_batch(tmp_path, parks[:1], SCENARIOS[:1]))
    assert any("is 5 h old (max 2 h)" in p for p in plan.runs[0].problems)


def test_kill_mid_batch_then_resume_completes_every_run_once(tmp_path):
    scenarios = [{"name": f"price-{p}", "overrides": {"carbon.price_cny_per_t": p}} for p in range(0, 400, 50)]
    path = _batch(tmp_path, [{"park": str(MODELS / "reference-park.yaml")}], scenarios, horizon="168h")
    cmd = [sys.executable, "-m", "greenpark.cli", "batch", str(path), "-q", "--jobs", "1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True)
    manifest = tmp_path / "out" / DATE / "manifest.json"
    deadline = time.time() + 60
    while time.time() < deadline:
        if manifest.exists() and len(json.loads(manifest.read_text())["runs"]) >= 2:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(json.loads(manifest.read_text())["runs"])
    assert 2 <= done_before < 8
    r = subprocess.run([*cmd, "--resume"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    final = json.loads(manifest.read_text())["runs"]
    assert len(final) == 8
    assert sum(1 for rec in final.values() if rec.get("resumed")) >= done_before
    folders = sorted(p.name for p in (tmp_path / "out" / DATE / "reference-park").iterdir())
    assert folders == sorted(s["name"] for s in scenarios)  # no leftovers, no duplicates
    for name in folders:
        assert (tmp_path / "out" / DATE / "reference-park" / name / "summary.json").exists()


def test_dask_local_cluster_gives_identical_results(tmp_path):
    path = _batch(tmp_path, PARKS[:1], SCENARIOS)
    local = run_batch(plan_batch(path, out=tmp_path / "local"), jobs=1)
    dask = run_batch(plan_batch(path, out=tmp_path / "dask"), jobs=2, executor="dask")
    assert not dask.failed
    a = {r["run_id"]: r["objective_cny"] for r in local.records}
    b = {r["run_id"]: r["objective_cny"] for r in dask.records}
    assert a == b
    for run_id in a:
        pd.testing.assert_frame_equal(
            pd.read_csv(tmp_path / "local" / run_id / "dispatch.csv", index_col=0),
            pd.read_csv(tmp_path / "dask" / run_id / "dispatch.csv", index_col=0),
        )


def test_json_lines_log_for_cron(tmp_path):
    path = _batch(tmp_path, PARKS[:1], SCENARIOS[:2])
    log = tmp_path / "night.jsonl"
    cmd = [sys.executable, "-m", "greenpark.cli", "batch", str(path), "-q", "--log-json", str(log)]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""  # quiet
    events = [json.loads(line) for line in log.read_text().splitlines()]
    done = [e for e in events if e["event"] == "done"]
    assert {e["run_id"] for e in done} == {f"{DATE}/quick-park/base", f"{DATE}/quick-park/carbon-200"}
    assert all(e["status"] == "optimal" and "time" in e for e in done)
