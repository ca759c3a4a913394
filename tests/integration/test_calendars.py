"""Tariffs as people write them: weekday, weekend and holiday patterns, and months with their own pattern."""

from __future__ import annotations

import numpy as np
import pytest

import greenpark as gp
from greenpark.inputs import resolve_inputs
from tests.conftest import grid, load, tiny_park

pytestmark = pytest.mark.integration

PEAK = [0.3] * 8 + [1.0] * 14 + [0.6] * 2
"""A working day: valley 0–8, peak 8–22, flat 22–24."""


def priced(calendar: dict) -> gp.Park:
    return tiny_park([grid(calendar), load(10)])


def test_weekday_weekend_and_holiday_patterns():
    """Friday 17 July 2026, Saturday 18, and Monday 20 (a holiday here), 10 kW throughout.

    Friday: 10·(8·0.3 + 14·1.0 + 2·0.6) = 176; Saturday at a flat 0.5: 120; the holiday at 0.2: 48.
    """
    cal = {"weekday": PEAK, "weekend": [0.5] * 24, "holiday": [0.2] * 24, "holidays": ["2026-07-20"]}
    fri_sat = gp.solve(priced(cal), start="2026-07-17", horizon="48h").raise_for_status()
    assert fri_sat.objective_cny == pytest.approx(176 + 120)
    holiday = gp.solve(priced(cal), start="2026-07-20", horizon="24h").raise_for_status()
    assert holiday.objective_cny == pytest.approx(48)


def test_a_month_with_a_critical_peak_and_quarter_hours():
    """July–August add a critical peak 1.2 × peak at 14–15 h (every day but holidays); 31 July → 1 August → June.

    At 15 min the hourly pattern holds for each quarter-hour; a 96-value pattern is read by quarter.
    """
    summer = [*PEAK[:14], 1.2, *PEAK[15:]]
    cal = {"weekday": PEAK, "months": {"7-8": summer}}
    inputs = resolve_inputs(priced(cal), "2026-07-31 13:00", "3h")
    np.testing.assert_allclose(inputs.get("grid", "import_price_cny_per_kwh"), [1.0, 1.2, 1.0])
    june = resolve_inputs(priced(cal), "2026-06-30 14:00", "1h").get("grid", "import_price_cny_per_kwh")
    assert june[0] == 1.0
    quarter = tiny_park([grid(cal), load(10)])
    quarter = quarter.model_copy(update={"park": quarter.park.model_copy(update={"resolution": "15min"})})
    got = resolve_inputs(quarter, "2026-07-31 14:30", "1h").get("grid", "import_price_cny_per_kwh")
    np.testing.assert_allclose(got, [1.2, 1.2, 1.0, 1.0])
    by_quarter = tiny_park([grid({"weekday": [float(q) for q in range(96)]}), load(10)])  # one value a quarter
    by_quarter = by_quarter.model_copy(update={"park": by_quarter.park.model_copy(update={"resolution": "15min"})})
    got = resolve_inputs(by_quarter, "2026-07-31 23:30", "1h").get("grid", "import_price_cny_per_kwh")
    np.testing.assert_allclose(got, [94.0, 95.0, 0.0, 1.0])


def test_a_bad_calendar_names_its_field():
    with pytest.raises(gp.ParkValidationError) as exc:
        priced({"weekday": [1.0] * 23})
    assert "a day has 24 hourly or 96 quarter-hour values, not 23" in str(exc.value)
    with pytest.raises(gp.ParkValidationError) as exc:
        priced({"weekday": PEAK, "months": {"13": PEAK}})
    assert "'13' is not a month" in str(exc.value)
