"""Nightly batch runs: many parks × scenarios, resumable, on a process pool or a Dask cluster.

A batch file (YAML, see ``models/batches/nightly.yaml``)::

    name: nightly
    date: tomorrow              # or YYYY-MM-DD; `--date` overrides; "tomorrow" is per park time zone
    start: "00:00"              # local time on the run date
    horizon: 48h
    out: ../../results/batches  # relative to the batch file
    options: {time_limit_s: 60, mip_rel_gap: 0.005}
    parks:
      - park: reference-park    # models/<name>.yaml, or a path relative to the batch file
        forecast:               # optional: latest file in a folder, rejected when older than max_age_h
          weather: {dir: ../../forecasts/reference-park, pattern: "weather-*.csv", max_age_h: 36}
          pv: {dir: ..., pattern: "pv-*.csv"}          # columns named by PV asset id [kW]
          loads: {dir: ..., pattern: "loads-*.csv"}    # columns named by load asset id [kW]
    scenarios:
      - name: base
      - name: carbon-100
        overrides: {carbon.price_cny_per_t: 100}
      - name: fab-shutdown
        parks: [reference-park]                      # optional: the parks it applies to
        overrides: {"assets[fab-power].power_kw": 800, "tenants[fab].carbon_cap_t": 100}

Overrides address any park field by a dotted path; ``name[id]`` picks the list
item with that id (``assets[fab-power]``), ``name[3]`` by position. Relative
``file`` paths in overrides resolve against the batch file's folder.

Outputs: ``OUT/<date>/<park>/<scenario>/`` (the schedule folder plus ``run.json``),
each written under a temporary name and renamed into place, and
``OUT/<date>/manifest.json`` (input hashes, versions, options, and per run its
status, termination, objective, gap, times and error). ``--resume`` skips runs
whose folder holds a finished result for the same input hash.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import multiprocessing as mp
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from greenpark import __version__
from greenpark import kinds as asset_kinds
from greenpark.errors import ParkValidationError, Problem
from greenpark.results import json_value
from greenpark.spec import park_from_dict

OK_STATUSES = ("optimal", "feasible")
SOLVED_STATUSES = ("optimal", "feasible", "infeasible", "unbounded", "time_limit")


@dataclass
class RunSpec:
    """One (date, park, scenario) run, fully resolved and picklable."""

    run_id: str
    date: str
    park: str
    scenario: str
    start: str
    horizon: str
    park_doc: dict
    base_dir: str
    options: dict
    out_dir: str
    input_hash: str = ""
    inputs_note: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass
class BatchPlan:
    name: str
    date_label: str
    out_root: Path
    runs: list[RunSpec]
    options: dict


# ----------------------------------------------------------------------------- planning
def plan_batch(path: str | Path, date: str | None = None, out: str | Path | None = None) -> BatchPlan:
    """Read a batch file and resolve every run (overrides, forecasts, hashes) without solving.

    Raises :class:`ParkValidationError` only for a bad batch file; a bad run is
    kept with its ``problems`` so the valid runs still go.
    """
    path = Path(path)
    if not path.is_file():
        raise ParkValidationError([Problem(str(path), "batch file not found")])
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParkValidationError([Problem(str(path), f"not valid YAML: {exc}")]) from None
    problems = _check_batch_doc(doc)
    if problems:
        raise ParkValidationError(problems, str(path))
    base = path.resolve().parent
    models_dir = base.parent if base.name == "batches" else base
    out_root = Path(out) if out is not None else (base / doc.get("out", "results/batches"))
    options = dict(doc.get("options") or {})
    horizon = str(doc.get("horizon", "48h"))
    start_time = str(doc.get("start", "00:00"))
    scenarios = doc.get("scenarios") or [{"name": "base"}]
    runs: list[RunSpec] = []
    labels = set()
    for p in doc["parks"]:
        park_name, _, park_doc, base_dir, park_problem = _load_park_doc(p, models_dir, base)
        tz = (park_doc or {}).get("park", {}).get("timezone", "Asia/Shanghai") if park_doc else "Asia/Shanghai"
        run_date = _run_date(date or doc.get("date", "tomorrow"), tz)
        labels.add(run_date)
        forecast_doc, inputs_note, forecast_problem = (None, {}, None)
        if park_doc is not None:
            forecast_doc, inputs_note, forecast_problem = _apply_forecasts(park_doc, p.get("forecast"), base)
        for sc in scenarios:
            if sc.get("parks") and park_name not in sc["parks"]:
                continue
            run = RunSpec(
                run_id=f"{run_date}/{park_name}/{sc['name']}",
                date=run_date,
                park=park_name,
                scenario=sc["name"],
                start=f"{run_date} {start_time}",
                horizon=horizon,
                park_doc={},
                base_dir=str(base_dir),
                options=options,
                out_dir=str(out_root / run_date / park_name / sc["name"]),
                inputs_note=inputs_note,
            )
            if park_problem:
                run.problems.append(park_problem)
            elif forecast_problem:
                run.problems.append(forecast_problem)
            else:
                try:
                    run.park_doc = apply_overrides(forecast_doc, sc.get("overrides") or {}, base)
                except ValueError as exc:
                    run.problems.append(f"scenario {sc['name']!r}: {exc}")
            if not run.problems:
                run.problems += _check_run(run)
            if not run.problems:
                run.input_hash = input_hash(run)
            runs.append(run)
    label = sorted(labels)[0] if len(labels) == 1 else "+".join(sorted(labels))
    return BatchPlan(str(doc.get("name", path.stem)), label, out_root, runs, options)


def _check_batch_doc(doc: Any) -> list[Problem]:
    if not isinstance(doc, dict):
        return [Problem("", "a batch file is a mapping with 'parks' and 'scenarios'")]
    problems = []
    allowed = {"name", "date", "start", "horizon", "out", "options", "parks", "scenarios"}
    for key in doc:
        if key not in allowed:
            problems.append(Problem(str(key), f"unknown field (allowed: {', '.join(sorted(allowed))})"))
    if not isinstance(doc.get("parks"), list) or not doc["parks"]:
        problems.append(Problem("parks", "must list at least one park"))
    for i, sc in enumerate(doc.get("scenarios") or []):
        if not isinstance(sc, dict) or "name" not in sc:
            problems.append(Problem(f"scenarios[{i}]", "needs a name"))
        elif not re.match(r"^[A-Za-z0-9_.\-]+$", str(sc["name"])):
            problems.append(Problem(f"scenarios[{i}].name", "letters, digits, '-', '_' and '.' only"))
    return problems


def _load_park_doc(entry: Any, models_dir: Path, base: Path):
    ref = entry.get("park") if isinstance(entry, dict) else entry
    name = str(ref)
    candidates = [models_dir / f"{ref}.yaml", base / str(ref), models_dir / str(ref)]
    path = next((c for c in candidates if c.is_file()), None)
    if path is None:
        return Path(name).stem, None, None, base, f"unknown park {name!r} (no {models_dir / (name + '.yaml')})"
    try:
        park_doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return path.stem, path, None, path.parent, f"park file {path}: not valid YAML: {exc}"
    return path.stem, path, park_doc, path.resolve().parent, None


def _run_date(value: str, tz: str) -> str:
    if str(value) == "tomorrow":
        return (pd.Timestamp.now(tz=tz) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    if str(value) == "today":
        return pd.Timestamp.now(tz=tz).strftime("%Y-%m-%d")
    return pd.Timestamp(str(value)).strftime("%Y-%m-%d")


_SELECTOR = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(\[(?P<key>[^\]]+)\])?$")


def apply_overrides(park_doc: dict, overrides: dict, base: Path) -> dict:
    """A copy of ``park_doc`` with each dotted-path override set (see the module docstring)."""
    doc = copy.deepcopy(park_doc)
    for dotted, value in overrides.items():
        parts = str(dotted).split(".")
        node: Any = doc
        for depth, part in enumerate(parts):
            m = _SELECTOR.match(part)
            if m is None:
                raise ValueError(f"override {dotted!r}: cannot read {part!r}")
            name, key = m.group("name"), m.group("key")
            last = depth == len(parts) - 1
            if key is None:
                if last:
                    if name == "file" and isinstance(value, str) and not Path(value).is_absolute():
                        value = str((base / value).resolve())
                    node[name] = value
                else:
                    if not isinstance(node.get(name), dict):
                        node[name] = {} if node.get(name) is None else node[name]
                    if not isinstance(node[name], dict):
                        raise ValueError(f"override {dotted!r}: {name!r} is not a section")
                    node = node[name]
                continue
            items = node.get(name)
            if not isinstance(items, list):
                raise ValueError(f"override {dotted!r}: the park has no list {name!r}")
            if key.isdigit():
                idx = int(key)
                if idx >= len(items):
                    raise ValueError(f"override {dotted!r}: {name} has {len(items)} items")
                target = items[idx]
            else:
                target = next((it for it in items if isinstance(it, dict) and it.get("id") == key), None)
                if target is None:
                    raise ValueError(f"override {dotted!r}: no {name.rstrip('s')} with id {key!r}")
            if last:
                raise ValueError(f"override {dotted!r}: name a field of {name}[{key}]")
            node = target
    return doc


def _latest(spec: dict, base: Path, what: str, park_doc: dict) -> tuple[Path | None, str | None]:
    folder = (base / spec["dir"]).resolve()
    pattern = spec.get("pattern", "*.csv")
    files = sorted(folder.glob(pattern), key=lambda p: (p.stat().st_mtime, p.name)) if folder.is_dir() else []
    if not files:
        return None, f"{what} forecast: no file matching {pattern!r} in {folder}"
    latest = files[-1]
    age_h = (time.time() - latest.stat().st_mtime) / 3600.0
    max_age = spec.get("max_age_h")
    if max_age is not None and age_h > float(max_age):
        return None, f"{what} forecast: the latest file {latest.name} is {age_h:.0f} h old (max {max_age} h)"
    return latest, None


def _apply_forecasts(park_doc: dict, forecast: dict | None, base: Path) -> tuple[dict, dict, str | None]:
    """Point the park at the latest forecast files; notes say which inputs each run used."""
    doc = copy.deepcopy(park_doc)
    notes = {"weather": "typical-year dataset", "pv": "from weather (pvlib)", "loads": "typical-year dataset"}
    if not forecast:
        return doc, notes, None
    for what, spec in forecast.items():
        latest, problem = _latest(spec, base, what, doc)
        if problem:
            return doc, notes, problem
        mtime = pd.Timestamp(latest.stat().st_mtime, unit="s", tz="UTC").isoformat()
        notes[what] = f"forecast {latest} (modified {mtime})"
        if what == "weather":
            doc["weather"] = {"file": str(latest)}
        else:
            columns = set(pd.read_csv(latest, nrows=0, comment="#").columns)
            # each kind names the forecast feed that replaces one of its series (Kind.forecast)
            fields = {k.name: k.forecast[1] for k in asset_kinds.all_kinds() if k.forecast and k.forecast[0] == what}
            for a in doc.get("assets", []):
                if a.get("kind") in fields and a.get("id") in columns:
                    a[fields[a["kind"]]] = {"file": str(latest), "column": a["id"]}
    return doc, notes, None


def _check_run(run: RunSpec) -> list[str]:
    """Every check a solve of this run makes before its model (:func:`greenpark.pipeline.prepare`)."""
    from greenpark.pipeline import prepare

    try:
        prepare(park_from_dict(run.park_doc, base_dir=run.base_dir), run.start, run.horizon)
    except ParkValidationError as exc:
        return [str(p) for p in exc.problems]
    return []


def _referenced_files(node: Any, base: Path) -> list[Path]:
    out: list[Path] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "file" and isinstance(v, str):
                out.append((base / v).resolve())
            else:
                out += _referenced_files(v, base)
    elif isinstance(node, list):
        for v in node:
            out += _referenced_files(v, base)
    return out


def input_hash(run: RunSpec) -> str:
    """SHA-256 over the resolved park document, every file it reads, the horizon, options and version."""
    h = hashlib.sha256()
    h.update(json.dumps(run.park_doc, sort_keys=True, default=str).encode())
    h.update(json.dumps([run.start, run.horizon, run.options, __version__], sort_keys=True).encode())
    for f in sorted(set(_referenced_files(run.park_doc, Path(run.base_dir)))):
        h.update(str(f.name).encode())
        with contextlib.suppress(OSError):
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


# ----------------------------------------------------------------------------- running
def run_one(spec: RunSpec) -> dict:
    """Solve one run and write its folder atomically. Never raises: the record says what happened."""
    t0 = time.perf_counter()
    record: dict[str, Any] = {
        "run_id": spec.run_id,
        "park": spec.park,
        "scenario": spec.scenario,
        "date": spec.date,
        "start": spec.start,
        "horizon": spec.horizon,
        "input_hash": spec.input_hash,
        "inputs": spec.inputs_note,
        "options": spec.options,
        "worker_pid": os.getpid(),
    }
    if spec.problems:
        record.update({"status": "invalid", "error": "; ".join(spec.problems), "wall_s": 0.0})
        return record
    try:
        from greenpark.pipeline import solve
        from greenpark.solve import SolveOptions

        park = park_from_dict(spec.park_doc, base_dir=spec.base_dir)
        opts = SolveOptions(**{k: v for k, v in spec.options.items() if k in SolveOptions.__dataclass_fields__})
        s = solve(park, start=spec.start, horizon=spec.horizon, options=opts, build_pyomo=False, compare_bau=True)
        record.update(
            {
                "status": s.status.value,
                "termination": s.termination,
                "message": s.message,
                "objective_cny": s.objective_cny,
                "mip_gap": s.mip_gap,
                "co2_t": float(s.emissions_t["total_t"].sum()) if s.ok else None,
                "highs_s": s.highs_run_time_s,
                "timings_s": s.timings_s,
            }
        )
        record["wall_s"] = time.perf_counter() - t0
        _write_atomically(Path(spec.out_dir), s, record)
    except Exception as exc:  # a crash of one run fails only that run
        record.update({"status": "failed", "error": f"{type(exc).__name__}: {exc}", "wall_s": time.perf_counter() - t0})
    return record


def _write_atomically(final: Path, schedule, record: dict) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{final.name}.tmp-{uuid.uuid4().hex[:8]}"
    schedule.to_folder(tmp)
    (tmp / "run.json").write_text(json.dumps(record, indent=2, default=json_value) + "\n")
    from greenpark.report import render_html, write_plotlyjs

    write_plotlyjs(final.parent.parent)  # one copy per night: OUT/<date>/plotly.min.js
    (tmp / "report.html").write_text(render_html(schedule, plotly_src="../../plotly.min.js"), encoding="utf-8")
    old = None
    if final.exists():
        old = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def finished_record(spec: RunSpec) -> dict | None:
    """The stored record of a run whose outputs match its input hash, or None."""
    path = Path(spec.out_dir) / "run.json"
    if not spec.input_hash or not path.exists():
        return None
    try:
        rec = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if rec.get("input_hash") == spec.input_hash and rec.get("status") in SOLVED_STATUSES:
        return rec
    return None


def clean_partial(out_root: Path) -> int:
    """Remove half-written folders left by a killed run; returns how many."""
    n = 0
    if out_root.exists():
        for p in out_root.rglob(".*.tmp-*"):
            shutil.rmtree(p, ignore_errors=True)
            n += 1
        for p in out_root.rglob(".*.old-*"):
            shutil.rmtree(p, ignore_errors=True)
    return n


def package_versions() -> dict[str, str]:
    out = {"greenpark": __version__}
    for name in ("pyomo", "highspy", "pandas", "numpy", "pvlib", "pydantic", "dask", "distributed"):
        with contextlib.suppress(PackageNotFoundError):
            out[name] = version(name)
    return out


def write_manifest(path: Path, manifest: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.write_text(json.dumps(manifest, indent=2, default=json_value) + "\n")
    os.replace(tmp, path)


@dataclass
class BatchResult:
    manifest: dict
    records: list[dict]

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.records if r.get("status") not in OK_STATUSES]


def run_batch(
    plan: BatchPlan,
    *,
    resume: bool = False,
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    on_event: Callable[[str, dict], None] | None = None,
) -> BatchResult:
    """Run every planned run; the manifest is rewritten atomically as each finishes."""
    emit = on_event or (lambda _e, _r: None)
    day_dir = plan.out_root / plan.date_label
    clean_partial(plan.out_root)
    manifest_path = day_dir / "manifest.json"
    manifest = {
        "batch": plan.name,
        "date": plan.date_label,
        "started": pd.Timestamp.now(tz="UTC").isoformat(),
        "versions": package_versions(),
        "options": plan.options,
        "executor": executor,
        "runs": {},
    }
    records: list[dict] = []
    todo: list[RunSpec] = []
    for spec in plan.runs:
        done = finished_record(spec) if resume else None
        if done is not None:
            done = {**done, "resumed": True}
            records.append(done)
            manifest["runs"][spec.run_id] = done
            emit("skipped", done)
        elif spec.problems:
            rec = run_one(spec)
            records.append(rec)
            manifest["runs"][spec.run_id] = rec
            emit("invalid", rec)
        else:
            todo.append(spec)
    write_manifest(manifest_path, manifest)
    for spec in todo:
        emit("queued", {"run_id": spec.run_id})
    for rec in _execute(todo, jobs, executor, scheduler, emit):
        records.append(rec)
        manifest["runs"][rec["run_id"]] = rec
        write_manifest(manifest_path, manifest)
        emit("done", rec)
    manifest["finished"] = pd.Timestamp.now(tz="UTC").isoformat()
    write_manifest(manifest_path, manifest)
    from greenpark.report import batch_overview

    batch_overview(day_dir)
    return BatchResult(manifest, records)


def _execute(specs: list[RunSpec], jobs: int, executor: str, scheduler: str | None, emit) -> Iterable[dict]:
    if not specs:
        return
    if executor == "dask":
        yield from _execute_dask(specs, jobs, scheduler, emit)
        return
    if jobs <= 1:
        for spec in specs:
            emit("running", {"run_id": spec.run_id})
            yield run_one(spec)
        return
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, max_tasks_per_child=50) as pool:
        futures = {pool.submit(run_one, spec): spec for spec in specs}
        for spec in specs:
            emit("running", {"run_id": spec.run_id})
        for fut in as_completed(futures):
            spec = futures[fut]
            try:
                yield fut.result()
            except Exception as exc:  # the worker process died (native crash): that run fails
                yield _failed(spec, f"solver_crash: {type(exc).__name__}: {exc}")


def _execute_dask(specs: list[RunSpec], jobs: int, scheduler: str | None, emit) -> Iterable[dict]:
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        futures = client.map(
            run_one, specs, pure=False, key=[f"run-{i}-{uuid.uuid4().hex[:6]}" for i in range(len(specs))]
        )
        by_key = {f.key: s for f, s in zip(futures, specs, strict=True)}
        for spec in specs:
            emit("running", {"run_id": spec.run_id})
        for fut in dask_completed(futures):
            spec = by_key[fut.key]
            try:
                yield fut.result()
            except Exception as exc:  # KilledWorker and friends: that run fails
                yield _failed(spec, f"{type(exc).__name__}: {exc}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _failed(spec: RunSpec, error: str) -> dict:
    return {
        "run_id": spec.run_id,
        "park": spec.park,
        "scenario": spec.scenario,
        "input_hash": spec.input_hash,
        "status": "failed",
        "error": error,
    }


def record_summary(records: list[dict]) -> pd.DataFrame:
    rows = [
        {
            "run": r["run_id"],
            "status": r.get("status"),
            "objective_cny": r.get("objective_cny"),
            "co2_t": r.get("co2_t"),
            "gap": r.get("mip_gap"),
            "wall_s": r.get("wall_s"),
            "resumed": bool(r.get("resumed")),
            "error": r.get("error") or "",
        }
        for r in records
    ]
    return pd.DataFrame(rows).sort_values("run") if rows else pd.DataFrame()
