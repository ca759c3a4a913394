"""The HTTP API (FastAPI). Every solve goes through :func:`greenpark.pipeline.solve` in a worker process.

Endpoints (under ``/v1``; errors are RFC 9457 ``application/problem+json``):

* ``POST /v1/solve-jobs`` → 202 + ``Location`` (``Idempotency-Key`` honoured)
* ``GET /v1/solve-jobs`` (own jobs, ``limit``/``offset``, ``status`` filter)
* ``GET /v1/solve-jobs/{id}`` · ``GET /v1/solve-jobs/{id}/result`` (409 until finished;
  ``?format=csv|parquet&table=…`` downloads one table) · ``POST /v1/solve-jobs/{id}/cancel`` ·
  ``DELETE /v1/solve-jobs/{id}``
* ``POST /v1/solve`` — synchronous for small jobs: the result within the wait limit, else 202
* ``POST /v1/validate`` — validation only
* ``PUT/GET /v1/parks/{name}``, ``GET /v1/parks`` — parks stored by name for nightly jobs
* ``GET /healthz``, ``GET /readyz``

A client sees only its own jobs and parks: another client's job id answers 404.
"""

import asyncio
import gc
import json
import time
from contextlib import asynccontextmanager
from datetime import UTC
from http import HTTPStatus
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy import bindparam, delete, func, select, text, update
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from greenpark import __version__
from greenpark.errors import Problem
from greenpark.service.db import heartbeat, job_tables, jobs, make_engine, migrate, now, parks, secret
from greenpark.service.jobs import (
    TABLES,
    TERMINAL,
    JobRequest,
    ParkDocument,
    body_hash,
    capped_time_limit,
    check_request,
    new_job_id,
    resolve_park,
    stored_tables,
    validate_request,
)
from greenpark.service.keys import Client, lookup
from greenpark.service.settings import Settings
from greenpark.tables import frame_to_csv, frame_to_json, frame_to_parquet

PROBLEM = "application/problem+json"


class ProblemError(Exception):
    def __init__(self, status: int, title: str, detail: str = "", errors: list[dict] | None = None, headers=None):
        self.status, self.title, self.detail, self.errors, self.headers = status, title, detail, errors, headers


class ProblemDetails(BaseModel):
    """RFC 9457 problem details; ``errors`` lists every field error with its path."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    errors: list[dict[str, str]] | None = None


class JobLinks(BaseModel):
    self: str
    result: str
    cancel: str
    report: str = Field(description="The HTML report (API key needed).")
    page: str | None = Field(None, description="Signed, expiring browser link to this job's page.")
    jobs_page: str | None = Field(None, description="Signed, expiring browser link to the client's job list.")


class JobStatus(BaseModel):
    """A job as its owner sees it."""

    id: str
    status: Literal["queued", "running", "completed", "failed", "cancelled", "expired"]
    outcome: str | None = Field(None, description="For completed jobs: optimal, feasible, infeasible, unbounded, …")
    message: str | None = None
    error: str | None = Field(
        None, description="For failed jobs: invalid_input, solver_crash, worker_lost, …; for expired: queue_timeout."
    )
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    park_name: str | None = None
    time_limit_s: float
    objective_cny: float | None = None
    mip_gap: float | None = None
    co2_t: float | None = None
    explanation: list[dict[str, Any]] | None = None
    links: JobLinks


class JobList(BaseModel):
    items: list[JobStatus]
    total: int
    limit: int
    offset: int


class ResultTable(BaseModel):
    """One result table, typed: pandas' ``orient="split"`` (``index``, ``columns``, ``data``) plus the names and
    types that make it exact (written by ``greenpark.tables.frame_to_json``, read back by ``json_to_frame``)."""

    index_name: str | None = Field(None, description="The index's name: time, tenant or owner.")
    index_dtype: str = Field(
        description="pandas dtype of the index, e.g. datetime64[us, Asia/Shanghai]; a time is ISO 8601 with its "
        "UTC offset (2026-07-15T00:00:00+08:00)."
    )
    index: list[Any] = Field(description="Row labels.")
    column_levels: list[str | None] = Field(
        description="Names of the column levels: carrier, node, term (balances); carrier, node (node_prices); "
        "[null] for one unnamed level."
    )
    columns: list[str | list[str]] = Field(
        description="Per column: its label at every level (a list), or the label itself when there is one level."
    )
    dtypes: list[str] = Field(description="pandas dtype of each column (float64, int64, str, …).")
    data: list[list[Any]] = Field(
        description='One list per row, in column order; null for a missing value, "Infinity"/"-Infinity" for an '
        "infinite float."
    )


class JobResult(BaseModel):
    """A finished job: its summary (as ``summary.json``) and its tables, each typed (see ``ResultTable``)."""

    id: str
    status: str
    outcome: str | None
    summary: dict[str, Any] | None
    tables: dict[str, ResultTable]


class Validation(BaseModel):
    valid: bool
    errors: list[dict[str, str]] = Field(default_factory=list)


class StoredPark(BaseModel):
    name: str
    updated_at: str
    park: dict[str, Any] | None = None
    datasets: list[str] = Field(default_factory=list)


def _iso(dt) -> str | None:
    if dt is None:
        return None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).isoformat()


def job_view(row, secret: str | None = None, ttl_s: float = 3600.0) -> JobStatus:
    from greenpark.service.pages import signed_link

    summary = row["summary"] or {}
    jid = row["id"]
    base = f"/v1/solve-jobs/{jid}"
    page = signed_link(secret, row["client"], jid, ttl_s) if secret else None
    jobs_page = signed_link(secret, row["client"], "*", ttl_s) if secret else None
    return JobStatus(
        id=jid,
        status=row["status"],
        outcome=row["outcome"],
        message=row["message"],
        error=row["error"],
        created_at=_iso(row["created_at"]),
        started_at=_iso(row["started_at"]),
        finished_at=_iso(row["finished_at"]),
        park_name=row["park_name"],
        time_limit_s=row["time_limit_s"],
        objective_cny=summary.get("objective_cny"),
        mip_gap=summary.get("mip_gap"),
        co2_t=summary.get("co2_t"),
        explanation=summary.get("explanation") or None,
        links=JobLinks(
            self=base,
            result=f"{base}/result",
            cancel=f"{base}/cancel",
            report=f"{base}/report",
            page=page,
            jobs_page=jobs_page,
        ),
    )


async def client_of(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Client:
    """The client of the request's API key (``Authorization: Bearer <key>`` or ``X-API-Key``), else 401."""
    key = None
    if authorization and authorization.lower().startswith("bearer "):
        key = authorization[7:].strip()
    key = key or x_api_key
    found = request.app.state.keys.get(key) if key else None
    if found is None:
        raise ProblemError(
            401,
            "Unauthorized",
            "send an API key as 'Authorization: Bearer <key>' or 'X-API-Key'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return found


ClientDep = Annotated[Client, Depends(client_of)]


class KeyCache:
    """API key lookups remembered for ``ttl_s`` seconds (a revoked key stops working within that time)."""

    def __init__(self, engine: Engine, ttl_s: float) -> None:
        self.engine, self.ttl_s = engine, ttl_s
        self._seen: dict[str, tuple[float, Client | None]] = {}

    def get(self, key: str) -> Client | None:
        t = time.monotonic()
        hit = self._seen.get(key)
        if hit is not None and t - hit[0] < self.ttl_s:
            return hit[1]
        found = lookup(self.engine, key)
        if len(self._seen) > 10_000:
            self._seen.clear()
        self._seen[key] = (t, found)
        return found


class BodyLimit:
    """Pure ASGI middleware: a body over ``max_bytes`` gets 413 (declared length, or counted while streaming)."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await self._refuse(send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLargeError
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLargeError:
            await self._refuse(send)

    async def _refuse(self, send) -> None:
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Request body too large",
                "status": 413,
                "detail": f"at most {self.max_bytes} bytes",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLargeError(Exception):
    pass


class _ExistingJobError(Exception):
    """A job with the same Idempotency-Key committed first (carries its row)."""

    def __init__(self, row) -> None:
        super().__init__(row["id"])
        self.row = row


_SUBMITTED = (
    "id", "client", "status", "request", "body_hash", "idempotency_key", "park_name", "time_limit_s", "created_at",
    "attempts", "cancel_requested",
)  # fmt: skip


def _insert_if_room(max_in_flight: int):
    """``INSERT INTO jobs (…) SELECT :id, … WHERE (queued + running jobs of :room_for) < max_in_flight``.

    Parameters are the job's columns and ``room_for`` (its client); it returns the new id, or no row when
    the client has no room. One statement, compiled once.
    """
    values = select(*(bindparam(c, type_=jobs.c[c].type) for c in _SUBMITTED)).where(
        select(func.count())
        .select_from(jobs)
        .where(jobs.c.client == bindparam("room_for"), jobs.c.status.in_(("queued", "running")))
        .scalar_subquery()
        < max_in_flight
    )
    return jobs.insert().from_select(list(_SUBMITTED), values).returning(jobs.c.id)


def _serialize_client(conn, client: str) -> None:
    """Let one submit of ``client`` at a time reach its checks: an advisory lock on PostgreSQL until commit.

    SQLite needs nothing: the submit's INSERT takes the database's single write lock until commit.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:client))"), {"client": client})


def start_execution(settings: Settings, workers: int, executor: str = "local", scheduler: str | None = None):
    """Start the execution of jobs (supervisor + worker processes, or the Dask dispatcher) in this process."""
    engine = make_engine(settings.db_url)
    migrate(engine)
    if executor == "dask":
        from greenpark.service.worker import DaskDispatcher

        sup = DaskDispatcher(settings, engine, scheduler=scheduler, slots=workers)
    else:
        from greenpark.service.worker import Supervisor

        sup = Supervisor(settings, workers, engine)
    sup.start()
    return sup


def app_from_env() -> FastAPI:
    """The app of one HTTP worker process when ``serve --http-workers`` > 1 (settings from the environment)."""
    import os

    data = json.loads(os.environ["GREENPARK_SETTINGS_JSON"])
    return create_app(Settings(**data), workers=0)


_WARM_UP_PARK = {
    "park": {"name": "warm-up", "latitude": 31.3, "longitude": 120.6},
    "tenants": [{"id": "a"}],
    "assets": [
        {"id": "grid", "kind": "grid", "import_price_cny_per_kwh": 0.5, "co2_kg_per_kwh": 0.5},
        {"id": "load", "kind": "electric_load", "owner": "a", "power_kw": 1},
    ],
}


def _warm_up(engine: Engine) -> None:
    """Do once, at start, what the first requests would otherwise pay for (about a second of imports,
    then milliseconds per first call): load pandas and pvlib, validate a tiny park, compile the status query."""
    import greenpark.inputs.checks
    import greenpark.pipeline  # noqa: F401

    validate_request(JobRequest(park=_WARM_UP_PARK, horizon="2h"), _WARM_UP_PARK, {})
    with engine.connect() as conn:  # the status query (own_job)
        conn.execute(select(jobs).where(jobs.c.id == "", jobs.c.client == "")).first()


def create_app(
    settings: Settings | None = None, *, workers: int = 0, executor: str = "local", scheduler: str | None = None
) -> FastAPI:
    """The service app.

    ``workers`` > 0 starts the execution of jobs: with ``executor="local"`` a
    supervisor and that many worker processes; with ``executor="dask"`` a
    dispatcher to the Dask scheduler at ``scheduler`` (or a ``LocalCluster`` of
    ``workers`` processes), running at most ``workers`` jobs at a time.
    """
    settings = settings or Settings()
    engine: Engine = make_engine(settings.db_url)
    migrate(engine)
    _warm_up(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        sup = start_execution(settings, workers, executor, scheduler) if workers > 0 else None
        # The ~200,000 objects of the loaded libraries are kept out of later garbage collections:
        # a full collection over them takes ~80 ms, during which no request is answered.
        gc.collect()
        gc.freeze()
        app.state.supervisor = sup
        yield
        if sup is not None:
            sup.stop()

    app = FastAPI(
        title="greenpark",
        version=__version__,
        summary="Optimal, explained low-carbon schedules for industrial parks.",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.supervisor = None
    page_secret = secret(engine)
    app.state.keys = KeyCache(engine, ttl_s=settings.key_cache_s)

    def view(row) -> JobStatus:
        return job_view(row, page_secret, settings.link_ttl_s)

    from greenpark.service.pages import router

    app.include_router(router(lambda: engine, lambda: page_secret, settings.link_ttl_s))

    # ------------------------------------------------------------------ errors as problem details
    def problem(status: int, title: str, detail: str = "", errors=None, instance: str = "", headers=None):
        body = ProblemDetails(title=title, status=status, detail=detail, instance=instance, errors=errors)
        return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM, headers=headers)

    @app.exception_handler(ProblemError)
    async def _api_problem(request: Request, exc: ProblemError):
        return problem(exc.status, exc.title, exc.detail, exc.errors, str(request.url.path), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = [
            {"path": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]} for e in exc.errors()
        ]
        return problem(422, "Invalid request", f"{len(errors)} problem(s)", errors, str(request.url.path))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 405:  # list every method of the path, not only the first route's
            from starlette.routing import Match

            allowed = sorted(
                {
                    m
                    for r in app.router.routes
                    if r.matches(request.scope)[0] != Match.NONE
                    for m in (getattr(r, "methods", None) or ())
                }
            )
            headers = {"Allow": ", ".join(allowed)}
            return problem(405, "Method Not Allowed", "", None, str(request.url.path), headers)
        return problem(exc.status_code, str(exc.detail), "", None, str(request.url.path), getattr(exc, "headers", None))

    def own_job(client: Client, job_id: str):
        with engine.connect() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id, jobs.c.client == client.name)).mappings().first()
        if row is None:
            raise ProblemError(404, "Not found", f"no job {job_id}")
        return row

    def invalid_park(problems: list[Problem]) -> ProblemError:
        """422 listing every problem with its path."""
        errors = [{"path": p.path, "message": p.message} for p in problems]
        return ProblemError(422, "Invalid park", f"{len(problems)} problem(s)", errors)

    def _park_of(client: Client, req: JobRequest) -> tuple[dict, dict[str, str]]:
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
        resolved = resolve_park(engine, client.name, req)
        if resolved is None:
            raise ProblemError(404, "Not found", f"no stored park {req.park_name!r}")
        return resolved

    insert_if_room = _insert_if_room(settings.max_jobs_in_flight)

    def prior_job(conn, client: Client, idempotency_key: str, other_than: str):
        """The client's job sent with ``idempotency_key`` other than job ``other_than``, or None."""
        found = conn.execute(
            select(jobs).where(
                jobs.c.client == client.name, jobs.c.idempotency_key == idempotency_key, jobs.c.id != other_than
            )
        )
        return found.mappings().first()

    def same_body(prior, digest: str) -> tuple[Any, bool]:
        """The job already sent with this Idempotency-Key, if the body is the same; else 422."""
        if prior["body_hash"] != digest:
            raise ProblemError(422, "Idempotency-Key reused", "the same key was sent with a different body")
        return prior, False

    def submit(client: Client, req: JobRequest, idempotency_key: str | None) -> tuple[Any, bool]:
        park_doc, datasets = _park_of(client, req)
        request_doc = req.model_dump(mode="json")
        digest = body_hash(request_doc)
        job_id = new_job_id()
        if idempotency_key:
            with engine.connect() as conn:
                prior = prior_job(conn, client, idempotency_key, job_id)
            if prior is not None:
                return same_body(prior, digest)
        problems = validate_request(req, park_doc, datasets)
        if problems:
            raise invalid_park(problems)
        row = {
            "id": job_id,
            "client": client.name,
            "status": "queued",
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
            with engine.begin() as conn:
                _serialize_client(conn, client.name)
                # One statement inserts the job only while the client has room (SQLite runs it under its
                # single write lock; on PostgreSQL the client's advisory lock serializes it), so HTTP
                # processes and replicas submitting at once cannot together pass the limit.
                inserted = conn.execute(insert_if_room, {**row, "room_for": client.name}).first()
                if inserted is None:
                    raise ProblemError(
                        429,
                        "Too many jobs in flight",
                        f"at most {settings.max_jobs_in_flight} queued or running jobs per client",
                        headers={"Retry-After": "10"},
                    )
                if idempotency_key:  # the same key sent meanwhile, through another process: that job wins
                    prior = prior_job(conn, client, idempotency_key, job_id)
                    if prior is not None:
                        raise _ExistingJobError(prior)
        except _ExistingJobError as found:  # the insert was rolled back: the same key's job, sent meanwhile
            return same_body(found.row, digest)
        # the stored row as a reader would see it (no second query): the columns not written are empty
        return {**{c.name: None for c in jobs.columns}, **row}, True

    # ------------------------------------------------------------------ routes
    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses={503: {"model": ProblemDetails}})
    def readyz() -> dict[str, Any]:
        """Readiness: the job store answers and the workers (if any) are alive."""
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            raise ProblemError(503, "Job store unavailable", str(exc)) from None
        sup = app.state.supervisor
        if sup is not None:
            alive = sup.alive() if hasattr(sup, "alive") else sum(p.is_alive() for p in sup.processes.values())
        else:  # the execution runs in another process (serve --http-workers): read its heartbeat
            beat = heartbeat(engine)
            alive = beat["alive"] if beat and time.time() - beat["time"] < 15 else (None if beat is None else 0)
        if alive == 0:
            raise ProblemError(503, "No worker alive")
        return {"status": "ready", "workers": alive or 0}

    job_responses = {401: {"model": ProblemDetails}, 404: {"model": ProblemDetails}}
    submit_responses = {
        **job_responses,
        413: {"model": ProblemDetails},
        422: {"model": ProblemDetails},
        429: {"model": ProblemDetails},
    }

    @app.post(
        "/v1/solve-jobs",
        status_code=202,
        tags=["jobs"],
        responses=submit_responses,
    )
    async def create_job(
        req: JobRequest,
        client: ClientDep,
        response: Response,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> JobStatus:
        """Submit a solve job: stored durably before the 202; poll ``Location``."""
        row, _new = submit(client, req, idempotency_key)
        response.headers["Location"] = f"/v1/solve-jobs/{row['id']}"
        return view(row)

    @app.get("/v1/solve-jobs", tags=["jobs"], responses=job_responses)
    async def list_jobs(
        client: ClientDep,
        status: Annotated[str | None, Query(description="Only jobs in this state.")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> JobList:
        """Your jobs, newest first."""
        where = [jobs.c.client == client.name]
        if status is not None:
            where.append(jobs.c.status == status)
        with engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(jobs).where(*where)).scalar()
            rows = (
                conn.execute(select(jobs).where(*where).order_by(jobs.c.created_at.desc()).limit(limit).offset(offset))
                .mappings()
                .all()
            )
        return JobList(items=[view(r) for r in rows], total=total, limit=limit, offset=offset)

    @app.get("/v1/solve-jobs/{job_id}", tags=["jobs"], responses=job_responses)
    async def get_job(job_id: str, client: ClientDep) -> JobStatus:
        """A job's state and, once completed, its outcome."""
        return view(own_job(client, job_id))

    @app.get(
        "/v1/solve-jobs/{job_id}/result",
        tags=["jobs"],
        responses={
            **job_responses,
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
        row = own_job(client, job_id)
        if row["status"] not in TERMINAL or row["status"] == "expired":
            code = 404 if row["status"] == "expired" else 409
            raise ProblemError(code, "Result not available", f"the job is {row['status']}")
        if format != "json":
            if table not in TABLES:
                raise ProblemError(422, "Invalid request", f"table must be one of {', '.join(TABLES)}")
            stored = stored_tables(engine, job_id, (table,))
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
        tables = {name: frame_to_json(frame) for name, frame in stored_tables(engine, job_id).items()}
        return JobResult(id=job_id, status=row["status"], outcome=row["outcome"], summary=row["summary"], tables=tables)

    @app.get(
        "/v1/solve-jobs/{job_id}/report",
        tags=["jobs"],
        responses={**job_responses, 409: {"model": ProblemDetails}, 200: {"content": {"text/html": {}}}},
        response_class=HTMLResponse,
    )
    def get_report(
        job_id: str, client: ClientDep, lang: Annotated[Literal["en", "zh"], Query()] = "en"
    ) -> HTMLResponse:
        """The job's HTML report (plotly.js from ``/ui/static``)."""
        from greenpark.service.pages import report_page

        row = own_job(client, job_id)
        if row["status"] != "completed" or not row["summary"]:
            raise ProblemError(409, "No report", f"the job is {row['status']}")
        return report_page(engine, row, lang)

    @app.post(
        "/v1/solve-jobs/{job_id}/cancel",
        status_code=202,
        tags=["jobs"],
        responses={**job_responses, 409: {"model": ProblemDetails}},
    )
    def cancel_job(job_id: str, client: ClientDep) -> JobStatus:
        """Cancel: a queued job at once, a running one is interrupted (its worker is stopped)."""
        row = own_job(client, job_id)
        if row["status"] in TERMINAL:
            raise ProblemError(409, "Already finished", f"the job is {row['status']}")
        with engine.begin() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.status == "queued")
                .values(status="cancelled", finished_at=now(), message="cancelled before it ran")
            )
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.status == "running")
                .values(cancel_requested=True, cancel_requested_at=now())
            )
        return view(own_job(client, job_id))

    @app.delete("/v1/solve-jobs/{job_id}", status_code=204, tags=["jobs"], responses=job_responses)
    def delete_job(job_id: str, client: ClientDep) -> Response:
        """Delete a job and its result (a running job is cancelled first)."""
        row = own_job(client, job_id)
        with engine.begin() as conn:
            if row["status"] == "running":
                conn.execute(update(jobs).where(jobs.c.id == job_id).values(cancel_requested=True))
                conn.execute(
                    update(jobs)
                    .where(jobs.c.id == job_id)
                    .values(request={}, summary=None, status="cancelled", finished_at=now(), message="deleted")
                )
            conn.execute(delete(job_tables).where(job_tables.c.job_id == job_id))
            if row["status"] != "running":
                conn.execute(delete(jobs).where(jobs.c.id == job_id))
        return Response(status_code=204)

    @app.post(
        "/v1/solve",
        tags=["jobs"],
        responses={**submit_responses, 202: {"model": JobStatus}},
    )
    async def solve_now(
        req: JobRequest,
        client: ClientDep,
        wait_s: Annotated[float | None, Query(gt=0, description="Wait at most this long (capped).")] = None,
    ) -> JobResult:
        """Solve synchronously: the result if it is ready within the wait limit, else 202 with the job."""
        row, _ = await asyncio.to_thread(submit, client, req, None)
        limit = min(wait_s or settings.wait_limit_s, settings.wait_limit_s)
        deadline = asyncio.get_running_loop().time() + limit
        while asyncio.get_running_loop().time() < deadline:
            row = own_job(client, row["id"])
            if row["status"] in TERMINAL:
                return get_result(row["id"], client)
            await asyncio.sleep(0.1)
        return JSONResponse(
            view(row).model_dump(), status_code=202, headers={"Location": f"/v1/solve-jobs/{row['id']}"}
        )

    @app.post("/v1/validate", tags=["jobs"], responses={**job_responses, 422: {"model": ProblemDetails}})
    def validate(req: JobRequest, client: ClientDep) -> Validation:
        """Validate a request without creating a job: every check its solve makes before building a model
        (park fields, start and horizon, every series on the horizon incl. datasets and PV, requirements no
        schedule could meet)."""
        park_doc, datasets = _park_of(client, req)
        problems = validate_request(req, park_doc, datasets)
        if problems:
            raise invalid_park(problems)
        return Validation(valid=True)

    @app.put("/v1/parks/{name}", tags=["parks"], responses={**job_responses, 422: {"model": ProblemDetails}})
    def put_park(name: str, doc: ParkDocument, client: ClientDep) -> StoredPark:
        """Store (or replace) a park under ``name`` for later jobs."""
        from greenpark.spec import park_from_dict

        problems = check_request(doc.park, doc.datasets)
        if not problems:
            try:
                park_from_dict(doc.park)
            except Exception as exc:
                problems = getattr(exc, "problems", [Problem("park", str(exc))])
        if problems:
            raise invalid_park(problems)
        with engine.begin() as conn:
            conn.execute(delete(parks).where(parks.c.client == client.name, parks.c.name == name))
            conn.execute(
                parks.insert().values(
                    client=client.name, name=name, document=doc.park, datasets=doc.datasets, updated_at=now()
                )
            )
        return StoredPark(name=name, updated_at=_iso(now()), park=doc.park, datasets=sorted(doc.datasets))

    @app.get("/v1/parks", tags=["parks"], responses=job_responses)
    def list_parks(client: ClientDep) -> list[StoredPark]:
        """Your stored parks."""
        with engine.connect() as conn:
            rows = conn.execute(select(parks).where(parks.c.client == client.name)).mappings().all()
        return [
            StoredPark(name=r["name"], updated_at=_iso(r["updated_at"]), datasets=sorted(r["datasets"])) for r in rows
        ]

    @app.get("/v1/parks/{name}", tags=["parks"], responses=job_responses)
    def get_park(name: str, client: ClientDep) -> StoredPark:
        """A stored park."""
        with engine.connect() as conn:
            r = (
                conn.execute(select(parks).where(parks.c.client == client.name, parks.c.name == name))
                .mappings()
                .first()
            )
        if r is None:
            raise ProblemError(404, "Not found", f"no stored park {name!r}")
        return StoredPark(
            name=r["name"], updated_at=_iso(r["updated_at"]), park=r["document"], datasets=sorted(r["datasets"])
        )

    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        """The generated document, with every error declared as ``application/problem+json``."""
        if app.openapi_schema:
            return app.openapi_schema
        doc = default_openapi()
        ref = {"$ref": "#/components/schemas/ProblemDetails"}
        for path, ops in doc.get("paths", {}).items():
            for method, op in ops.items():
                responses = op.setdefault("responses", {})
                codes = set(responses)
                if path.startswith("/v1"):
                    codes.add("401")
                if method in ("post", "put"):
                    codes |= {"400", "413", "422"}
                if op.get("parameters") or op.get("requestBody"):
                    codes.add("422")
                for code in sorted(codes):
                    if int(code) >= 400:
                        desc = responses.get(code, {}).get("description") or HTTPStatus(int(code)).phrase
                        responses[code] = {"description": desc, "content": {PROBLEM: {"schema": ref}}}
        doc["components"]["schemas"].pop("HTTPValidationError", None)
        doc["components"]["schemas"].pop("ValidationError", None)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi
    return app
