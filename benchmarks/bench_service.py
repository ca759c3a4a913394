"""Load benchmark of the solve service on loopback.

    python benchmarks/bench_service.py [--clients 50] [--jobs-per-client 4] [--workers 2]
    python benchmarks/bench_service.py --memory 1000      # a reused worker's memory after 10 and 1,000 solves

Starts a real server (subprocess) with its workers on a free loopback port, then
50 concurrent async clients each submit small parks and poll their status until done.
Prints submit and status latency (p50, p99), throughput and errors (429 counted apart).
"""

from __future__ import annotations

import argparse
import asyncio
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


async def client_loop(url: str, key: str, n_jobs: int, stats: dict, client: httpx.AsyncClient | None = None) -> None:
    c = client or httpx.AsyncClient(base_url=url, headers={"X-API-Key": key}, timeout=60)
    async with c:
        for _ in range(n_jobs):
            t0 = time.perf_counter()
            r = await c.post("/v1/solve-jobs", json=small_request())
            stats["submit"].append(time.perf_counter() - t0)
            if r.status_code == 429:
                stats["429"] += 1
                await asyncio.sleep(float(r.headers.get("retry-after", "1")) / 10)
                continue
            if r.status_code != 202:
                stats["errors"] += 1
                continue
            job = r.json()["id"]
            while True:
                t0 = time.perf_counter()
                s = await c.get(f"/v1/solve-jobs/{job}")
                stats["status"].append(time.perf_counter() - t0)
                if s.status_code != 200:
                    stats["errors"] += 1
                    break
                if s.json()["status"] in ("completed", "failed", "cancelled"):
                    stats["done"] += 1
                    break
                await asyncio.sleep(0.2)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker_pids(server_pid: int) -> list[int]:
    out = []
    for st in Path("/proc").glob("[0-9]*/status"):
        try:
            text = st.read_text()
            cmd = (st.parent / "cmdline").read_text(errors="ignore")
        except OSError:
            continue
        ppid = next((int(x.split()[1]) for x in text.splitlines() if x.startswith("PPid:")), None)
        if ppid == server_pid and "spawn_main" in cmd:
            out.append(int(st.parent.name))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--jobs-per-client", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--http-workers", type=int, default=1)
    ap.add_argument("--memory", type=int, default=0, help="solves for the worker-memory measurement")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/bench.db"
        keys = [
            subprocess.run(
                [*CLI, "keys", "create", "--client", f"c{i}", "--db", db],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            for i in range(args.clients)
        ]
        if args.memory:
            proc, url = start_server(
                db, 1, ["--worker-max-jobs", str(args.memory + 10), "--max-jobs-in-flight", "1000"]
            )
            try:
                pid = worker_pids(proc.pid)[0]
                stats = {"submit": [], "status": [], "errors": 0, "429": 0, "done": 0}
                marks = {}
                done = 0
                for target in (10, args.memory):
                    asyncio.run(client_loop(url, keys[0], target - done, stats))
                    done = target
                    marks[target] = rss_mb(pid)
                print(
                    f"worker memory after 10 solves {marks[10]:.0f} MB, after {args.memory}: "
                    f"{marks[args.memory]:.0f} MB (ratio {marks[args.memory] / marks[10]:.2f}; same pid "
                    f"{pid in worker_pids(proc.pid)})"
                )
            finally:
                proc.terminate()
            return
        proc, url = start_server(db, args.workers, ["--http-workers", str(args.http_workers)])
        try:
            stats = {"submit": [], "status": [], "errors": 0, "429": 0, "done": 0}
            t0 = time.perf_counter()

            async def run_all():
                # clients (and their SSL contexts, ~20 ms of CPU each) are made before the clock starts
                clients = [httpx.AsyncClient(base_url=url, headers={"X-API-Key": k}, timeout=60) for k in keys]
                await asyncio.gather(
                    *(client_loop(url, k, args.jobs_per_client, stats, c) for k, c in zip(keys, clients, strict=True))
                )

            asyncio.run(run_all())
            wall = time.perf_counter() - t0
        finally:
            proc.terminate()
        print(
            f"{args.clients} clients × {args.jobs_per_client} jobs, {args.workers} workers, {args.http_workers} HTTP "
            f"processes: {stats['done']} solved in "
            f"{wall:.1f} s ({stats['done'] / wall:.1f} jobs/s); submit p50 {pct(stats['submit'], 0.5):.0f} ms "
            f"p99 {pct(stats['submit'], 0.99):.0f} ms; status p50 {pct(stats['status'], 0.5):.0f} ms "
            f"p99 {pct(stats['status'], 0.99):.0f} ms; errors {stats['errors']}, 429 {stats['429']}; "
            f"status polls per job {len(stats['status']) / max(1, stats['done']):.1f}; after the opening burst of "
            f"{args.clients} submits: submit p99 {pct(stats['submit'][args.clients :], 0.99):.0f} ms"
        )


if __name__ == "__main__":
    main()
