"""The routes of the service, by area, combined in :func:`api_router` (the order is the contract's order)."""

from __future__ import annotations

from fastapi import APIRouter

from greenpark.service.routers import admin, jobs, pages, parks


def api_router() -> APIRouter:
    """Every route: browser pages, health, jobs, stored parks."""
    router = APIRouter()
    for area in (pages, admin, jobs, parks):
        router.include_router(area.router)
    return router
