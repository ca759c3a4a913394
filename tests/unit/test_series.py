"""Series alignment and input checks (no solver)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import greenpark as gp
from greenpark.inputs import resolve_inputs
from tests.conftest import grid, load

pytestmark = pytest.mark.unit


def _park(tmp_path, csv_text: str | None, power=None, column="p", resolution="1h"):
    if csv_text is not None:
        (tmp_path / "s.csv").write_text(csv_text)
    doc = {
        "park": {"name": "t", "latitude": 31.3, "longitude": 120.6, "resolution": resolution},
        "tenants": [{"id": "a"}],
        "assets": [grid(0.5), load(power if power is not None else {"file": "s.csv", "column": column})],
    }
    return gp.park_from_dict(doc, base_dir=tmp_path)


def _csv(times, values, col="p") -> str:
    lines = ["time," + col] + [
        f"{t:%Y-%m-%dT%H:%M:%S}{'' if t.tzinfo is None else t.strftime('%z')[:3] + ':' + t.strftime('%z')[3:]},{v}"
        for t, v in zip(times, values, strict=True)
    ]
    return "\n".join(lines) + "\n"


def _problems(park, start="2026-07-14", horizon="24h") -> list[str]:
    with pytest.raises(gp.ParkValidationError) as info:
        resolve_inputs(park, start, horizon)
    return [str(p) for p in info.value.problems]


def test_typical_year_reads_same_month_day_hour(tmp_path):
    t = pd.date_range("2025-01-01", "2026-01-01", freq="1h", inclusive="left")
    values = t.month * 100 + t.day + t.hour / 100
    park = _park(tmp_path, _csv(t, values))
    inputs = resolve_inputs(park, "2031-07-14 05:00", "3h")
    assert inputs.get("load", "power_kw").tolist() == pytest.approx([714.05, 714.06, 714.07])
    leap = resolve_inputs(park, "2028-02-29", "1h")  # 29 Feb reads 28 Feb
    assert leap.get("load", "power_kw")[0] == pytest.approx(228.0)


def test_dated_series_and_resampling(tmp_path):
    t = pd.date_range("2026-07-14", periods=8, freq="15min")
    park = _park(tmp_path, _csv(t, [1, 2, 3, 4, 5, 6, 7, 8]))
    hourly = resolve_inputs(park, "2026-07-14", "2h")
    assert hourly.get("load", "power_kw").tolist() == [2.5, 6.5]  # finer file: mean per hour
    t2 = pd.date_range("2026-07-14", periods=2, freq="1h")
    park2 = _park(tmp_path, _csv(t2, [10, 20]), resolution="15min")
    q = resolve_inputs(park2, "2026-07-14", "2h")
    assert q.get("load", "power_kw").tolist() == [10] * 4 + [20] * 4  # coarser file: held


def test_gap_is_reported_with_count_and_first_missing_hour(tmp_path):
    t = pd.date_range("2026-07-14", periods=24, freq="1h").delete([2, 3, 4])
    park = _park(tmp_path, _csv(t, np.ones(len(t))))
    assert "s.csv: 3 missing hours from 2026-07-14 02:00" in [p.split("/")[-1] for p in _problems(park)]


def test_nan_negative_and_wrong_length(tmp_path):
    t = pd.date_range("2026-07-14", periods=24, freq="1h")
    vals = np.ones(24)
    vals[5] = np.nan
    probs = _problems(_park(tmp_path, _csv(t, vals)))
    assert any("1 missing values (NaN) from 2026-07-14 05:00" in p for p in probs)
    vals[5] = -3
    probs = _problems(_park(tmp_path, _csv(t, vals)))
    assert any("assets[1].power_kw" in p and "1 negative values from 2026-07-14 05:00" in p for p in probs)
    probs = _problems(_park(tmp_path, None, power=[1.0] * 5))
    want = "assets[1].power_kw: has 5 values, the horizon has 24 steps (or give a daily pattern of 24 (hourly) values)"
    assert want in probs


def test_a_list_of_one_day_is_a_daily_pattern_by_local_clock_time():
    """24 values on a 48 h horizon starting at 06:00: the step at 06:00 reads value 6, at 05:00 next day value 5."""
    pattern = [float(h) for h in range(24)]
    park = gp.park_from_dict({"park": {"name": "p", "latitude": 31.3, "longitude": 120.6},
                              "assets": [{"id": "l", "kind": "electric_load", "power_kw": pattern}]})  # fmt: skip
    got = resolve_inputs(park, "2026-07-15 06:00", "48h").get("l", "power_kw")
    np.testing.assert_array_equal(got, [(6 + t) % 24 for t in range(48)])
    quarter = park.model_copy(update={"park": park.park.model_copy(update={"resolution": "15min"})})
    got = resolve_inputs(quarter, "2026-07-15 06:00", "2h").get("l", "power_kw")  # hourly values held 4 quarters
    np.testing.assert_array_equal(got, [6.0] * 4 + [7.0] * 4)
    by_quarter = [float(q) for q in range(96)]
    quarter = quarter.model_copy(update={"assets": [park.assets[0].model_copy(update={"power_kw": by_quarter})]})
    got = resolve_inputs(quarter, "2026-07-15 23:30", "1h").get("l", "power_kw")
    np.testing.assert_array_equal(got, [94.0, 95.0, 0.0, 1.0])


def test_wrong_time_zone_missing_file_missing_column(tmp_path):
    t = pd.date_range("2026-07-14", periods=24, freq="1h", tz="UTC")
    probs = _problems(_park(tmp_path, _csv(t, np.ones(24))))
    assert any("timestamps are in UTC+00:00 but the park's time zone Asia/Shanghai is UTC+08:00" in p for p in probs)
    probs = _problems(_park(tmp_path, None, power={"file": "missing.csv", "column": "p"}))
    assert any(p.endswith("missing.csv: dataset file not found") for p in probs)
    t = pd.date_range("2026-07-14", periods=24, freq="1h")
    probs = _problems(_park(tmp_path, _csv(t, np.ones(24)), column="q"))
    assert any("has no column 'q'" in p for p in probs)


def test_partial_dated_file_is_neither_dated_nor_typical(tmp_path):
    t = pd.date_range("2026-07-14", periods=10, freq="1h")
    probs = _problems(_park(tmp_path, _csv(t, np.ones(10))))
    assert any("nor is a whole typical year" in p for p in probs)
