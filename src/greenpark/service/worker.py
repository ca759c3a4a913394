"""The execution of jobs: worker processes and their supervisor, or a dispatcher to a Dask cluster.

Each worker is a spawned process that claims one queued job at a time (a conditional update, so two workers
or replicas never run one job), renews its lease while solving, and stores the outcome. The supervisor (a
thread of the server) restarts dead workers and recovers their jobs; a cancelled job is stopped by its own
worker (before the next step of its solve, or HiGHS ``cancelSolve`` from the heartbeat thread) and the worker
is killed only if the solve has not stopped within ``cancel_grace_s``; a job running past its time limit plus
a grace period (HiGHS does not always honour its limit) is stopped by killing the worker; jobs whose lease ran
out (a server that died) are re-queued at most once, and old results expire.

Every process gets the service's :class:`~greenpark.service.settings.ServiceSettings` whole (pickled by
``multiprocessing`` or Dask) and opens the store of ``settings.db_url`` itself.
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

from greenpark.service.db import make_engine, migrate, now
from greenpark.service.jobs import execute
from greenpark.service.settings import ServiceSettings
from greenpark.service.states import JobState
from greenpark.service.store import Store, aware

log = logging.getLogger("greenpark.service")


def _exit_if_orphaned(parent: int | None) -> None:
    """A worker whose server died stops at once; its job's lease runs out and the next server recovers it."""
    if parent is not None and os.getppid() != parent:
        os._exit(3)


def _heartbeat(
    store: Store, job_id: str, worker: str, lease_s: float, stop: threading.Event, parent: int | None = None
) -> None:
    cancelled = False
    while not stop.wait(min(0.5, lease_s / 3)):
        _exit_if_orphaned(parent)
        if not cancelled:
            with contextlib.suppress(Exception):
                cancelled = store.cancel_requested(job_id)
        if cancelled:
            from greenpark.solve import interrupt_active

            # every beat: HiGHS stops (cancelSolve), also a run that had not started yet; the job is then
            # stored as cancelled (a cancel seen before HiGHS starts stops the solve at its next step)
            interrupt_active()
        with contextlib.suppress(Exception):
            store.renew_lease(job_id, worker, lease_s)


def run_job(store: Store, job_id: str, worker: str, lease_s: float, parent: int | None = None) -> None:
    """Run one claimed job here, its lease renewed (and a cancel watched) by a heartbeat thread meanwhile."""
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(store, job_id, worker, lease_s, stop, parent), daemon=True)
    beat.start()
    try:
        execute(store, job_id)
    finally:
        stop.set()


def work(
    store: Store,
    worker: str,
    settings: ServiceSettings,
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
        job_id = store.claim(worker, settings.lease_s)
        if job_id is None:
            if once:
                return done
            time.sleep(idle_s)
            continue
        run_job(store, job_id, worker, settings.lease_s, parent)
        done += 1
    return done


def worker_main(worker: str, settings: ServiceSettings, ready=None) -> None:  # pragma: no cover - a child
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(settings.worker_nice)  # the HTTP side stays responsive while solves run
    import greenpark.pipeline  # noqa: F401  - import the solver stack before taking jobs

    store = Store(make_engine(settings.db_url))
    if ready is not None:
        ready.set()
    # after worker_max_jobs it exits and the supervisor starts a fresh one (memory stays flat)
    work(store, worker, settings, max_jobs=settings.worker_max_jobs, parent_watch=True)


def start_execution(settings: ServiceSettings, workers: int | None = None):
    """Start the execution of jobs in this process (supervisor + ``workers`` worker processes, or the Dask
    dispatcher, as ``settings.executor`` says); ``workers`` defaults to ``settings.workers``."""
    workers = settings.workers if workers is None else workers
    store = Store(make_engine(settings.db_url))
    migrate(store.engine)
    if settings.executor == "dask":
        sup = DaskDispatcher(settings, store, slots=workers)
    else:
        sup = Supervisor(settings, workers, store)
    sup.start()
    return sup


@dataclass
class Supervisor:
    """Keeps ``n`` worker processes alive and enforces cancel, hard time limits, leases and retention."""

    settings: ServiceSettings
    n: int
    store: Store
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
        p = self._ctx.Process(target=worker_main, args=(name, self.settings, ready), daemon=True)
        p.start()
        self.processes[name] = p
        self._ready[name] = ready  # keep it alive: a collected Event is gone before the child reads it
        return ready

    def alive(self) -> int:
        return sum(p.is_alive() for p in self.processes.values())

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
                    self.store.fail_running_of(name, "solver_crash", "the worker process died (solver_crash)")
                self._spawn(name)
        t = now()
        for job in self.store.running():
            proc = self.processes.get(job["worker"] or "")
            started = aware(job["started_at"])
            overdue = started is not None and (t - started).total_seconds() > job["time_limit_s"] + s.hard_stop_grace_s
            asked = aware(job["cancel_requested_at"])
            if job["cancel_requested"] and asked is not None and (t - asked).total_seconds() < s.cancel_grace_s:
                continue  # the worker interrupts HiGHS itself; kill only if it has not stopped by then
            if job["cancel_requested"] or overdue:
                # the job's end first: a worker that stored it since `running` was read is not killed
                if job["cancel_requested"]:
                    ended = self.store.finish(job["id"], JobState.CANCELLED, message="cancelled while running")
                else:
                    ended = self.store.finish(
                        job["id"],
                        JobState.FAILED,
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
        housekeeping(self.store, s, self.alive())


def housekeeping(store: Store, settings: ServiceSettings, alive: int) -> None:
    """What every execution does each round: recover lost leases, expire old results, publish its pulse."""
    store.recover_expired_leases(settings.max_attempts)
    store.expire_finished(settings.retention_h)
    store.expire_queued(settings.max_queue_wait_h)
    store.write_heartbeat(alive)


def _every(interval_s: float, stop: threading.Event, tick, what: str) -> None:
    """Call ``tick`` every ``interval_s`` until ``stop``; a failing round is logged, never fatal."""
    while not stop.wait(interval_s):
        try:
            tick()
        except Exception:
            log.exception("%s tick failed", what)


def run_claimed(settings: ServiceSettings, job_id: str, worker: str) -> str:
    """Run one already-claimed job where this function runs (a Dask worker), renewing its lease."""
    store = Store(make_engine(settings.db_url))
    run_job(store, job_id, worker, settings.lease_s)
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
    The scheduler is ``settings.scheduler`` (none: a ``LocalCluster`` of ``slots`` processes).
    """

    settings: ServiceSettings
    store: Store
    slots: int = 2
    futures: dict[str, object] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        from distributed import Client, LocalCluster

        self._cluster = None
        if self.settings.scheduler:
            self.client = Client(self.settings.scheduler)
        else:
            self._cluster = LocalCluster(
                n_workers=self.slots, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self.client = Client(self._cluster)
        self.name = f"dask-{os.getpid()}"
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
        for job_id, fut in list(self.futures.items()):
            if fut.done():
                del self.futures[job_id]
        for row in self.store.running(cancel_requested=True):
            fut = self.futures.pop(row["id"], None)
            if fut is not None:
                fut.cancel()
            self.store.finish(row["id"], JobState.CANCELLED, message="cancelled while running")
        while len(self.futures) < self.slots:
            job_id = self.store.claim(self.name, self.settings.lease_s)
            if job_id is None:
                break
            self.futures[job_id] = self.client.submit(
                run_claimed, self.settings, job_id, self.name, pure=False, key=f"greenpark-job-{job_id}"
            )
        housekeeping(self.store, self.settings, self.alive())
