"""One error shape for every error: RFC 9457 problem details (application/problem+json), built by `problem()`.

Library errors are typed (kg.errors) and translated here: invalid parameters are 422 (as FastAPI's own checks
answer), bad or refused queries 400, unknown resources 404, a query over its time budget or a store that cannot
be read 503, anything else is a bug: 500, logged with its traceback, and never shown to the caller.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kg.errors import InvalidParameter, MissionKGError, NotFound, QueryError, QueryRefused, QueryTimeout, StoreError

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://w3id.org/missionkg/problems/"
log = logging.getLogger("missionkg.api")


class NotAcceptable(MissionKGError):
    """No representation the caller accepts exists for this result."""


class UnsupportedMediaType(MissionKGError):
    """A request body came in a media type the route does not read."""


class ContentTooLarge(MissionKGError):
    """A request body larger than the route reads."""


# Most specific first: InvalidParameter and QueryRefused are QueryErrors, StoreLockedError a StoreError.
# A bad parameter is 422 whether FastAPI or the library finds it out; a bad SPARQL query is 400, as the protocol says.
_STATUS: list[tuple[type[MissionKGError], int, str]] = [
    (InvalidParameter, 422, "invalid-request"),
    (QueryRefused, 400, "query-refused"),
    (QueryError, 400, "query-error"),
    (NotFound, 404, "not-found"),
    (NotAcceptable, 406, "not-acceptable"),
    (ContentTooLarge, 413, "content-too-large"),
    (UnsupportedMediaType, 415, "unsupported-media-type"),
    (QueryTimeout, 503, "query-timeout"),
    (StoreError, 503, "store-unavailable"),
]


def problem(
    status: int, detail: str, *, kind: str | None = None, instance: str | None = None,
    errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
) -> JSONResponse:
    """An RFC 9457 response: type, title, status, detail, instance, and `errors` for field-level problems."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + kind if kind else "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def status_of(exc: MissionKGError) -> tuple[int, str]:
    """HTTP status and problem type of a library error."""
    for cls, status, kind in _STATUS:
        if isinstance(exc, cls):
            return status, kind
    return 500, "internal-error"


def _library_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MissionKGError)
    status, kind = status_of(exc)
    if status == 500:
        log.error("unexpected library error on %s", request.url.path, exc_info=exc)
        return problem(500, "internal error: it has been logged", kind=kind, instance=request.url.path)
    headers = {"Retry-After": "5"} if status == 503 else None
    parameter = getattr(exc, "parameter", None)
    errors = [{"location": f"query.{parameter}", "message": str(exc)}] if parameter else None  # as FastAPI's own 422s
    return problem(status, str(exc), kind=kind, instance=request.url.path, errors=errors, headers=headers)


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"location": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors()]
    detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors) or "invalid request"
    return problem(422, detail, kind="invalid-request", instance=request.url.path, errors=errors)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).description
    return problem(exc.status_code, detail, instance=request.url.path, headers=getattr(exc, "headers", None))


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s", request.url.path, exc_info=exc)
    return problem(500, "internal error: it has been logged", kind="internal-error", instance=request.url.path)


def install_error_handlers(app: FastAPI) -> None:
    """Route every error the app can raise through `problem()`."""
    app.add_exception_handler(MissionKGError, _library_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)

