"""What the API answers: the response models of the contract (``api/openapi.json``) and a job's view."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from greenpark.service.pages import PageLinks
from greenpark.service.problems import ProblemDetails
from greenpark.service.states import JobState
from greenpark.service.store import Record, aware


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
    status: Literal[tuple(JobState)]  # the states' values, as a plain string enum in the contract
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


JOB_RESPONSES: dict[int | str, dict[str, Any]] = {401: {"model": ProblemDetails}, 404: {"model": ProblemDetails}}
"""The errors of every route that reads a client's jobs or parks."""
SUBMIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **JOB_RESPONSES,
    413: {"model": ProblemDetails},
    422: {"model": ProblemDetails},
    429: {"model": ProblemDetails},
}
"""The errors of a route that stores a job."""


def iso(dt: datetime | None) -> str | None:
    return None if dt is None else aware(dt).isoformat()


def job_view(row: Record, links: PageLinks | None = None) -> JobStatus:
    """A stored job as its owner sees it (with signed page links when ``links`` is given)."""
    summary = row["summary"] or {}
    jid = row["id"]
    base = f"/v1/solve-jobs/{jid}"
    return JobStatus(
        id=jid,
        status=row["status"],
        outcome=row["outcome"],
        message=row["message"],
        error=row["error"],
        created_at=iso(row["created_at"]),
        started_at=iso(row["started_at"]),
        finished_at=iso(row["finished_at"]),
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
            page=links.to(row["client"], jid) if links else None,
            jobs_page=links.to(row["client"], "*") if links else None,
        ),
    )
