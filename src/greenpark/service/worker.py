"""Worker processes and their supervisor.

Each worker is a spawned process that claims one queued job at a time (a
conditional ``UPDATE … WHERE status = 'queued'``, so two workers or replicas
never run one job), renews its lease while solving, and stores the outcome.
The supervisor (a thread of the server) restarts dead workers and recovers
their jobs; a cancelled job is stopped by its own worker (before the next step
of its solve, or HiGHS ``cancelSolve`` from the heartbeat thread) and the worker
is killed only if the solve has not stopped within ``cancel_grace_s``; a job
running past its time limit plus a grace period (HiGHS does not always honour
its limit) is stopped by killing the worker; re-queues jobs whose lease ran out (a server that died) at most once,
and expires old results.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, delete, select, update
from sqlalchemy.engine import Engine

from greenpark.service.db import job_tables, jobs, make_engine, now, write_heartbeat
from greenpark.service.jobs import cancel_requested, execute, finish
from greenpark.service.settings import Settings

log = logging.getLogger("greenpark.service")


def claim(engine: Engine, worker: str, lease_s: float) -> str | None:
    """Take the oldest queued job, or None."""
    with engine.begin() as conn:
        row = conn.execute(
            select(jobs.c.id, jobs.c.attempts).where(jobs.c.status == "queued").order_by(jobs.c.created_at).limit(1)
        ).first()
        if row is None:
            return None
        t = now()
        res = conn.execute(
            update(jobs)
            .where(jobs.c.id == row.id, jobs.c.status == "queued")
            .values(
                status="running",
                worker=worker,
                started_at=t,
                lease_until=t + timedelta(seconds=lease_s),
                attempts=(row.attempts or 0) + 1,
            )
        )
    return row.id if res.rowcount == 1 else None


def _exit_if_orphaned(parent: int | None) -> None:
    """A worker whose server died stops at once; its job's lease runs out and the next server recovers it."""
    if parent is not None and os.getppid() != parent:
        os._exit(3)


def _heartbeat(
    engine: Engine, job_id: str, worker: str, lease_s: float, stop: threading.Event, parent: int | None = None
) -> None:
    cancelled = False
    while not stop.wait(min(0.5, lease_s / 3)):
        _exit_if_orphaned(parent)
        if not cancelled:
            with contextlib.suppress(Exception):
                cancelled = cancel_requested(engine, job_id)
        if cancelled:
            from greenpark.solve import interrupt_active

            # every beat: HiGHS stops (cancelSolve), also a run that had not started yet; the job is then
            # stored as cancelled (a cancel seen before HiGHS starts stops the solve at its next step)
            interrupt_active()
        with contextlib.suppress(Exception), engine.begin() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.worker == worker, jobs.c.status == "running")
                .values(lease_until=now() + timedelta(seconds=lease_s))
            )


def work(
    engine: Engine,
    worker: str,
    settings: Settings,
    *,
    once: bool = False,
    idle_s: float = 0.2,
    max_jobs: int | None = None,
    parent_watch: bool = False,
) -> int:
    """Claim and run jobs until stopped, ``max_jobs`` ran, or (``once``) the queue is empty. Returns jobs run."""
    done = 0
    parent = os.getppid() if parent_watch else None
    while max_jobs is None or done < max_jobs:
        _exit_if_orphaned(parent)
        job_id = claim(engine, worker, settings.lease_s)
        if job_id is None:
            if once:
                return done
            time.sleep(idle_s)
            continue
        stop = threading.Event()
        beat = threading.Thread(
            target=_heartbeat, args=(engine, job_id, worker, settings.lease_s, stop, parent), daemon=True
        )
        beat.start()
        try:
            execute(engine, job_id)
        finally:
            stop.set()
        done += 1
    return done


def worker_main(db_url: str, worker: str, settings: Settings, ready=None) -> None:  # pragma: no cover - a child
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(settings.worker_nice)  # the HTTP side stays responsive while solves run
    import greenpark.pipeline  # noqa: F401  - import the solver stack before taking jobs

    engine = make_engine(db_url)
    if ready is not None:
        ready.set()
    # after worker_max_jobs it exits and the supervisor starts a fresh one (memory stays flat)
    work(engine, worker, settings, max_jobs=settings.worker_max_jobs, parent_watch=True)


@dataclass
class Supervisor:
    """Keeps ``n`` worker processes alive and enforces cancel, hard time limits, leases and retention."""

    settings: Settings
    n: int
    engine: Engine
    processes: dict[str, mp.Process] = field(default_factory=dict)
    _ready: dict[str, object] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self, wait_s: float = 60.0) -> None:
        """Start the workers and wait (up to ``wait_s``) until they have loaded the solver stack."""
        ctx = mp.get_context("spawn")
        self._ctx = ctx
        events = [self._spawn(f"w{i}-{os.getpid()}") for i in range(self.n)]
        deadline = time.time() + wait_s
        for ev in events:
            ev.wait(max(0.0, deadline - time.time()))
        self._thread = threading.Thread(target=self._loop, name="greenpark-supervisor", daemon=True)
        self._thread.start()

    def _spawn(self, name: str):
        ready = self._ctx.Event()
        p = self._ctx.Process(target=worker_main, args=(self.settings.db_url, name, self.settings, ready), daemon=True)
        p.start()
        self.processes[name] = p
        self._ready[name] = ready  # keep it alive: a collected Event is gone before the child reads it
        return ready

    def stop(self) -> None:
        self._stop.set()
        for p in self.processes.values():
            p.terminate()
        for p in self.processes.values():
            p.join(5)

    def _loop(self) -> None:
        _every(0.5, self._stop, self.tick, "supervisor")

    def tick(self) -> None:
        """One round of checks (also called directly by tests)."""
        s = self.settings
        for name, p in list(self.processes.items()):
            if not p.is_alive():
                if p.exitcode != 0:  # 0: recycled after worker_max_jobs; else a crash
                    recover_jobs_of(self.engine, name, s, reason="solver_crash")
                self._spawn(name)
        with self.engine.connect() as conn:
            running = conn.execute(select(jobs).where(jobs.c.status == "running")).mappings().all()
        t = now()
        for job in running:
            proc = self.processes.get(job["worker"] or "")
            started = _aware(job["started_at"])
            overdue = started is not None and (t - started).total_seconds() > job["time_limit_s"] + s.hard_stop_grace_s
            asked = _aware(job.get("cancel_requested_at"))
            if job["cancel_requested"] and asked is not None and (t - asked).total_seconds() < s.cancel_grace_s:
                continue  # the worker interrupts HiGHS itself; kill only if it has not stopped by then
            if job["cancel_requested"] or overdue:
                # the job's end first: a worker that stored it since `running` was read is not killed
                if job["cancel_requested"]:
                    ended = finish(self.engine, job["id"], "cancelled", message="cancelled while running")
                else:
                    ended = finish(
                        self.engine,
                        job["id"],
                        "failed",
                        error="time_limit_exceeded",
                        message=f"stopped {s.hard_stop_grace_s:g} s after its {job['time_limit_s']:g} s limit",
                    )
                if not ended:
                    continue
                if proc is not None and proc.is_alive():
                    proc.kill()
                    proc.join(5)
                if proc is not None:
                    self._spawn(job["worker"])
        housekeeping(self.engine, s, sum(p.is_alive() for p in self.processes.values()))


def housekeeping(engine: Engine, settings: Settings, alive: int) -> None:
    """What every execution does each round: recover lost leases, expire old results, publish its pulse."""
    recover_expired_leases(engine, settings)
    expire_old(engine, settings)
    expire_queued(engine, settings)
    write_heartbeat(engine, alive)


def _every(interval_s: float, stop: threading.Event, tick, what: str) -> None:
    """Call ``tick`` every ``interval_s`` until ``stop``; a failing round is logged, never fatal."""
    while not stop.wait(interval_s):
        try:
            tick()
        except Exception:
            log.exception("%s tick failed", what)


def _aware(dt):
    if dt is None:
        return None
    from datetime import UTC

    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def recover_jobs_of(engine: Engine, worker: str, settings: Settings, reason: str) -> int:
    """Jobs a dead worker was running: failed with ``reason`` (a crash would repeat: no retry)."""
    with engine.begin() as conn:
        res = conn.execute(
            update(jobs)
            .where(jobs.c.worker == worker, jobs.c.status == "running")
            .values(status="failed", error=reason, message=f"the worker process died ({reason})", finished_at=now())
        )
    return res.rowcount


def recover_expired_leases(engine: Engine, settings: Settings) -> int:
    """Running jobs whose lease ran out (their server or worker is gone): re-queued once, then failed."""
    t = now()
    n = 0
    with engine.begin() as conn:
        stale = conn.execute(
            select(jobs.c.id, jobs.c.attempts, jobs.c.lease_until).where(jobs.c.status == "running")
        ).all()
        for row in stale:
            lease = _aware(row.lease_until)
            if lease is None or lease >= t:
                continue
            if (row.attempts or 0) < settings.max_attempts:
                conn.execute(
                    update(jobs)
                    .where(jobs.c.id == row.id, jobs.c.status == "running")
                    .values(status="queued", worker=None, lease_until=None, started_at=None)
                )
            else:
                conn.execute(
                    update(jobs)
                    .where(jobs.c.id == row.id, jobs.c.status == "running")
                    .values(status="failed", error="worker_lost", message="the job's worker was lost", finished_at=t)
                )
            n += 1
    return n


def expire_old(engine: Engine, settings: Settings) -> int:
    """Finished jobs older than the retention time: results deleted, status ``expired``."""
    cutoff = now() - timedelta(hours=settings.retention_h)
    with engine.begin() as conn:
        ids = [
            r.id
            for r in conn.execute(
                select(jobs.c.id).where(
                    and_(jobs.c.status.in_(("completed", "failed", "cancelled")), jobs.c.finished_at < cutoff)
                )
            )
        ]
        if ids:
            conn.execute(delete(job_tables).where(job_tables.c.job_id.in_(ids)))
            conn.execute(update(jobs).where(jobs.c.id.in_(ids)).values(status="expired", summary=None))
    return len(ids)


def expire_queued(engine: Engine, settings: Settings) -> int:
    """Jobs queued longer than ``max_queue_wait_h``: status ``expired``, error ``queue_timeout``, never run."""
    cutoff = now() - timedelta(hours=settings.max_queue_wait_h)
    with engine.begin() as conn:
        res = conn.execute(
            update(jobs)
            .where(jobs.c.status == "queued", jobs.c.created_at < cutoff)
            .values(
                status="expired",
                error="queue_timeout",
                finished_at=now(),
                message=f"waited more than {settings.max_queue_wait_h:g} h in the queue; not run",
            )
        )
    return res.rowcount


def run_claimed(db_url: str, job_id: str, worker: str, lease_s: float) -> str:
    """Run one already-claimed job where this function runs (a Dask worker), renewing its lease."""
    engine = make_engine(db_url)
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(engine, job_id, worker, lease_s, stop), daemon=True)
    beat.start()
    try:
        execute(engine, job_id)
    finally:
        stop.set()
    return job_id


@dataclass
class DaskDispatcher:
    """Runs jobs on a Dask cluster instead of local worker processes.

    A thread of the server claims queued jobs (at most ``slots`` at a time, as
    worker ``dask-<pid>``) and submits :func:`run_claimed` for each; the task
    writes the outcome to the job store itself, so the store must be shared
    (PostgreSQL) when the workers run on other machines. Cancel: a queued job is
    cancelled at once; a running one is marked cancelled and its future
    cancelled — a task already solving interrupts HiGHS when its heartbeat sees
    the request, and its result is discarded (the store keeps the first end of a
    job). Time limits are HiGHS's own; there is no hard stop on a remote worker. Leases,
    re-queueing after a lost server and retention work as with local workers.
    """

    settings: Settings
    engine: Engine
    scheduler: str | None = None
    slots: int = 2
    futures: dict[str, object] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        from distributed import Client, LocalCluster

        self._cluster = None
        if self.scheduler:
            self.client = Client(self.scheduler)
        else:
            self._cluster = LocalCluster(
                n_workers=self.slots, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self.client = Client(self._cluster)
        self.name = f"dask-{os.getpid()}"
        self.processes: dict[str, mp.Process] = {}  # for /readyz: the cluster's workers are not local processes
        self._thread = threading.Thread(target=self._loop, name="greenpark-dask-dispatcher", daemon=True)
        self._thread.start()

    def alive(self) -> int:
        try:
            return len(self.client.scheduler_info().get("workers", {}))
        except Exception:
            return 0

    def stop(self) -> None:
        self._stop.set()
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def _loop(self) -> None:
        _every(0.2, self._stop, self.tick, "dispatcher")

    def tick(self) -> None:
        s = self.settings
        for job_id, fut in list(self.futures.items()):
            if fut.done():
                del self.futures[job_id]
        with self.engine.connect() as conn:
            cancelled = conn.execute(
                select(jobs.c.id).where(jobs.c.status == "running", jobs.c.cancel_requested.is_(True))
            ).all()
        for row in cancelled:
            fut = self.futures.pop(row.id, None)
            if fut is not None:
                fut.cancel()
            finish(self.engine, row.id, "cancelled", message="cancelled while running")
        while len(self.futures) < self.slots:
            job_id = claim(self.engine, self.name, s.lease_s)
            if job_id is None:
                break
            self.futures[job_id] = self.client.submit(
                run_claimed, s.db_url, job_id, self.name, s.lease_s, pure=False, key=f"greenpark-job-{job_id}"
            )
        housekeeping(self.engine, s, self.alive())
