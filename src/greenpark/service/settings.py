"""Service settings (command-line flags of ``greenpark serve`` or environment ``GREENPARK_*``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env(name: str, default: str) -> str:
    return os.environ.get(f"GREENPARK_{name}", default)


@dataclass(frozen=True)
class Settings:
    """Limits and places of one service instance.

    Attributes
    ----------
    db_url : str
        SQLAlchemy URL of the job store (``sqlite:///greenpark.db`` or ``postgresql+psycopg://…``).
    max_body_bytes : int
        Larger request bodies are refused with 413.
    max_jobs_in_flight : int
        Queued plus running jobs per client; more are refused with 429 and ``Retry-After``.
    max_time_limit_s, default_time_limit_s : float
        A job's solver time limit is capped at the maximum; without one it gets the default. [s]
    hard_stop_grace_s : float
        A solve still running this long after its time limit is killed (HiGHS does not always stop). [s]
    retention_h : float
        Finished jobs and their results are kept this long, then expire. [h]
    max_queue_wait_h : float
        A job still queued this long after it was submitted expires unrun (``error: queue_timeout``):
        a schedule for tomorrow that could not start today is of no use. [h]
    wait_limit_s : float
        The synchronous endpoint answers within this time or hands back the job id. [s]
    lease_s : float
        A running job's lease; its worker renews it, and a job whose lease ran out is recovered. [s]
    """

    db_url: str = field(default_factory=lambda: _env("DB", "sqlite:///greenpark.db"))
    max_body_bytes: int = 20_000_000
    max_jobs_in_flight: int = 10
    max_time_limit_s: float = 600.0
    default_time_limit_s: float = 60.0
    hard_stop_grace_s: float = 15.0
    cancel_grace_s: float = 5.0
    """After a cancel, the worker interrupts HiGHS (cancelSolve); it is killed if still running after this. [s]"""
    retention_h: float = 72.0
    max_queue_wait_h: float = 24.0
    wait_limit_s: float = 20.0
    lease_s: float = 30.0
    max_attempts: int = 2
    key_cache_s: float = 5.0
    """API key lookups are remembered this long: a revoked key stops working within it. [s]"""
    link_ttl_s: float = 3600.0
    """Signed browser links (job pages) stay valid this long. [s]"""
    worker_nice: int = 10
    """Solver workers run at this lower CPU priority so that requests are answered promptly under load."""
    worker_max_jobs: int = 200
    """A worker process exits after this many jobs and is replaced (memory stays flat)."""
