"""Typed dependencies of the routes: the service's settings, store, page links, execution and the calling client.

Each is made once per app (:func:`greenpark.service.app.create_app` puts it in ``app.state``) and read here;
a route asks for what it needs by type (``store: StoreDep``). They are ``async`` so that they run on the
event loop, not in a thread.
"""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends, Header, Request

from greenpark.service.keys import Client, KeyCache
from greenpark.service.pages import PageLinks
from greenpark.service.problems import ProblemError
from greenpark.service.settings import ServiceSettings
from greenpark.service.store import Store


class Execution(Protocol):
    """What runs the jobs beside this app (:class:`~greenpark.service.worker.Supervisor` or
    :class:`~greenpark.service.worker.DaskDispatcher`)."""

    def alive(self) -> int:
        """Workers alive now."""
        ...

    def stop(self) -> None: ...


async def get_settings(request: Request) -> ServiceSettings:
    return request.app.state.settings


async def get_store(request: Request) -> Store:
    return request.app.state.store


async def get_links(request: Request) -> PageLinks:
    return request.app.state.links


async def get_execution(request: Request) -> Execution | None:
    """The execution started with this app (``create_app(workers=…)``), or None: jobs run in another process."""
    return request.app.state.execution


async def client_of(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Client:
    """The client of the request's API key (``Authorization: Bearer <key>`` or ``X-API-Key``), else 401."""
    key = None
    if authorization and authorization.lower().startswith("bearer "):
        key = authorization[7:].strip()
    key = key or x_api_key
    keys: KeyCache = request.app.state.keys
    found = keys.get(key) if key else None
    if found is None:
        raise ProblemError(
            401,
            "Unauthorized",
            "send an API key as 'Authorization: Bearer <key>' or 'X-API-Key'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return found


SettingsDep = Annotated[ServiceSettings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
LinksDep = Annotated[PageLinks, Depends(get_links)]
ClientDep = Annotated[Client, Depends(client_of)]
ExecutionDep = Annotated[Execution | None, Depends(get_execution)]
