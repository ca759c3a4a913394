"""Several `serve` replicas on one PostgreSQL job store: every job runs exactly once.

`make test` installs and starts Debian's PostgreSQL with a `greenpark_test` database and passes
its URL in ``GREENPARK_TEST_POSTGRES``; without it these tests fail rather than pass unseen.
"""

from __future__ import annotations

import os

import httpx
import pytest
from sqlalchemy import func, select

from greenpark.service.db import job_tables, jobs, make_engine
from greenpark.service.keys import create_key
from greenpark.service.states import JobState
from tests.service.test_api import check_concurrent_limits, small_request
from tests.service.test_server import Server, _wait, slow_request

pytestmark = pytest.mark.service


def test_two_replicas_share_one_postgres_store_and_run_each_job_once(pg_url):
    engine = make_engine(pg_url)
    key = create_key(engine, "replicas")
    a, b = Server(pg_url, workers=1).start(), Server(pg_url, workers=1).start()
    try:
        ids = []
        for i in range(10):  # submitted through both replicas in turn (10: the in-flight limit)
            url = (a if i % 2 == 0 else b).url
            with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=30) as c:
                r = c.post("/v1/solve-jobs", json=small_request())
                assert r.status_code == 202
                ids.append(r.json()["id"])
        with httpx.Client(base_url=b.url, headers={"X-API-Key": key}, timeout=30) as c:
            finals = [_wait(c, i) for i in ids]  # a job submitted to one replica is seen by the other
            listed = c.get("/v1/solve-jobs?limit=200").json()
    finally:
        a.stop()
        b.stop()
    assert [f["status"] for f in finals] == [JobState.COMPLETED] * 10
    assert all(f["objective_cny"] == pytest.approx(158.0) for f in finals)  # the hand optimum of small_request
    assert listed["total"] == 10
    with engine.connect() as conn:
        rows = conn.execute(select(jobs.c.id, jobs.c.attempts, jobs.c.worker).where(jobs.c.id.in_(ids))).all()
        tables = dict(
            conn.execute(
                select(job_tables.c.job_id, func.count())
                .where(job_tables.c.job_id.in_(ids))
                .group_by(job_tables.c.job_id)
            ).all()
        )
    assert all(r.attempts == 1 for r in rows)  # claimed once: never re-run by the other replica
    assert {r.worker.split("-")[-1] for r in rows} >= {str(a.proc.pid), str(b.proc.pid)}  # both replicas worked
    assert tables == dict.fromkeys(ids, 6)  # one set of result tables per job


def test_a_replica_killed_mid_job_leaves_its_job_to_the_other(pg_url):
    """kill -9 of one replica while its worker runs a job: the survivor re-queues it after the lease."""
    import signal

    engine = make_engine(pg_url)
    key = create_key(engine, "replicas")
    slow = slow_request()
    a = Server(pg_url, workers=1).start()
    try:
        with httpx.Client(base_url=a.url, headers={"X-API-Key": key}, timeout=30) as c:
            job = c.post("/v1/solve-jobs", json=slow).json()["id"]
            _wait(c, job, states=(JobState.RUNNING,), timeout=60)
        for pid in a.workers_pids():
            os.kill(pid, signal.SIGKILL)  # the replica and its worker vanish (a lost machine)
        a.kill9()
    finally:
        a.stop()
    b = Server(pg_url, workers=1).start()  # re-queues the job once its lease (3 s) has run out
    try:
        with httpx.Client(base_url=b.url, headers={"X-API-Key": key}, timeout=30) as c:
            final = _wait(c, job, timeout=120)
    finally:
        b.stop()
    assert final["status"] == JobState.COMPLETED
    with engine.connect() as conn:
        attempts = conn.execute(select(jobs.c.attempts).where(jobs.c.id == job)).scalar()
        n_tables = conn.execute(select(func.count()).select_from(job_tables).where(job_tables.c.job_id == job)).scalar()
    assert attempts == 2  # re-queued once by the surviving replica
    assert n_tables == 6


def test_replicas_submitting_at_once_respect_the_limits(pg_url):
    from greenpark.service.app import create_app
    from greenpark.service.settings import ServiceSettings

    settings = ServiceSettings(db_url=pg_url, max_jobs_in_flight=3)
    apps = [create_app(settings), create_app(settings)]  # two replicas' engines, no workers
    key = create_key(apps[0].state.store, "alice")
    check_concurrent_limits(apps, key, apps[0].state.store, settings.max_jobs_in_flight)
