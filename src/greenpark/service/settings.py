"""Service settings: one class, one set of defaults, every field also read from a ``GREENPARK_…`` variable.

``greenpark serve`` takes its options' defaults, help and environment variables from :class:`ServiceSettings`
(``--max-jobs-in-flight`` ↔ ``GREENPARK_MAX_JOBS_IN_FLIGHT``; the job store URL is ``--db`` ↔ ``GREENPARK_DB``)
and the fields it has no option for are read from the environment alone (``GREENPARK_WAIT_LIMIT_S=5``).
The settings object is handed whole to the worker and HTTP processes (pickled by ``multiprocessing``), so
every process of one service runs with the same values.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "GREENPARK_"


class ServiceSettings(BaseSettings):
    """Places and limits of one service instance (times in seconds ``_s`` or hours ``_h``)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, populate_by_name=True, extra="forbid")

    # ------------------------------------------------------------------ where and how it runs
    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: int = Field(8000, ge=0, le=65535, description="Port.")
    workers: int = Field(2, ge=0, description="Solver worker processes (dask: jobs run at once).")
    http_workers: int = Field(1, ge=0, description="HTTP server processes (the solver workers are apart).")
    executor: Literal["local", "dask"] = Field("local", description="local (worker processes) or dask.")
    scheduler: str | None = Field(None, description="Dask scheduler address, with --executor dask.")
    db_url: str = Field(
        "sqlite:///greenpark.db",
        validation_alias=f"{ENV_PREFIX}DB",
        description="Job store URL (sqlite:///greenpark.db or postgresql+psycopg://…).",
    )

    # ------------------------------------------------------------------ limits
    max_body_bytes: int = Field(20_000_000, gt=0, description="Larger request bodies are refused with 413.")
    max_jobs_in_flight: int = Field(10, ge=0, description="Queued + running jobs per client (more: 429).")
    max_time_limit_s: float = Field(600.0, gt=0, description="Cap on a job's time limit [s].")
    default_time_limit_s: float = Field(60.0, gt=0, description="Time limit of a job that asks for none [s].")
    hard_stop_grace_s: float = Field(
        15.0, ge=0, description="A solve still running this long after its time limit is killed [s]."
    )
    cancel_grace_s: float = Field(
        5.0, ge=0, description="After a cancel the worker interrupts HiGHS; killed if still running after this [s]."
    )
    retention_h: float = Field(72.0, gt=0, description="Keep finished jobs this long [h].")
    max_queue_wait_h: float = Field(24.0, gt=0, description="A job queued longer expires unrun [h].")
    wait_limit_s: float = Field(20.0, gt=0, description="POST /v1/solve answers within this, else hands back 202 [s].")
    lease_s: float = Field(30.0, gt=0, description="Lease of a running job, renewed by its worker [s].")
    max_attempts: int = Field(2, ge=1, description="Runs of a job whose lease ran out (a lost server) at most.")
    key_cache_s: float = Field(5.0, ge=0, description="API key lookups are remembered this long [s].")
    link_ttl_s: float = Field(3600.0, gt=0, description="Signed browser links to job pages stay valid this long [s].")
    worker_nice: int = Field(10, ge=0, le=19, description="CPU priority of solver workers (requests stay prompt).")
    worker_max_jobs: int = Field(200, ge=1, description="Jobs before a worker process is replaced.")

    @classmethod
    def env_var(cls, name: str) -> str:
        """The environment variable of field ``name`` (``GREENPARK_PORT``; ``GREENPARK_DB`` for ``db_url``)."""
        alias = cls.model_fields[name].validation_alias
        return alias if isinstance(alias, str) else f"{ENV_PREFIX}{name.upper()}"

    @classmethod
    def default(cls, name: str) -> Any:
        """The default of field ``name`` (what ``serve`` shows and uses when neither option nor variable is set)."""
        return cls.model_fields[name].default


Settings = ServiceSettings
"""The name the service had for its settings before they were read with pydantic-settings."""
