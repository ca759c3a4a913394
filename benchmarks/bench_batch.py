"""Batch and rolling-horizon benchmark.

    python benchmarks/bench_batch.py night      # 20 parks × 5 scenarios of 48 h, 1 and 2 workers
    python benchmarks/bench_batch.py year       # a year of rolling horizon, LP and MILP reference parks

Parks for the night are copies of the three bundled parks (cycled) with absolute dataset paths,
written to a temporary folder. Memory is the peak resident size of the simulating process.
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"


def _absolute(node, base: Path):
    if isinstance(node, dict):
        return {k: (str((base / v).resolve()) if k == "file" and isinstance(v, str) else _absolute(v, base))
                for k, v in node.items()}  # fmt: skip
    if isinstance(node, list):
        return [_absolute(v, base) for v in node]
    return node


def night() -> None:
    from greenpark.batch import plan_batch, run_batch

    sources = ["reference-park", "reference-park-milp", "quick-park"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        parks = []
        for i in range(20):
            src = sources[i % len(sources)]
            doc = _absolute(yaml.safe_load((MODELS / f"{src}.yaml").read_text()), MODELS)
            (tmp / f"park-{i:02d}.yaml").write_text(yaml.safe_dump(doc))
            parks.append({"park": str(tmp / f"park-{i:02d}.yaml")})
        scenarios = [{"name": "base"}] + [
            {"name": f"carbon-{p}", "overrides": {"carbon.price_cny_per_t": p}} for p in (50, 100, 150, 200)
        ]
        for jobs in (1, 2):
            batch = {"name": "bench", "date": "2026-07-15", "horizon": "48h", "out": str(tmp / f"out-{jobs}"),
                     "parks": parks, "scenarios": scenarios}  # fmt: skip
            (tmp / "batch.yaml").write_text(yaml.safe_dump(batch))
            t0 = time.perf_counter()
            result = run_batch(plan_batch(tmp / "batch.yaml"), jobs=jobs)
            wall = time.perf_counter() - t0
            per_run = [r["wall_s"] for r in result.records]
            print(
                f"night 20 parks × 5 scenarios × 48 h, {jobs} worker(s): wall {wall:7.1f} s, "
                f"per-run median {statistics.median(per_run):5.2f} s, failed {len(result.failed)}",
                flush=True,
            )


def year() -> None:
    from greenpark.simulate import simulate

    for name in sys.argv[2:] or ["reference-park", "reference-park-milp"]:
        t0 = time.perf_counter()
        sim = simulate(MODELS / f"{name}.yaml", "2026-01-01", "2027-01-01", window="24h", horizon="48h")
        wall = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t = sim.totals
        print(
            f"year {name:<20} {t['windows']} windows: wall {wall:7.1f} s, peak memory {rss:6.0f} MB, "
            f"realised cost {t['cost_cny']:,.0f} CNY, CO2 {t['co2_t']:,.0f} t",
            flush=True,
        )


if __name__ == "__main__":
    {"night": night, "year": year}[sys.argv[1] if len(sys.argv) > 1 else "night"]()
