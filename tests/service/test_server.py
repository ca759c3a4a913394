"""The real server on loopback, started as a subprocess: end to end, and surviving kill -9."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import greenpark as gp
from greenpark.service.examples import inline_park
from greenpark.service.states import FINISHED, JobState
from tests.conftest import MODELS, ROOT

pytestmark = pytest.mark.service
CLI = [sys.executable, "-m", "greenpark.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db: str, workers: int = 1, lease_s: float = 3.0, http_workers: int = 1) -> None:
        self.db, self.workers, self.lease_s, self.http_workers = db, workers, lease_s, http_workers
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        cmd = [
            *CLI,
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--db",
            self.db,
            "--lease-s",
            str(self.lease_s),
            "--http-workers",
            str(self.http_workers),
        ]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not become ready")

    def workers_pids(self) -> list[int]:
        pids = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            ppid = next((int(line.split()[1]) for line in text.splitlines() if line.startswith("PPid:")), None)
            if ppid == self.proc.pid and "spawn_main" in (status.parent / "cmdline").read_text(errors="ignore"):
                pids.append(int(status.parent.name))
        return pids

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _key(db: str) -> str:
    r = subprocess.run(
        [*CLI, "keys", "create", "--client", "e2e", "--db", db], cwd=ROOT, capture_output=True, text=True, check=True
    )
    lines = r.stdout.splitlines()
    assert len(lines) == 1  # the key, alone on stdout
    return lines[0]


def _wait(client: httpx.Client, job_id: str, states=FINISHED, timeout=120) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = client.get(f"/v1/solve-jobs/{job_id}").json()
        if st["status"] in states:
            return st
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} stuck in {st['status']}")


def slow_request(time_limit_s: float = 120.0, mip_rel_gap: float = 0.005) -> dict:
    """A week of the MILP reference park: seconds of HiGHS (about 3 s unloaded, 15 s on busy cores).

    The default gap ends it with a solution however busy the machine is (a zero gap with a short limit
    may end without an incumbent, and then without result tables); the limit only bounds a failure.
    """
    return {
        "park": inline_park(MODELS / "reference-park-milp.yaml", horizon="168h"),
        "start": "2026-07-15T00:00:00",
        "horizon": "168h",
        "options": {"mip_rel_gap": mip_rel_gap, "time_limit_s": time_limit_s},
    }


def test_end_to_end_equals_the_library(tmp_path):
    db = f"sqlite:///{tmp_path / 'e2e.db'}"
    key = _key(db)
    server = Server(db).start()
    try:
        body = json.loads((ROOT / "api" / "examples" / "reference-park.json").read_text())
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
            r = c.post("/v1/solve-jobs", json=body)
            assert r.status_code == 202
            st = _wait(c, r.json()["id"])
            assert st["status"] == JobState.COMPLETED
            res = c.get(f"/v1/solve-jobs/{st['id']}/result").json()
        lib = gp.solve(gp.park_from_dict(body["park"]), start=body["start"], horizon=body["horizon"], build_pyomo=False)
        assert res["summary"]["objective_cny"] == pytest.approx(lib.objective_cny, rel=1e-9)
        assert res["summary"]["co2_t"] == pytest.approx(float(lib.emissions_t["total_t"].sum()), rel=1e-9)
        tenants = res["tables"]["tenants"]
        assert tenants["index"] == list(lib.tenants.index)
    finally:
        server.stop()
    # keys list and revoke through the CLI
    listed = subprocess.run([*CLI, "keys", "list", "--db", db], cwd=ROOT, capture_output=True, text=True, check=True)
    key_id = key.split("_")[1]
    assert key_id in listed.stdout
    assert key not in listed.stdout
    subprocess.run([*CLI, "keys", "revoke", key_id, "--db", db], cwd=ROOT, check=True, capture_output=True)
    from greenpark.service.db import make_engine
    from greenpark.service.keys import lookup

    assert lookup(make_engine(db), key) is None


def test_kill_a_worker_then_the_server_and_every_job_still_ends(tmp_path):
    db = f"sqlite:///{tmp_path / 'chaos.db'}"
    key = _key(db)
    slow = slow_request()
    server = Server(db, workers=1).start()
    headers = {"Authorization": f"Bearer {key}"}
    try:
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as c:
            ids = [c.post("/v1/solve-jobs", json=slow).json()["id"] for _ in range(3)]
            _wait(c, ids[0], states=(JobState.RUNNING,), timeout=60)
            workers = server.workers_pids()
            assert workers
            os.kill(workers[0], signal.SIGKILL)  # a worker dies mid-solve
            st = _wait(c, ids[0], timeout=30)
            assert st["status"] == JobState.FAILED
            assert st["error"] == "solver_crash"
            _wait(c, ids[1], states=(JobState.RUNNING,), timeout=60)  # the replacement worker took the next job
        server.kill9()  # then the server itself
    finally:
        server.stop()
    server = Server(db, workers=1).start()  # re-queues the running job once its lease (3 s) has run out
    try:
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as c:
            final = {i: _wait(c, i, timeout=120) for i in ids}
            listed = c.get("/v1/solve-jobs?limit=200").json()
    finally:
        server.stop()
    assert len(listed["items"]) == 3  # every job id still exists, once
    assert {j["id"] for j in listed["items"]} == set(ids)
    assert final[ids[0]]["error"] == "solver_crash"
    for i in ids[1:]:
        assert final[i]["status"] in (JobState.COMPLETED, JobState.FAILED)
        if final[i]["status"] == JobState.COMPLETED:
            assert final[i]["outcome"] in ("feasible", "optimal")
    from sqlalchemy import func, select

    from greenpark.service.db import job_tables, make_engine

    with make_engine(db).connect() as conn:
        per_job = conn.execute(select(job_tables.c.job_id, func.count()).group_by(job_tables.c.job_id)).all()
    assert all(n == 6 for _, n in per_job)  # one set of result tables per finished job, never two


def _children(pid: int) -> tuple[list[int], list[int]]:
    """(HTTP processes, solver workers) of the server ``pid``: solver workers run at a positive nice value."""
    http, solvers = [], []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmd = (stat.parent / "cmdline").read_text(errors="ignore")
        except OSError:
            continue
        if int(fields[1]) == pid and "spawn_main" in cmd:
            (solvers if int(fields[16]) > 0 else http).append(int(stat.parent.name))
    return http, solvers


ESTABLISHED, LISTEN = "01", "0A"  # TCP states as /proc/net/tcp writes them


def _tcp_inodes(port: int, state: str, remote_port: int | None = None) -> set[str]:
    """Sockets on local ``port`` in ``state`` (and from ``remote_port``), as their /proc/<pid>/fd links."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                f = line.split()
                local, remote = (int(a.rsplit(":", 1)[1], 16) for a in f[1:3])
                if local == port and f[3] == state and remote_port in (None, remote):
                    inodes.add(f"socket:[{f[9]}]")
    return inodes


def _holds(pid: int, inodes: set[str]) -> bool:
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd) in inodes:
                    return True
    return False


def _get_retrying(client: httpx.Client, path: str, timeout: float = 120.0) -> httpx.Response:
    """GET ``path`` as a client should right after a server process was killed: a connection that the
    kernel had queued on the dead process's own socket is reset (or refused), and is tried again."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return client.get(path)
        except (httpx.NetworkError, httpx.RemoteProtocolError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _fresh_connections_reach_each(server: Server, pids: list[int], n: int = 40) -> None:
    """``n`` fresh connections are spread over the processes ``pids`` (at least 5 each): each is
    attributed, as soon as it has been answered, to the process holding its server end."""
    served = dict.fromkeys(pids, 0)
    for _ in range(n):
        with httpx.Client(base_url=server.url, timeout=60) as cl:
            r = cl.get("/healthz")
            assert r.status_code == 200
            client_port = r.extensions["network_stream"].get_extra_info("client_addr")[1]
            ends = _tcp_inodes(server.port, ESTABLISHED, remote_port=client_port)
            holders = [p for p in pids if _holds(p, ends)]
            assert len(holders) == 1, (holders, pids)
            served[holders[0]] += 1
    assert all(k >= 5 for k in served.values()), served


def test_several_http_processes_share_one_execution(tmp_path):
    from greenpark.service.http import port_is_free
    from tests.service.test_api import small_request

    db = f"sqlite:///{tmp_path / 'multi.db'}"
    key = _key(db)
    server = Server(db, workers=1, http_workers=2).start()
    try:
        http, solvers = _children(server.proc.pid)
        assert len(http) == 2
        assert len(solvers) == 1
        with httpx.Client(base_url=server.url, headers={"X-API-Key": key}, timeout=30) as c:
            assert c.get("/readyz").json()["workers"] == 1  # read from the execution's heartbeat
            ids = [c.post("/v1/solve-jobs", json=small_request()).json()["id"] for _ in range(4)]
            for i in ids:
                st = _wait(c, i)
                assert st["status"] == JobState.COMPLETED
                assert st["objective_cny"] == pytest.approx(158.0)

        # each process has its own SO_REUSEPORT socket: 40 fresh connections reach both
        _fresh_connections_reach_each(server, http)

        # an HTTP process that dies is replaced; the service keeps answering meanwhile (a connection that
        # was queued on the dead process's socket is reset: the client tries again, see _get_retrying)
        os.kill(http[0], signal.SIGKILL)
        with httpx.Client(base_url=server.url, timeout=60) as c:
            for _ in range(20):
                assert _get_retrying(c, "/healthz").status_code == 200
        deadline = time.time() + 120  # bounds a failure only: the loop waits for the replacement to listen
        while time.time() < deadline:
            now_http = _children(server.proc.pid)[0]
            if len(now_http) == 2 and all(_holds(p, _tcp_inodes(server.port, LISTEN)) for p in now_http):
                break
            time.sleep(0.2)
        assert len(now_http) == 2
        assert http[0] not in now_http
        _fresh_connections_reach_each(server, now_http)  # and the replacement serves its share
    finally:
        server.stop()
    # stopping the server stops its HTTP processes: the port is free again
    deadline = time.time() + 10
    while time.time() < deadline and not port_is_free("127.0.0.1", server.port):
        time.sleep(0.2)
    assert port_is_free("127.0.0.1", server.port)


def test_serve_refuses_a_port_in_use(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = subprocess.run(
            [*CLI, "serve", "--port", str(port), "--http-workers", "2", "--db", f"sqlite:///{tmp_path / 'x.db'}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert r.returncode == 2
    assert f"127.0.0.1:{port} is in use" in r.stderr
