"""Wind farm output from wind speed (windpowerlib; pure functions).

Chain: wind speed at the measurement height → hub height by the Hellman power
law (windpowerlib ``wind_speed.hellman``) → one turbine's power from its power
curve (windpowerlib ``power_output.power_curve``: linear between the curve's
points, 0 outside them, i.e. below cut-in and above cut-out) → × turbines →
× (1 − losses: wakes, availability, electrical).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd


@cache
def library_curve(turbine_type: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Power curve of a turbine in windpowerlib's turbine library (OpenEnergy Database, shipped with it).

    Returns
    -------
    (wind speeds [m/s], power [kW]) of one turbine.

    Raises
    ------
    KeyError
        When the library has no power curve for ``turbine_type``.
    """
    from windpowerlib import WindTurbine

    if turbine_type not in library_types():
        raise KeyError(turbine_type)
    curve = WindTurbine(turbine_type=turbine_type, hub_height=100.0).power_curve  # the curve is per turbine
    return tuple(float(v) for v in curve["wind_speed"]), tuple(float(v) / 1000.0 for v in curve["value"])


@cache
def library_types() -> tuple[str, ...]:
    """Every turbine type with a power curve in windpowerlib's library (``"E-82/2350"``, ``"V112/3450"``, …)."""
    from windpowerlib import get_turbine_types

    table = get_turbine_types(turbine_library="local", print_out=False, filter_=True)
    return tuple(sorted(table.loc[table["has_power_curve"], "turbine_type"]))


def wind_ac_power_kw(
    wind_speed_m_per_s: pd.Series | np.ndarray,
    *,
    measurement_height_m: float,
    hub_height_m: float,
    curve_wind_speed_m_per_s: list[float] | tuple[float, ...],
    curve_power_kw: list[float] | tuple[float, ...],
    turbines: int = 1,
    hellman_exponent: float = 1 / 7,
    losses_fraction: float = 0.0,
) -> np.ndarray:
    """AC output of a wind farm [kW].

    Parameters
    ----------
    wind_speed_m_per_s : array
        Wind speed at ``measurement_height_m``. [m/s]
    measurement_height_m, hub_height_m : float
        Heights of the measurement and of the turbines' hubs. [m]
    curve_wind_speed_m_per_s, curve_power_kw : sequence
        One turbine's power curve (points in rising wind speed). [m/s], [kW]
    turbines : int
        Identical turbines in the farm.
    hellman_exponent : float
        Exponent α of ``v_hub = v·(h_hub/h)^α`` (1/7 for open land). [-]
    losses_fraction : float
        Share of the turbines' power lost (wakes, availability, electrical). [-]
    """
    from windpowerlib.power_output import power_curve
    from windpowerlib.wind_speed import hellman

    v = pd.Series(np.asarray(wind_speed_m_per_s, dtype=float))
    hub = hellman(v, measurement_height_m, hub_height_m, hellman_exponent=hellman_exponent)
    one = power_curve(hub, pd.Series(curve_wind_speed_m_per_s, dtype=float), pd.Series(curve_power_kw, dtype=float))
    return np.clip(np.asarray(one, dtype=float), 0.0, None) * turbines * (1.0 - losses_fraction)
