"""The states of a solve job: the one list every part of the service reads (store, workers, routes, pages).

A job is ``queued`` when stored, ``running`` once a worker claimed it, and ends ``completed`` (whatever the
solver's outcome: optimal, infeasible, …), ``failed`` (``error`` says why) or ``cancelled``; a finished job
becomes ``expired`` when its retention ends (its result is deleted), and so does a job left queued too long.
"""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


IN_FLIGHT = (JobState.QUEUED, JobState.RUNNING)
"""Not ended yet: these count against a client's in-flight limit, and only these can end."""

FINISHED = (JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED)
"""Ended, with what the job produced still kept (its result, message and error)."""

TERMINAL = (*FINISHED, JobState.EXPIRED)
"""Ended: nothing changes the job any more but its expiry or deletion."""
