"""The correlation id of the flow being served, carried in a context variable.

An HTTP request brings one in `X-Correlation-ID` (or gets a new one); the unit of work
stamps it on the events the request stores, and logs carry it.
"""

from __future__ import annotations

from contextvars import ContextVar
from uuid import UUID

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contracts.ids import uuid7

HEADER = "X-Correlation-ID"
current_correlation: ContextVar[UUID | None] = ContextVar("correlation_id", default=None)


class CorrelationMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware: that costs a task group and streams per request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = _correlation_of(scope)
        token = current_correlation.set(correlation_id)

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers[HEADER] = str(correlation_id)
            await send(message)

        try:
            with structlog.contextvars.bound_contextvars(correlation_id=str(correlation_id)):
                await self.app(scope, receive, send_with_header)
        finally:
            current_correlation.reset(token)


def _correlation_of(scope: Scope) -> UUID:
    for name, value in scope.get("headers", ()):
        if name == HEADER.lower().encode():
            try:
                return UUID(value.decode("latin-1"))
            except ValueError:
                break
    return uuid7()
