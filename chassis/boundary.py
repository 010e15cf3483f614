"""The guard at the door of every service: a body size limit and no NUL characters.

Pure ASGI (no BaseHTTPMiddleware). A body over the limit gets 413 before the app sees
it; a NUL character in the path, the query, a header value or any string of a JSON body
gets 422 naming where it was (PostgreSQL cannot store NUL in text, so without this the
request would fail late with a 500).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chassis.errors import error_body

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
NUL = "\x00"


class RequestGuard:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        body, more = await _read_body(receive, self.max_body_bytes)
        if more:
            await self._too_large(scope, receive, send)
            return
        field = nul_in_request(scope, body)
        if field is not None:
            answer = error_body("invalid_character", "a NUL character (\\u0000) is not accepted", field=field)
            await JSONResponse(answer, status_code=422)(scope, receive, send)
            return
        await self.app(scope, _replaying(body, receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"the request body is larger than {self.max_body_bytes} bytes"
        answer = JSONResponse(error_body("payload_too_large", message), status_code=413)
        answer.headers["Connection"] = "close"  # the rest of the body is not read
        await answer(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The whole body, or (what was read, True) as soon as it passes `limit`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away: the app will see the disconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), False


def _replaying(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def nul_in_request(scope: Scope, body: bytes) -> str | None:
    """Where a NUL character is in the request ("path", "query.q", "header.x", "body.a.0"), if anywhere."""
    if NUL in scope.get("path", ""):
        return "path"
    query: bytes = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if NUL in name or NUL in value:
                return f"query.{name.replace(NUL, '')}"
        return "query"
    for name, value in scope.get("headers", ()):
        if b"\x00" in value:
            return f"header.{name.decode('latin-1')}"
    if b"\\u0000" in body or b"\x00" in body:  # cheap test first; parse only when it may be there
        try:
            document = json.loads(body)
        except ValueError:
            return "body" if b"\x00" in body else None
        return next(_nul_paths(document, "body"), None)
    return None


def _nul_paths(value: Any, where: str) -> Iterator[str]:
    if isinstance(value, str):
        if NUL in value:
            yield where
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{where}.{key.replace(NUL, '')}"
            if NUL in key:
                yield name
            yield from _nul_paths(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, f"{where}.{index}")
