"""Table codecs (greenpark.tables): Parquet, CSV and JSON round trips keep values, levels, index and dtypes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from greenpark.tables import (
    csv_to_frame,
    frame_to_csv,
    frame_to_json,
    frame_to_parquet,
    json_to_frame,
    parquet_to_frame,
)

pytestmark = pytest.mark.unit


def times(n: int = 4, freq: str = "h", tz: str = "Asia/Shanghai", start: str = "2026-07-15") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq=freq, tz=tz, name="time")


def balances(index: pd.DatetimeIndex | None = None) -> pd.DataFrame:
    """Like Schedule.balances: three column levels (carrier, node, term), a tz-aware time index."""
    index = times() if index is None else index
    cols = pd.MultiIndex.from_tuples(
        [
            ("electricity", "a", "link[a].import_kw"),
            ("electricity", "a", "demand"),
            ("electricity", "park", "grid[grid].import_kw"),
            ("heat", "park", "gas_boiler[boiler].heat_kw"),
        ],
        names=["carrier", "node", "term"],
    )
    rng = np.random.default_rng(1)
    return pd.DataFrame(rng.normal(size=(len(index), 4)) * 1e3 / 7, index=index, columns=cols)


def node_prices() -> pd.DataFrame:
    cols = pd.MultiIndex.from_tuples([("electricity", "park"), ("electricity", "a")], names=["carrier", "node"])
    return pd.DataFrame([[0.3, 0.1 + 0.2], [np.nan, 1.0], [1 / 3, -0.0], [2.5e-17, 1e300]], index=times(), columns=cols)


def prices() -> pd.DataFrame:
    return pd.DataFrame({"electricity_cny_per_kwh": [0.3, 0.3, 1.0, 1.0], "co2_kg": [100.0, 0.0, 1.5, np.nan]},
                        index=times())  # fmt: skip


def tenants() -> pd.DataFrame:
    """A text index and mixed dtypes (float, int, text, bool)."""
    return pd.DataFrame(
        {
            "electricity_drawn_kwh": [400.0, 0.1],
            "own_assets_cost_cny": np.array([0, 3], dtype="int64"),
            "name": pd.array(["Food", "Steel"], dtype="str"),
            "capped": [True, False],
        },
        index=pd.Index(["food", "steel"], name="tenant", dtype="str"),
    )


FRAMES = {"balances": balances, "node_prices": node_prices, "prices": prices, "tenants": tenants}


def via_json(frame: pd.DataFrame) -> pd.DataFrame:
    text = json.dumps(frame_to_json(frame), allow_nan=False)  # strict JSON: no NaN or Infinity literals
    return json_to_frame(json.loads(text))


def via_csv(frame: pd.DataFrame, tz: str | None = "Asia/Shanghai") -> pd.DataFrame:
    return csv_to_frame(frame_to_csv(frame), frame.columns.nlevels, timezone=tz)


@pytest.mark.parametrize("name", FRAMES)
@pytest.mark.parametrize("codec", ["parquet", "json", "csv"])
def test_round_trip_is_exact(name, codec):
    frame = FRAMES[name]()
    if codec == "parquet":
        back = parquet_to_frame(frame_to_parquet(frame))
    elif codec == "json":
        back = via_json(frame)
    else:  # CSV carries no types: they are inferred (numbers, text, booleans), which suffices here
        back = via_csv(frame)
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert list(back.columns.names) == list(frame.columns.names)


def test_json_shape_keeps_every_level_and_the_offset():
    doc = frame_to_json(node_prices())
    assert doc["index_name"] == "time"
    assert doc["index_dtype"] == str(node_prices().index.dtype)
    assert doc["index"][0] == "2026-07-15T00:00:00+08:00"
    assert doc["column_levels"] == ["carrier", "node"]
    assert doc["columns"] == [["electricity", "park"], ["electricity", "a"]]
    assert doc["dtypes"] == ["float64", "float64"]
    assert doc["data"][1] == [None, 1.0]
    one = frame_to_json(prices())
    assert one["column_levels"] == [None]
    assert one["columns"] == ["electricity_cny_per_kwh", "co2_kg"]  # a plain label with one level


def test_json_infinity_and_missing_values():
    frame = pd.DataFrame({"x": [np.inf, -np.inf, np.nan, 1.5]}, index=times())
    doc = frame_to_json(frame)
    assert [row[0] for row in doc["data"]] == ["Infinity", "-Infinity", None, 1.5]
    pd.testing.assert_frame_equal(via_json(frame), frame, check_exact=True)


def test_csv_has_one_header_row_per_level_then_the_index_name():
    lines = frame_to_csv(balances()).splitlines()
    assert lines[0].startswith("carrier,electricity,electricity,electricity,heat")
    assert lines[1].startswith("node,a,a,park,park")
    assert lines[2].startswith("term,link[a].import_kw,demand")
    assert lines[3] == "time,,,,"
    assert lines[4].startswith("2026-07-15T00:00:00+08:00,")


def test_csv_time_zone_offsets_and_the_folder_format():
    frame = balances()
    # without the zone name: the text's fixed offset (the same instants)
    fixed = via_csv(frame, tz=None)
    assert str(fixed.index.tz) == "UTC+08:00"
    assert (fixed.index == frame.index).all()
    # Schedule.to_folder's CSV (offsets without a colon) reads the same
    folder_csv = frame.to_csv(date_format="%Y-%m-%dT%H:%M:%S%z")
    pd.testing.assert_frame_equal(csv_to_frame(folder_csv, 3, "Asia/Shanghai"), frame, check_exact=True)


def test_a_zone_with_daylight_saving_time():
    index = times(12, "15min", "Europe/Berlin", start="2026-03-29 01:00")  # clocks go 02:00 → 03:00
    frame = balances(index)
    assert len({t.utcoffset() for t in index}) == 2
    pd.testing.assert_frame_equal(via_json(frame), frame, check_exact=True)
    pd.testing.assert_frame_equal(parquet_to_frame(frame_to_parquet(frame)), frame, check_exact=True)
    pd.testing.assert_frame_equal(via_csv(frame, "Europe/Berlin"), frame, check_exact=True)
    assert str(via_csv(frame, tz=None).index.tz) == "UTC"  # offsets differ: UTC, the same instants
    assert (via_csv(frame, tz=None).index == frame.index).all()


@pytest.mark.parametrize("n", [1, 2, 3])
def test_short_indexes_and_their_frequency(n):
    frame = prices().iloc[:n]
    frame.index = times(n)
    for back in (via_json(frame), via_csv(frame), parquet_to_frame(frame_to_parquet(frame))):
        # the frequency ('h') comes back from two steps on; one step has none to infer
        pd.testing.assert_frame_equal(back, frame, check_exact=True, check_freq=n > 1)
        assert back.index.freq == (frame.index.freq if n > 1 else None)


def test_irregular_index_has_no_frequency():
    index = pd.DatetimeIndex(["2026-07-15 00:00", "2026-07-15 01:00", "2026-07-15 03:00"], name="time")
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0]}, index=index.tz_localize("Asia/Shanghai"))
    assert via_json(frame).index.freq is None
    pd.testing.assert_frame_equal(via_json(frame), frame, check_exact=True)


def test_unnamed_levels_and_index():
    frame = node_prices()
    frame.columns = frame.columns.set_names([None, None])
    frame.index.name = None
    for back in (via_json(frame), via_csv(frame), parquet_to_frame(frame_to_parquet(frame))):
        pd.testing.assert_frame_equal(back, frame, check_exact=True)


def test_empty_frames():
    frame = balances().iloc[:0]
    frame.index = times(0)
    for back in (via_json(frame), parquet_to_frame(frame_to_parquet(frame))):
        pd.testing.assert_frame_equal(back, frame, check_exact=True, check_freq=False)  # no step, no frequency


def test_refused_inputs():
    frame = prices()
    with pytest.raises(ValueError, match="index levels"):
        frame_to_json(frame.set_index("co2_kg", append=True))
    with pytest.raises(ValueError, match="column_levels"):
        csv_to_frame(frame_to_csv(frame), 0)
    doc = frame_to_json(frame)
    with pytest.raises(ValueError, match="rows"):
        json_to_frame({**doc, "data": doc["data"][:-1]})
