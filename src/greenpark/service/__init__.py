"""The solve service: FastAPI app, job store (SQLAlchemy), API keys and worker processes.

Start it with ``greenpark serve``; see :mod:`greenpark.service.app` for the endpoints.
"""

from greenpark.service.settings import Settings

__all__ = ["Settings"]
