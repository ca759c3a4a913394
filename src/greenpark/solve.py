"""Solve a park model with HiGHS, in memory, behind one function.

The route: the assembled CSR matrix (:class:`~greenpark.model.linear.StandardForm`)
is handed to ``highspy`` with one ``passModel`` call — no LP file and no second
walk over Pyomo expressions (see ``benchmarks/`` for why). Solver outcomes are
*reported* in a :class:`SolveResult`; nothing here raises for an infeasible,
unbounded or time-limited model.
"""

from __future__ import annotations

import contextlib
import copy
import os
import tempfile
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import highspy
import numpy as np

from greenpark.model.linear import StandardForm


class Status(StrEnum):
    """Outcome of a solve."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # a feasible solution, not proven optimal (time limit, gap)
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT = "time_limit"  # time limit reached without any feasible solution
    ERROR = "error"

    @property
    def has_solution(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE)


@dataclass(frozen=True)
class SolveOptions:
    """Options of one solve.

    Attributes
    ----------
    time_limit_s : float or None
        Wall-clock limit for HiGHS. [s]
    mip_rel_gap : float
        Relative MIP gap at which a MIP counts as solved. [-]
    threads : int
        HiGHS threads; 1 unless asked otherwise (solves run in parallel across processes).
    presolve : bool
        HiGHS presolve (duals survive postsolve).
    """

    time_limit_s: float | None = None
    mip_rel_gap: float = 0.005
    threads: int = 1
    presolve: bool = True

    MIP_DEFAULT_TIME_LIMIT_S = 60.0
    """Applied to models with integers when no time limit is given."""


@dataclass
class SolveResult:
    """What HiGHS returned, without raising.

    ``x`` (columns), ``row_activity``, ``row_dual`` and ``col_dual`` are in the
    order of the :class:`StandardForm`; they are ``None`` without a solution
    (duals also for a MIP).
    """

    status: Status
    termination: str
    message: str
    objective: float | None = None
    mip_gap: float | None = None
    dual_bound: float | None = None
    x: np.ndarray | None = None
    row_activity: np.ndarray | None = None
    row_dual: np.ndarray | None = None
    col_dual: np.ndarray | None = None
    highs_run_time_s: float = 0.0
    handover_s: float = 0.0
    log: str = ""
    is_mip: bool = False
    prices_from: str | None = None
    """``"lp"`` (duals of the LP), ``"lp_with_integers_fixed"`` (MILP: the LP re-solved with every
    integer at its optimal value) or ``None`` when there are no duals."""
    mip_progress: list[dict] = field(default_factory=list)
    """MILP: one entry per HiGHS log line and new incumbent: ``time_s``, ``primal``, ``dual``, ``gap``, ``event``."""
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status.has_solution


@contextlib.contextmanager
def _quiet_stdout():
    """Silence C-level stdout (HiGHS prints its banner when constructed)."""
    try:
        fd = os.dup(1)
    except OSError:  # pragma: no cover - no stdout
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(fd, 1)
        os.close(fd)


_STATUS = highspy.HighsModelStatus


def solve(form: StandardForm, options: SolveOptions | None = None, warm_start: np.ndarray | None = None) -> SolveResult:
    """Solve ``min c·x + const s.t. row_lower ≤ A x ≤ row_upper, col_lower ≤ x ≤ col_upper``.

    Returns a :class:`SolveResult` for every outcome; HiGHS's log is kept in
    ``result.log`` and its own run time in ``result.highs_run_time_s``.

    A MILP gets ``SolveOptions.MIP_DEFAULT_TIME_LIMIT_S`` when no limit is set;
    stopped at the limit with an incumbent it is ``FEASIBLE`` with its gap and
    bound. Its prices (duals) come from the LP re-solved with every integer
    fixed at its value. ``warm_start`` (column values, NaN = unknown) is
    handed to HiGHS as a MIP start.
    """
    options = options or SolveOptions()
    if form.is_mip and options.time_limit_s is None:
        options = SolveOptions(
            time_limit_s=SolveOptions.MIP_DEFAULT_TIME_LIMIT_S,
            mip_rel_gap=options.mip_rel_gap,
            threads=options.threads,
            presolve=options.presolve,
        )
    return finish(form, options, _run(form, options, warm_start))


def finish(form: StandardForm, options: SolveOptions, result: SolveResult) -> SolveResult:
    """Prices for a solved model: LP duals, or for a MILP the duals of the LP with its integers fixed."""
    if form.is_mip and result.ok and result.x is not None:
        _fixed_lp_duals(form, options, result)
    elif result.row_dual is not None:
        result.prices_from = "lp"
    return result


def _fixed_lp_duals(form: StandardForm, options: SolveOptions, result: SolveResult) -> None:
    """Duals of the LP with every integer column fixed at its (rounded) MILP value."""
    fixed = copy.copy(form)
    ints = form.col_integer
    values = np.round(result.x[ints])
    fixed.col_lower = form.col_lower.copy()
    fixed.col_upper = form.col_upper.copy()
    fixed.col_lower[ints] = values
    fixed.col_upper[ints] = values
    fixed.col_integer = np.zeros_like(ints)
    lp = _run(fixed, SolveOptions(threads=options.threads, presolve=options.presolve), None)
    if lp.status is Status.OPTIMAL and lp.row_dual is not None:
        result.row_dual, result.col_dual = lp.row_dual, lp.col_dual
        result.prices_from = "lp_with_integers_fixed"
        result.extra["fixed_lp_objective"] = lp.objective
    else:
        result.extra["fixed_lp_status"] = lp.status.value


def _run(form: StandardForm, options: SolveOptions, warm_start: np.ndarray | None) -> SolveResult:
    session = HighsSession(form, options)
    try:
        return session.run(warm_start)
    finally:
        session.close()


_ACTIVE: list = []  # the session solving in this process, for interrupt_active()


def interrupt_active() -> bool:
    """Ask the HiGHS run in progress in this process (if any) to stop (``cancelSolve``); thread-safe."""
    if _ACTIVE:
        with contextlib.suppress(Exception):
            _ACTIVE[-1].h.cancelSolve()
            return True
    return False


class HighsSession:
    """One HiGHS instance holding one model, re-solved after small changes (bounds, costs).

    Used by :func:`solve` (one run) and by sweeps such as the cost–carbon frontier,
    where HiGHS restarts from its previous basis instead of a rebuilt model.
    """

    def __init__(self, form: StandardForm, options: SolveOptions | None = None) -> None:
        self.form = form
        self.options = options or SolveOptions()
        t0 = time.perf_counter()
        with _quiet_stdout():
            self.h = highspy.Highs()
        self.h.HandleUserInterrupt = True  # else cancelSolve (interrupt_active) is ignored
        fd, self._log_path = tempfile.mkstemp(prefix="greenpark-highs-", suffix=".log")
        os.close(fd)
        self._log_offset = 0
        self.error: str | None = None
        h, o = self.h, self.options
        try:
            h.setOptionValue("output_flag", True)
            h.setOptionValue("log_to_console", False)
            h.setOptionValue("log_file", self._log_path)
            h.setOptionValue("threads", int(o.threads))
            h.setOptionValue("presolve", "on" if o.presolve else "off")
            h.setOptionValue("mip_rel_gap", float(o.mip_rel_gap))
            if o.time_limit_s is not None:
                h.setOptionValue("time_limit", float(o.time_limit_s))
            h.passModel(_highs_lp(form))
            self._progress: list[dict] = []
            if form.is_mip:
                _watch_mip(h, self._progress)
        except Exception as exc:
            self.error = f"HiGHS failed: {exc}"
        self.handover_s = time.perf_counter() - t0

    def set_row_bounds(self, row: int, lower: float, upper: float) -> None:
        self.h.changeRowBounds(int(row), float(lower), float(upper))

    def set_costs(self, cost: np.ndarray, offset: float = 0.0) -> None:
        """Replace the objective ``c·x + offset``."""
        idx = np.arange(self.form.n_cols, dtype=np.int32)
        self.h.changeColsCost(len(idx), idx, np.asarray(cost, dtype=float))
        self.h.changeObjectiveOffset(float(offset))

    def run(self, warm_start: np.ndarray | None = None) -> SolveResult:
        """Solve the model as it now stands; never raises for solver outcomes."""
        form, h = self.form, self.h
        if self.error is not None:
            return SolveResult(Status.ERROR, "exception", self.error, is_mip=form.is_mip, log=self._new_log())
        try:
            self._progress.clear()
            if form.is_mip and warm_start is not None:
                known = np.flatnonzero(np.isfinite(warm_start))
                if len(known):
                    h.setSolution(len(known), known.astype(np.int32), warm_start[known].astype(float))
            _ACTIVE.append(self)
            try:
                h.run()
            finally:
                _ACTIVE.remove(self)
            result = _read(h, form)
            if result.termination == "kUnboundedOrInfeasible" and self.options.presolve:
                # Presolve could not tell which: ask again without it.
                h.setOptionValue("presolve", "off")
                h.run()
                result = _read(h, form)
                h.setOptionValue("presolve", "on")
            result.handover_s = self.handover_s
            result.mip_progress = list(self._progress)
        except Exception as exc:
            result = SolveResult(Status.ERROR, "exception", f"HiGHS failed: {exc}", is_mip=form.is_mip)
        result.log = self._new_log()
        return result

    def irreducible_infeasible_subset(self, time_limit_s: float = 10.0) -> tuple[list[int], list[int]] | None:
        """Rows and columns of an irreducible infeasible subset (LP only), or ``None``."""
        if self.form.is_mip:
            return None
        try:
            self.h.setOptionValue("iis_strategy", 4)
            self.h.setOptionValue("time_limit", float(time_limit_s))
            status, iis = self.h.getIis()
        except Exception:
            return None
        if status != highspy.HighsStatus.kOk or not iis.valid_:
            return None
        rows, cols = list(iis.row_index_), list(iis.col_index_)
        return (rows, cols) if rows or cols else None

    def _new_log(self) -> str:
        path = Path(self._log_path)
        if not path.exists():
            return ""
        text = path.read_text(errors="replace")
        new, self._log_offset = text[self._log_offset :], len(text)
        return new

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.h.setOptionValue("log_file", "")
        with contextlib.suppress(OSError):
            os.remove(self._log_path)


def _watch_mip(h: highspy.Highs, progress: list[dict]) -> None:
    """Record HiGHS's MIP progress (time, primal and dual bound, gap) through its callbacks."""

    def record(event_name: str):
        def _cb(e) -> None:
            d = e.data_out
            progress.append(
                {
                    "event": event_name,
                    "time_s": float(d.running_time),
                    "primal": float(d.mip_primal_bound),
                    "dual": float(d.mip_dual_bound),
                    "gap": float(d.mip_gap),
                }
            )

        return _cb

    h.cbMipImprovingSolution.subscribe(record("incumbent"))
    h.cbMipLogging.subscribe(record("log"))


def mip_milestones(progress: list[dict], gap: float = 0.01) -> dict[str, float | None]:
    """Time to the first feasible solution and to a relative gap of ``gap`` (from ``mip_progress``)."""
    first = next((p["time_s"] for p in progress if p["event"] == "incumbent"), None)
    reached = next((p["time_s"] for p in progress if np.isfinite(p["primal"]) and p["gap"] <= gap), None)
    return {"first_feasible_s": first, f"gap_{gap:g}_s": reached}


def _highs_lp(form: StandardForm) -> highspy.HighsLp:
    lp = highspy.HighsLp()
    lp.num_col_ = form.n_cols
    lp.num_row_ = form.n_rows
    lp.col_cost_ = form.col_cost
    lp.col_lower_ = form.col_lower
    lp.col_upper_ = form.col_upper
    lp.row_lower_ = form.row_lower
    lp.row_upper_ = form.row_upper
    lp.offset_ = form.objective_constant
    a = form.a
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = form.n_cols
    lp.a_matrix_.num_row_ = form.n_rows
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data
    if form.is_mip:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous for b in form.col_integer
        ]
    return lp


def _read(h: highspy.Highs, form: StandardForm) -> SolveResult:
    ms = h.getModelStatus()
    info = h.getInfo()
    name = h.modelStatusToString(ms)
    term = str(ms).split(".")[-1]
    has_primal = info.primal_solution_status == 2
    is_mip = form.is_mip
    if ms == _STATUS.kOptimal:
        status, msg = Status.OPTIMAL, "optimal solution found"
    elif ms == _STATUS.kInfeasible:
        status, msg = Status.INFEASIBLE, "the model is infeasible: no schedule meets every load, limit and target"
    elif ms == _STATUS.kUnbounded:
        status, msg = Status.UNBOUNDED, "the model is unbounded: some cost can fall without limit (check prices)"
    elif ms == _STATUS.kUnboundedOrInfeasible:
        status, msg = Status.INFEASIBLE, "the model is infeasible or unbounded"
    elif has_primal and ms in (
        _STATUS.kTimeLimit,
        _STATUS.kIterationLimit,
        _STATUS.kInterrupt,
        _STATUS.kSolutionLimit,
        _STATUS.kObjectiveBound,
        _STATUS.kObjectiveTarget,
    ):
        status, msg = Status.FEASIBLE, f"stopped ({name}) with a feasible solution"
    elif ms in (_STATUS.kTimeLimit, _STATUS.kIterationLimit, _STATUS.kInterrupt):
        status, msg = Status.TIME_LIMIT, f"stopped ({name}) before any feasible solution was found"
    else:
        status, msg = Status.ERROR, f"HiGHS ended with status {name}"
    res = SolveResult(status, term, msg, is_mip=is_mip, highs_run_time_s=h.getRunTime())
    if status.has_solution:
        sol = h.getSolution()
        res.x = np.asarray(sol.col_value)
        res.row_activity = np.asarray(sol.row_value)
        res.objective = float(info.objective_function_value)
        if is_mip:
            res.mip_gap = float(info.mip_gap)
            res.dual_bound = float(info.mip_dual_bound)
            if status is Status.FEASIBLE:
                res.message += f" (gap {res.mip_gap:.2%})"
        elif sol.dual_valid:
            res.row_dual = np.asarray(sol.row_dual)
            res.col_dual = np.asarray(sol.col_dual)
    return res
