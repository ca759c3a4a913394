"""Errors as RFC 9457 problem details (``application/problem+json``), and the OpenAPI document that says so."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from greenpark.errors import Problem

PROBLEM = "application/problem+json"


class ProblemError(Exception):
    """Raised anywhere in a request: answered as problem details with ``status``."""

    def __init__(self, status: int, title: str, detail: str = "", errors: list[dict] | None = None, headers=None):
        self.status, self.title, self.detail, self.errors, self.headers = status, title, detail, errors, headers


class ProblemDetails(BaseModel):
    """RFC 9457 problem details; ``errors`` lists every field error with its path."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    errors: list[dict[str, str]] | None = None


def invalid_park(problems: list[Problem]) -> ProblemError:
    """422 listing every problem with its path."""
    errors = [{"path": p.path, "message": p.message} for p in problems]
    return ProblemError(422, "Invalid park", f"{len(problems)} problem(s)", errors)


def problem(status: int, title: str, detail: str = "", errors=None, instance: str = "", headers=None) -> JSONResponse:
    body = ProblemDetails(title=title, status=status, detail=detail, instance=instance, errors=errors)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM, headers=headers)


def add_problem_handlers(app: FastAPI) -> None:
    """Every error of ``app`` answered as problem details: raised ones, invalid requests, HTTP errors."""

    @app.exception_handler(ProblemError)
    async def _api_problem(request: Request, exc: ProblemError):
        return problem(exc.status, exc.title, exc.detail, exc.errors, str(request.url.path), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = [
            {"path": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]} for e in exc.errors()
        ]
        return problem(422, "Invalid request", f"{len(errors)} problem(s)", errors, str(request.url.path))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 405:  # list every method of the path, not only the first route's
            from starlette.routing import Match

            allowed = sorted(
                {
                    m
                    for r in app.router.routes
                    if r.matches(request.scope)[0] != Match.NONE
                    for m in (getattr(r, "methods", None) or ())
                }
            )
            headers = {"Allow": ", ".join(allowed)}
            return problem(405, "Method Not Allowed", "", None, str(request.url.path), headers)
        return problem(exc.status_code, str(exc.detail), "", None, str(request.url.path), getattr(exc, "headers", None))


def problem_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """``app.openapi`` with every error declared as ``application/problem+json`` (401 on ``/v1``; 400, 413 and
    422 where a body or parameters are read)."""
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = default_openapi()
        ref = {"$ref": "#/components/schemas/ProblemDetails"}
        for path, ops in doc.get("paths", {}).items():
            for method, op in ops.items():
                responses = op.setdefault("responses", {})
                codes = set(responses)
                if path.startswith("/v1"):
                    codes.add("401")
                if method in ("post", "put"):
                    codes |= {"400", "413", "422"}
                if op.get("parameters") or op.get("requestBody"):
                    codes.add("422")
                for code in sorted(codes):
                    if int(code) >= 400:
                        desc = responses.get(code, {}).get("description") or HTTPStatus(int(code)).phrase
                        responses[code] = {"description": desc, "content": {PROBLEM: {"schema": ref}}}
        doc["components"]["schemas"].pop("HTTPValidationError", None)
        doc["components"]["schemas"].pop("ValidationError", None)
        app.openapi_schema = doc
        return doc

    return openapi
