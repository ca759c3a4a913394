"""The one place where asset kinds meet their builders.

Adding an asset kind: a spec class in :mod:`greenpark.spec`, a builder
function, and one line here.
"""

from __future__ import annotations

from collections.abc import Callable

from greenpark.model.builders import conversion, grid, loads, production, pv, storage

BUILDERS: dict[str, Callable] = {
    "grid": grid.build,
    "pv": pv.build,
    "battery": storage.build_battery,
    "thermal_store": storage.build_thermal_store,
    "heat_pump": conversion.build_heat_pump,
    "gas_boiler": conversion.build_gas_boiler,
    "electric_boiler": conversion.build_electric_boiler,
    "chp": conversion.build_chp,
    "electric_load": loads.build_electric_load,
    "heat_load": loads.build_heat_load,
    "interruptible_load": loads.build_interruptible_load,
    "batch_job": production.build_batch_jobs,
    "production_line": production.build_production_lines,
}
