"""Load benchmark of the solve service on loopback.

    pip install -e '.[bench]'                             # aiohttp, the load generator
    python benchmarks/bench_service.py [--clients 50] [--jobs-per-client 4] [--workers 2] [--http-workers 2]
    python benchmarks/bench_service.py --client httpx     # the same load from httpx (heavier on the CPU)
    python benchmarks/bench_service.py --db postgresql+psycopg://greenpark:greenpark@127.0.0.1/greenpark_test
    python benchmarks/bench_service.py --memory 1000      # a reused worker's memory after 10 and 1,000 solves

Starts a real server (subprocess) with its workers on a free loopback port, then
50 concurrent async clients (one asyncio loop, uvloop) each submit small parks and
poll their status until done (first poll at once, then every 0.2 s). By default all
clients start together, so the first 50 submits arrive as one burst; ``--ramp-s 1``
starts them over one second (locust's spawn rate of 50 users/s).
Prints submit and status latency (p50, p99), throughput and errors (429 counted apart),
and the CPU time of the load generator, the HTTP processes and the solver workers:
on a small machine they share the cores, and a heavy generator shows up as server latency
(httpx spends about 1.9 ms of CPU per request, aiohttp about 0.3 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "greenpark.cli"]


def small_request() -> dict:
    park = {
        "park": {"name": "small", "latitude": 31.3, "longitude": 120.6},
        "tenants": [{"id": "a"}],
        "assets": [
            {
                "id": "grid",
                "kind": "grid",
                "import_limit_kw": 1000,
                "import_price_cny_per_kwh": [0.3, 0.3, 1.0, 1.0],
                "co2_kg_per_kwh": 0.5,
            },
            {"id": "bess", "kind": "battery", "power_kw": 100, "energy_kwh": 200},
            {"id": "load", "kind": "electric_load", "owner": "a", "power_kw": 100},
        ],
    }
    return {"park": park, "start": "2026-07-15T00:00:00", "horizon": "4h"}


def start_server(db: str, workers: int, extra: list[str]) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [*CLI, "serve", "--port", str(port), "--workers", str(workers), "--db", db, *extra]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not start")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")


class HttpxClient:
    """One client on httpx: ``post``/``get`` return (status, headers, json)."""

    def __init__(self, url: str, key: str) -> None:
        self.c = httpx.AsyncClient(base_url=url, headers={"X-API-Key": key}, timeout=60)

    async def post(self, path: str, body: bytes):
        r = await self.c.post(path, content=body, headers={"content-type": "application/json"})
        return r.status_code, r.headers, r.json()

    async def get(self, path: str):
        r = await self.c.get(path)
        return r.status_code, r.headers, r.json()

    async def close(self) -> None:
        await self.c.aclose()


class AiohttpClient:
    """One client on aiohttp (made inside the running loop)."""

    def __init__(self, url: str, key: str) -> None:
        import aiohttp

        self.s = aiohttp.ClientSession(base_url=url, headers={"X-API-Key": key})

    async def post(self, path: str, body: bytes):
        async with self.s.post(path, data=body, headers={"content-type": "application/json"}) as r:
            return r.status, r.headers, await r.json(content_type=None)

    async def get(self, path: str):
        async with self.s.get(path) as r:
            return r.status, r.headers, await r.json(content_type=None)

    async def close(self) -> None:
        await self.s.close()


CLIENTS = {"aiohttp": AiohttpClient, "httpx": HttpxClient}


def new_stats() -> dict:
    return {"submit": [], "status": [], "errors": 0, "429": 0, "done": 0}


async def client_loop(c, n_jobs: int, stats: dict, delay_s: float = 0.0) -> None:
    body = json.dumps(small_request()).encode()
    await asyncio.sleep(delay_s)
    for _ in range(n_jobs):
        t0 = time.perf_counter()
        code, headers, doc = await c.post("/v1/solve-jobs", body)
        stats["submit"].append(time.perf_counter() - t0)
        if code == 429:
            stats["429"] += 1
            await asyncio.sleep(float(headers.get("retry-after", "1")) / 10)
            continue
        if code != 202:
            stats["errors"] += 1
            continue
        job = doc["id"]
        while True:
            t0 = time.perf_counter()
            code, _, doc = await c.get(f"/v1/solve-jobs/{job}")
            stats["status"].append(time.perf_counter() - t0)
            if code != 200:
                stats["errors"] += 1
                break
            if doc["status"] in ("completed", "failed", "cancelled"):
                stats["done"] += 1
                break
            await asyncio.sleep(0.2)


def run_clients(kind: str, url: str, keys: list[str], n_jobs: int, stats: dict, ramp_s: float = 0.0) -> float:
    """Run one client per key, each submitting ``n_jobs``; returns the wall time [s] (clients made before).

    Client i starts after ``i * ramp_s / len(keys)`` seconds (locust's spawn rate); ``ramp_s=0``: all at once.
    """
    import gc

    import uvloop

    gc.collect()
    gc.freeze()  # a full collection in the load generator would show up as server latency

    async def main() -> float:
        clients = [CLIENTS[kind](url, k) for k in keys]
        t0 = time.perf_counter()
        try:
            await asyncio.gather(
                *(client_loop(c, n_jobs, stats, i * ramp_s / len(clients)) for i, c in enumerate(clients))
            )
        finally:
            wall = time.perf_counter() - t0
            for c in clients:
                await c.close()
        return wall

    return uvloop.run(main())


def cpu_s(pid: int) -> float:
    """CPU time (user + system) of a process so far [s]; NaN once it has ended."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(server_pid: int) -> tuple[list[int], list[int]]:
    """(HTTP processes, solver workers) started by the server: workers run at a positive nice value."""
    http, solvers = [], []
    for st in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = st.read_text().rsplit(")", 1)[1].split()
            cmd = (st.parent / "cmdline").read_text(errors="ignore")
        except OSError:
            continue
        if int(fields[1]) == server_pid and "spawn_main" in cmd:
            (solvers if int(fields[16]) > 0 else http).append(int(st.parent.name))
    return http, solvers


def make_keys(db: str, n: int) -> list[str]:
    from greenpark.service.db import make_engine, migrate
    from greenpark.service.keys import create_key

    engine = make_engine(db)
    migrate(engine)
    keys = [create_key(engine, f"c{i}") for i in range(n)]
    engine.dispose()
    return keys


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--jobs-per-client", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--http-workers", type=int, default=2)
    ap.add_argument(
        "--ramp-s", type=float, default=0.0, help="start the clients evenly over this time (0: all at once)"
    )
    ap.add_argument("--client", choices=sorted(CLIENTS), default="aiohttp", help="HTTP library of the load")
    ap.add_argument("--db", default=None, help="job store URL (default: a new SQLite file)")
    ap.add_argument("--memory", type=int, default=0, help="solves for the worker-memory measurement")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or f"sqlite:///{tmp}/bench.db"
        keys = make_keys(db, args.clients)
        if args.memory:
            proc, url = start_server(
                db, 1, ["--worker-max-jobs", str(args.memory + 10), "--max-jobs-in-flight", "1000"]
            )
            try:
                pid = children(proc.pid)[1][0]
                stats = new_stats()
                marks = {}
                done = 0
                for target in (10, args.memory):
                    run_clients(args.client, url, keys[:1], target - done, stats)
                    done = target
                    marks[target] = rss_mb(pid)
                print(
                    f"worker memory after 10 solves {marks[10]:.0f} MB, after {args.memory}: "
                    f"{marks[args.memory]:.0f} MB (ratio {marks[args.memory] / marks[10]:.2f}; same pid "
                    f"{pid in children(proc.pid)[1]}); errors {stats['errors']}"
                )
            finally:
                proc.terminate()
            return
        proc, url = start_server(db, args.workers, ["--http-workers", str(args.http_workers)])
        try:
            http, solvers = children(proc.pid)
            http = http or [proc.pid]  # one HTTP process: the server itself
            before = {p: cpu_s(p) for p in {proc.pid, *http, *solvers}}
            stats = new_stats()
            r0 = resource.getrusage(resource.RUSAGE_SELF)
            wall = run_clients(args.client, url, keys, args.jobs_per_client, stats, args.ramp_s)
            r1 = resource.getrusage(resource.RUSAGE_SELF)
            used = {p: cpu_s(p) - t for p, t in before.items()}
        finally:
            proc.terminate()
        gen = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
        requests = len(stats["submit"]) + len(stats["status"])
        print(
            f"{args.clients} clients ({args.client}) × {args.jobs_per_client} jobs, {args.workers} workers, "
            f"{args.http_workers} HTTP processes, {db.split(':')[0]} store, clients started over {args.ramp_s:g} s: "
            f"{stats['done']} solved in {wall:.1f} s "
            f"({stats['done'] / wall:.1f} jobs/s, {requests / wall:.0f} requests/s)\n"
            f"  submit p50 {pct(stats['submit'], 0.5):.0f} ms p99 {pct(stats['submit'], 0.99):.0f} ms; "
            f"status p50 {pct(stats['status'], 0.5):.0f} ms p99 {pct(stats['status'], 0.99):.0f} ms; "
            f"errors {stats['errors']}, 429 {stats['429']}; status polls per job "
            f"{len(stats['status']) / max(1, stats['done']):.1f}\n"
            f"  without the clients' first submits: submit p99 {pct(stats['submit'][args.clients :], 0.99):.0f} ms\n"
            f"  CPU [s]: load generator {gen:.2f} ({gen / requests * 1000:.2f} ms/request); HTTP processes "
            + " ".join(f"{used[p]:.2f}" for p in http)
            + "; solver workers "
            + " ".join(f"{used[p]:.2f}" for p in solvers)
            + (f"; supervisor {used[proc.pid]:.2f}" if proc.pid not in http else "")
        )


if __name__ == "__main__":
    main()
