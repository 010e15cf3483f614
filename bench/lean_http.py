"""A lean HTTP/1.1 client for the bench's load generators (keep-alive, JSON in, JSON out).

The load runs on the same cores as the services it measures: httpx spent about 2.5 ms of
CPU per POST (measured: 2.51 ms against the registry API's own 3.54 ms), so the client took
as much of the machine as the service it was meant to load. This one writes the request
in one buffer and reads the answer by its Content-Length (or its chunks), on connections it
keeps open: a small fraction of that. Only what the figures send: JSON bodies, no redirects,
no TLS, no cookies.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from pydantic_core import to_json


class HttpError(Exception):
    """The connection failed or the answer was not HTTP/1.1 as expected."""


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise HttpError(f"{self.status_code} {self.text[:300]}")


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def exchange(self, request: bytes) -> tuple[Answer, bool]:
        """(the answer, whether the connection may be used again)."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        version, status = lines[0].split(" ", 2)[:2]
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._chunks()
        else:
            raise HttpError(f"an answer with neither Content-Length nor chunks: {lines[0]}")
        reusable = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        return Answer(int(status), body), reusable

    async def _chunks(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await self.reader.readexactly(size + 2)  # with its CRLF
            if size == 0:
                return b"".join(parts)
            parts.append(chunk[:-2])

    def close(self) -> None:
        self.writer.close()


class LeanClient:
    """`post(path, json=...)` and `get(path)` over up to `max_connections` kept-alive connections."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        max_connections: int = 8,
        timeout: float = 30.0,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"only http://host:port URLs: {base_url}")
        self._host, self._port = parts.hostname, parts.port or 80
        fixed = {"Host": f"{self._host}:{self._port}", "Accept": "application/json", **(headers or {})}
        self._fixed = "".join(f"{name}: {value}\r\n" for name, value in fixed.items()).encode("latin-1")
        self._timeout = timeout
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(max_connections)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    async def post(self, path: str, *, json: Any) -> Answer:
        body = to_json(json)
        head = f"POST {path} HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        return await self._send(head.encode("latin-1") + self._fixed + b"\r\n" + body)

    async def get(self, path: str) -> Answer:
        return await self._send(f"GET {path} HTTP/1.1\r\n".encode("latin-1") + self._fixed + b"\r\n")

    def _reusable(self) -> _Connection | None:
        """An idle connection the server has not closed (uvicorn closes them after 5 s idle)."""
        while self._idle:
            connection = self._idle.pop()
            if not (connection.reader.at_eof() or connection.writer.is_closing()):
                return connection
            connection.close()
        return None

    async def _send(self, request: bytes) -> Answer:
        async with self._slots:
            connection = self._reusable()
            try:
                async with asyncio.timeout(self._timeout):
                    if connection is None:
                        connection = _Connection(*await asyncio.open_connection(self._host, self._port))
                    answer, reusable = await connection.exchange(request)
            except (OSError, ValueError, TimeoutError, asyncio.IncompleteReadError) as error:
                if connection is not None:
                    connection.close()
                raise HttpError(repr(error)) from error
            except BaseException:
                if connection is not None:
                    connection.close()  # cancelled mid-answer: its bytes may still come
                raise
            if reusable:
                self._idle.append(connection)
            else:
                connection.close()
            return answer
