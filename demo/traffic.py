"""The demo's side of the wire: a bounded pool of keep-alive HTTP clients, one per service, and
a tally of what the services refused and why.

A refusal is data, not a crash: the year goes on and the report shows each rule that said no
and how often. Items refused only because a service has not heard of a worker yet (its
projection is a few events behind the registry) are sent again after a pause, for up to
`PATIENCE` seconds. A 5xx, a 409 "conflict" (a concurrent writer got to the same stream first:
on Postgres, many attendances of one class at once) or a dropped connection is sent again too (a
command or a batch is one transaction: nothing of it was applied, and a second try of an applied
one is refused as a duplicate). Batches go one at a time to each service: the embedded SQLite database has one
writer, and two big batches at once outwait its lock (500 "database is locked").
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

NOT_YET = "not known to"  # the services' words for a worker they have not heard of yet
PATIENCE = 180.0
RETRY_PAUSE = 0.5
SERVER_RETRIES = 8
BATCH = 500


def _reason(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return answer.text[:160]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):  # the services' one error shape
        rule, message = error.get("rule"), str(error.get("message") or error)
        return (f"{rule}: {message}" if rule else message)[:160]
    return str(body)[:160]


def _send_again(answer: httpx.Response) -> bool:
    """A server error, or a 409 "conflict": another writer appended to the same stream first
    (the service's own retries ran out). Either way nothing of the request was applied."""
    if answer.status_code >= 500:
        return True
    if answer.status_code != 409:
        return False
    try:
        error = answer.json().get("error")
    except (ValueError, AttributeError):
        return False
    return isinstance(error, dict) and error.get("code") == "conflict"


def _rule(reason: str) -> str:
    """A refusal's reason without the ids in it, so equal rules count together."""
    words = [word for word in reason.split() if not any(ch.isdigit() for ch in word)]
    return " ".join(words)[:100]


@dataclass
class Traffic:
    clients: Mapping[str, httpx.AsyncClient]
    limit: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(16))
    refused: Counter[tuple[str, str]] = field(default_factory=Counter)  # (what, rule) → times
    requests: int = 0
    server_errors: Counter[str] = field(default_factory=Counter)  # 5xx and conflicts sent again, per service
    writers: dict[str, asyncio.Lock] = field(default_factory=dict)  # one batch at a time per service

    async def post(self, service: str, path: str, body: dict[str, Any], what: str) -> dict[str, Any] | None:
        """One command; None when refused (tallied under `what`)."""
        deadline: float | None = None  # from the first answer: a queued command has not been refused yet
        while True:
            async with self.limit:
                answer = await self._send(service, path, body)
            deadline = deadline or time.monotonic() + PATIENCE
            if answer.status_code < 400:
                result: dict[str, Any] = answer.json()
                return result
            reason = _reason(answer)
            if NOT_YET not in reason or time.monotonic() > deadline:
                self.refused[(what, _rule(reason))] += 1
                return None
            await asyncio.sleep(RETRY_PAUSE)

    async def _send(
        self, service: str, path: str, body: dict[str, Any], timeout: float = 60
    ) -> httpx.Response:
        """A POST, sent again after a server error or a dropped connection (see the module's note)."""
        for attempt in range(SERVER_RETRIES):
            try:
                answer = await self.clients[service].post(path, json=body, timeout=timeout)
            except httpx.TransportError:
                if attempt == SERVER_RETRIES - 1:
                    raise
            else:
                self.requests += 1
                if not _send_again(answer) or attempt == SERVER_RETRIES - 1:
                    return answer
                self.server_errors[service] += 1
            # Jittered, so the writers that collided on one stream do not collide again.
            await asyncio.sleep(min(RETRY_PAUSE * 2**attempt, 8.0) * random.uniform(0.5, 1.5))
        raise AssertionError("unreachable")

    async def imports(
        self, service: str, path: str, items: Sequence[dict[str, Any]], what: str, batch: int = BATCH
    ) -> int:
        """Items in batches through a batch endpoint; returns how many were accepted."""
        chunks = [list(items[start : start + batch]) for start in range(0, len(items), batch)]
        return sum(await asyncio.gather(*(self._import(service, path, chunk, what) for chunk in chunks)))

    async def _import(self, service: str, path: str, items: list[dict[str, Any]], what: str) -> int:
        accepted, deadline = 0, None  # from the first answer: a province's batches queue for minutes
        while True:
            # The writer first: a batch waiting its turn holds none of the requests in flight.
            async with self._writer(service), self.limit:
                answer = await self._send(service, path, {"items": items}, timeout=300)
            deadline = deadline or time.monotonic() + PATIENCE
            if answer.status_code >= 400:
                self.refused[(what, _rule(_reason(answer)))] += len(items)
                return accepted
            later = []
            for item in answer.json()["items"]:
                if item["status"] == "accepted":
                    accepted += 1
                elif NOT_YET in (item["reason"] or "") and time.monotonic() < deadline:
                    later.append(items[item["index"]])
                else:
                    self.refused[(what, _rule(item["reason"] or ""))] += 1
            if not later:
                return accepted
            items = later
            await asyncio.sleep(RETRY_PAUSE)

    def _writer(self, service: str) -> asyncio.Lock:
        return self.writers.setdefault(service, asyncio.Lock())

    async def get(self, service: str, path: str, **params: Any) -> Any:
        async with self.limit:
            answer = await self.clients[service].get(path, params=params, timeout=60)
        if answer.status_code == 404:
            return None
        answer.raise_for_status()
        return answer.json()


async def each(jobs: Iterable[Awaitable[Any]], done: Callable[[], None]) -> None:
    """Every job, concurrently (the traffic's semaphore bounds the requests in flight)."""

    async def run(job: Awaitable[Any]) -> None:
        await job
        done()

    await asyncio.gather(*(run(job) for job in jobs))
