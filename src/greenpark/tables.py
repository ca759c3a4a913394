"""Table codecs: a result frame as Parquet, CSV or JSON, and back (pure functions, no I/O).

The frames are those of :meth:`greenpark.results.Schedule.frames`: one index level
(``time``, tz-aware, or a label such as ``tenant``; several index levels are refused),
one or several column levels (``balances``: carrier, node, term; ``node_prices``:
carrier, node).

Parquet (:func:`frame_to_parquet`, :func:`parquet_to_frame`)
    Typed: values, dtypes, the index (with its time zone) and every column
    level are kept (pandas metadata; readers other than pandas see a multi-level
    label as the text of its tuple, e.g. ``('electricity', 'park', 'demand')``).
    The job store keeps each table of a job this way.

CSV (:func:`frame_to_csv`, :func:`csv_to_frame`)
    One header row per column level, its first cell naming the level, then (with
    several levels) a row naming the index, then one row per index label — the
    layout of ``Schedule.to_folder``. A time index is written as ISO 8601 with its
    UTC offset (``2026-07-15T00:00:00+08:00``; ``+0800``, as ``to_folder`` writes
    it, is read too). CSV carries no types: reading needs the number of column
    levels and, to get the zone name back rather than a fixed offset, the time
    zone; column types are inferred (numbers, text).

JSON (:func:`frame_to_json`, :func:`json_to_frame`)
    An object with pandas' ``orient="split"`` keys plus what makes it typed::

        {
          "index_name": "time",
          "index_dtype": "datetime64[us, Asia/Shanghai]",
          "index": ["2026-07-15T00:00:00+08:00", ...],
          "column_levels": ["carrier", "node", "term"],
          "columns": [["electricity", "park", "demand"], ...],
          "dtypes": ["float64", ...],
          "data": [[-100.0, ...], ...]
        }

    ``index``: the row labels (a time as ISO 8601 with its UTC offset);
    ``column_levels``: the names of the column levels (``[null]`` for one unnamed
    level); ``columns``: per column, its label at every level (a list), or the
    label itself when there is one level; ``dtypes``: the pandas dtype of each
    column; ``data``: one list per row, in column order. A missing value is
    ``null``; an infinite float is the string ``"Infinity"`` or ``"-Infinity"``.

Decoding a time index restores its frequency when its steps are regular (two
labels or more; a one-step index comes back without one).
"""

from __future__ import annotations

import io
import math
import re
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

# pandas 3 reads floats exactly by default (and deprecates the option); pandas 2 needs it
_EXACT_FLOATS = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}
_ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")


# ----------------------------------------------------------------------------- Parquet
def frame_to_parquet(frame: pd.DataFrame) -> bytes:
    """The frame as Parquet bytes (index, column levels and dtypes kept)."""
    buf = io.BytesIO()
    frame.to_parquet(buf, engine="pyarrow")
    return buf.getvalue()


def parquet_to_frame(data: bytes) -> pd.DataFrame:
    """The frame of :func:`frame_to_parquet` (a regular time index gets its frequency back)."""
    frame = pd.read_parquet(io.BytesIO(data), engine="pyarrow")
    if isinstance(frame.index, pd.DatetimeIndex):
        frame.index = _with_freq(frame.index)
    return frame


# ----------------------------------------------------------------------------- CSV
def frame_to_csv(frame: pd.DataFrame) -> str:
    """CSV text: one header row per column level, a time index as ISO 8601 with its offset."""
    _check_one_index_level(frame)
    if isinstance(frame.index, pd.DatetimeIndex):
        frame = frame.set_axis(pd.Index(_iso(frame.index), dtype=object, name=frame.index.name), axis=0)
    return frame.to_csv(lineterminator="\n")


def csv_to_frame(text: str, column_levels: int = 1, timezone: str | None = None) -> pd.DataFrame:
    """The frame of :func:`frame_to_csv` (or of ``Schedule.to_folder``), whose columns have ``column_levels`` levels.

    An index of ISO 8601 times with offsets becomes a tz-aware ``DatetimeIndex`` in ``timezone`` (default:
    the fixed offset of the text, or UTC when the offsets differ). Column types are inferred.
    """
    if column_levels < 1:
        raise ValueError(f"column_levels must be >= 1, not {column_levels}")
    header: int | list[int] = list(range(column_levels)) if column_levels > 1 else 0
    frame = pd.read_csv(io.StringIO(text), header=header, index_col=0, **_EXACT_FLOATS)
    labels = frame.index
    if len(labels) and all(isinstance(v, str) and _ISO_WITH_OFFSET.match(v) for v in labels):
        frame.index = _parse_times(list(labels), timezone, name=labels.name)
    return frame


# ----------------------------------------------------------------------------- JSON
def frame_to_json(frame: pd.DataFrame) -> dict[str, Any]:
    """The frame as a JSON-ready dict (see the module docstring for the shape)."""
    _check_one_index_level(frame)
    cols = frame.columns
    multi = isinstance(cols, pd.MultiIndex)
    columns = [[_native(v) for v in label] for label in cols] if multi else [_native(v) for v in cols]
    values = [_json_values(frame.iloc[:, i]) for i in range(frame.shape[1])]
    data = [list(row) for row in zip(*values, strict=True)] if values else [[] for _ in range(len(frame))]
    return {
        "index_name": _native(frame.index.name),
        "index_dtype": str(frame.index.dtype),
        "index": _json_values(frame.index),
        "column_levels": [_native(n) for n in cols.names],
        "columns": columns,
        "dtypes": [str(d) for d in frame.dtypes],
        "data": data,
    }


def json_to_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """The frame of :func:`frame_to_json` (values, dtypes, index and column levels as they were)."""
    index = _typed_index(doc["index"], doc.get("index_dtype"), doc.get("index_name"))
    levels = list(doc.get("column_levels") or [None])
    labels = doc["columns"]
    if len(levels) > 1:
        tuples = [tuple(label) for label in labels]
        columns = (
            pd.MultiIndex.from_tuples(tuples, names=levels)
            if tuples
            else pd.MultiIndex.from_arrays([[] for _ in levels], names=levels)
        )
    else:
        columns = pd.Index(labels, name=levels[0])
    dtypes = doc.get("dtypes") or [None] * len(labels)
    if len(dtypes) != len(labels):
        raise ValueError(f"{len(labels)} columns but {len(dtypes)} dtypes")
    rows = doc["data"]
    if len(rows) != len(index):
        raise ValueError(f"{len(index)} index labels but {len(rows)} rows")
    by_column = list(zip(*rows, strict=True)) if rows else [() for _ in labels]
    arrays = {i: _typed_values(list(v), dtype) for i, (v, dtype) in enumerate(zip(by_column, dtypes, strict=True))}
    frame = pd.DataFrame(arrays, index=index)
    frame.columns = columns
    return frame


# ----------------------------------------------------------------------------- helpers
def _check_one_index_level(frame: pd.DataFrame) -> None:
    if isinstance(frame.index, pd.MultiIndex):
        raise ValueError("frames with several index levels are not supported")


def _iso(index: pd.DatetimeIndex) -> list[str | None]:
    return [None if t is pd.NaT else t.isoformat() for t in index]


def _native(v: Any) -> Any:
    """A JSON value: numpy scalars as Python ones, NaN as None, ±inf as ``"Infinity"``/``"-Infinity"``."""
    if v is None or v is pd.NaT:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float):
        if math.isnan(v):
            return None
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return v


def _json_values(values: pd.Series | pd.Index) -> list[Any]:
    if isinstance(values.dtype, pd.DatetimeTZDtype) or values.dtype.kind == "M":
        return [None if pd.isna(t) else pd.Timestamp(t).isoformat() for t in values]
    if values.dtype.kind == "f":  # the common case, without a call per value
        arr = values.to_numpy()
        return arr.tolist() if np.isfinite(arr).all() else [_native(v) for v in arr.tolist()]
    return [_native(v) for v in values.tolist()]


def _parse_times(values: list, timezone: str | None, name=None) -> pd.DatetimeIndex:
    """ISO 8601 times with offsets as a tz-aware index in ``timezone`` (default: their common offset, else UTC)."""
    parsed = pd.DatetimeIndex(pd.to_datetime(values, format="ISO8601", utc=True), name=name)
    if timezone is None:
        offsets = {pd.Timestamp(v).utcoffset() for v in values if v is not None}
        if len(offsets) == 1:
            timezone = next(v for v in values if v is not None)
            return _with_freq(parsed.tz_convert(pd.Timestamp(timezone).tz))
        return _with_freq(parsed)
    return _with_freq(parsed.tz_convert(timezone))


def _with_freq(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """``index`` with its frequency when its steps are regular (equal in absolute time)."""
    if index.freq is not None or len(index) < 2 or index.hasnans:
        return index
    steps = np.diff(index.asi8)
    if steps[0] <= 0 or (steps != steps[0]).any():
        return index
    try:
        freq = to_offset(index[1] - index[0])
        return pd.DatetimeIndex(index, freq=freq)
    except (TypeError, ValueError):
        return index


def _typed_index(values: list, dtype: str | None, name: Any) -> pd.Index:
    dt = pd.api.types.pandas_dtype(dtype) if dtype else None
    if isinstance(dt, pd.DatetimeTZDtype):
        return _parse_times(values, str(dt.tz), name=name).as_unit(dt.unit)
    if dt is not None and dt.kind == "M":
        idx = pd.DatetimeIndex(pd.to_datetime(values, format="ISO8601"), name=name)
        return _with_freq(idx.as_unit(np.datetime_data(dt)[0]))
    return pd.Index(_typed_values(values, dtype), name=name)


def _typed_values(values: list, dtype: str | None):
    """A column's JSON values as an array of ``dtype``."""
    if dtype is None:
        return pd.array(values)
    dt = pd.api.types.pandas_dtype(dtype)
    if isinstance(dt, pd.DatetimeTZDtype):
        return pd.to_datetime(values, format="ISO8601", utc=True).tz_convert(dt.tz).as_unit(dt.unit).array
    if dt.kind == "M":
        return pd.to_datetime(values, format="ISO8601").as_unit(np.datetime_data(dt)[0]).array
    if dt.kind == "f":
        return np.array([np.nan if v is None else float(v) for v in values], dtype=dt)
    return pd.array(values, dtype=dt) if not isinstance(dt, np.dtype) else np.array(values, dtype=dt)
