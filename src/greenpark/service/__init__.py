"""The solve service, in layers.

* :mod:`~greenpark.service.app` — ``create_app``: the routers (:mod:`~greenpark.service.routers`: jobs, parks,
  admin, pages) with their dependencies (:mod:`~greenpark.service.deps`), problem details, the body limit.
* :mod:`~greenpark.service.store` — every query of the job store; :mod:`~greenpark.service.db` its tables and
  engine; :mod:`~greenpark.service.migrations` its schema history (Alembic).
* :mod:`~greenpark.service.states` — ``JobState``; :mod:`~greenpark.service.settings` — ``ServiceSettings``.
* :mod:`~greenpark.service.jobs` (requests, running one), :mod:`~greenpark.service.worker` (the execution),
  :mod:`~greenpark.service.http` (several HTTP processes), :mod:`~greenpark.service.keys`,
  :mod:`~greenpark.service.pages`, :mod:`~greenpark.service.schemas` (response models).

Start it with ``greenpark serve``.
"""

from greenpark.service.settings import ServiceSettings, Settings
from greenpark.service.states import JobState

__all__ = ["JobState", "ServiceSettings", "Settings"]
