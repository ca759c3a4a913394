"""Time-of-day rules on the model index: job windows, deliveries, shift calendars.

A time is ``"HH:MM"`` (every local day of the horizon) or an ISO date-time
(once; naive = park local time). Steps are left-labelled: step ``t`` covers
``[index[t], index[t] + Δt)``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_HHMM = re.compile(r"^(\d\d):(\d\d)$")


def _offset(hhmm: str) -> pd.Timedelta:
    m = _HHMM.match(hhmm)
    assert m is not None
    return pd.Timedelta(hours=int(m.group(1)), minutes=int(m.group(2)))


def is_daily(value: str) -> bool:
    return bool(_HHMM.match(value))


def _absolute(value: str, tz: str) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize(tz) if ts.tzinfo is None else ts.tz_convert(tz)


def _days(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Local midnights from the day before the horizon to its last day."""
    first = index[0].normalize() - pd.Timedelta(days=1)
    last = index[-1].normalize()
    return pd.date_range(first, last, freq="D")


def _step(index: pd.DatetimeIndex) -> pd.Timedelta:
    return pd.Timedelta(index.freq) if index.freq is not None else index[1] - index[0]


def windows(index: pd.DatetimeIndex, earliest_start: str, latest_end: str) -> list[tuple[int, int]]:
    """Windows ``[s0, s1)`` in steps lying wholly inside the horizon.

    ``HH:MM`` pairs give one window per day (``latest_end`` ≤ ``earliest_start``
    means the next day); date-times give one window. Bounds are rounded inwards
    to whole steps.
    """
    tz = str(index.tz)
    step = _step(index)
    end_of_horizon = index[-1] + step
    spans: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    if is_daily(earliest_start) and is_daily(latest_end):
        a, b = _offset(earliest_start), _offset(latest_end)
        if b <= a:
            b += pd.Timedelta(days=1)
        spans = [(d + a, d + b) for d in _days(index)]
    else:
        spans = [(_absolute(earliest_start, tz), _absolute(latest_end, tz))]
    out = []
    for lo, hi in spans:
        if lo < index[0] or hi > end_of_horizon or hi <= lo:
            continue
        s0 = int(np.ceil((lo - index[0]) / step))
        s1 = int(np.floor((hi - index[0]) / step))
        if s1 > s0:
            out.append((s0, s1))
    return out


def event_steps(index: pd.DatetimeIndex, at: str) -> list[int]:
    """Steps in which an event at ``at`` falls: ``index[t] < τ ≤ index[t] + Δt``."""
    tz = str(index.tz)
    step = _step(index)
    times = [d + _offset(at) for d in _days(index)] if is_daily(at) else [_absolute(at, tz)]
    out = []
    for tau in times:
        k = int(np.ceil((tau - index[0]) / step)) - 1
        if 0 <= k < len(index):
            out.append(k)
    return out


def shift_mask(index: pd.DatetimeIndex, shifts: list | None) -> np.ndarray:
    """True where a step lies wholly inside a shift (every step when ``shifts`` is None)."""
    if shifts is None:
        return np.ones(len(index), dtype=bool)
    step = _step(index)
    mask = np.zeros(len(index), dtype=bool)
    for sh in shifts:
        a, b = _offset(sh.start), _offset(sh.end)
        if b <= a:
            b += pd.Timedelta(days=1)
        for d in _days(index):
            if d.day_of_week not in sh.weekdays:
                continue
            lo, hi = d + a, d + b
            mask |= (index >= lo) & (index + step <= hi)
    return mask


def hours_to_steps(hours: float, step_h: float) -> int:
    """Whole steps covering ``hours`` (rounded up)."""
    return int(np.ceil(hours / step_h - 1e-9))
