"""The job store: every query of the service (jobs, result tables, stored parks, API keys, shared values).

Routes, workers, pages and the key commands reach the database only through a :class:`Store`; the tables are
declared in :mod:`greenpark.service.db` and their schema is kept by its migrations. Rows come back as
read-only mappings (``row["status"]``); a job's state is a :class:`~greenpark.service.states.JobState`.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select, text, update
from sqlalchemy.engine import Connection, Engine, Row

from greenpark.service.db import api_keys, job_tables, jobs, now, parks, service_secrets
from greenpark.service.states import FINISHED, IN_FLIGHT, JobState

Record = Mapping[str, Any]

SUBMITTED = (
    "id", "client", "status", "request", "body_hash", "idempotency_key", "park_name", "time_limit_s", "created_at",
    "attempts", "cancel_requested",
)  # fmt: skip
"""The columns a submit writes (the others start empty)."""

# INSERT INTO jobs (…) SELECT :id, … WHERE (queued + running jobs of :room_for) < :max_in_flight — one statement,
# compiled once: the job is stored only while its client has room.
_INSERT_IF_ROOM = (
    jobs.insert()
    .from_select(
        list(SUBMITTED),
        select(*(bindparam(c, type_=jobs.c[c].type) for c in SUBMITTED)).where(
            select(func.count())
            .select_from(jobs)
            .where(jobs.c.client == bindparam("room_for"), jobs.c.status.in_(IN_FLIGHT))
            .scalar_subquery()
            < bindparam("max_in_flight")
        ),
    )
    .returning(jobs.c.id)
)


class NoRoomError(Exception):
    """The client already has its maximum of jobs in flight."""


class SameKeyError(Exception):
    """A job with the same Idempotency-Key committed first (carries its row)."""

    def __init__(self, row: Record) -> None:
        super().__init__(row["id"])
        self.row = row


class Store:
    """The queries of one job store (an engine; cheap to make)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def ping(self) -> None:
        """Raise if the store does not answer."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    # ------------------------------------------------------------------ jobs: submit and read
    def add_job(self, row: dict[str, Any], max_in_flight: int) -> Record:
        """Store a submitted job (``row``: the :data:`SUBMITTED` columns) while its client has room.

        Raises :class:`NoRoomError` when the client has ``max_in_flight`` jobs queued or running, and
        :class:`SameKeyError` when a job of the same Idempotency-Key was stored meanwhile (through another
        process): that job wins and this one is rolled back. Submits of one client reach the check one at a
        time (SQLite: the INSERT holds the database's single write lock until commit; PostgreSQL: the client's
        advisory lock), so HTTP processes and replicas submitting at once cannot together pass the limit.
        Returns the stored row as a reader would see it (no second query: the columns not written are empty).
        """
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:client))"), {"client": row["client"]})
            inserted = conn.execute(
                _INSERT_IF_ROOM, {**row, "room_for": row["client"], "max_in_flight": max_in_flight}
            ).first()
            if inserted is None:
                raise NoRoomError
            if row["idempotency_key"]:
                prior = self._job_of_key(conn, row["client"], row["idempotency_key"], other_than=row["id"])
                if prior is not None:
                    raise SameKeyError(prior)
        return {**{c.name: None for c in jobs.columns}, **row}

    def job_of_key(self, client: str, idempotency_key: str, other_than: str) -> Record | None:
        """The client's job sent with ``idempotency_key``, other than job ``other_than``, or None."""
        with self.engine.connect() as conn:
            return self._job_of_key(conn, client, idempotency_key, other_than)

    @staticmethod
    def _job_of_key(conn: Connection, client: str, idempotency_key: str, other_than: str) -> Record | None:
        query = select(jobs).where(
            jobs.c.client == client, jobs.c.idempotency_key == idempotency_key, jobs.c.id != other_than
        )
        return conn.execute(query).mappings().first()

    def job(self, job_id: str, client: str | None = None) -> Record | None:
        """A job (only if it is ``client``'s, when given), or None."""
        query = select(jobs).where(jobs.c.id == job_id)
        if client is not None:
            query = query.where(jobs.c.client == client)
        with self.engine.connect() as conn:
            return conn.execute(query).mappings().first()

    def jobs_of(self, client: str, state: str | None = None, limit: int = 50, offset: int = 0) -> list[Record]:
        """The client's jobs (in ``state``, if given), newest first."""
        query = select(jobs).where(*self._of(client, state)).order_by(jobs.c.created_at.desc())
        with self.engine.connect() as conn:
            return list(conn.execute(query.limit(limit).offset(offset)).mappings().all())

    def count_jobs(self, client: str, state: str | None = None) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(jobs).where(*self._of(client, state))).scalar()

    @staticmethod
    def _of(client: str, state: str | None) -> list:
        return [jobs.c.client == client] + ([] if state is None else [jobs.c.status == state])

    # ------------------------------------------------------------------ jobs: cancel and delete
    def cancel(self, job_id: str) -> None:
        """A queued job is cancelled at once; a running one is asked to stop (its worker honours it)."""
        t = now()
        with self.engine.begin() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.status == JobState.QUEUED)
                .values(status=JobState.CANCELLED, finished_at=t, message="cancelled before it ran")
            )
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.status == JobState.RUNNING)
                .values(cancel_requested=True, cancel_requested_at=t)
            )

    def delete_job(self, job_id: str, running: bool) -> None:
        """Delete a job and its result; a ``running`` one is kept as cancelled (its worker still ends it)."""
        with self.engine.begin() as conn:
            if running:
                conn.execute(
                    update(jobs)
                    .where(jobs.c.id == job_id)
                    .values(
                        cancel_requested=True,
                        request={},
                        summary=None,
                        status=JobState.CANCELLED,
                        finished_at=now(),
                        message="deleted",
                    )
                )
            conn.execute(delete(job_tables).where(job_tables.c.job_id == job_id))
            if not running:
                conn.execute(delete(jobs).where(jobs.c.id == job_id))

    # ------------------------------------------------------------------ jobs: the execution
    def claim(self, worker: str, lease_s: float) -> str | None:
        """Take the oldest queued job for ``worker`` (a conditional update: no two workers get one job)."""
        with self.engine.begin() as conn:
            row = conn.execute(
                select(jobs.c.id, jobs.c.attempts)
                .where(jobs.c.status == JobState.QUEUED)
                .order_by(jobs.c.created_at)
                .limit(1)
            ).first()
            if row is None:
                return None
            t = now()
            res = conn.execute(
                update(jobs)
                .where(jobs.c.id == row.id, jobs.c.status == JobState.QUEUED)
                .values(
                    status=JobState.RUNNING,
                    worker=worker,
                    started_at=t,
                    lease_until=t + timedelta(seconds=lease_s),
                    attempts=(row.attempts or 0) + 1,
                )
            )
        return row.id if res.rowcount == 1 else None

    def renew_lease(self, job_id: str, worker: str, lease_s: float) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.worker == worker, jobs.c.status == JobState.RUNNING)
                .values(lease_until=now() + timedelta(seconds=lease_s))
            )

    def cancel_requested(self, job_id: str) -> bool:
        with self.engine.connect() as conn:
            return bool(conn.execute(select(jobs.c.cancel_requested).where(jobs.c.id == job_id)).scalar())

    def running(self, cancel_requested: bool | None = None) -> list[Record]:
        """Running jobs (only those whose cancel was or was not asked, when given)."""
        query = select(jobs).where(jobs.c.status == JobState.RUNNING)
        if cancel_requested is not None:
            query = query.where(jobs.c.cancel_requested.is_(cancel_requested))
        with self.engine.connect() as conn:
            return list(conn.execute(query).mappings().all())

    def finish(
        self,
        job_id: str,
        state: JobState,
        *,
        outcome: str | None = None,
        message: str | None = None,
        error: str | None = None,
        summary: dict | None = None,
        tables: dict[str, bytes] | None = None,
    ) -> bool:
        """Store a job's end, once: only a job still in flight can end (False: it had ended already).

        ``tables``: name → the table as Parquet (:func:`greenpark.tables.frame_to_parquet`).
        """
        with self.engine.begin() as conn:
            res = conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.status.in_(IN_FLIGHT))
                .values(
                    status=state,
                    outcome=outcome,
                    message=message,
                    error=error,
                    summary=summary,
                    finished_at=now(),
                    lease_until=None,
                )
            )
            if res.rowcount and tables:
                conn.execute(delete(job_tables).where(job_tables.c.job_id == job_id))
                conn.execute(
                    job_tables.insert(),
                    [{"job_id": job_id, "name": k, "csv": "", "parquet": v} for k, v in tables.items()],
                )
        return bool(res.rowcount)

    def fail_running_of(self, worker: str, error: str, message: str) -> int:
        """The jobs a dead worker was running: failed (a crash would repeat: no retry)."""
        with self.engine.begin() as conn:
            res = conn.execute(
                update(jobs)
                .where(jobs.c.worker == worker, jobs.c.status == JobState.RUNNING)
                .values(status=JobState.FAILED, error=error, message=message, finished_at=now())
            )
        return res.rowcount

    def recover_expired_leases(self, max_attempts: int) -> int:
        """Running jobs whose lease ran out (their server or worker is gone): re-queued while they have had
        fewer than ``max_attempts`` runs, else failed (``worker_lost``)."""
        t = now()
        n = 0
        with self.engine.begin() as conn:
            stale = conn.execute(
                select(jobs.c.id, jobs.c.attempts, jobs.c.lease_until).where(jobs.c.status == JobState.RUNNING)
            ).all()
            for row in stale:
                lease = aware(row.lease_until)
                if lease is None or lease >= t:
                    continue
                still_running = update(jobs).where(jobs.c.id == row.id, jobs.c.status == JobState.RUNNING)
                if (row.attempts or 0) < max_attempts:
                    conn.execute(
                        still_running.values(status=JobState.QUEUED, worker=None, lease_until=None, started_at=None)
                    )
                else:
                    conn.execute(
                        still_running.values(
                            status=JobState.FAILED,
                            error="worker_lost",
                            message="the job's worker was lost",
                            finished_at=t,
                        )
                    )
                n += 1
        return n

    def expire_finished(self, retention_h: float) -> int:
        """Jobs that ended more than ``retention_h`` ago: result deleted, state ``expired``."""
        cutoff = now() - timedelta(hours=retention_h)
        with self.engine.begin() as conn:
            old = select(jobs.c.id).where(jobs.c.status.in_(FINISHED), jobs.c.finished_at < cutoff)
            ids = list(conn.execute(old).scalars())
            if ids:
                conn.execute(delete(job_tables).where(job_tables.c.job_id.in_(ids)))
                conn.execute(update(jobs).where(jobs.c.id.in_(ids)).values(status=JobState.EXPIRED, summary=None))
        return len(ids)

    def expire_queued(self, max_queue_wait_h: float) -> int:
        """Jobs queued more than ``max_queue_wait_h``: state ``expired``, error ``queue_timeout``, never run."""
        t = now()
        with self.engine.begin() as conn:
            res = conn.execute(
                update(jobs)
                .where(jobs.c.status == JobState.QUEUED, jobs.c.created_at < t - timedelta(hours=max_queue_wait_h))
                .values(
                    status=JobState.EXPIRED,
                    error="queue_timeout",
                    finished_at=t,
                    message=f"waited more than {max_queue_wait_h:g} h in the queue; not run",
                )
            )
        return res.rowcount

    # ------------------------------------------------------------------ result tables
    def table_rows(self, job_id: str, names: Iterable[str] | None = None) -> list[Row]:
        """A job's stored tables: rows of ``name``, ``parquet`` (None for a table stored as CSV) and ``csv``."""
        query = select(job_tables.c.name, job_tables.c.parquet, job_tables.c.csv).where(job_tables.c.job_id == job_id)
        if names is not None:
            query = query.where(job_tables.c.name.in_(list(names)))
        with self.engine.connect() as conn:
            return list(conn.execute(query).all())

    def summary(self, job_id: str) -> dict | None:
        with self.engine.connect() as conn:
            return conn.execute(select(jobs.c.summary).where(jobs.c.id == job_id)).scalar()

    # ------------------------------------------------------------------ stored parks
    def put_park(self, client: str, name: str, document: dict, datasets: dict[str, str]) -> Record:
        """Store (or replace) the client's park ``name``; returns the stored row."""
        row = {"client": client, "name": name, "document": document, "datasets": datasets, "updated_at": now()}
        with self.engine.begin() as conn:
            conn.execute(delete(parks).where(parks.c.client == client, parks.c.name == name))
            conn.execute(parks.insert().values(**row))
        return row

    def park(self, client: str, name: str) -> Record | None:
        with self.engine.connect() as conn:
            return conn.execute(select(parks).where(parks.c.client == client, parks.c.name == name)).mappings().first()

    def parks_of(self, client: str) -> list[Record]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(parks).where(parks.c.client == client)).mappings().all())

    # ------------------------------------------------------------------ API keys
    def add_key(self, key_id: str, client: str, park: str | None, key_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                api_keys.insert().values(id=key_id, client=client, park=park, key_hash=key_hash, created_at=now())
            )

    def revoke_key(self, key_id: str) -> bool:
        with self.engine.begin() as conn:
            res = conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=now())
            )
        return res.rowcount > 0

    def api_keys(self) -> list[Record]:
        """Every key, oldest first (without its hash)."""
        with self.engine.connect() as conn:
            query = select(*(c for c in api_keys.c if c.name != "key_hash")).order_by(api_keys.c.created_at)
            return list(conn.execute(query).mappings().all())

    def active_key(self, key_hash: str) -> Record | None:
        """The key of ``key_hash`` if it is not revoked."""
        with self.engine.connect() as conn:
            query = select(api_keys).where(api_keys.c.key_hash == key_hash, api_keys.c.revoked_at.is_(None))
            return conn.execute(query).mappings().first()

    # ------------------------------------------------------------------ values shared by every replica
    def secret(self, name: str = "page_links") -> str:
        """A random secret shared by every replica of the store (created on first use)."""
        with self.engine.begin() as conn:
            value = self._value(conn, name)
            if value is None:
                value = secrets.token_hex(32)
                conn.execute(service_secrets.insert().values(name=name, value=value))
        return value

    def write_heartbeat(self, alive: int) -> None:
        """The execution's pulse (time, live workers), read by HTTP processes that run no workers."""
        value = json.dumps({"time": time.time(), "alive": alive})
        with self.engine.begin() as conn:
            if self._value(conn, "heartbeat") is None:
                conn.execute(service_secrets.insert().values(name="heartbeat", value=value))
            else:
                conn.execute(service_secrets.update().where(service_secrets.c.name == "heartbeat").values(value=value))

    def heartbeat(self) -> dict | None:
        with self.engine.connect() as conn:
            value = self._value(conn, "heartbeat")
        return json.loads(value) if value else None

    @staticmethod
    def _value(conn: Connection, name: str) -> str | None:
        return conn.execute(select(service_secrets.c.value).where(service_secrets.c.name == name)).scalar()


def aware(dt: datetime | None) -> datetime | None:
    """``dt`` with a time zone (SQLite hands back naive UTC times)."""
    if dt is None:
        return None
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
