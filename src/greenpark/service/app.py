"""The HTTP API (FastAPI). Every solve goes through :func:`greenpark.pipeline.solve` in a worker process.

Endpoints (under ``/v1``; errors are RFC 9457 ``application/problem+json``), by router
(:mod:`greenpark.service.routers`):

* jobs — ``POST /v1/solve-jobs`` → 202 + ``Location`` (``Idempotency-Key`` honoured);
  ``GET /v1/solve-jobs`` (own jobs, ``limit``/``offset``, ``status`` filter);
  ``GET /v1/solve-jobs/{id}`` · ``GET /v1/solve-jobs/{id}/result`` (409 until finished;
  ``?format=csv|parquet&table=…`` downloads one table) · ``GET /v1/solve-jobs/{id}/report`` ·
  ``POST /v1/solve-jobs/{id}/cancel`` · ``DELETE /v1/solve-jobs/{id}``;
  ``POST /v1/solve`` — synchronous for small jobs: the result within the wait limit, else 202;
  ``POST /v1/validate`` — validation only
* parks — ``PUT/GET /v1/parks/{name}``, ``GET /v1/parks``: parks stored by name for nightly jobs
* admin — ``GET /healthz``, ``GET /readyz``
* pages — ``/ui/jobs``, ``/ui/jobs/{id}``: browser pages through signed links (outside the contract)

A client sees only its own jobs and parks: another client's job id answers 404.
"""

from __future__ import annotations

import gc
from contextlib import asynccontextmanager

from fastapi import FastAPI

from greenpark import __version__
from greenpark.service.db import make_engine, migrate
from greenpark.service.jobs import JobRequest, validate_request
from greenpark.service.keys import KeyCache
from greenpark.service.middleware import BodyLimit
from greenpark.service.pages import PageLinks
from greenpark.service.problems import add_problem_handlers, problem_openapi
from greenpark.service.routers import api_router
from greenpark.service.settings import ServiceSettings
from greenpark.service.store import Store

_WARM_UP_PARK = {
    "park": {"name": "warm-up", "latitude": 31.3, "longitude": 120.6},
    "tenants": [{"id": "a"}],
    "assets": [
        {"id": "grid", "kind": "grid", "import_price_cny_per_kwh": 0.5, "co2_kg_per_kwh": 0.5},
        {"id": "load", "kind": "electric_load", "owner": "a", "power_kw": 1},
    ],
}


def _warm_up(store: Store) -> None:
    """Do once, at start, what the first requests would otherwise pay for (about a second of imports,
    then milliseconds per first call): load pandas and pvlib, validate a tiny park, compile the status query."""
    import greenpark.inputs.checks
    import greenpark.pipeline  # noqa: F401

    validate_request(JobRequest(park=_WARM_UP_PARK, horizon="2h"), _WARM_UP_PARK, {})
    store.job("", client="")


def create_app(settings: ServiceSettings | None = None, *, workers: int = 0) -> FastAPI:
    """The service app on the store of ``settings.db_url`` (upgraded to the newest schema first).

    ``workers`` > 0 starts the execution of jobs with the app (its lifespan): with ``settings.executor``
    ``local`` a supervisor and that many worker processes; with ``dask`` a dispatcher to the Dask scheduler
    at ``settings.scheduler`` (or a ``LocalCluster`` of ``workers`` processes), running at most ``workers``
    jobs at a time. With 0 the app only answers HTTP (jobs run elsewhere: another process or replica).
    """
    settings = settings or ServiceSettings()
    engine = make_engine(settings.db_url)
    migrate(engine)
    store = Store(engine)
    _warm_up(store)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from greenpark.service.worker import start_execution

        execution = start_execution(settings, workers) if workers > 0 else None
        # The ~200,000 objects of the loaded libraries are kept out of later garbage collections:
        # a full collection over them takes ~80 ms, during which no request is answered.
        gc.collect()
        gc.freeze()
        app.state.execution = execution
        yield
        if execution is not None:
            execution.stop()

    app = FastAPI(
        title="greenpark",
        version=__version__,
        summary="Optimal, explained low-carbon schedules for industrial parks.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.store = store
    app.state.execution = None
    app.state.keys = KeyCache(store, ttl_s=settings.key_cache_s)
    app.state.links = PageLinks(store.secret(), settings.link_ttl_s)
    app.include_router(api_router())
    add_problem_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.openapi = problem_openapi(app)
    # FastAPI builds the routes of included routers on their first use: build them (and the contract) now,
    # once, rather than in the first requests, possibly several at once
    app.openapi()
    return app
