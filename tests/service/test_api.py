"""The solve service through FastAPI's TestClient: every endpoint, state and error."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from greenpark.service.app import create_app
from greenpark.service.keys import create_key
from greenpark.service.settings import ServiceSettings
from greenpark.service.states import JobState
from greenpark.service.store import Store
from greenpark.service.worker import Supervisor, work
from tests.conftest import MODELS, ROOT

pytestmark = pytest.mark.service
EXAMPLE = json.loads((ROOT / "api" / "examples" / "reference-park.json").read_text())


def small_request(**extra) -> dict:
    """A one-tenant park whose series are inline arrays, 4 h."""
    park = {
        "park": {"name": "small", "latitude": 31.3, "longitude": 120.6},
        "tenants": [{"id": "a"}],
        "assets": [
            {"id": "grid", "kind": "grid", "import_limit_kw": 1000, "import_price_cny_per_kwh": [0.3, 0.3, 1.0, 1.0],
             "co2_kg_per_kwh": 0.5},
            {"id": "bess", "kind": "battery", "power_kw": 100, "energy_kwh": 200, "charge_efficiency": 0.9,
             "discharge_efficiency": 0.9, "soc_min_fraction": 0, "soc_max_fraction": 1, "soc_initial_fraction": 0},
            {"id": "load", "kind": "electric_load", "owner": "a", "power_kw": 100},
        ],
    }  # fmt: skip
    return {"park": park, "start": "2026-07-15T00:00:00", "horizon": "4h", **extra}


def concurrent_submits(apps: list, key: str, n: int, idempotency_key: str | None = None) -> list:
    """``n`` submits released together from ``n`` threads, each with its own event loop, spread over
    ``apps`` (each with its own engine, like HTTP processes or replicas): the responses."""
    import asyncio
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    headers = {"X-API-Key": key} | ({"Idempotency-Key": idempotency_key} if idempotency_key else {})
    gate = threading.Barrier(n)

    def one(i: int):
        async def post():
            transport = httpx.ASGITransport(app=apps[i % len(apps)])
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                gate.wait()
                return await c.post("/v1/solve-jobs", json=small_request(), headers=headers)

        return asyncio.run(post())

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def check_concurrent_limits(apps: list, key: str, store: Store, max_in_flight: int) -> None:
    """Submits at once never pass the in-flight limit together, nor make two jobs of one Idempotency-Key."""
    codes = sorted(r.status_code for r in concurrent_submits(apps, key, 4 * max_in_flight))
    assert codes == [202] * max_in_flight + [429] * (3 * max_in_flight)
    for job in store.jobs_of("alice", limit=200):  # the queue is worked off: room for the idempotency check
        assert store.finish(job["id"], JobState.COMPLETED)
    same = concurrent_submits(apps, key, 8, idempotency_key="nightly-2026-11-24")
    assert {r.status_code for r in same} == {202}
    assert len({r.json()["id"] for r in same}) == 1
    assert store.count_jobs("alice") == max_in_flight + 1


@pytest.fixture
def service(tmp_path):
    settings = ServiceSettings(db_url=f"sqlite:///{tmp_path / 'jobs.db'}", max_jobs_in_flight=3, max_time_limit_s=30)
    app = create_app(settings)
    client = TestClient(app)
    store = app.state.store
    alice = {"Authorization": f"Bearer {create_key(store, 'alice')}"}
    bob = {"X-API-Key": create_key(store, "bob")}

    def run_queue() -> int:
        return work(store, "test-worker", settings, once=True)

    return client, store, settings, alice, bob, run_queue


def test_health_and_auth(service):
    client, *_ = service
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    r = client.get("/v1/solve-jobs")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/solve-jobs", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_submit_poll_result_and_its_value(service):
    client, _store, _settings, alice, _bob, run_queue = service
    r = client.post("/v1/solve-jobs", json=small_request(), headers=alice)
    assert r.status_code == 202
    job = r.json()
    assert r.headers["location"] == f"/v1/solve-jobs/{job['id']}"
    assert job["status"] == JobState.QUEUED
    assert client.get(f"/v1/solve-jobs/{job['id']}/result", headers=alice).status_code == 409
    assert run_queue() == 1
    st = client.get(f"/v1/solve-jobs/{job['id']}", headers=alice).json()
    assert st["status"] == JobState.COMPLETED
    assert st["outcome"] == "optimal"
    assert st["objective_cny"] == pytest.approx(158.0)  # the hand-derived battery optimum
    res = client.get(f"/v1/solve-jobs/{job['id']}/result", headers=alice).json()
    assert res["summary"]["status"] == "optimal"
    dispatch = res["tables"]["dispatch"]
    charge = dispatch["data"][0][dispatch["columns"].index("battery[bess].charge_kw")]
    assert charge == pytest.approx(100.0)
    csv = client.get(f"/v1/solve-jobs/{job['id']}/result?format=csv&table=prices", headers=alice)
    assert csv.headers["content-type"].startswith("text/csv")
    assert "electricity_cny_per_kwh" in csv.text
    pq = client.get(f"/v1/solve-jobs/{job['id']}/result?format=parquet&table=dispatch", headers=alice)
    assert pq.status_code == 200
    assert pd.read_parquet(__import__("io").BytesIO(pq.content)).shape[0] == 4


def test_the_service_equals_the_library(service):
    import greenpark as gp
    from greenpark.service.examples import inline_park

    client, _e, _s, alice, _b, run_queue = service
    job = client.post("/v1/solve-jobs", json=EXAMPLE, headers=alice).json()
    run_queue()
    res = client.get(f"/v1/solve-jobs/{job['id']}/result", headers=alice).json()
    lib = gp.solve(gp.park_from_dict(inline_park(MODELS / "reference-park.yaml")), start=EXAMPLE["start"],
                   horizon="48h", build_pyomo=False)  # fmt: skip
    assert res["summary"]["objective_cny"] == pytest.approx(lib.objective_cny, rel=1e-9)
    # and the inline example equals the park file itself
    direct = gp.solve(MODELS / "reference-park.yaml", start=EXAMPLE["start"], horizon="48h", build_pyomo=False)
    assert lib.objective_cny == pytest.approx(direct.objective_cny, rel=1e-6)


def test_invalid_input_lists_every_error_and_creates_no_job(service):
    client, _e, _s, alice, *_ = service
    req = small_request()
    req["park"]["assets"][1]["power_kw"] = 0
    req["park"]["assets"][2]["owner"] = "ghost"
    r = client.post("/v1/solve-jobs", json=req, headers=alice)
    assert r.status_code == 422
    body = r.json()
    assert r.headers["content-type"] == "application/problem+json"
    paths = {e["path"]: e["message"] for e in body["errors"]}
    assert paths["assets[1].power_kw"] == "must be > 0"
    assert paths["assets[2].owner"].startswith("unknown tenant 'ghost'")
    assert client.get("/v1/solve-jobs", headers=alice).json()["total"] == 0
    # unknown request field, wrong horizon length, file outside the datasets
    r = client.post("/v1/solve-jobs", json={**small_request(), "colour": "red"}, headers=alice)
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == "colour"
    r = client.post("/v1/solve-jobs", json=small_request(horizon="5h"), headers=alice)
    assert any("has 4 values, the horizon has 5 steps" in e["message"] for e in r.json()["errors"])
    bad = small_request()
    bad["park"]["assets"][2]["power_kw"] = {"file": "/etc/passwd", "column": "x"}
    r = client.post("/v1/solve-jobs", json=bad, headers=alice)
    assert r.status_code == 422
    assert "is not one of the request's datasets" in r.json()["errors"][0]["message"]
    # validate-only
    assert client.post("/v1/validate", json=small_request(), headers=alice).json() == {"valid": True, "errors": []}


def test_validate_runs_every_check_of_the_solve_on_the_requests_horizon(service):
    client, _e, _s, alice, *_ = service
    req = small_request(horizon="48h")
    req["park"]["assets"][0]["import_price_cny_per_kwh"] = 0.5
    req["park"]["assets"][2]["power_kw"] = [100] * 30  # fits no 48 h horizon
    for url in ("/v1/validate", "/v1/solve-jobs"):
        r = client.post(url, json=req, headers=alice)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"] == [
            {
                "path": "assets[2].power_kw",
                "message": "has 30 values, the horizon has 48 steps (or give a daily pattern of 24 (hourly) values)",
            }
        ]
    assert client.get("/v1/solve-jobs", headers=alice).json()["total"] == 0
    assert client.post("/v1/validate", json={**req, "horizon": "30h"}, headers=alice).json()["valid"] is True
    # a gap in a dataset, and a start that is no date
    gap = small_request(start="2026-07-15T00:00:00")
    gap["datasets"] = {"load.csv": "time,kw\n" + "".join(f"2026-07-15T0{h}:00,50\n" for h in (0, 1, 3))}
    gap["park"]["assets"][2]["power_kw"] = {"file": "load.csv", "column": "kw"}
    errors = client.post("/v1/validate", json=gap, headers=alice).json()["errors"]
    assert errors == [{"path": "datasets.load.csv", "message": "1 missing hours from 2026-07-15 02:00"}]
    errors = client.post("/v1/validate", json=small_request(start="tomorrow-ish"), headers=alice).json()["errors"]
    assert [e["path"] for e in errors] == ["start"]


def test_inline_csv_datasets(service):
    client, _e, _s, alice, _b, run_queue = service
    req = small_request()
    req["datasets"] = {"load.csv": "time,kw\n" + "".join(f"2026-07-15T0{h}:00,{50 + h}\n" for h in range(4))}
    req["park"]["assets"][2]["power_kw"] = {"file": "load.csv", "column": "kw"}
    job = client.post("/v1/solve-jobs", json=req, headers=alice).json()
    run_queue()
    res = client.get(f"/v1/solve-jobs/{job['id']}/result?format=csv&table=balances", headers=alice)
    assert "-53.0" in res.text


def test_clients_never_see_each_others_jobs(service):
    client, _e, _s, alice, bob, _run_queue = service
    job = client.post("/v1/solve-jobs", json=small_request(), headers=alice).json()
    base = f"/v1/solve-jobs/{job['id']}"
    for method, url in (("get", base), ("get", f"{base}/result"), ("post", f"{base}/cancel"), ("delete", base)):
        assert getattr(client, method)(url, headers=bob).status_code == 404
    assert client.get("/v1/solve-jobs", headers=bob).json()["total"] == 0
    assert client.get(f"/v1/solve-jobs/{job['id']}", headers=alice).status_code == 200


def test_idempotency_key(service):
    client, _e, _s, alice, *_ = service
    h = {**alice, "Idempotency-Key": "night-2026-07-15"}
    a = client.post("/v1/solve-jobs", json=small_request(), headers=h).json()
    b = client.post("/v1/solve-jobs", json=small_request(), headers=h).json()
    assert a["id"] == b["id"]
    r = client.post("/v1/solve-jobs", json=small_request(horizon="4h", options={"mip_rel_gap": 0.01}), headers=h)
    assert r.status_code == 422
    assert client.get("/v1/solve-jobs", headers=alice).json()["total"] == 1


def test_limits_in_flight_body_and_time_limit(service):
    client, _e, settings, alice, *_ = service
    for _ in range(settings.max_jobs_in_flight):
        assert client.post("/v1/solve-jobs", json=small_request(), headers=alice).status_code == 202
    r = client.post("/v1/solve-jobs", json=small_request(), headers=alice)
    assert r.status_code == 429
    assert r.headers["retry-after"] == "10"
    big = {**small_request(), "datasets": {"x.csv": "a" * (settings.max_body_bytes + 1)}}
    assert client.post("/v1/solve-jobs", json=big, headers=alice).status_code == 413
    jobs = client.get("/v1/solve-jobs", headers=alice).json()["items"]
    assert all(j["time_limit_s"] == settings.default_time_limit_s if settings.default_time_limit_s <= 30 else 30
               for j in jobs)  # fmt: skip


def test_concurrent_submits_from_two_processes_respect_the_limits(tmp_path):
    settings = ServiceSettings(db_url=f"sqlite:///{tmp_path / 'jobs.db'}", max_jobs_in_flight=3)
    apps = [create_app(settings), create_app(settings)]  # two engines on one store, as two HTTP processes
    key = create_key(apps[0].state.store, "alice")
    check_concurrent_limits(apps, key, apps[0].state.store, settings.max_jobs_in_flight)


def test_time_limit_is_capped(service):
    client, _e, _s, alice, *_ = service
    job = client.post("/v1/solve-jobs", json=small_request(options={"time_limit_s": 9999}), headers=alice).json()
    assert job["time_limit_s"] == 30


def test_cancel_delete_list_and_paging(service):
    client, _store, _s, alice, _b, run_queue = service
    ids = [client.post("/v1/solve-jobs", json=small_request(), headers=alice).json()["id"] for _ in range(3)]
    r = client.post(f"/v1/solve-jobs/{ids[0]}/cancel", headers=alice)
    assert r.status_code == 202
    assert r.json()["status"] == JobState.CANCELLED
    assert client.post(f"/v1/solve-jobs/{ids[0]}/cancel", headers=alice).status_code == 409
    assert client.get(f"/v1/solve-jobs/{ids[0]}/result", headers=alice).status_code == 200  # finished, no tables
    run_queue()
    page = client.get("/v1/solve-jobs?limit=2&offset=0", headers=alice).json()
    assert page["total"] == 3
    assert len(page["items"]) == 2
    done = client.get(f"/v1/solve-jobs?status={JobState.COMPLETED}", headers=alice).json()
    assert done["total"] == 2
    assert client.delete(f"/v1/solve-jobs/{ids[1]}", headers=alice).status_code == 204
    assert client.get(f"/v1/solve-jobs/{ids[1]}", headers=alice).status_code == 404


def test_stored_parks_and_park_bound_keys(service):
    client, store, _s, alice, _b, run_queue = service
    doc = {"park": small_request()["park"]}
    assert client.put("/v1/parks/small", json=doc, headers=alice).status_code == 200
    assert [p["name"] for p in client.get("/v1/parks", headers=alice).json()] == ["small"]
    assert client.get("/v1/parks/small", headers=alice).json()["park"]["park"]["name"] == "small"
    job = client.post("/v1/solve-jobs", json={"park_name": "small", "start": "2026-07-15T00:00:00", "horizon": "4h"},
                      headers=alice).json()  # fmt: skip
    run_queue()
    assert client.get(f"/v1/solve-jobs/{job['id']}", headers=alice).json()["objective_cny"] == pytest.approx(158.0)
    # a key bound to one park may only run that stored park
    bound = {"X-API-Key": create_key(store, "alice", park="small")}
    assert client.post("/v1/solve-jobs", json=small_request(), headers=bound).status_code == 403
    ok = client.post("/v1/solve-jobs", json={"park_name": "small", "start": "2026-07-15T00:00:00", "horizon": "4h"},
                     headers=bound)  # fmt: skip
    assert ok.status_code == 202
    assert client.post("/v1/solve-jobs", json={"park_name": "nope", "horizon": "4h"}, headers=alice).status_code == 404


def test_infeasible_job_is_completed_with_its_explanation(service):
    client, _e, _s, alice, _b, run_queue = service
    req = small_request()
    req["park"]["carbon"] = {"cap_t": 0.0}
    job = client.post("/v1/solve-jobs", json=req, headers=alice).json()
    run_queue()
    st = client.get(f"/v1/solve-jobs/{job['id']}", headers=alice).json()
    assert st["status"] == JobState.COMPLETED
    assert st["outcome"] == "infeasible"
    assert st["explanation"][0]["requirement"] == "carbon cap"


def test_sync_solve_answers_or_hands_back_the_job(service, monkeypatch):
    import threading

    client, store, settings, alice, *_ = service
    stop = threading.Event()

    def worker():
        while not stop.is_set():
            work(store, "thread-worker", settings, once=True)
            stop.wait(0.05)

    t = threading.Thread(target=worker, daemon=True)
    t.start()
    try:
        r = client.post("/v1/solve", json=small_request(), headers=alice)
        assert r.status_code == 200
        assert r.json()["summary"]["objective_cny"] == pytest.approx(158.0)
    finally:
        stop.set()
        t.join()
    r = client.post("/v1/solve?wait_s=0.3", json=small_request(), headers=alice)  # no worker now
    assert r.status_code == 202
    assert r.json()["status"] == JobState.QUEUED


def _set(store: Store, *where, **values) -> None:
    """Put jobs (those matching ``where``) in a state the test needs (as a crash or time would leave them)."""
    from sqlalchemy import update

    from greenpark.service.db import jobs

    with store.engine.begin() as conn:
        conn.execute(update(jobs).where(*where).values(**values))


def wait_for(client: TestClient, headers: dict, job_id: str, done, timeout: float = 300) -> dict:
    """The job's status once ``done(status)`` holds (polled: each round waits for a state change)."""
    import time

    deadline = time.monotonic() + timeout  # bounds a failure only
    while not done(st := client.get(f"/v1/solve-jobs/{job_id}", headers=headers).json()):
        assert time.monotonic() < deadline, st
        time.sleep(0.1)
    return st


def test_recovery_after_a_crash_and_retention(service):
    from datetime import timedelta

    from greenpark.service.db import jobs, now

    client, store, settings, alice, *_ = service
    ids = [client.post("/v1/solve-jobs", json=small_request(), headers=alice).json()["id"] for _ in range(2)]
    # both were running on a server that died: leases ran out; one had already been tried twice
    _set(store, status=JobState.RUNNING, worker="dead", lease_until=now() - timedelta(seconds=5), attempts=1)
    _set(store, jobs.c.id == ids[1], attempts=2)
    assert store.recover_expired_leases(settings.max_attempts) == 2
    states = {i: client.get(f"/v1/solve-jobs/{i}", headers=alice).json() for i in ids}
    assert states[ids[0]]["status"] == JobState.QUEUED
    assert states[ids[1]]["status"] == JobState.FAILED
    assert states[ids[1]]["error"] == "worker_lost"
    # retention: finished long ago → expired, result gone
    _set(store, jobs.c.id == ids[1], finished_at=now() - timedelta(days=30))
    assert store.expire_finished(settings.retention_h) == 1
    assert client.get(f"/v1/solve-jobs/{ids[1]}", headers=alice).json()["status"] == JobState.EXPIRED
    assert client.get(f"/v1/solve-jobs/{ids[1]}/result", headers=alice).status_code == 404


def test_a_job_queued_too_long_expires_unrun(service):
    from datetime import timedelta

    from greenpark.service.db import jobs, now

    client, store, settings, alice, *_ = service
    old, fresh = (client.post("/v1/solve-jobs", json=small_request(), headers=alice).json()["id"] for _ in range(2))
    _set(store, jobs.c.id == old, created_at=now() - timedelta(hours=settings.max_queue_wait_h, minutes=1))
    assert store.expire_queued(settings.max_queue_wait_h) == 1
    st = client.get(f"/v1/solve-jobs/{old}", headers=alice).json()
    assert (st["status"], st["error"]) == (JobState.EXPIRED, "queue_timeout")
    assert f"{settings.max_queue_wait_h:g} h" in st["message"]
    assert client.get(f"/v1/solve-jobs/{fresh}", headers=alice).json()["status"] == JobState.QUEUED
    assert client.get(f"/v1/solve-jobs/{old}/result", headers=alice).status_code == 404
    assert work(store, "w", settings, once=True) == 1  # only the fresh job is claimed and run
    assert client.get(f"/v1/solve-jobs/{fresh}", headers=alice).json()["status"] == JobState.COMPLETED


def test_supervisor_cancels_a_running_job_by_stopping_its_worker(tmp_path):
    from greenpark.service.jobs import INTERRUPTED, STOPPED_BETWEEN_STEPS

    # the kill after cancel_grace_s is only a fallback: a generous one, so that it cannot be what ends the job
    # however busy the machine's cores are (the worker runs at nice 10)
    settings = ServiceSettings(db_url=f"sqlite:///{tmp_path / 'jobs.db'}", hard_stop_grace_s=2, cancel_grace_s=300)
    app = create_app(settings)
    client = TestClient(app)
    alice = {"X-API-Key": create_key(app.state.store, "alice")}
    sup = Supervisor(settings, 1, app.state.store)
    sup.start()
    try:
        workers = {name: p.pid for name, p in sup.processes.items()}
        slow = json.loads((ROOT / "api/examples/reference-park-milp.json").read_text())
        slow["options"] = {"mip_rel_gap": 0.0, "time_limit_s": 600}
        job = client.post("/v1/solve-jobs", json=slow, headers=alice).json()
        wait_for(client, alice, job["id"], lambda st: st["status"] == JobState.RUNNING)
        client.post(f"/v1/solve-jobs/{job['id']}/cancel", headers=alice)
        st = wait_for(client, alice, job["id"], lambda st: st["status"] != JobState.RUNNING)
        assert st["status"] == JobState.CANCELLED
        # stopped by its worker (HiGHS interrupted, or before HiGHS started), not by killing the worker
        assert st["message"] in (INTERRUPTED, STOPPED_BETWEEN_STEPS)
        assert {name: p.pid for name, p in sup.processes.items()} == workers
        assert all(p.is_alive() for p in sup.processes.values())
        # a small job after it still finishes promptly
        small = client.post("/v1/solve-jobs", json=small_request(), headers=alice).json()
        wait_for(client, alice, small["id"], lambda st: st["status"] == JobState.COMPLETED, timeout=60)
    finally:
        sup.stop()


def test_a_cancel_interrupts_the_running_highs_through_the_worker_heartbeat(service, monkeypatch):
    """cancelSolve must really stop HiGHS (it is ignored unless the session enables user interrupts)."""
    import importlib
    import threading

    from greenpark.service.jobs import INTERRUPTED

    highs = importlib.import_module("greenpark.solve")  # the module, not greenpark.solve the function
    client, store, settings, alice, *_ = service
    started, delivered, results = threading.Event(), threading.Event(), []
    run, interrupt = highs.HighsSession.run, highs.interrupt_active

    def watched_run(self, *args, **kwargs):
        highs._ACTIVE.append(self)  # HiGHS is about to run: hold it there until the heartbeat has interrupted it
        try:
            started.set()
            assert delivered.wait(300)
        finally:
            highs._ACTIVE.remove(self)
        results.append(run(self, *args, **kwargs))
        return results[-1]

    def watched_interrupt() -> bool:
        if interrupt():
            delivered.set()
            return True
        return False

    monkeypatch.setattr(highs.HighsSession, "run", watched_run)
    monkeypatch.setattr(highs, "interrupt_active", watched_interrupt)
    slow = json.loads((ROOT / "api/examples/reference-park-milp.json").read_text())
    slow["options"] = {"mip_rel_gap": 0.0, "time_limit_s": 30}
    job = client.post("/v1/solve-jobs", json=slow, headers=alice).json()
    worker = threading.Thread(target=work, args=(store, "thread-worker", settings), kwargs={"once": True})
    worker.start()
    try:
        assert started.wait(300)
        assert client.post(f"/v1/solve-jobs/{job['id']}/cancel", headers=alice).status_code == 202
    finally:
        worker.join(300)
    assert not worker.is_alive()
    assert "Interrupted by user" in results[0].message  # HiGHS itself stopped, at once
    st = client.get(f"/v1/solve-jobs/{job['id']}", headers=alice).json()
    assert (st["status"], st["message"]) == (JobState.CANCELLED, INTERRUPTED)


def test_a_cancel_that_arrives_before_the_solve_starts_stops_it_there(service, monkeypatch):
    from greenpark.service.jobs import STOPPED_BETWEEN_STEPS
    from greenpark.service.worker import run_claimed
    from greenpark.solve import HighsSession

    client, store, settings, alice, *_ = service
    runs = []
    monkeypatch.setattr(HighsSession, "run", lambda self, *args, **kwargs: runs.append(self))
    job = client.post("/v1/solve-jobs", json=small_request(), headers=alice).json()
    assert store.claim("w", settings.lease_s) == job["id"]  # running, but its solve has not started
    assert client.post(f"/v1/solve-jobs/{job['id']}/cancel", headers=alice).status_code == 202
    run_claimed(settings, job["id"], "w")
    st = client.get(f"/v1/solve-jobs/{job['id']}", headers=alice).json()
    assert (st["status"], st["message"]) == (JobState.CANCELLED, STOPPED_BETWEEN_STEPS)
    assert runs == []  # HiGHS never ran


def test_jobs_run_on_a_dask_local_cluster(tmp_path):
    settings = ServiceSettings(db_url=f"sqlite:///{tmp_path / 'jobs.db'}", executor="dask")
    app = create_app(settings, workers=2)
    with TestClient(app) as client:  # the lifespan starts the dispatcher and its LocalCluster
        alice = {"X-API-Key": create_key(app.state.store, "alice")}
        ids = [client.post("/v1/solve-jobs", json=small_request(), headers=alice).json()["id"] for _ in range(3)]
        states = [wait_for(client, alice, i, lambda st: st["status"] == JobState.COMPLETED, 120) for i in ids]
        assert all(s["objective_cny"] == pytest.approx(158.0) for s in states)
        assert client.get("/readyz").json()["workers"] == 2
