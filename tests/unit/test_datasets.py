"""The bundled datasets: reproducible from their generator, calibrated, with provenance."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pvlib
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.unit
DATASETS = ROOT / "datasets"


def _generator():
    spec = importlib.util.spec_from_file_location("generate", DATASETS / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_generator_reproduces_the_committed_files(tmp_path):
    for path in _generator().generate(tmp_path):
        rel = path.relative_to(tmp_path)
        fresh = pd.read_csv(path, index_col="time")
        committed = pd.read_csv(DATASETS / rel, index_col="time")
        pd.testing.assert_frame_equal(fresh, committed, atol=2e-4, obj=str(rel))


def test_every_dataset_has_provenance_with_the_required_facts():
    folders = [p for p in DATASETS.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))]
    assert len(folders) >= 6
    for folder in folders:
        text = (folder / "PROVENANCE.md").read_text().lower()
        for word in ("origin", "licence", "units", "time zone"):
            assert word in text, f"{folder.name}/PROVENANCE.md lacks {word}"


def test_weather_is_calibrated_to_the_shanghai_monthly_clearness():
    gen = _generator()
    wx = pd.read_csv(DATASETS / "weather-suzhou/weather.csv", index_col="time")
    idx = pd.DatetimeIndex(pd.to_datetime(wx.index)).tz_convert("Asia/Shanghai")
    assert len(idx) == 8760
    loc = pvlib.location.Location(gen.LAT, gen.LON, tz=gen.TZ, altitude=gen.ALT)
    cs = loc.get_clearsky(idx + pd.Timedelta("30min"))["ghi"].to_numpy()
    ghi = wx["ghi_w_per_m2"].to_numpy()
    month = idx.month.to_numpy()
    ratios = [ghi[month == m].sum() / cs[month == m].sum() for m in range(1, 13)]
    np.testing.assert_allclose(ratios, gen.CLEARNESS_RATIO, atol=0.005)
    assert (wx[["ghi_w_per_m2", "dni_w_per_m2", "dhi_w_per_m2"]].to_numpy() >= 0).all()


def test_tariff_has_critical_peak_and_ndrc_ratio():
    t = pd.read_csv(DATASETS / "tariff-jiangsu/tariff.csv", index_col="time")
    price = t["import_price_cny_per_kwh"]
    by_period = price.groupby(t["period"]).first()
    assert by_period["peak"] / by_period["valley"] >= 4.0
    assert by_period["critical_peak"] == pytest.approx(1.2 * by_period["peak"], rel=1e-3)
    assert (t.loc["2025-07-15T14:00:00+08:00", "period"]) == "critical_peak"


def test_grid_factor_averages_to_east_china():
    ef = pd.read_csv(DATASETS / "grid-ef-east-china/co2.csv")["co2_kg_per_kwh"]
    assert ef.mean() == pytest.approx(0.5500, abs=1e-4)


def test_the_fuel_table_is_the_codes_defaults():
    from greenpark.spec import FUEL_DEFAULTS

    table = pd.read_csv(DATASETS / "fuels" / "fuels.csv", index_col="fuel")
    assert set(table.index) == set(FUEL_DEFAULTS)
    for fuel, row in table.iterrows():
        for col, value in row.items():
            if pd.notna(value):
                assert FUEL_DEFAULTS[fuel][col] == pytest.approx(value, rel=1e-4), (fuel, col)
            else:
                assert col not in FUEL_DEFAULTS[fuel], (fuel, col)
    # natural gas: 2.162 kgCO2/m³ over 10.8142 kWh/m³ (the guideline's own figures)
    assert FUEL_DEFAULTS["natural_gas"]["co2_kg_per_kwh"] == pytest.approx(2.162 / (38931 / 3600), rel=1e-3)
    # diesel: 20.2 tC/TJ × 0.98 × 44/12 per TJ, per kWh
    assert FUEL_DEFAULTS["diesel"]["co2_kg_per_kwh"] == pytest.approx(20.2 * 0.98 * 44 / 12 * 3.6e-3, rel=1e-3)
