"""The Pyomo view of the assembled model.

One Pyomo ``Block`` per block of the model (asset kind, ``link``, ``balance``,
``carbon``); in it one indexed ``Var`` per column group, indexed by
``(key, t)``, and one ``MatrixConstraint`` per row group, built straight from
the CSR rows (the fast route measured in ``benchmarks/``). Names read as
sentences: ``model.battery.soc_balance``, ``model.battery.soc_kwh['bess', 5]``.
The ``MatrixConstraint`` rows are indexed by position within their group,
i.e. ``key_index · T + t``.

The solver hand-over does not walk this model again: HiGHS receives the same
CSR arrays (:func:`greenpark.solve.solve`), and :func:`load_solution` writes the
solution back into the Pyomo variables for users who want to inspect or
extend the model with Pyomo.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.core.expr.numeric_expr import LinearExpression
from pyomo.repn.beta.matrix import MatrixConstraint

from greenpark.model.linear import StandardForm


def to_pyomo(form: StandardForm, name: str = "greenpark") -> pyo.ConcreteModel:
    """Build the ``ConcreteModel`` of ``form`` (same column and row order)."""
    with PauseGC():
        m = pyo.ConcreteModel(name=name)
        varmap: list = []
        lower = np.where(np.isfinite(form.col_lower), form.col_lower, np.nan)
        upper = np.where(np.isfinite(form.col_upper), form.col_upper, np.nan)
        lo_list = [None if v != v else v for v in lower.tolist()]
        up_list = [None if v != v else v for v in upper.tolist()]
        for g in form.var_groups:
            blk = _block(m, g.block)
            domain = pyo.Integers if form.col_integer[g.offset] else pyo.Reals
            var = pyo.Var(g.keys, range(g.n_t), dense=True, domain=domain)
            blk.add_component(g.name, var)
            datas = list(var.values())
            for j, v in enumerate(datas, start=g.offset):
                v._lb = lo_list[j]
                v._ub = up_list[j]
            varmap.extend(datas)
        a = form.a
        indptr, indices, data = a.indptr, a.indices, a.data
        for g in form.row_groups:
            blk = _block(m, g.block)
            r0, r1 = g.offset, g.offset + g.size
            p0, p1 = int(indptr[r0]), int(indptr[r1])
            lo = form.row_lower[r0:r1]
            up = form.row_upper[r0:r1]
            types = np.where(np.isfinite(lo), MatrixConstraint.LowerBound, 0) | np.where(
                np.isfinite(up), MatrixConstraint.UpperBound, 0
            )
            types = np.where(np.isfinite(lo) & np.isfinite(up) & (lo == up), MatrixConstraint.Equality, types)
            ranges = np.column_stack([np.where(np.isfinite(lo), lo, 0.0), np.where(np.isfinite(up), up, 0.0)]).ravel()
            con = MatrixConstraint(
                g.size,
                form.n_cols,
                p1 - p0,
                (indptr[r0 : r1 + 1] - p0).tolist(),
                indices[p0:p1].tolist(),
                data[p0:p1].tolist(),
                ranges.tolist(),
                types.astype(np.uint8).tolist(),
                varmap,
            )
            blk.add_component(g.name, con)
        nz = np.flatnonzero(form.col_cost)
        expr = LinearExpression(
            constant=form.objective_constant,
            linear_coefs=form.col_cost[nz].tolist(),
            linear_vars=[varmap[j] for j in nz.tolist()],
        )
        m.objective = pyo.Objective(expr=expr, sense=pyo.minimize)
        m._greenpark_varmap = varmap
    return m


def _block(m: pyo.ConcreteModel, name: str) -> pyo.Block:
    blk = m.component(name)
    if blk is None:
        blk = pyo.Block(concrete=True)
        m.add_component(name, blk)
    return blk


def load_solution(m: pyo.ConcreteModel, x: np.ndarray) -> None:
    """Write column values ``x`` into the model's variables."""
    for v, val in zip(m._greenpark_varmap, x.tolist(), strict=True):
        v.set_value(val, skip_validation=True)
