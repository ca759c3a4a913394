"""Generate greenpark's bundled typical-year datasets (deterministic).

Run from the repository root::

    python datasets/generate.py

Every series is hourly for the typical year 2025 in Asia/Shanghai local time
(UTC+08:00, no daylight saving). Each dataset folder has a PROVENANCE.md with
origin, licence, units, time zone and method; the figures used and their
sources are listed there and in ``../shared/reference/data-facts.md`` of the
project notes. The same code and seeds always give the same files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pvlib

ROOT = Path(__file__).resolve().parent
TZ = "Asia/Shanghai"
YEAR = 2025
LAT, LON, ALT = 31.30, 120.62, 5.0  # Suzhou Industrial Park

# Shanghai (CSWD 583620) ratio of measured monthly GHI to pvlib Ineichen clear-sky GHI, Jan..Dec. [V]
CLEARNESS_RATIO = [0.504, 0.611, 0.463, 0.560, 0.615, 0.559, 0.585, 0.545, 0.688, 0.652, 0.601, 0.670]
# Shanghai monthly mean air temperature [°C], Jan..Dec — climate-normal values commonly quoted [U, assumption].
MONTHLY_TEMP_C = [4.8, 6.6, 10.3, 15.6, 20.8, 24.6, 28.8, 28.5, 24.6, 19.6, 13.9, 7.7]

EAST_CHINA_EF_KG_PER_KWH = 0.5500  # MEE/NBS 2023 East China grid factor [R]
GAS_LHV_KWH_PER_M3 = 38931 / 3600  # 38,931 kJ/m³ [R]
GAS_PRICE_CNY_PER_M3 = 2.55  # one published park case [R]
GAS_CO2_KG_PER_KWH = 0.200  # 2.162 kg/m³ on LHV [R, arithmetic V]
CARBON_PRICE_CNY_PER_T = 75.0  # CEA end-2025 close 74.63, base case [R]

# Jiangsu-style TOU [assumption for levels, hours from 苏发改价格发〔2023〕555号 and commonly quoted basic hours]
FLAT_CNY_PER_KWH = 0.65
PEAK_FACTOR, VALLEY_FACTOR, CRITICAL_FACTOR = 1.7, 0.4, 1.2


def hourly_index() -> pd.DatetimeIndex:
    return pd.date_range(f"{YEAR}-01-01", f"{YEAR + 1}-01-01", freq="1h", inclusive="left", tz=TZ, name="time")


def _write(df: pd.DataFrame, folder: str, name: str, root: Path = ROOT) -> Path:
    out = root / folder
    out.mkdir(parents=True, exist_ok=True)
    df = df.copy()
    df.index = df.index.strftime("%Y-%m-%dT%H:%M:%S+08:00")
    df.index.name = "time"
    path = out / name
    df.round(4).to_csv(path, lineterminator="\n")
    return path


def weather(idx: pd.DatetimeIndex) -> pd.DataFrame:
    """Clear-sky (Ineichen) × a daily/hourly cloud model calibrated month by month.

    1. Clear-sky GHI at each hour's midpoint (pvlib ``Location.get_clearsky``).
    2. Daily clearness ``k_d ~ Beta`` (seeded) with the month's target mean, times
       an hourly AR(1) factor (σ 0.08, ρ 0.7); GHI = clear-sky·k, capped at 1.05 × clear-sky.
    3. Each month is rescaled so Σ GHI / Σ clear-sky GHI equals the CSWD ratio exactly.
    4. DNI and DHI from GHI by the Erbs decomposition.
    5. Air temperature: monthly mean + diurnal cosine (amplitude 3.5 °C on a clear
       day, 1.5 °C on an overcast one, maximum at 14:00) + a daily AR(1) anomaly.
    """
    rng = np.random.default_rng(20250101)
    loc = pvlib.location.Location(LAT, LON, tz=TZ, altitude=ALT)
    mid = idx + pd.Timedelta("30min")
    cs = loc.get_clearsky(mid, model="ineichen")
    cs_ghi = cs["ghi"].to_numpy()
    days = idx.normalize()
    day_codes, day_idx = np.unique(days.asi8, return_inverse=True)
    months_of_day = pd.DatetimeIndex(day_codes, tz="UTC").tz_convert(TZ).month
    ratio = np.array(CLEARNESS_RATIO)
    mean_k = ratio[months_of_day - 1]
    conc = 6.0
    kd = rng.beta(mean_k * conc, (1 - mean_k) * conc)
    noise = np.zeros(len(idx))
    eps = rng.normal(0.0, 0.08, len(idx))
    for i in range(1, len(idx)):
        noise[i] = 0.7 * noise[i - 1] + eps[i]
    k = np.clip(kd[day_idx] * (1.0 + noise), 0.02, 1.05)
    ghi = cs_ghi * k
    month = idx.month.to_numpy()
    for m in range(1, 13):
        sel = month == m
        for _ in range(20):  # rescale, respecting the cap
            scale = ratio[m - 1] * cs_ghi[sel].sum() / ghi[sel].sum()
            ghi[sel] = np.minimum(ghi[sel] * scale, 1.05 * cs_ghi[sel])
    solpos = loc.get_solarposition(mid)
    erbs = pvlib.irradiance.erbs(ghi, solpos["zenith"].to_numpy(), mid)
    dni = np.nan_to_num(np.asarray(erbs["dni"], dtype=float)).clip(min=0)
    dhi = np.nan_to_num(np.asarray(erbs["dhi"], dtype=float)).clip(min=0)

    t_month = np.array(MONTHLY_TEMP_C)[month - 1]
    anomaly_day = np.zeros(len(day_codes))
    e_day = rng.normal(0.0, 1.2, len(day_codes))
    for i in range(1, len(day_codes)):
        anomaly_day[i] = 0.75 * anomaly_day[i - 1] + e_day[i]
    amp = 1.5 + 2.0 * kd[day_idx]
    hour = idx.hour.to_numpy()
    temp = t_month + anomaly_day[day_idx] + amp * np.cos(2 * np.pi * (hour - 14) / 24)
    wind = np.clip(3.0 + rng.normal(0, 0.8, len(idx)), 0.5, None)
    return pd.DataFrame(
        {
            "ghi_w_per_m2": ghi,
            "dni_w_per_m2": dni,
            "dhi_w_per_m2": dhi,
            "temp_air_c": temp,
            "wind_speed_m_per_s": wind,
        },
        index=idx,
    )


def tariff(idx: pd.DatetimeIndex) -> pd.DataFrame:
    """Jiangsu-style time of use with critical peak (see PROVENANCE.md)."""
    h = idx.hour.to_numpy()
    m = idx.month.to_numpy()
    period = np.full(len(idx), "flat", dtype=object)
    period[h < 8] = "valley"
    period[((h >= 8) & (h < 11)) | ((h >= 17) & (h < 22))] = "peak"
    summer = np.isin(m, [7, 8]) & np.isin(h, [14, 20])
    winter = np.isin(m, [12, 1]) & np.isin(h, [9, 10, 18, 19])
    price = np.select(
        [period == "valley", period == "peak"],
        [FLAT_CNY_PER_KWH * VALLEY_FACTOR, FLAT_CNY_PER_KWH * PEAK_FACTOR],
        FLAT_CNY_PER_KWH,
    ).astype(float)
    critical = summer | winter
    price[critical] = FLAT_CNY_PER_KWH * PEAK_FACTOR * CRITICAL_FACTOR
    period[critical] = "critical_peak"
    export = np.full(len(idx), 0.391)  # Jiangsu coal benchmark price [U] as a simplified export price
    return pd.DataFrame(
        {"import_price_cny_per_kwh": price, "export_price_cny_per_kwh": export, "period": period}, index=idx
    )


def grid_ef(idx: pd.DatetimeIndex, wx: pd.DataFrame) -> pd.DataFrame:
    """Hourly shape scaled to the East China annual average.

    shape = 1 + 0.05·cos(2π(h − 3)/24) − 0.10·GHI/1000 (coal-heavy night,
    solar-displaced midday), then scaled so the annual mean is exactly 0.5500.
    """
    h = idx.hour.to_numpy()
    shape = 1.0 + 0.05 * np.cos(2 * np.pi * (h - 3) / 24) - 0.10 * wx["ghi_w_per_m2"].to_numpy() / 1000.0
    ef = EAST_CHINA_EF_KG_PER_KWH * shape / shape.mean()
    return pd.DataFrame({"co2_kg_per_kwh": ef}, index=idx)


def heat_pump_cop(wx: pd.DataFrame) -> pd.DataFrame:
    """Air-source heat pump delivering 70–80 °C process hot water: COP = 2.8 + 0.05·(T_air − 10 °C), in [2.0, 4.4]."""
    cop = np.clip(2.8 + 0.05 * (wx["temp_air_c"].to_numpy() - 10.0), 2.0, 4.4)
    return pd.DataFrame({"cop": cop}, index=wx.index)


def loads(idx: pd.DatetimeIndex, wx: pd.DataFrame) -> pd.DataFrame:
    """Synthetic tenant load profiles [kW] (method in PROVENANCE.md)."""
    rng = np.random.default_rng(20250102)
    n = len(idx)
    h = idx.hour.to_numpy()
    weekday = idx.day_of_week.to_numpy() < 5
    temp = wx["temp_air_c"].to_numpy()
    cooling = np.clip(temp - 22.0, 0, None)  # degree-hours above 22 °C
    heating = np.clip(15.0 - temp, 0, None)  # degree-hours below 15 °C

    def noise(sigma: float) -> np.ndarray:
        return 1.0 + rng.normal(0.0, sigma, n)

    def window(start: int, end: int) -> np.ndarray:
        return ((h >= start) & (h < end)).astype(float)

    out = {}
    # Semiconductor fab: flat around the clock; chillers in its electric load; process heat.
    out["fab_electric_kw"] = (7500 + 45 * cooling) * noise(0.02)
    out["fab_heat_kw"] = (2200 + 40 * heating) * noise(0.03)
    # Pharmaceutical plant: steam-heavy, day shift heavier, lower at weekends.
    day = window(6, 22)
    wk = np.where(weekday, 1.0, 0.8)
    out["pharma_electric_kw"] = (1600 + 700 * day) * wk * noise(0.03)
    out["pharma_heat_kw"] = (2600 + 1200 * day + 60 * heating) * wk * noise(0.04)
    # Food processor: two shifts 06–22 on workdays, cold store always on.
    shifts = window(6, 22) * weekday
    out["food_electric_kw"] = (450 + 1050 * shifts + 12 * cooling) * noise(0.04)
    out["food_heat_kw"] = (250 + 1400 * shifts) * noise(0.05)
    # Battery-pack assembly: two shifts 08–24 on workdays, electric only.
    shifts = window(8, 24) * weekday
    out["pack_electric_kw"] = (500 + 2300 * shifts) * noise(0.04)
    # Data centre: flat IT load plus cooling that follows the air temperature.
    out["dc_electric_kw"] = (3600 + 35 * np.clip(temp - 10, 0, None)) * noise(0.01)
    # Office / R&D campus: office hours on workdays, cooling in summer, space heat in winter.
    office = window(8, 19) * weekday
    out["campus_electric_kw"] = (280 + 650 * office + 30 * cooling * office) * noise(0.05)
    out["campus_heat_kw"] = (60 * heating * office + 15 * heating) * noise(0.05)
    return pd.DataFrame({k: np.clip(v, 0, None) for k, v in out.items()}, index=idx)


def gas_and_carbon(idx: pd.DatetimeIndex) -> pd.DataFrame:
    """Gas price per kWh (LHV) with a winter premium of 10 % in Nov–Mar; flat carbon price."""
    winter = np.isin(idx.month.to_numpy(), [11, 12, 1, 2, 3])
    gas = GAS_PRICE_CNY_PER_M3 / GAS_LHV_KWH_PER_M3 * np.where(winter, 1.10, 1.0)
    return pd.DataFrame(
        {
            "gas_price_cny_per_kwh": gas,
            "gas_co2_kg_per_kwh": GAS_CO2_KG_PER_KWH,
            "carbon_price_cny_per_t": CARBON_PRICE_CNY_PER_T,
        },
        index=idx,
    )


def generate(root: Path = ROOT) -> list[Path]:
    """Write every dataset below ``root``; returns the files written."""
    idx = hourly_index()
    wx = weather(idx)
    return [
        _write(wx, "weather-suzhou", "weather.csv", root),
        _write(tariff(idx), "tariff-jiangsu", "tariff.csv", root),
        _write(grid_ef(idx, wx), "grid-ef-east-china", "co2.csv", root),
        _write(heat_pump_cop(wx), "heat-pump-cop", "cop.csv", root),
        _write(loads(idx, wx), "loads-reference", "loads.csv", root),
        _write(gas_and_carbon(idx), "gas-carbon", "prices.csv", root),
    ]


def main() -> None:
    for p in generate():
        print(p.relative_to(ROOT.parent))


if __name__ == "__main__":
    main()
