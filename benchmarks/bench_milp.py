"""MILP benchmark: production scheduling and unit commitment at scale.

    python benchmarks/bench_milp.py                        # 168 h × 10 and 50 tenants
    python benchmarks/bench_milp.py --hours 48 --tenants 10 --time-limit 30

The park is the reference park scaled to N tenants (see bench_build_solve.py);
every tenant gets two batch jobs a day (a 4-h and a 3-h cycle on one line, in
the 06:00–22:00 window) and one production line with a buffer and two
deliveries a day; the CHP runs under unit commitment. HiGHS: presolve on, one
thread, relative gap 1 %, time limit 60 s. Printed: build time, HiGHS time,
time to the first feasible solution and to a 1 % gap (from HiGHS's
callbacks), final gap, status.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_build_solve import REFERENCE, scaled_park


def milp_park(n_tenants: int) -> dict:
    doc = scaled_park(n_tenants)
    factor = max(1.0, n_tenants / 6)
    for a in doc["assets"]:
        if a["kind"] == "chp":
            a["commitment"] = {
                "min_load_fraction": 0.5,
                "no_load_input_kw": 700 * factor,
                "min_up_h": 4,
                "min_down_h": 2,
                "startup_cost_cny": 800 * factor,
                "max_starts": 7,
                "ramp_up_kw_per_h": 2000 * factor,
                "ramp_down_kw_per_h": 2000 * factor,
            }
    for t in doc["tenants"]:
        tid = t["id"]
        common = {"owner": tid, "line": "batch", "earliest_start": "06:00", "latest_end": "22:00"}
        doc["assets"] += [
            {"id": f"{tid}-cycle-a", "kind": "batch_job", "profile_kw": [300, 500, 500, 300], **common},
            {"id": f"{tid}-cycle-b", "kind": "batch_job", "profile_kw": [400, 400, 200], **common},
            {
                "id": f"{tid}-line",
                "kind": "production_line",
                "owner": tid,
                "min_power_kw": 100,
                "max_power_kw": 400,
                "specific_energy_kwh_per_unit": 1.0,
                "inventory_initial_units": 1000,
                "inventory_min_units": 100,
                "inventory_max_units": 3000,
                "inventory_final_min_units": 1000,
                "deliveries": [{"at": "09:00", "units": 1200}, {"at": "18:00", "units": 1200}],
                "min_run_h": 2,
            },
        ]
        if t.get("electric_connection_kw") is not None:
            t["electric_connection_kw"] += 1500
    return doc


def run_case(hours: int, n_tenants: int, time_limit: float, gap: float) -> dict:
    import greenpark as gp
    from greenpark.solve import mip_milestones

    park = gp.park_from_dict(milp_park(n_tenants), base_dir=REFERENCE.parent)
    t0 = time.perf_counter()
    opts = gp.SolveOptions(time_limit_s=time_limit, mip_rel_gap=gap)
    s = gp.solve(park, start="2026-07-13", horizon=f"{hours}h", options=opts, build_pyomo=True)
    wall = time.perf_counter() - t0
    t = s.timings_s
    ms = mip_milestones(s.solution.mip_progress, 0.01)
    n_int = int(s.model.form.col_integer.sum())
    return {
        "hours": hours,
        "tenants": n_tenants,
        "columns": s.meta["n_columns"],
        "integers": n_int,
        "rows": s.meta["n_rows"],
        "build_s": t["build_s"] + t.get("pyomo_s", 0.0) + t["handover_s"],
        "highs_s": t["highs_s"],
        "first_feasible_s": ms["first_feasible_s"],
        "gap_1pct_s": ms["gap_0.01_s"],
        "final_gap": s.mip_gap,
        "status": s.status.value,
        "objective_cny": s.objective_cny,
        "wall_s": wall,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _f(v: float | None, fmt: str) -> str:
    return "—" if v is None else format(v, fmt)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=int, nargs="+", default=[168])
    ap.add_argument("--tenants", type=int, nargs="+", default=[10, 50])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--gap", type=float, default=0.01)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--one", nargs=2, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_case(*args.one, args.time_limit, args.gap)))
        return
    if not args.json:
        print(
            f"{'hours':>5} {'ten':>4} {'cols':>7} {'ints':>6} {'rows':>7} {'build':>7} {'highs':>7} "
            f"{'1st feas':>8} {'1% gap':>7} {'gap':>7} {'peak MB':>8}  status"
        )
    for hours in args.hours:
        for n in args.tenants:
            cmd = [sys.executable, __file__, "--one", str(hours), str(n), "--time-limit", str(args.time_limit)]
            out = subprocess.run([*cmd, "--gap", str(args.gap)], capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            if args.json:
                print(json.dumps(r), flush=True)
                continue
            print(
                f"{r['hours']:>5} {r['tenants']:>4} {r['columns']:>7} {r['integers']:>6} {r['rows']:>7} "
                f"{r['build_s']:>7.3f} {r['highs_s']:>7.2f} {_f(r['first_feasible_s'], '>8.2f')} "
                f"{_f(r['gap_1pct_s'], '>7.2f')} {_f(r['final_gap'], '>7.2%')} {r['peak_mb']:>8.0f}  {r['status']}",
                flush=True,
            )


if __name__ == "__main__":
    main()
