"""A vectorised assembler for the park LP/MILP, with names that map back.

Builders add *groups* of columns and rows, each a block (the asset kind or a
core part such as ``balance``), a name (``soc_kwh``, ``soc_balance``), keys
(asset or tenant ids) and time steps. Column ``(k, t)`` of a group is
``offset + k·T + t``; rows likewise. Coefficients are numpy arrays, so the
whole matrix is assembled without a Python loop per row; the Pyomo model
(:mod:`greenpark.model.pyomo_model`) and the HiGHS hand-over
(:mod:`greenpark.solve`) are both made from it, and every row and column keeps
its name ``block[key].name[t]`` for results and explanations.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

INF = np.inf


@dataclass
class Group:
    """A block of columns or rows indexed by ``(key, t)``."""

    block: str
    name: str
    keys: list[str]
    n_t: int
    offset: int
    unit: str = ""

    @property
    def size(self) -> int:
        return len(self.keys) * self.n_t

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.keys), self.n_t)

    def index(self) -> np.ndarray:
        """Global indices, shape ``(len(keys), n_t)``."""
        return self.offset + np.arange(self.size).reshape(self.shape)

    def key_index(self, key: str) -> int:
        return self.keys.index(key)

    def at(self, key: int | str = 0, t: int = 0) -> int:
        """Global index of ``(key, t)``; ``key`` by position or by name."""
        k = self.keys.index(key) if isinstance(key, str) else key
        return self.offset + k * self.n_t + t

    def take(self, vec: np.ndarray) -> np.ndarray:
        """This group's part of a column (or row) vector, shape ``(len(keys), n_t)``."""
        return vec[self.offset : self.offset + self.size].reshape(self.shape)

    def put(self, vec: np.ndarray, values: np.ndarray | float) -> None:
        """Write ``values`` (broadcast to this group's shape) into its part of ``vec``."""
        vec[self.offset : self.offset + self.size] = np.broadcast_to(values, self.shape).ravel()

    def label(self, i: int, index=None) -> str:
        """Name of global index ``i``: ``battery[bess1].soc_kwh[5]``, or ``[2026-07-15 05:00]`` given the time index."""
        k, t = divmod(i - self.offset, self.n_t)
        when = f"{index[t]:%Y-%m-%d %H:%M}" if index is not None and self.n_t > 1 else str(t)
        return f"{self.block}[{self.keys[k]}].{self.name}[{when}]"


@dataclass
class LinearProblem:
    """Columns, rows and cost vectors of one model, built group by group.

    Row ``r``: ``row_lower[r] <= sum_j A[r, j] x[j] <= row_upper[r]``.
    Objective: ``min sum_kind cost_kind · x + constant_kind``.
    """

    n_t: int
    var_groups: list[Group] = field(default_factory=list)
    row_groups: list[Group] = field(default_factory=list)
    _col_lower: list[np.ndarray] = field(default_factory=list)
    _col_upper: list[np.ndarray] = field(default_factory=list)
    _col_integer: list[np.ndarray] = field(default_factory=list)
    _row_lower: list[np.ndarray] = field(default_factory=list)
    _row_upper: list[np.ndarray] = field(default_factory=list)
    _entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    _costs: dict[str, list[tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)
    constant_costs: dict[str, float] = field(default_factory=dict)
    integer_reasons: list[str] = field(default_factory=list)
    """Why the model has integer columns, one line per cause (``summary.json``: ``integer_variables``)."""
    n_cols: int = 0
    n_rows: int = 0

    # ---- columns ---------------------------------------------------------
    def add_var(
        self,
        block: str,
        name: str,
        keys: list[str],
        lower: float | np.ndarray = 0.0,
        upper: float | np.ndarray = INF,
        *,
        n_t: int | None = None,
        unit: str = "",
        integer: bool = False,
        why: str | list[str] | None = None,
    ) -> Group:
        """Add columns ``block[key].name[t]`` with bounds broadcast to ``(len(keys), n_t)``.

        Integer columns say ``why`` they are needed (default: one line per key).
        """
        n_t = self.n_t if n_t is None else n_t
        if integer:
            if why is None:
                why = [f"{block} {k!r}: {name.replace('_', ' ')} (integer)" for k in keys]
            self.integer_reasons.extend([why] if isinstance(why, str) else why)
        g = Group(block, name, list(keys), n_t, self.n_cols, unit)
        self._col_lower.append(np.broadcast_to(np.asarray(lower, dtype=float), g.shape).ravel())
        self._col_upper.append(np.broadcast_to(np.asarray(upper, dtype=float), g.shape).ravel())
        self._col_integer.append(np.full(g.size, bool(integer)))
        self.var_groups.append(g)
        self.n_cols += g.size
        return g

    def upper_bounds(self, var: Group) -> np.ndarray:
        """Column upper bounds of ``var``, shape ``(len(keys), n_t)``."""
        i = next(k for k, g in enumerate(self.var_groups) if g is var)
        return self._col_upper[i].reshape(var.shape)

    # ---- rows ------------------------------------------------------------
    def add_rows(
        self,
        block: str,
        name: str,
        keys: list[str],
        lower: float | np.ndarray,
        upper: float | np.ndarray,
        *,
        n_t: int | None = None,
        unit: str = "",
    ) -> Group:
        """Add rows ``block[key].name[t]`` with bounds broadcast to ``(len(keys), n_t)``."""
        n_t = self.n_t if n_t is None else n_t
        g = Group(block, name, list(keys), n_t, self.n_rows, unit)
        self._row_lower.append(np.broadcast_to(np.asarray(lower, dtype=float), g.shape).ravel().copy())
        self._row_upper.append(np.broadcast_to(np.asarray(upper, dtype=float), g.shape).ravel().copy())
        self.row_groups.append(g)
        self.n_rows += g.size
        return g

    def add_entries(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray) -> None:
        """Add raw matrix entries (duplicates are summed)."""
        rows, cols, vals = np.broadcast_arrays(
            np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64), np.asarray(vals, dtype=float)
        )
        rows, cols, vals = rows.ravel(), cols.ravel(), vals.ravel()
        keep = vals != 0.0
        self._entries.append((rows[keep], cols[keep], vals[keep]))

    def add_terms(
        self,
        rows: Group,
        var: Group,
        coef: float | np.ndarray,
        *,
        var_keys: np.ndarray | list[int] | None = None,
        shift: int = 0,
        row_keys: np.ndarray | list[int] | None = None,
    ) -> None:
        """Add ``coef[k, t] · var[var_keys[k], t + shift]`` to row ``(row_keys[k], t)``.

        ``row_keys`` picks the rows' keys that receive terms (default: all);
        ``var_keys`` maps each of them to a key of ``var`` (default: same
        position). Terms whose ``t + shift`` falls outside the horizon are
        dropped; the builder puts initial states in the row bounds instead.
        A ``var`` with a single time index (``n_t == 1``) enters every step.
        """
        rk = np.arange(len(rows.keys)) if row_keys is None else np.asarray(row_keys, dtype=np.int64)
        kk = rk if var_keys is None else np.asarray(var_keys, dtype=np.int64)
        coef_arr = np.broadcast_to(np.asarray(coef, dtype=float), (len(rk), rows.n_t))
        t = np.arange(rows.n_t)
        ts = np.zeros_like(t) if var.n_t == 1 else t + shift
        valid = (ts >= 0) & (ts < var.n_t)
        r = rows.offset + (rk[:, None] * rows.n_t + t[None, :])
        c = var.offset + (kk[:, None] * var.n_t + ts[None, :])
        self.add_entries(r[:, valid], c[:, valid], coef_arr[:, valid])

    def add_sum_terms(
        self, rows: Group, row_of_key: np.ndarray | list[int], var: Group, coef: np.ndarray | float
    ) -> None:
        """Add ``sum_t coef[k, t] · var[k, t]`` to scalar row ``row_of_key[k]`` (``rows.n_t == 1``)."""
        coef_arr = np.broadcast_to(np.asarray(coef, dtype=float), var.shape)
        r = rows.offset + np.broadcast_to(np.asarray(row_of_key, dtype=np.int64)[:, None], var.shape)
        self.add_entries(r, var.index(), coef_arr)

    def set_row_bounds(self, rows: Group, lower: np.ndarray | None = None, upper: np.ndarray | None = None) -> None:
        i = self.row_groups.index(rows)
        if lower is not None:
            self._row_lower[i] = np.broadcast_to(np.asarray(lower, dtype=float), rows.shape).ravel().copy()
        if upper is not None:
            self._row_upper[i] = np.broadcast_to(np.asarray(upper, dtype=float), rows.shape).ravel().copy()

    # ---- objective -------------------------------------------------------
    def add_cost(self, kind: str, var: Group, coef: float | np.ndarray) -> None:
        """Add ``sum coef[k, t] · var[k, t]`` to cost kind ``kind`` [CNY]."""
        c = np.broadcast_to(np.asarray(coef, dtype=float), var.shape).ravel()
        self._costs.setdefault(kind, []).append((var.index().ravel(), c))

    def add_cost_columns(self, kind: str, cols: np.ndarray, coef: np.ndarray) -> None:
        self._costs.setdefault(kind, []).append((np.asarray(cols, dtype=np.int64), np.asarray(coef, dtype=float)))

    def add_constant_cost(self, kind: str, value: float) -> None:
        self.constant_costs[kind] = self.constant_costs.get(kind, 0.0) + float(value)

    # ---- assembly --------------------------------------------------------
    def cost_vectors(self) -> dict[str, np.ndarray]:
        """Dense cost vector per kind, length ``n_cols``."""
        out: dict[str, np.ndarray] = {}
        for kind, parts in self._costs.items():
            v = np.zeros(self.n_cols)
            for cols, coef in parts:
                np.add.at(v, cols, coef)
            out[kind] = v
        for kind in self.constant_costs:
            out.setdefault(kind, np.zeros(self.n_cols))
        return out

    def finalize(self) -> StandardForm:
        """Concatenate everything into CSR arrays."""
        if self._entries:
            rows = np.concatenate([e[0] for e in self._entries])
            cols = np.concatenate([e[1] for e in self._entries])
            vals = np.concatenate([e[2] for e in self._entries])
        else:
            rows = cols = np.zeros(0, dtype=np.int64)
            vals = np.zeros(0)
        a = sp.csr_matrix((vals, (rows, cols)), shape=(self.n_rows, self.n_cols))
        a.sum_duplicates()
        a.eliminate_zeros()
        costs = self.cost_vectors()
        c = np.zeros(self.n_cols)
        for v in costs.values():
            c += v
        cat = np.concatenate
        return StandardForm(
            a=a,
            col_cost=c,
            col_lower=cat(self._col_lower) if self._col_lower else np.zeros(0),
            col_upper=cat(self._col_upper) if self._col_upper else np.zeros(0),
            col_integer=cat(self._col_integer) if self._col_integer else np.zeros(0, dtype=bool),
            row_lower=cat(self._row_lower) if self._row_lower else np.zeros(0),
            row_upper=cat(self._row_upper) if self._row_upper else np.zeros(0),
            cost_by_kind=costs,
            constant_costs=dict(self.constant_costs),
            integer_reasons=list(dict.fromkeys(self.integer_reasons)),
            var_groups=list(self.var_groups),
            row_groups=list(self.row_groups),
        )


@dataclass
class StandardForm:
    """``min c·x + const  s.t.  row_lower <= A x <= row_upper, col_lower <= x <= col_upper``."""

    a: sp.csr_matrix
    col_cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    col_integer: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    cost_by_kind: dict[str, np.ndarray]
    constant_costs: dict[str, float]
    integer_reasons: list[str]
    var_groups: list[Group]
    row_groups: list[Group]

    @property
    def n_cols(self) -> int:
        return self.a.shape[1]

    @property
    def n_rows(self) -> int:
        return self.a.shape[0]

    @property
    def is_mip(self) -> bool:
        return bool(self.col_integer.any())

    @property
    def objective_constant(self) -> float:
        return float(sum(self.constant_costs.values()))

    def with_row_upper(self, row: int, upper: float) -> StandardForm:
        """A copy sharing everything but the row upper bounds, with row ``row``'s set to ``upper``."""
        out = copy.copy(self)
        out.row_upper = self.row_upper.copy()
        out.row_upper[row] = upper
        return out

    def var_group(self, block: str, name: str) -> Group:
        for g in self.var_groups:
            if g.block == block and g.name == name:
                return g
        raise KeyError(f"{block}.{name}")

    def row_group(self, block: str, name: str) -> Group:
        for g in self.row_groups:
            if g.block == block and g.name == name:
                return g
        raise KeyError(f"{block}.{name}")

    def col_label(self, j: int, index=None) -> str:
        return _label(self.var_groups, j, index)

    def row_label(self, i: int, index=None) -> str:
        return _label(self.row_groups, i, index)


def _label(groups: list[Group], i: int, index=None) -> str:
    offsets = [g.offset for g in groups]
    k = int(np.searchsorted(offsets, i, side="right")) - 1
    return groups[k].label(i, index)
