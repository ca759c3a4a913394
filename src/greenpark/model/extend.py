"""User extensions written in Pyomo, compiled onto the model's arrays.

``extend_model(model, fn)`` builds the Pyomo view of ``model``
(:func:`~greenpark.model.pyomo_model.to_pyomo`), calls ``fn(m)`` and compiles
only what ``fn`` added or changed:

* new ``Var`` components anywhere (also in new sub-blocks) → columns appended
  after the core's (bounds, fixed values, integer domains);
* new active ``Constraint`` components → rows appended after the core's,
  compiled with Pyomo's linear representation
  (:class:`pyomo.repn.linear.LinearRepnVisitor`, which evaluates parameters and
  fixed variables);
* new active ``Objective`` components (a maximisation is negated) and terms added
  to ``m.objective.expr`` → cost kind ``extension`` (in CNY, like every cost);
* changed bounds, fixed state or domain of core variables → the columns' bounds
  and integrality.

The core's columns, rows and costs are not generated again. Anything else
that would change the problem HiGHS receives raises
:class:`~greenpark.errors.ParkValidationError` naming the component: a
non-linear expression, a deactivated or deleted core constraint or block, a
changed sense of ``m.objective``, a component kind HiGHS cannot take (SOS,
logical constraints, disjunctions), a variable that is not on the model.

``elastic=True`` (the model that explains infeasibility) gives each finite side
of every extension row a non-negative slack priced at
:data:`ELASTIC_PENALTY_EXTENSION` per unit of the row (cost kind ``elastic``),
registered as a :class:`~greenpark.model.context.Slack` whose findings name the
constraint.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.core.expr.numeric_expr import SumExpression
from pyomo.repn.beta.matrix import MatrixConstraint
from pyomo.repn.linear import LinearRepnVisitor

from greenpark.errors import ParkValidationError, Problem
from greenpark.model.context import Slack
from greenpark.model.linear import Group, StandardForm
from greenpark.model.pyomo_model import load_solution, to_pyomo

if TYPE_CHECKING:
    from greenpark.model.core import BuiltModel

EXTENSION_BLOCK = "extension"
"""Block name of the groups of components ``fn`` adds at the top level of the model (``m.x``)."""

ELASTIC_PENALTY_EXTENSION = 1.0e3
"""Elastic re-solve: penalty per unit an extension row had to give [CNY per unit of the row].

At the level of the park's policies (a carbon cap: 1e6 CNY per t = 1e3 per kg; the renewable
share: 1e3 per kWh), below unserved load (1e4 per kWh): an extension that conflicts with a load
gives way itself, so the explanation names it instead of a shed load. Far above energy prices
for rows in kW or kWh; a row counted in large units (starts, tonnes) can be scaled by the user."""

SLACK_TOLERANCE = 1e-6
"""An extension row's slack above this counts as a finding (units of the row)."""

_PASSIVE = frozenset(
    [pyo.Block, pyo.Expression, pyo.Param, pyo.Set, pyo.RangeSet, pyo.Suffix, pyo.BuildAction, pyo.BuildCheck]
)
"""Component kinds ``fn`` may add that need no compiling (they enter through constraints and objectives)."""


@dataclass
class UserVars:
    """Columns of one user ``Var`` component: its group and its ``VarData`` in column order."""

    group: Group
    datas: list
    integer: bool


@dataclass
class UserRows:
    """Rows of one user ``Constraint`` component: its group, its ``ConstraintData`` in row order and
    each row's body constant (``body = A x + constant``; the row bounds have it subtracted)."""

    group: Group
    datas: list
    constant: np.ndarray


@dataclass
class Extension:
    """What an extension added to a model, and the way back from a solution to Pyomo.

    Attributes
    ----------
    pyomo_model : ConcreteModel
        The model ``fn`` extended (core and user components).
    var_groups, row_groups : list
        The user's columns and rows, one entry per component (:class:`UserVars`, :class:`UserRows`).
    n_core_cols, n_core_rows : int
        Columns and rows of the core; user columns and rows follow them.
    rows_a : csr_matrix
        The user rows' coefficients (without elastic slacks), shape ``(user rows, core + user columns)``.
    objective_vector, objective_constant
        The user's objective terms (cost kind ``extension``) [CNY].
    changed_core_cols : ndarray
        Core columns whose bounds, fixed state or domain ``fn`` changed.
    timings_s : dict
        ``pyomo_s`` (building the Pyomo view), ``fn_s`` (the user's function), ``compile_s``.
    """

    pyomo_model: Any
    var_groups: list[UserVars] = field(default_factory=list)
    row_groups: list[UserRows] = field(default_factory=list)
    n_core_cols: int = 0
    n_core_rows: int = 0
    rows_a: sp.csr_matrix | None = None
    objective_vector: np.ndarray | None = None
    objective_constant: float = 0.0
    changed_core_cols: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    timings_s: dict[str, float] = field(default_factory=dict)
    _col_bounds: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)), repr=False)
    """Bounds of the user columns, shape ``(user columns, 2)``."""
    _row_bounds: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)), repr=False)
    """Bounds of the user rows (the body constant subtracted), shape ``(user rows, 2)``."""

    @property
    def n_user_cols(self) -> int:
        return sum(g.group.size for g in self.var_groups)

    @property
    def n_user_rows(self) -> int:
        return sum(g.group.size for g in self.row_groups)

    @property
    def empty(self) -> bool:
        """Nothing added to the arrays (``fn`` may still have changed core bounds)."""
        return not self.var_groups and not self.row_groups and self.objective_vector is None

    def load(self, x: np.ndarray, row_dual: np.ndarray | None = None) -> None:
        """Write column values ``x`` into every variable of :attr:`pyomo_model` (core and user).

        When the model declares ``m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)`` and
        ``row_dual`` is given, the duals of the user's constraints go into it: Pyomo's sign
        convention for a minimisation (``∂ cost / ∂ bound``: ≥ 0 for a binding ``≥``,
        ≤ 0 for a binding ``≤``), which is HiGHS's.
        """
        m = self.pyomo_model
        x = np.asarray(x, dtype=float)
        load_solution(m, x[: self.n_core_cols])
        for ug in self.var_groups:
            for v, val in zip(ug.datas, x[ug.group.offset : ug.group.offset + ug.group.size].tolist(), strict=True):
                v.set_value(val, skip_validation=True)
        suffix = m.component("dual")
        if row_dual is not None and isinstance(suffix, pyo.Suffix) and suffix.import_enabled():
            for ur in self.row_groups:
                g = ur.group
                for c, d in zip(ur.datas, row_dual[g.offset : g.offset + g.size].tolist(), strict=True):
                    suffix[c] = d

    def frames(self, x: np.ndarray, row_dual: np.ndarray | None = None) -> dict[str, pd.DataFrame]:
        """The user's variables and constraints in a solution.

        ``variables``: ``name`` (Pyomo's, ``starts_total``, ``chp.both_on[3]``), ``value``, ``lower``,
        ``upper``, ``integer``. ``constraints``: ``name``, ``body`` (value of the constraint's body as
        written), ``lower``, ``upper``, ``dual`` (NaN without ``row_dual``; same sign convention as
        :meth:`load`).
        """
        x = np.asarray(x, dtype=float)
        names, values, lower, upper, integer = [], [], [], [], []
        for ug in self.var_groups:
            g = ug.group
            names += [v.name for v in ug.datas]
            values.append(x[g.offset : g.offset + g.size])
            lo, up = self._col_bounds[g.offset - self.n_core_cols : g.offset - self.n_core_cols + g.size].T
            lower.append(lo)
            upper.append(up)
            integer += [ug.integer] * g.size
        cat = _concat
        variables = pd.DataFrame(
            {"name": names, "value": cat(values), "lower": cat(lower), "upper": cat(upper), "integer": integer}
        )
        rnames, body, rlo, rup, dual = [], [], [], [], []
        n_x = self.rows_a.shape[1] if self.rows_a is not None else 0
        activity = self.rows_a @ x[:n_x] if self.rows_a is not None else np.zeros(0)
        start = 0
        for ur in self.row_groups:
            g = ur.group
            rnames += [c.name for c in ur.datas]
            act = activity[start : start + g.size]
            body.append(act + ur.constant)
            lo, up = self._row_bounds[start : start + g.size].T
            rlo.append(lo + ur.constant)
            rup.append(up + ur.constant)
            dual.append(row_dual[g.offset : g.offset + g.size] if row_dual is not None else np.full(g.size, np.nan))
            start += g.size
        constraints = pd.DataFrame(
            {"name": rnames, "body": cat(body), "lower": cat(rlo), "upper": cat(rup), "dual": cat(dual)}
        )
        return {"variables": variables, "constraints": constraints}


def _concat(parts: list) -> np.ndarray:
    return np.concatenate(parts).astype(float) if parts else np.zeros(0)


def extend_model(model: BuiltModel, fn: Callable[[pyo.ConcreteModel], object], *, elastic: bool = False) -> BuiltModel:
    """The model with what ``fn`` adds to its Pyomo view compiled onto its arrays.

    ``fn(m)`` receives the ``ConcreteModel`` of ``model.form`` with the core's names
    (``m.chp.electricity_kw['chp', t]``) and these plain attributes to read: ``m.park`` (the
    validated park: ``m.park.tenants`` lists the tenants present), ``m.time`` (the steps, a
    tz-aware ``DatetimeIndex``), ``m.step_h`` [h], ``m.T`` (``range`` of the step numbers) and
    ``m.elastic`` (``True`` in the model that explains infeasibility).

    Returns a new :class:`~greenpark.model.core.BuiltModel` (``model`` is not changed) whose form
    has the user's columns and rows appended, one group per component (block: the parent block's
    name, or ``"extension"`` at the top level; name: the component's; keys: its indices, ``""``
    for a scalar; one step), whose ``extension`` is the :class:`Extension` handle and, with
    ``elastic``, whose ``slacks`` end with the slacks of the user's constraints.

    Raises
    ------
    ParkValidationError
        Naming the component, for anything that cannot be handed to HiGHS with the core
        (see the module's docstring). Exceptions raised by ``fn`` itself propagate.
    """
    inputs = model.inputs
    t0 = time.perf_counter()
    m = to_pyomo(model.form, name=inputs.park.park.name)
    m.park = inputs.park
    m.time = inputs.index
    m.step_h = float(inputs.step_h)
    m.T = range(inputs.n_steps)
    m.elastic = bool(elastic)
    before = _Before(m, model.form)
    t1 = time.perf_counter()
    fn(m)
    t2 = time.perf_counter()
    form, ext, slacks = _Compiler(model.form, m, before, elastic, inputs.index).run()
    ext.timings_s = {"pyomo_s": t1 - t0, "fn_s": t2 - t1, "compile_s": time.perf_counter() - t2}
    return dataclasses.replace(model, form=form, slacks=[*model.slacks, *slacks], extension=ext)


class _Before:
    """What the model held before ``fn`` ran (its components are few: one per group)."""

    def __init__(self, m, form: StandardForm) -> None:
        self.components = {id(c): c for c in m.component_objects(descend_into=True, active=None)}
        # core Var component -> (offset, n_t, position of each key): a core VarData's column is
        # found from its component and index, so no map over every column is built
        self.core_vars: dict[int, tuple[int, int, dict]] = {}
        for g in form.var_groups:
            comp = m.component(g.block).component(g.name)
            self.core_vars[id(comp)] = (g.offset, g.n_t, {k: i for i, k in enumerate(g.keys)})
        self.objective = m.objective
        self.objective_expr = m.objective.expr
        self.objective_nargs = self.objective_expr.nargs()


class _Recorder:
    """The visitor's variable recorder: only the variables met (Pyomo's records whole components)."""

    def __init__(self) -> None:
        self.var_map: dict[int, Any] = {}

    def add(self, var) -> None:
        if not var.fixed:
            self.var_map[id(var)] = var


def _key(index) -> str:
    """A component index as a group key: ``""`` for a scalar, ``"chp,3"`` for ``('chp', 3)`` (Pyomo's spelling)."""
    if index is None:
        return ""
    if isinstance(index, tuple):
        return ",".join(str(i) for i in index)
    return str(index)


def _block_name(component, m) -> str:
    parent = component.parent_block()
    return EXTENSION_BLOCK if parent is m else parent.getname(fully_qualified=True)


def _short(expr, limit: int = 120) -> str:
    text = str(expr)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(value) -> float:
    return float(pyo.value(value))


class _Compiler:
    """Compiles what ``fn`` added; every problem found is raised together."""

    def __init__(self, form: StandardForm, m, before: _Before, elastic: bool, index) -> None:
        self.form = form
        self.index = index
        self.m = m
        self.before = before
        self.elastic = elastic
        self.problems: list[Problem] = []
        self.visitor = LinearRepnVisitor({}, var_recorder=_Recorder())
        self.core_vars = before.core_vars
        self.user_cols: dict[int, int] = {}

    def problem(self, name: str, message: str) -> None:
        self.problems.append(Problem(f"extend: {name}", message))

    def raise_problems(self) -> None:
        if self.problems:
            raise ParkValidationError(self.problems)

    def column(self, v) -> int | None:
        j = self.user_cols.get(id(v))
        if j is not None:
            return j
        info = self.core_vars.get(id(v.parent_component()))
        if info is None:
            return None
        offset, n_t, pos = info
        key, t = v.index()
        return offset + pos[key] * n_t + t

    # ---- compile --------------------------------------------------------------------------
    def run(self) -> tuple[StandardForm, Extension, list[Slack]]:
        form, m = self.form, self.m
        new = [c for c in m.component_objects(descend_into=True, active=None) if id(c) not in self.before.components]
        new_ids = {id(c) for c in new}
        self._check_core()
        for c in new:
            if c.ctype in (pyo.Var, pyo.Constraint, pyo.Objective) or c.ctype in _PASSIVE:
                continue
            if getattr(c, "active", True):
                hint = " (a Piecewise: pw_repn='INC' or 'DCC' builds it from binaries)" if "SOS" in c.name else ""
                self.problem(
                    c.name,
                    f"is a {c.ctype.__name__}, which greenpark cannot hand to HiGHS: an extension may add "
                    f"variables, linear constraints, objectives, expressions, parameters, sets and blocks{hint}",
                )

        col_lower, col_upper, col_integer, changed, reasons = self._core_columns()
        user_vars, user_lower, user_upper, user_integer = self._user_vars(new_ids, reasons)
        n0, n_rows0 = form.n_cols, form.n_rows
        n_cols = n0 + len(user_lower)
        rows = self._user_rows(new_ids, n_cols)
        obj, obj_const = self._objective(new_ids, n_cols)
        self.raise_problems()
        row_groups, rows_a, row_lower, row_upper = rows

        ext = Extension(
            pyomo_model=m,
            var_groups=user_vars,
            row_groups=row_groups,
            n_core_cols=n0,
            n_core_rows=n_rows0,
            rows_a=rows_a,
            objective_vector=obj,
            objective_constant=obj_const,
            changed_core_cols=changed,
        )
        ext._col_bounds = np.column_stack([user_lower, user_upper]).reshape(-1, 2)
        ext._row_bounds = np.column_stack([row_lower, row_upper]).reshape(-1, 2)

        slack_groups, slacks, slack_rows, slack_sign = self._elastic(row_groups, row_lower, row_upper, n_cols)
        n_slack = len(slack_rows)
        if not (n_cols > n0 or len(row_lower) or obj is not None or len(changed) or n_slack):
            return form, ext, slacks

        # ---- the arrays: the core CSR widened in place of copied, user rows and slacks appended ----
        n_total = n_cols + n_slack
        user = rows_a.tocoo()
        block = sp.csr_matrix(
            (
                np.concatenate([user.data, slack_sign]),
                (np.concatenate([user.row, slack_rows]), np.concatenate([user.col, n_cols + np.arange(n_slack)])),
            ),
            shape=(len(row_lower), n_total),
        )
        block.sum_duplicates()
        a = form.a
        dtype = np.int64 if a.nnz + block.nnz > np.iinfo(np.int32).max else np.int32
        new_a = sp.csr_matrix(
            (
                np.concatenate([a.data, block.data]),
                np.concatenate([a.indices.astype(dtype, copy=False), block.indices.astype(dtype, copy=False)]),
                np.concatenate([a.indptr.astype(dtype, copy=False), block.indptr[1:].astype(dtype) + a.nnz]),
            ),
            shape=(n_rows0 + len(row_lower), n_total),
        )

        def widen(v: np.ndarray) -> np.ndarray:
            return np.concatenate([v, np.zeros(n_total - len(v))])

        cost_by_kind = {k: widen(v) for k, v in form.cost_by_kind.items()}
        constant_costs = dict(form.constant_costs)
        col_cost = widen(form.col_cost)
        if obj is not None:
            cost_by_kind[EXTENSION_BLOCK] = cost_by_kind.get(EXTENSION_BLOCK, np.zeros(n_total)) + widen(obj)
            constant_costs[EXTENSION_BLOCK] = constant_costs.get(EXTENSION_BLOCK, 0.0) + obj_const
            col_cost += widen(obj)
        if n_slack:
            penalty = np.zeros(n_total)
            penalty[n_cols:] = ELASTIC_PENALTY_EXTENSION
            cost_by_kind["elastic"] = cost_by_kind.get("elastic", np.zeros(n_total)) + penalty
            col_cost += penalty
        new_form = StandardForm(
            a=new_a,
            col_cost=col_cost,
            col_lower=np.concatenate([col_lower, user_lower, np.zeros(n_slack)]),
            col_upper=np.concatenate([col_upper, user_upper, np.full(n_slack, np.inf)]),
            col_integer=np.concatenate([col_integer, user_integer, np.zeros(n_slack, dtype=bool)]),
            row_lower=np.concatenate([form.row_lower, row_lower]),
            row_upper=np.concatenate([form.row_upper, row_upper]),
            cost_by_kind=cost_by_kind,
            constant_costs=constant_costs,
            integer_reasons=list(dict.fromkeys([*form.integer_reasons, *reasons])),
            var_groups=[*form.var_groups, *(u.group for u in user_vars), *slack_groups],
            row_groups=[*form.row_groups, *(r.group for r in row_groups)],
        )
        return new_form, ext, slacks

    def _check_core(self) -> None:
        """Core constraints and blocks must stay, active; the objective must stay, a minimisation."""
        m, before = self.m, self.before
        for c in before.components.values():
            if c is before.objective:
                continue  # below
            if c.parent_block() is None:
                self.problem(c.name, "was deleted from the model: an extension may add to the park's model, not remove")
            elif c.ctype is pyo.Block and not c.active:
                self.problem(c.name, "was deactivated: an extension may not switch off part of the park's model")
            elif c.ctype is pyo.Constraint:
                datas = c._data if isinstance(c, MatrixConstraint) else tuple(c.values())
                if c.active and all(d._active for d in datas):
                    continue
                off = [d for d in datas if not d._active] if c.active else list(datas)
                if off:
                    g = self.form.row_group(c.parent_block().local_name, c.local_name)
                    labels = [g.label(g.offset + d.index(), self.index) for d in off[:3]]
                    shown = ", ".join(labels) + (" …" if len(off) > 3 else "")
                    self.problem(
                        c.name,
                        f"{len(off)} of its rows were deactivated ({shown}): switching off the park's own "
                        "constraints is not supported; relax them through bounds or new variables instead",
                    )
        obj = before.objective
        if m.component("objective") is not obj:
            self.problem("objective", "was deleted or replaced: add terms to m.objective.expr or add an Objective")
        elif not obj.active:
            self.problem(
                "objective",
                "was deactivated: greenpark minimises the park's cost; add terms to m.objective.expr or add an "
                "Objective, whose terms are added to it",
            )
        elif obj.sense != pyo.minimize:
            self.problem("objective", "must stay a minimisation (add a maximised Objective instead: it is negated)")

    def _core_columns(self):
        """Bounds, fixed state and domain of the core variables, compared in bulk with the form's."""
        form, vm = self.form, self.m._greenpark_varmap
        n = len(vm)
        col_lower, col_upper, col_integer = form.col_lower, form.col_upper, form.col_integer
        fixed = np.fromiter((v._fixed for v in vm), bool, n)
        is_int = np.fromiter((v._domain is pyo.Integers for v in vm), bool, n)
        is_real = np.fromiter((v._domain is pyo.Reals for v in vm), bool, n)
        suspect = fixed | ~np.where(col_integer, is_int, is_real)
        for attr, expected in (("_lb", col_lower), ("_ub", col_upper)):
            raw = [getattr(v, attr) for v in vm]
            try:
                now = np.array(raw, dtype=float)
            except (TypeError, ValueError):  # a bound set to a parameter or an expression
                suspect |= np.fromiter((b is not None and not isinstance(b, (int, float)) for b in raw), bool, n)
                now = np.array([b if isinstance(b, (int, float)) else np.nan for b in raw], dtype=float)
            exp = np.where(np.isfinite(expected), expected, np.nan)
            suspect |= ~((now == exp) | (np.isnan(now) & np.isnan(exp)))
        cand = np.flatnonzero(suspect)
        reasons: list[str] = []
        if not len(cand):
            return col_lower, col_upper, col_integer, cand, reasons
        col_lower, col_upper, col_integer = col_lower.copy(), col_upper.copy(), col_integer.copy()
        for j in cand.tolist():
            lo, up, integer = self._var_bounds(vm[j])
            col_lower[j], col_upper[j] = lo, up
            if integer and not col_integer[j]:
                reasons.append(f"extension: {vm[j].parent_component().name} made integer")
            col_integer[j] = integer
        changed = cand[
            (col_lower[cand] != form.col_lower[cand])
            | (col_upper[cand] != form.col_upper[cand])
            | (col_integer[cand] != form.col_integer[cand])
        ]
        return col_lower, col_upper, col_integer, changed, reasons

    def _var_bounds(self, v) -> tuple[float, float, bool]:
        """``(lower, upper, integer)`` of a variable as Pyomo states it (fixed: lower = upper = value)."""
        interval = v.domain.get_interval()
        step = interval[2] if interval is not None else None
        if step not in (0, 1):
            self.problem(v.name, f"has domain {v.domain}, which is neither continuous nor integer")
        if v.fixed:
            if v.value is None:
                self.problem(v.name, "is fixed without a value")
                return 0.0, 0.0, False
            return float(v.value), float(v.value), step == 1
        lo, up = v.lb, v.ub
        return (-np.inf if lo is None else float(lo)), (np.inf if up is None else float(up)), step == 1

    def _new(self, ctype, new_ids: set[int], **kw):
        """The components of ``ctype`` the user added (a ``Reference`` to the core's is not new)."""
        for comp in self.m.component_objects(ctype, descend_into=True, **kw):
            if id(comp) in new_ids and not comp.is_reference():
                yield comp

    def _user_vars(self, new_ids: set[int], reasons: list[str]):
        groups: list[UserVars] = []
        lower, upper, integer = [], [], []
        offset = self.form.n_cols
        for comp in self._new(pyo.Var, new_ids, active=None):
            datas = [v for v in comp.values() if id(v) not in self.user_cols]
            if not datas:
                continue
            flags = []
            for j, v in enumerate(datas, start=offset):
                self.user_cols[id(v)] = j
                lo, up, is_int = self._var_bounds(v)
                lower.append(lo)
                upper.append(up)
                flags.append(is_int)
            integer += flags
            group = Group(_block_name(comp, self.m), comp.local_name, [_key(v.index()) for v in datas], 1, offset)
            groups.append(UserVars(group, datas, any(flags)))
            if any(flags):
                reasons.append(f"extension: {comp.name} is integer")
            offset += len(datas)
        return groups, np.array(lower, dtype=float), np.array(upper, dtype=float), np.array(integer, dtype=bool)

    def _linear(self, expr, name: str) -> tuple[float, list[int], list[float]] | None:
        """``constant, columns, coefficients`` of ``expr`` (Pyomo's linear representation), or ``None``."""
        try:
            repn = self.visitor.walk_expression(expr)
        except Exception as exc:  # a value Pyomo cannot evaluate (unset parameter, domain error)
            self.problem(name, f"cannot be compiled: {exc}")
            return None
        if repn.nonlinear is not None:
            self.problem(
                name,
                f"is not linear: {_short(repn.nonlinear)} (HiGHS solves linear and mixed-integer "
                "linear models; linearise it, e.g. with binary variables)",
            )
            return None
        var_map = self.visitor.var_map
        cols, coefs = [], []
        for vid, coef in repn.linear.items():
            v = var_map[vid]
            j = self.column(v)
            if j is None:
                self.problem(
                    name,
                    f"uses {v.name}, which is not a variable of this model (declare it on m, e.g. m.x = pyo.Var())",
                )
                return None
            cols.append(j)
            coefs.append(float(coef))
        return float(repn.constant), cols, coefs

    def _user_rows(self, new_ids: set[int], n_cols: int):
        groups: list[UserRows] = []
        rows, cols, vals, lower, upper = [], [], [], [], []
        offset = self.form.n_rows
        for comp in self._new(pyo.Constraint, new_ids, active=True):
            datas, constants = [], []
            for c in comp.values():
                if not c.active:
                    continue
                try:
                    lo, body, up = c.to_bounded_expression(True)
                except (ValueError, TypeError) as exc:
                    self.problem(c.name, f"cannot be compiled: {exc}")
                    continue
                compiled = self._linear(body, c.name)
                if compiled is None:
                    continue
                const, cc, cv = compiled
                r = len(lower)
                rows += [r] * len(cc)
                cols += cc
                vals += cv
                lower.append(-np.inf if lo is None else _number(lo) - const)
                upper.append(np.inf if up is None else _number(up) - const)
                datas.append(c)
                constants.append(const)
            if not datas:
                continue
            group = Group(_block_name(comp, self.m), comp.local_name, [_key(c.index()) for c in datas], 1, offset)
            groups.append(UserRows(group, datas, np.array(constants, dtype=float)))
            offset += len(datas)
        a = sp.csr_matrix(
            (np.array(vals, dtype=float), (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64))),
            shape=(len(lower), n_cols),
        )
        a.sum_duplicates()
        a.eliminate_zeros()
        return groups, a, np.array(lower, dtype=float), np.array(upper, dtype=float)

    def _objective(self, new_ids: set[int], n_cols: int) -> tuple[np.ndarray | None, float]:
        """The user's objective terms: new objectives, and what was added to ``m.objective.expr``.

        ``m.objective.expr += term`` leaves the core's ``LinearExpression`` as the first argument
        of a sum, or (a variable or monomial term) extends it in place, Pyomo sharing its argument
        list: either way only the terms added are compiled (:func:`_added_terms`). Any other change
        (``m.objective.expr = 2 * m.objective.expr``) compiles the whole objective and keeps its
        difference from the core's costs.
        """
        form, before = self.form, self.before
        vec = np.zeros(n_cols)
        const = 0.0
        found = False

        def add(expr, name: str, sign: float) -> None:
            nonlocal const, found
            compiled = self._linear(expr, name)
            if compiled is None:
                return
            c, cols, coefs = compiled
            np.add.at(vec, np.asarray(cols, dtype=np.int64), sign * np.asarray(coefs, dtype=float))
            const += sign * c
            found = True

        expr = before.objective.expr
        orig = before.objective_expr
        if expr is not orig:
            added = _added_terms(expr, orig, before.objective_nargs)
            if added is not None:
                add(SumExpression(added), "objective", 1.0)
            else:
                add(expr, "objective", 1.0)
                if found:
                    vec[: form.n_cols] -= form.col_cost
                    const -= form.objective_constant
        for comp in self.m.component_objects(pyo.Objective, active=True, descend_into=True):
            if id(comp) not in new_ids or comp.is_reference():
                continue
            for o in comp.values():
                if o.active:
                    add(o.expr, o.name, -1.0 if o.sense == pyo.maximize else 1.0)
        return (vec, const) if found else (None, 0.0)

    def _elastic(self, row_groups: list[UserRows], lower: np.ndarray, upper: np.ndarray, n_cols: int):
        """Slack columns for each finite side of every user row: ``short`` (row + s ≥ lower) and
        ``excess`` (row − s ≤ upper), one group and one :class:`Slack` per component and side."""
        groups: list[Group] = []
        slacks: list[Slack] = []
        rows: list[np.ndarray] = []
        signs: list[np.ndarray] = []
        if not self.elastic:
            return groups, slacks, np.zeros(0, dtype=np.int64), np.zeros(0)
        offset = n_cols
        r0 = self.form.n_rows
        for ur in row_groups:
            g = ur.group
            local = np.arange(g.offset - r0, g.offset - r0 + g.size)
            for side, bound, sign in (("short", lower, 1.0), ("excess", upper, -1.0)):
                sel = np.flatnonzero(np.isfinite(bound[local]))
                if not len(sel):
                    continue
                sg = Group(g.block, f"{g.name}_{side}", [g.keys[i] for i in sel], 1, offset)
                groups.append(sg)
                rows.append(local[sel])
                signs.append(np.full(len(sel), sign))
                slacks.append(Slack("extension", sg, _describe([ur.datas[i].name for i in sel], side)))
                offset += len(sel)
        if not groups:
            return groups, slacks, np.zeros(0, dtype=np.int64), np.zeros(0)
        return groups, slacks, np.concatenate(rows), np.concatenate(signs)


def _added_terms(expr, orig, n: int) -> list | None:
    """The terms ``expr`` adds to the core's objective ``orig`` (``n`` arguments), or ``None``.

    ``expr`` is ``orig`` extended in place (same argument list, more arguments) or a sum whose
    first argument is such an expression: ``(orig + a) + b`` → ``[a, b]``.
    """
    if not isinstance(expr, SumExpression):
        return None
    args = expr._args_
    k = expr.nargs()
    if expr is orig or (args is getattr(orig, "_args_", None) and k >= n):
        return list(args[n:k]) if expr is not orig else []
    head = _added_terms(args[0], orig, n) if k else None
    return None if head is None else head + list(args[1:k])


def _describe(names: list[str], side: str) -> Callable[[np.ndarray], list[dict]]:
    """Findings of one slack group: one per constraint that had to give."""
    bound = "lower" if side == "short" else "upper"

    def describe(values: np.ndarray) -> list[dict]:
        out = []
        for name, v in zip(names, np.asarray(values, dtype=float).ravel().tolist(), strict=True):
            if v > SLACK_TOLERANCE:
                out.append(
                    {
                        "requirement": "extension constraint",
                        "constraint": name,
                        "side": bound,
                        "amount": v,
                        "unit": "",
                        "message": f"extension constraint {name} had to give by {v:g}",
                    }
                )
        return out

    return describe
