"""Decision-support benchmark: cost–carbon frontier and Shapley settlement.

    python benchmarks/bench_decision.py

Prints, for the LP reference park and its MILP variant (the LP rows with the export
price capped at the import price in every step, so that they stay LPs; see
``bench_build_solve.py``):
* a 10-point frontier over 168 h against one solve of the same park and horizon
  (target: frontier ≤ 4 × one solve), and
* Shapley settlement of 8 tenants over 24 h (256 coalition solves) on 2 processes
  (target: < 2 minutes).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_build_solve import REFERENCE, scaled_park
from bench_milp import milp_park

import greenpark as gp
from greenpark.settlement import settle

MODELS = REFERENCE.parent


def frontier_case(name: str, park) -> None:
    t0 = time.perf_counter()
    one = gp.solve(park, start="2026-07-13", horizon="168h")
    t_one = time.perf_counter() - t0
    t0 = time.perf_counter()
    f = gp.pareto(park, start="2026-07-13", horizon="168h", points=10)
    t_front = time.perf_counter() - t0
    ok = (f.table["status"] == "optimal").sum()
    print(
        f"frontier  {name:<22} one solve {t_one:7.2f} s   10 points {t_front:7.2f} s   ratio {t_front / t_one:5.2f}"
        f"   ({ok}/10 optimal, {one.status.value})",
        flush=True,
    )


def shapley_case(name: str, park) -> None:
    t0 = time.perf_counter()
    s = settle(park, start="2026-07-13", horizon="24h", methods=["shapley"], workers=2)
    dt = time.perf_counter() - t0
    balance = s.table["bill_shapley_cny"].sum() - s.park_cost_cny
    print(
        f"shapley   {name:<22} {len(s.coalition_costs_cny)} coalitions of 24 h on 2 processes: {dt:7.2f} s"
        f"   (budget residual {balance:.2e} CNY; {s.notes['shapley']})",
        flush=True,
    )


def main() -> None:
    frontier_case("LP reference", gp.park_from_dict(scaled_park(6, cap_export=True), base_dir=MODELS))
    frontier_case("MILP reference", gp.load_park(MODELS / "reference-park-milp.yaml"))
    shapley_case("LP, 8 tenants", gp.park_from_dict(scaled_park(8, cap_export=True), base_dir=MODELS))
    shapley_case("MILP, 8 tenants", gp.park_from_dict(milp_park(8), base_dir=MODELS))


if __name__ == "__main__":
    main()
