"""Regression pins: the reference parks' solved figures, held in ``data/reference_pins.json``.

Every case there (each park file in ``models/`` at the starts
``test_reference_parks.py`` solves it, 48 h, one thread, plus a binding
``carbon_cap_t`` on the reference park) is re-solved with the current code, with
the options stored with it, and compared with the figures the committed baseline
produced: the objective within 1e-6 relative (the MILP park, solved at the
default 0.5 % gap, within gap/(1 − gap) and on the right side of the stored
bound; the reference park's few binaries are solved to gap 0 so that its proven
optimum is what is compared), every pinned figure and dispatch column within
1e-6 relative or 1e-4 absolute. A refactor that changes nothing in the domain
passes.

Only what the model fixes is pinned: figures and columns that agree across HiGHS
methods and across alternative optima of the same objective (min/max over the
optimal face), and bills only where the park node's prices are unique. What was
left out is listed per case under ``not_pinned`` with its spread; ``how`` says
how each case was decided. Such figures may legitimately differ between two
optimal schedules and are not a regression.

Re-pin only when a domain change *deliberately* alters the reference parks (a
new cost term, a changed default, an edited park file or dataset), never to make
a refactor pass. Run the pin script on a clean checkout of the code that is to
be the new baseline and commit the JSON's diff with the change::

    git clone -q . /tmp/pinbase && cd /tmp/pinbase
    PYTHONPATH=src python benchmarks/pin_reference.py --out <repo>/tests/integration/data/reference_pins.json
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import greenpark as gp
from tests.conftest import MODELS, ROOT

pytestmark = pytest.mark.integration

REL = 1e-6
ABS = 1e-4
"""A pinned figure or dispatch value matches within max(ABS, REL·|pinned|)."""

PINS_FILE = Path(__file__).resolve().parent / "data" / "reference_pins.json"
PINS = json.loads(PINS_FILE.read_text()) if PINS_FILE.exists() else {"cases": []}

TOTALS = {
    "grid_import_kw": ("grid", "import_kw"),
    "grid_export_kw": ("grid", "export_kw"),
}
"""Per-step totals (``total.<name>``): the sum of ``<block>[*].<variable>`` over the keys."""


# ----------------------------------------------------------------- reading figures by name
def figure(s: gp.Schedule, name: str) -> float | None:
    """The scalar figure ``name`` of a schedule (the names the JSON uses).

    ``objective_cny``, ``co2_t`` and ``co2_market_t`` (the park's inventory, location
    and market based), ``marginal_abatement_cost_cny_per_t``, ``costs_cny.<kind>``,
    ``kpis.<name>``, ``tenants.<row>.<column>``.
    """
    head, _, rest = name.partition(".")
    if name == "objective_cny":
        return s.objective_cny
    if name == "co2_t":
        return float(s.emissions_t["total_t"].sum())
    if name == "co2_market_t":
        return float(s.emissions_t["total_market_t"].sum())
    if name == "marginal_abatement_cost_cny_per_t":
        return s.marginal_abatement_cost_cny_per_t
    if head == "costs_cny":
        return float(s.costs_cny[rest])
    if head == "kpis":
        return float(s.kpis[rest])
    if head == "tenants":
        row, column = rest.rsplit(".", 1)
        return float(s.tenants.loc[row, column])
    raise KeyError(name)


def series(s: gp.Schedule, name: str) -> np.ndarray:
    """The per-step series ``dispatch.<column>`` or ``total.<name>`` (see :data:`TOTALS`)."""
    head, _, rest = name.partition(".")
    if head == "dispatch":
        return s.dispatch[rest].to_numpy(dtype=float)
    if head == "total":
        block, variable = TOTALS[rest]
        cols = [c for c in s.dispatch.columns if c.startswith(f"{block}[") and c.endswith(f"].{variable}")]
        return s.dispatch[cols].to_numpy(dtype=float).sum(axis=1)
    raise KeyError(name)


def off(got: float, want: float, rel: float = REL, abs_: float = ABS) -> bool:
    """Whether ``got`` is outside ``want`` ± max(abs, rel·|want|)."""
    return not abs(got - want) <= max(abs_, rel * abs(want))


# ----------------------------------------------------------------- solving the cases
def solve_case(case: dict) -> gp.Schedule:
    o = case["options"]
    return gp.solve(
        ROOT / case["park"],
        start=case["start"],
        horizon=case["horizon"],
        carbon_cap_t=case["carbon_cap_t"],
        options=gp.SolveOptions(threads=o["threads"], mip_rel_gap=o["mip_rel_gap"], presolve=o["presolve"]),
        build_pyomo=False,
    )


@pytest.fixture(scope="module", params=PINS["cases"], ids=lambda c: c["id"])
def case(request) -> tuple[dict, gp.Schedule]:
    """One pinned case and its schedule solved with the current code (once per module)."""
    pinned = request.param
    return pinned, solve_case(pinned)


# ----------------------------------------------------------------- tests
def test_every_park_file_is_pinned():
    pinned = {c["park"] for c in PINS["cases"]}
    files = {p.relative_to(ROOT).as_posix() for p in MODELS.glob("*.yaml")}
    assert files <= pinned, f"park files without pins (run benchmarks/pin_reference.py): {sorted(files - pinned)}"
    assert any(c["carbon_cap_t"] is not None for c in PINS["cases"]), "no binding carbon cap case"


def test_the_case_solves_optimally(case):
    pinned, s = case
    assert s.status is gp.Status.OPTIMAL, f"{pinned['id']}: {s.status.value}: {s.message}"


def test_objective_matches_the_pin(case):
    pinned, s = case
    want, rel = pinned["objective_cny"], pinned["objective_rel_tol"]
    assert s.objective_cny is not None, f"{pinned['id']}: no objective ({s.message})"
    same = not off(s.objective_cny, want, rel=rel, abs_=0.0)
    assert same, (
        f"{pinned['id']}: objective_cny {s.objective_cny!r} differs from the pinned {want!r} "
        f"by {s.objective_cny / want - 1:+.3e} relative (tolerance {rel:g})"
    )
    if pinned["is_mip"] and pinned["mip_gap"] > 1e-9:
        # any feasible schedule costs at least the pinned proven bound; no proven bound exceeds the pinned schedule
        bound = pinned["dual_bound_cny"]
        assert s.objective_cny >= bound - REL * abs(bound), (
            f"{pinned['id']}: objective_cny {s.objective_cny!r} below the pinned dual bound {bound!r}"
        )
        assert s.dual_bound_cny is not None
        assert s.dual_bound_cny <= want + REL * abs(want), (
            f"{pinned['id']}: dual bound {s.dual_bound_cny!r} above the pinned objective {want!r}"
        )


def _changed(pinned: dict, what: str, read, compare) -> list[str]:
    """Every pinned ``what`` (``figures`` or ``series``) whose value ``read(s, name)`` fails ``compare``."""
    wrong = []
    for name, want in pinned[what].items():
        try:
            problem = compare(read(name), want)
        except KeyError:
            problem = f"missing (pinned {want!r})"
        if problem:
            wrong.append(f"{name}: {problem}")
    return wrong


def test_pinned_figures_match(case):
    pinned, s = case

    def compare(got, want) -> str | None:
        return f"{got!r} != pinned {want!r}" if got is None or off(got, want) else None

    wrong = _changed(pinned, "figures", lambda name: figure(s, name), compare)
    assert not wrong, f"{pinned['id']}: {len(wrong)} pinned figure(s) changed:\n  " + "\n  ".join(wrong)


def test_pinned_dispatch_matches(case):
    pinned, s = case

    def compare(got, want) -> str | None:
        want = np.asarray(want, dtype=float)
        if got.shape != want.shape:
            return f"{got.shape[0]} steps, pinned {want.shape[0]}"
        bad = np.flatnonzero(np.abs(got - want) > np.maximum(ABS, REL * np.abs(want)))
        if not len(bad):
            return None
        t = bad[0]
        return f"{len(bad)} step(s) differ, first at {s.index[t]}: {float(got[t])!r} != pinned {float(want[t])!r}"

    wrong = _changed(pinned, "series", lambda name: series(s, name), compare)
    assert not wrong, f"{pinned['id']}: {len(wrong)} pinned series changed:\n  " + "\n  ".join(wrong)
