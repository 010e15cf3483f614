"""The correlation id of the flow being served, carried in a context variable.

An HTTP request brings one in `X-Correlation-ID` (or gets a new one); the unit of work
stamps it on the events the request stores, and logs carry it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from uuid import UUID

import structlog
from starlette.requests import Request
from starlette.responses import Response

from contracts.ids import uuid7

HEADER = "X-Correlation-ID"
current_correlation: ContextVar[UUID | None] = ContextVar("correlation_id", default=None)


async def correlation_middleware(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    try:
        correlation_id = UUID(request.headers[HEADER])
    except (KeyError, ValueError):
        correlation_id = uuid7()
    token = current_correlation.set(correlation_id)
    try:
        with structlog.contextvars.bound_contextvars(correlation_id=str(correlation_id)):
            response = await call_next(request)
    finally:
        current_correlation.reset(token)
    response.headers[HEADER] = str(correlation_id)
    return response
