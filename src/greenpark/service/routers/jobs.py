"""Solve jobs: submit (stored before the 202), list, status, result, report, cancel, delete; the synchronous
solve and validation. A client sees only its own jobs: another client's job id answers 404."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

from greenpark.service.db import now
from greenpark.service.deps import ClientDep, LinksDep, SettingsDep, StoreDep
from greenpark.service.jobs import (
    TABLES,
    JobRequest,
    body_hash,
    capped_time_limit,
    new_job_id,
    resolve_park,
    stored_tables,
    validate_request,
)
from greenpark.service.keys import Client
from greenpark.service.pages import report_page
from greenpark.service.problems import ProblemDetails, ProblemError, invalid_park
from greenpark.service.schemas import (
    JOB_RESPONSES,
    SUBMIT_RESPONSES,
    JobList,
    JobResult,
    JobStatus,
    Validation,
    job_view,
)
from greenpark.service.settings import ServiceSettings
from greenpark.service.states import FINISHED, TERMINAL, JobState
from greenpark.service.store import NoRoomError, Record, SameKeyError, Store
from greenpark.tables import frame_to_csv, frame_to_json, frame_to_parquet

router = APIRouter(tags=["jobs"])


def own_job(store: Store, client: Client, job_id: str) -> Record:
    """The client's job ``job_id``, else 404 (also for another client's job)."""
    row = store.job(job_id, client.name)
    if row is None:
        raise ProblemError(404, "Not found", f"no job {job_id}")
    return row


def park_of(store: Store, client: Client, req: JobRequest) -> tuple[dict, dict[str, str]]:
    """The park document and datasets a request names (inline, or stored and allowed to its key)."""
    if (req.park is None) == (req.park_name is None):
        raise ProblemError(
            422,
            "Invalid request",
            "give either 'park' or 'park_name'",
            [{"path": "park", "message": "exactly one of park and park_name is required"}],
        )
    if client.park is not None and req.park_name != client.park:
        raise ProblemError(
            403 if req.park_name is None else 404,
            "Not allowed",
            f"this key may only run the stored park {client.park!r}",
        )
    resolved = resolve_park(store, client.name, req)
    if resolved is None:
        raise ProblemError(404, "Not found", f"no stored park {req.park_name!r}")
    return resolved


def _same_body(prior: Record, digest: str) -> Record:
    """The job already sent with this Idempotency-Key, if the body is the same; else 422."""
    if prior["body_hash"] != digest:
        raise ProblemError(422, "Idempotency-Key reused", "the same key was sent with a different body")
    return prior


def submit(
    store: Store, settings: ServiceSettings, client: Client, req: JobRequest, idempotency_key: str | None
) -> Record:
    """Check a request as its solve will, then store it as a queued job (or find the job of its
    Idempotency-Key); 422 for an invalid park, 429 when the client has its maximum of jobs in flight."""
    park_doc, datasets = park_of(store, client, req)
    request_doc = req.model_dump(mode="json")
    digest = body_hash(request_doc)
    job_id = new_job_id()
    if idempotency_key:
        prior = store.job_of_key(client.name, idempotency_key, other_than=job_id)
        if prior is not None:
            return _same_body(prior, digest)
    problems = validate_request(req, park_doc, datasets)
    if problems:
        raise invalid_park(problems)
    row = {
        "id": job_id,
        "client": client.name,
        "status": JobState.QUEUED,
        "request": request_doc,
        "body_hash": digest,
        "idempotency_key": idempotency_key,
        "park_name": req.park_name or (req.park or {}).get("park", {}).get("name"),
        "time_limit_s": capped_time_limit(req, settings),
        "created_at": now(),
        "attempts": 0,
        "cancel_requested": False,
    }
    try:
        return store.add_job(row, settings.max_jobs_in_flight)
    except NoRoomError:
        raise ProblemError(
            429,
            "Too many jobs in flight",
            f"at most {settings.max_jobs_in_flight} queued or running jobs per client",
            headers={"Retry-After": "10"},
        ) from None
    except SameKeyError as found:  # the same key sent meanwhile, through another process: that job wins
        return _same_body(found.row, digest)


@router.post("/v1/solve-jobs", status_code=202, responses=SUBMIT_RESPONSES)
async def create_job(
    req: JobRequest,
    client: ClientDep,
    response: Response,
    store: StoreDep,
    settings: SettingsDep,
    links: LinksDep,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> JobStatus:
    """Submit a solve job: stored durably before the 202; poll ``Location``."""
    row = submit(store, settings, client, req, idempotency_key)
    response.headers["Location"] = f"/v1/solve-jobs/{row['id']}"
    return job_view(row, links)


@router.get("/v1/solve-jobs", responses=JOB_RESPONSES)
async def list_jobs(
    client: ClientDep,
    store: StoreDep,
    links: LinksDep,
    status: Annotated[str | None, Query(description="Only jobs in this state.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> JobList:
    """Your jobs, newest first."""
    total = store.count_jobs(client.name, status)
    rows = store.jobs_of(client.name, status, limit, offset)
    return JobList(items=[job_view(r, links) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/v1/solve-jobs/{job_id}", responses=JOB_RESPONSES)
async def get_job(job_id: str, client: ClientDep, store: StoreDep, links: LinksDep) -> JobStatus:
    """A job's state and, once completed, its outcome."""
    return job_view(own_job(store, client, job_id), links)


@router.get(
    "/v1/solve-jobs/{job_id}/result",
    responses={
        **JOB_RESPONSES,
        409: {"model": ProblemDetails},
        200: {
            "content": {"text/csv": {}, "application/vnd.apache.parquet": {}},
            "headers": {
                "Column-Levels": {
                    "description": "For csv: the number of header rows (column levels) of the table.",
                    "schema": {"type": "integer"},
                }
            },
        },
    },
)
def get_result(
    job_id: str,
    client: ClientDep,
    store: StoreDep,
    format: Annotated[Literal["json", "csv", "parquet"], Query()] = "json",
    table: Annotated[str | None, Query(description="For csv/parquet: one of the tables.")] = None,
) -> JobResult:
    """The schedule of a finished job (409 until it has finished).

    Tables are stored typed (Parquet) and every format is written from the typed frame. JSON: every table
    as a ``ResultTable``. CSV (``table=…``): one header row per column level (header ``Column-Levels``;
    balances: carrier, node, term; node_prices: carrier, node), then, with several levels, a row naming
    the index; times ISO 8601 with their UTC offset. Parquet (``table=…``): typed, with pandas metadata
    (every column level, the tz-aware index).
    """
    row = own_job(store, client, job_id)
    if row["status"] not in FINISHED:
        code = 404 if row["status"] == JobState.EXPIRED else 409
        raise ProblemError(code, "Result not available", f"the job is {row['status']}")
    if format != "json":
        if table not in TABLES:
            raise ProblemError(422, "Invalid request", f"table must be one of {', '.join(TABLES)}")
        stored = stored_tables(store, job_id, (table,))
        if table not in stored:
            raise ProblemError(404, "Not found", f"the job has no {table} table (outcome {row['outcome']})")
        frame = stored[table]
        if format == "csv":
            return PlainTextResponse(
                frame_to_csv(frame),
                media_type="text/csv",
                headers={
                    "Content-Disposition": f'attachment; filename="{table}.csv"',
                    "Column-Levels": str(frame.columns.nlevels),
                },
            )
        return Response(
            frame_to_parquet(frame),
            media_type="application/vnd.apache.parquet",
            headers={"Content-Disposition": f'attachment; filename="{table}.parquet"'},
        )
    tables = {name: frame_to_json(frame) for name, frame in stored_tables(store, job_id).items()}
    return JobResult(id=job_id, status=row["status"], outcome=row["outcome"], summary=row["summary"], tables=tables)


@router.get(
    "/v1/solve-jobs/{job_id}/report",
    responses={**JOB_RESPONSES, 409: {"model": ProblemDetails}, 200: {"content": {"text/html": {}}}},
    response_class=HTMLResponse,
)
def get_report(
    job_id: str, client: ClientDep, store: StoreDep, lang: Annotated[Literal["en", "zh"], Query()] = "en"
) -> HTMLResponse:
    """The job's HTML report (plotly.js from ``/ui/static``)."""
    row = own_job(store, client, job_id)
    if row["status"] != JobState.COMPLETED or not row["summary"]:
        raise ProblemError(409, "No report", f"the job is {row['status']}")
    return report_page(store, row, lang)


@router.post(
    "/v1/solve-jobs/{job_id}/cancel",
    status_code=202,
    responses={**JOB_RESPONSES, 409: {"model": ProblemDetails}},
)
def cancel_job(job_id: str, client: ClientDep, store: StoreDep, links: LinksDep) -> JobStatus:
    """Cancel: a queued job at once, a running one is interrupted (its worker is stopped)."""
    row = own_job(store, client, job_id)
    if row["status"] in TERMINAL:
        raise ProblemError(409, "Already finished", f"the job is {row['status']}")
    store.cancel(job_id)
    return job_view(own_job(store, client, job_id), links)


@router.delete("/v1/solve-jobs/{job_id}", status_code=204, responses=JOB_RESPONSES)
def delete_job(job_id: str, client: ClientDep, store: StoreDep) -> Response:
    """Delete a job and its result (a running job is cancelled first)."""
    row = own_job(store, client, job_id)
    store.delete_job(job_id, running=row["status"] == JobState.RUNNING)
    return Response(status_code=204)


@router.post("/v1/solve", responses={**SUBMIT_RESPONSES, 202: {"model": JobStatus}})
async def solve_now(
    req: JobRequest,
    client: ClientDep,
    store: StoreDep,
    settings: SettingsDep,
    links: LinksDep,
    wait_s: Annotated[float | None, Query(gt=0, description="Wait at most this long (capped).")] = None,
) -> JobResult:
    """Solve synchronously: the result if it is ready within the wait limit, else 202 with the job."""
    row = await asyncio.to_thread(submit, store, settings, client, req, None)
    limit = min(wait_s or settings.wait_limit_s, settings.wait_limit_s)
    deadline = asyncio.get_running_loop().time() + limit
    while asyncio.get_running_loop().time() < deadline:
        row = own_job(store, client, row["id"])
        if row["status"] in TERMINAL:
            return get_result(row["id"], client, store)
        await asyncio.sleep(0.1)
    return JSONResponse(
        job_view(row, links).model_dump(), status_code=202, headers={"Location": f"/v1/solve-jobs/{row['id']}"}
    )


@router.post("/v1/validate", responses={**JOB_RESPONSES, 422: {"model": ProblemDetails}})
def validate(req: JobRequest, client: ClientDep, store: StoreDep) -> Validation:
    """Validate a request without creating a job: every check its solve makes before building a model
    (park fields, start and horizon, every series on the horizon incl. datasets and PV, requirements no
    schedule could meet)."""
    park_doc, datasets = park_of(store, client, req)
    problems = validate_request(req, park_doc, datasets)
    if problems:
        raise invalid_park(problems)
    return Validation(valid=True)
