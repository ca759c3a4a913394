"""greenpark: optimal, explained low-carbon operation of industrial parks.

>>> import greenpark as gp
>>> park = gp.load_park("models/reference-park.yaml")
>>> schedule = gp.solve(park, start="2026-07-15", horizon="48h")
>>> schedule.kpis["total_cost_cny"]
"""

__version__ = "0.1.0"

from greenpark import kinds
from greenpark.errors import ParkValidationError, Problem
from greenpark.pareto import Frontier, pareto
from greenpark.pipeline import prepare, solve
from greenpark.results import Schedule, ScheduleError, load_schedule
from greenpark.solve import SolveOptions, SolveResult, Status
from greenpark.spec import Park, load_park, park_from_dict, park_json_schema

__all__ = [
    "Frontier",
    "Park",
    "ParkValidationError",
    "Problem",
    "Schedule",
    "ScheduleError",
    "SolveOptions",
    "SolveResult",
    "Status",
    "__version__",
    "kinds",
    "load_park",
    "load_schedule",
    "pareto",
    "park_from_dict",
    "park_json_schema",
    "prepare",
    "solve",
]
