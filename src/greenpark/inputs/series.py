"""Time series: reading CSV files and aligning them on the model's time index.

The model index
    ``start`` (local midnight by default) to ``start + horizon``, left-labelled
    steps of 1 h or 15 min, tz-aware in the park's time zone.

CSV files
    A ``time`` column of ISO timestamps in the park's local time (naive, or with
    the park's UTC offset) plus value columns. Each row holds the mean value of
    the interval that starts at its timestamp.

Dated or typical year (the rule)
    A file whose timestamps cover the whole horizon is *dated*: the model reads
    the rows of those very timestamps. Any other file must cover one whole
    calendar year (a *typical year*, e.g. ``datasets/``): the model reads, for a
    step at local time ``YYYY-MM-DD hh:mm``, the row of the same month, day, hour
    and minute in the file's year, whatever ``YYYY`` is. 29 February reads
    28 February when the file's year has no 29 February. Weekdays are therefore
    those of the file's year, not of the run.

Resolution
    A coarser file is held constant within its interval (an hourly price applies
    to each of its four quarter-hours); a finer file is averaged over each model
    step (four quarter-hour loads give the hourly mean).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from greenpark.errors import Problem
from greenpark.fields import Calendar, Series, SeriesRef


def model_index(start: pd.Timestamp, horizon: pd.Timedelta, resolution: str, tz: str) -> pd.DatetimeIndex:
    """Left-labelled, tz-aware steps from ``start`` over ``horizon``."""
    start = pd.Timestamp(start)
    start = start.tz_localize(tz) if start.tzinfo is None else start.tz_convert(tz)
    freq = pd.Timedelta(resolution)
    n = int(horizon / freq)
    if n < 1 or n * freq != horizon:
        raise ValueError(f"horizon {horizon} is not a whole number of {resolution} steps")
    return pd.date_range(start, periods=n, freq=freq, name="time")


def _fmt(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%d %H:%M")


@dataclass
class _Table:
    frame: pd.DataFrame  # naive local time index
    step: pd.Timedelta
    positions: np.ndarray | None = None  # row of each model step, once aligned


@dataclass
class SeriesResolver:
    """Resolves :data:`~greenpark.spec.Series` values onto a model index.

    Problems are collected in :attr:`problems` rather than raised, so that one
    run lists every bad series at once.
    """

    index: pd.DatetimeIndex
    base_dir: Path
    problems: list[Problem] = field(default_factory=list)
    _tables: dict[Path, _Table | None] = field(default_factory=dict)

    def display_path(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(path)

    def table(self, file: str) -> tuple[_Table | None, str]:
        """Read and check a CSV file once."""
        path = (self.base_dir / file).resolve()
        shown = self.display_path(path)
        if path in self._tables:
            return self._tables[path], shown
        self._tables[path] = None
        if not path.is_file():
            self.problems.append(Problem(shown, "dataset file not found"))
            return None, shown
        try:
            raw = pd.read_csv(path, comment="#")
        except Exception as exc:
            self.problems.append(Problem(shown, f"cannot read CSV: {exc}"))
            return None, shown
        if "time" not in raw.columns:
            self.problems.append(Problem(shown, "has no 'time' column"))
            return None, shown
        try:
            times = pd.to_datetime(raw["time"], format="ISO8601")
        except (ValueError, TypeError) as exc:
            self.problems.append(Problem(shown, f"'time' column is not ISO timestamps: {exc}"))
            return None, shown
        tz = self.index.tz
        if isinstance(times.dtype, pd.DatetimeTZDtype):
            wall_file = times.dt.tz_localize(None)
            wall_park = times.dt.tz_convert(tz).dt.tz_localize(None)
            bad = (wall_file != wall_park).to_numpy()
            if bad.any():
                i = int(np.argmax(bad))
                self.problems.append(
                    Problem(
                        shown,
                        f"timestamps are in UTC{_offset(times.iloc[i].utcoffset())} but the park's time zone {tz} is "
                        f"UTC{_offset(times.dt.tz_convert(tz).iloc[i].utcoffset())} at {_fmt(wall_park.iloc[i])}: "
                        "give local times",
                    )
                )
                return None, shown
            naive = wall_park
        else:
            naive = times
        frame = raw.drop(columns=["time"])
        frame.index = pd.DatetimeIndex(naive, name="time")
        if len(frame) < 2:
            self.problems.append(Problem(shown, "needs at least two rows"))
            return None, shown
        if frame.index.has_duplicates:
            dup = frame.index[frame.index.duplicated()][0]
            self.problems.append(Problem(shown, f"duplicate timestamp {_fmt(dup)}"))
            return None, shown
        if not frame.index.is_monotonic_increasing:
            self.problems.append(Problem(shown, "timestamps are not in increasing order"))
            return None, shown
        step = pd.Series(frame.index).diff().dropna().min()
        if step not in (pd.Timedelta("1h"), pd.Timedelta("15min"), pd.Timedelta("30min")):
            self.problems.append(Problem(shown, f"time step {step} is not 15 min, 30 min or 1 h"))
            return None, shown
        full = pd.date_range(frame.index[0], frame.index[-1], freq=step)
        if len(full) != len(frame):
            missing = full.difference(frame.index)
            unit = "hours" if step == pd.Timedelta("1h") else "steps"
            self.problems.append(Problem(shown, f"{len(missing)} missing {unit} from {_fmt(missing[0])}"))
            return None, shown
        table = _Table(frame, step)
        self._tables[path] = table
        return table, shown

    def resolve(
        self,
        value: Series,
        where: str,
        *,
        nonnegative: bool = False,
        positive: bool = False,
    ) -> np.ndarray:
        """Values of ``value`` at every model step (float64 array).

        ``where`` names the field for error messages (``assets[3].power_kw``).
        On a problem, a zero array is returned and the problem is recorded.
        """
        n = len(self.index)
        if isinstance(value, (int, float)):
            arr = np.full(n, float(value))
            label = where
        elif isinstance(value, list):
            arr = self._list(value, where)
            if arr is None:
                return np.zeros(n)
            label = where
        elif isinstance(value, Calendar):
            arr = self._calendar(value)
            label = where
        elif isinstance(value, SeriesRef):
            table, shown = self.table(value.file)
            if table is None:
                return np.zeros(n)
            label = f"{shown} column {value.column!r} ({where})"
            if value.column not in table.frame.columns:
                cols = ", ".join(table.frame.columns)
                self.problems.append(Problem(shown, f"has no column {value.column!r} (columns: {cols}) ({where})"))
                return np.zeros(n)
            aligned = self._align(table, value.column, shown, where)
            if aligned is None:
                return np.zeros(n)
            arr = aligned * value.scale
        else:  # pragma: no cover - pydantic guarantees the type
            raise TypeError(type(value))
        return self._check_values(arr, label, nonnegative=nonnegative, positive=positive)

    def columns(self, file: str, names: tuple[str, ...], prefix: str) -> pd.DataFrame | None:
        """Columns ``names`` of ``file`` on the model index, or None when any of them has a problem
        (recorded, named ``<prefix>.<column>``). Weather is read so, once per kind that needs it."""
        n_before = len(self.problems)
        cols = {c: self.resolve(SeriesRef(file=file, column=c), f"{prefix}.{c}") for c in names}
        return pd.DataFrame(cols, index=self.index) if len(self.problems) == n_before else None

    def _calendar(self, cal: Calendar) -> np.ndarray:
        """A calendar's values: each step reads its day's pattern by local clock time (see :class:`Calendar`)."""
        index = self.index
        minute = np.asarray(index.hour * 60 + index.minute)

        def read(pattern: list[float]) -> np.ndarray:
            return np.asarray(pattern, dtype=float)[minute * len(pattern) // 1440]

        weekend = cal.weekend or cal.weekday
        out = np.where(np.asarray(index.day_of_week) >= 5, read(weekend), read(cal.weekday))
        month = np.asarray(index.month)
        for m, pattern in cal.month_patterns().items():
            out = np.where(month == m, read(pattern), out)
        if cal.holidays:
            days = np.asarray(index.strftime("%Y-%m-%d"))
            holidays = [f"{pd.Timestamp(d):%Y-%m-%d}" for d in cal.holidays]
            out = np.where(np.isin(days, holidays), read(cal.holiday or weekend), out)
        return out

    def _list(self, value: list[float], where: str) -> np.ndarray | None:
        """An inline list: a daily pattern when it holds one day (24 hourly values, or 96 quarter-hours at
        15 min), read by local clock time whatever the start; otherwise one value per step of the horizon."""
        n, index = len(self.index), self.index
        per_day = round(24 * 3600 / (index[1] - index[0]).total_seconds()) if n > 1 else 24
        if len(value) == 24:
            return np.asarray(value, dtype=float)[index.hour]
        if len(value) == per_day:
            return np.asarray(value, dtype=float)[(index.hour * 60 + index.minute) * per_day // 1440]
        if len(value) == n:
            return np.asarray(value, dtype=float)
        day = "24 (hourly)" + (f" or {per_day}" if per_day != 24 else "")
        msg = f"has {len(value)} values, the horizon has {n} steps (or give a daily pattern of {day} values)"
        self.problems.append(Problem(where, msg))
        return None

    def _check_values(self, arr: np.ndarray, label: str, *, nonnegative: bool, positive: bool) -> np.ndarray:
        bad_nan = ~np.isfinite(arr)
        if bad_nan.any():
            i = int(np.argmax(bad_nan))
            self.problems.append(
                Problem(label, f"{int(bad_nan.sum())} missing or infinite values from {_fmt(self.index[i])}")
            )
            return np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0)
        if positive and (arr <= 0).any():
            i = int(np.argmax(arr <= 0))
            self.problems.append(Problem(label, f"must be > 0; {arr[i]:g} at {_fmt(self.index[i])}"))
        elif nonnegative and (arr < 0).any():
            i = int(np.argmax(arr < 0))
            k = int((arr < 0).sum())
            self.problems.append(Problem(label, f"{k} negative values from {_fmt(self.index[i])} (first {arr[i]:g})"))
        return arr

    def _align(self, table: _Table, column: str, shown: str, where: str) -> np.ndarray | None:
        if table.positions is None:
            table.positions = self._positions(table, shown, where)
            if table.positions is None:
                return None
        col = pd.to_numeric(table.frame[column], errors="coerce").to_numpy(dtype=float)
        pos = table.positions
        values = col[pos].mean(axis=1) if pos.ndim == 2 else col[pos]
        if np.isnan(values).any():
            i = int(np.argmax(np.isnan(values)))
            n_bad = int(np.isnan(values).sum())
            self.problems.append(
                Problem(f"{shown} column {column!r}", f"{n_bad} missing values (NaN) from {_fmt(self.index[i])}")
            )
            return None
        return values

    def _positions(self, table: _Table, shown: str, where: str) -> np.ndarray | None:
        """Row numbers read by each model step: shape (T,) for a coarser or equal file, (T, k) for a finer one."""
        local = self.index.tz_localize(None)
        model_step = pd.Timedelta(self.index.freq)
        first, last_end = table.frame.index[0], table.frame.index[-1] + table.step
        if first <= local[0] and local[-1] + model_step <= last_end:
            keys = local
        elif _is_whole_year(table):
            keys = _to_reference_year(local, table.frame.index[0].year)
        else:
            self.problems.append(
                Problem(
                    shown,
                    f"covers {_fmt(first)} to {_fmt(last_end)}, which neither contains the horizon "
                    f"{_fmt(local[0])} to {_fmt(local[-1] + model_step)} nor is a whole typical year ({where})",
                )
            )
            return None
        step_ns = table.step.value
        base = (keys.floor(table.step).as_unit("ns").asi8 - first.as_unit("ns").value) // step_ns
        if table.step >= model_step:
            return base
        per = int(model_step / table.step)
        return base[:, None] + np.arange(per)[None, :]


def _offset(td: pd.Timedelta) -> str:
    minutes = int(td.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _is_whole_year(table: _Table) -> bool:
    idx = table.frame.index
    year = idx[0].year
    start = pd.Timestamp(year=year, month=1, day=1)
    end = pd.Timestamp(year=year + 1, month=1, day=1)
    return idx[0] == start and idx[-1] + table.step == end


def _to_reference_year(local: pd.DatetimeIndex, year: int) -> pd.DatetimeIndex:
    """Same month, day, hour and minute in ``year``; 29 Feb → 28 Feb when ``year`` has none."""
    leap = pd.Timestamp(year=year, month=1, day=1).is_leap_year
    month = local.month.to_numpy()
    day = local.day.to_numpy().copy()
    if not leap:
        day[(month == 2) & (day == 29)] = 28
    parts = pd.DataFrame(
        {
            "year": year,
            "month": month,
            "day": day,
            "hour": local.hour.to_numpy(),
            "minute": local.minute.to_numpy(),
        }
    )
    return pd.DatetimeIndex(pd.to_datetime(parts))
