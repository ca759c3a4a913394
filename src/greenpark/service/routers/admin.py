"""Health of the service: liveness and readiness (the job store answers, workers are alive)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter

from greenpark.service.deps import ExecutionDep, StoreDep
from greenpark.service.problems import ProblemDetails, ProblemError

router = APIRouter(tags=["health"])

HEARTBEAT_STALE_S = 15.0
"""An execution in another process whose heartbeat is older than this counts as no worker alive. [s]"""


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"model": ProblemDetails}})
def readyz(store: StoreDep, execution: ExecutionDep) -> dict[str, Any]:
    """Readiness: the job store answers and the workers (if any) are alive."""
    try:
        store.ping()
    except Exception as exc:
        raise ProblemError(503, "Job store unavailable", str(exc)) from None
    if execution is not None:
        alive = execution.alive()
    else:  # the execution runs in another process (serve --http-workers): read its heartbeat
        beat = store.heartbeat()
        alive = (
            beat["alive"] if beat and time.time() - beat["time"] < HEARTBEAT_STALE_S else (None if beat is None else 0)
        )
    if alive == 0:
        raise ProblemError(503, "No worker alive")
    return {"status": "ready", "workers": alive or 0}
