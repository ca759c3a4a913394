"""Solve jobs: the request, turning it into a park, running it, and storing what came out."""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from greenpark.errors import ParkValidationError, Problem
from greenpark.results import json_value
from greenpark.service.settings import ServiceSettings
from greenpark.service.states import JobState
from greenpark.tables import csv_to_frame, frame_to_parquet, parquet_to_frame

if TYPE_CHECKING:
    import pandas as pd

    from greenpark.service.store import Store

TABLES = ("dispatch", "balances", "prices", "node_prices", "tenants", "emissions")
_LEGACY_COLUMN_LEVELS = {"balances": 3, "node_prices": 2}  # header rows of the CSV stored before revision 0004
_DATASET_NAME = re.compile(r"^[A-Za-z0-9_.\-]+\.csv$")
_NO_FOLDER = "/nonexistent/greenpark-request-without-datasets"


class JobOptions(BaseModel):
    """Solver options of a job (the time limit is capped by the server's maximum)."""

    model_config = ConfigDict(extra="forbid")
    time_limit_s: float | None = Field(None, gt=0, description="HiGHS time limit [s].")
    mip_rel_gap: float = Field(0.005, ge=0, le=1, description="Relative MIP gap.")
    presolve: bool = True
    compare_bau: bool = Field(False, description="Also solve business as usual and state the saving.")


class JobRequest(BaseModel):
    """A park (inline, or the name of a stored park), the horizon and options.

    Series in an inline park are numbers, arrays (one value per step) or
    ``{file, column}`` naming one of ``datasets`` (CSV text, see
    ``datasets/README.md`` for the format). No other file can be read.
    """

    model_config = ConfigDict(extra="forbid")
    park: dict[str, Any] | None = Field(None, description="Park document (api/park.schema.json).")
    park_name: str | None = Field(None, description="Name of a park stored with PUT /v1/parks/{name}.")
    datasets: dict[str, str] = Field(default_factory=dict, description="CSV files by name (name.csv → CSV text).")
    start: str | None = Field(None, description="First step (ISO, park local time); default: next local midnight.")
    horizon: str = Field("48h", description="Duration: 24h, 48h, 7d.")
    options: JobOptions = Field(default_factory=JobOptions)


class ParkDocument(BaseModel):
    """A park stored under a name for later jobs."""

    model_config = ConfigDict(extra="forbid")
    park: dict[str, Any]
    datasets: dict[str, str] = Field(default_factory=dict)


def body_hash(req: JobRequest | dict) -> str:
    """SHA-256 of the request's canonical JSON (``req`` or its ``model_dump(mode="json")``)."""
    doc = req if isinstance(req, dict) else req.model_dump(mode="json")
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _file_refs(node: Any, path: str = "park") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "file" and isinstance(v, str):
                out.append((f"{path}.file", v))
            else:
                out += _file_refs(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _file_refs(v, f"{path}[{i}]")
    return out


def check_request(park_doc: dict, datasets: dict[str, str]) -> list[Problem]:
    """File references must name provided datasets (no paths): nothing else on the server is read."""
    problems = []
    for name in datasets:
        if not _DATASET_NAME.match(name):
            problems.append(Problem(f"datasets.{name}", "dataset names are plain file names ending in .csv"))
    for where, ref in _file_refs(park_doc):
        if ref not in datasets:
            problems.append(
                Problem(where, f"{ref!r} is not one of the request's datasets ({', '.join(datasets) or 'none'})")
            )
    return problems


def materialize(park_doc: dict, datasets: dict[str, str], folder: Path):
    """Write ``datasets`` into ``folder`` and validate the park there (raises ParkValidationError)."""
    from greenpark.spec import park_from_dict

    problems = check_request(park_doc, datasets)
    if problems:
        raise ParkValidationError(problems)
    for name, text in datasets.items():
        (folder / name).write_text(text)
    return park_from_dict(park_doc, base_dir=folder)


def validate_request(req: JobRequest, park_doc: dict, datasets: dict[str, str]) -> list[Problem]:
    """Every problem of a request (park fields, start, horizon, series, requirements), without solving:
    :func:`greenpark.pipeline.prepare`, as the job's solve will run it."""
    from greenpark.pipeline import prepare

    def check(folder: Path) -> list[Problem]:
        try:
            prepare(materialize(park_doc, datasets, folder), req.start, req.horizon)
        except ParkValidationError as exc:
            # a dataset is named as in the request (datasets.load.csv), not by the server's folder
            folders = {f"{folder}/", f"{folder.resolve()}/"}

            def named(text: str) -> str:
                for f in folders:
                    text = text.replace(f, "datasets.")
                return text

            return [Problem(named(p.path), named(p.message)) for p in exc.problems]
        return []

    if not datasets:  # nothing to write: file references are refused by check_request, so no folder is read
        return check(Path(_NO_FOLDER))
    with tempfile.TemporaryDirectory(prefix="greenpark-validate-") as tmp:
        return check(Path(tmp))


def resolve_park(store: Store, client: str, req: JobRequest) -> tuple[dict, dict[str, str]] | None:
    """The park document and datasets of a request (inline or stored)."""
    if req.park is not None:
        return req.park, req.datasets
    row = store.park(client, req.park_name)
    if row is None:
        return None
    return row["document"], {**row["datasets"], **req.datasets}


def new_job_id() -> str:
    return str(uuid.uuid4())


# ----------------------------------------------------------------------------- running (in a worker)
INTERRUPTED = "cancelled while running: the solver was interrupted"
STOPPED_BETWEEN_STEPS = "cancelled while running: stopped before its next step"


class _JobCancelledError(Exception):
    """The job's cancel was seen between two steps of its solve."""


def execute(store: Store, job_id: str) -> None:
    """Run a claimed job and store its outcome. Exceptions become a failed job, never a crash of the worker.

    A cancel is honoured by the worker itself: before each step of the solve (inputs, model, HiGHS, and
    the business-as-usual or infeasibility re-solves), so a cancel that arrives before HiGHS starts stops
    the job there; a HiGHS run in progress is interrupted by the worker's heartbeat (``cancelSolve``).
    """
    from greenpark.pipeline import solve
    from greenpark.solve import SolveOptions

    job = store.job(job_id)
    if job is None:
        return
    req = JobRequest.model_validate(job["request"])

    def step(_what: str) -> None:
        if store.cancel_requested(job_id):
            raise _JobCancelledError

    try:
        resolved = resolve_park(store, job["client"], req)
        if resolved is None:
            raise ParkValidationError([Problem("park_name", f"no stored park {req.park_name!r}")])
        park_doc, datasets = resolved
        with tempfile.TemporaryDirectory(prefix="greenpark-job-") as tmp:
            park = materialize(park_doc, datasets, Path(tmp))
            opts = SolveOptions(
                time_limit_s=job["time_limit_s"], mip_rel_gap=req.options.mip_rel_gap, presolve=req.options.presolve
            )
            schedule = solve(
                park,
                start=req.start,
                horizon=req.horizon,
                options=opts,
                build_pyomo=False,
                compare_bau=req.options.compare_bau,
                progress=step,
            )
            if store.cancel_requested(job_id):  # HiGHS was interrupted (or had just ended): nothing is kept
                store.finish(job_id, JobState.CANCELLED, message=INTERRUPTED)
                return
            summary = json.loads(json.dumps(schedule.summary(), default=json_value))
            summary["log_tail"] = schedule.log[-4000:]
            tables = {}
            if schedule.ok:
                for name, frame in schedule.frames().items():
                    tables[name] = frame_to_parquet(frame)  # typed: dtypes, tz-aware index, column levels
        store.finish(
            job_id,
            JobState.COMPLETED,
            outcome=schedule.status.value,
            message=schedule.message,
            summary=summary,
            tables=tables,
        )
    except _JobCancelledError:
        store.finish(job_id, JobState.CANCELLED, message=STOPPED_BETWEEN_STEPS)
    except ParkValidationError as exc:
        summary = {"errors": [{"path": p.path, "message": p.message} for p in exc.problems]}
        store.finish(job_id, JobState.FAILED, error="invalid_input", message=str(exc), summary=summary)
    except Exception as exc:
        store.finish(job_id, JobState.FAILED, error="solver_error", message=f"{type(exc).__name__}: {exc}")


def stored_tables(store: Store, job_id: str, names: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
    """A finished job's result tables (all, or those of ``names``) as typed frames, in :data:`TABLES` order.

    Every reader of stored tables goes through here. Tables are stored as Parquet; those of jobs stored
    before revision 0004 are CSV text (``balances`` with three header rows, ``node_prices`` with two), read back
    with the time zone of the job's summary.
    """
    rows = store.table_rows(job_id, names)
    timezone = None
    if any(r.parquet is None for r in rows):  # a job stored before revision 0004
        timezone = (store.summary(job_id) or {}).get("timezone")
    frames = {
        r.name: parquet_to_frame(r.parquet)
        if r.parquet is not None
        else csv_to_frame(r.csv, _LEGACY_COLUMN_LEVELS.get(r.name, 1), timezone)
        for r in rows
    }
    order = sorted(frames, key=lambda n: (TABLES.index(n) if n in TABLES else len(TABLES), n))
    return {n: frames[n] for n in order}


def capped_time_limit(req: JobRequest, settings: ServiceSettings) -> float:
    asked = req.options.time_limit_s or settings.default_time_limit_s
    return float(min(asked, settings.max_time_limit_s))
