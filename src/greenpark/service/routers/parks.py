"""Parks stored by name for later (nightly) jobs: each client sees only its own."""

from __future__ import annotations

from fastapi import APIRouter

from greenpark.errors import Problem
from greenpark.service.deps import ClientDep, StoreDep
from greenpark.service.jobs import ParkDocument, check_request
from greenpark.service.problems import ProblemDetails, ProblemError, invalid_park
from greenpark.service.schemas import JOB_RESPONSES, StoredPark, iso
from greenpark.service.store import Record

router = APIRouter(tags=["parks"])


def _stored(row: Record, with_park: bool) -> StoredPark:
    return StoredPark(
        name=row["name"],
        updated_at=iso(row["updated_at"]),
        park=row["document"] if with_park else None,
        datasets=sorted(row["datasets"]),
    )


@router.put("/v1/parks/{name}", responses={**JOB_RESPONSES, 422: {"model": ProblemDetails}})
def put_park(name: str, doc: ParkDocument, client: ClientDep, store: StoreDep) -> StoredPark:
    """Store (or replace) a park under ``name`` for later jobs."""
    from greenpark.spec import park_from_dict

    problems = check_request(doc.park, doc.datasets)
    if not problems:
        try:
            park_from_dict(doc.park)
        except Exception as exc:
            problems = getattr(exc, "problems", [Problem("park", str(exc))])
    if problems:
        raise invalid_park(problems)
    return _stored(store.put_park(client.name, name, doc.park, doc.datasets), with_park=True)


@router.get("/v1/parks", responses=JOB_RESPONSES)
def list_parks(client: ClientDep, store: StoreDep) -> list[StoredPark]:
    """Your stored parks."""
    return [_stored(r, with_park=False) for r in store.parks_of(client.name)]


@router.get("/v1/parks/{name}", responses=JOB_RESPONSES)
def get_park(name: str, client: ClientDep, store: StoreDep) -> StoredPark:
    """A stored park."""
    row = store.park(client.name, name)
    if row is None:
        raise ProblemError(404, "Not found", f"no stored park {name!r}")
    return _stored(row, with_park=True)
