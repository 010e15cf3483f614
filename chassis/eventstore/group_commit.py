"""Group commit: appends that arrive together share one statement (and one commit).

Each append in its own transaction costs a round trip and a WAL flush. When several
tasks of the process append at the same moment (concurrent HTTP commands), the first
one starts a flush, and whatever queues up while that statement is in flight goes out
together in the next: one statement, one commit, each append still all-or-none. If the
combined statement is refused, the append the database names (a version conflict on its
stream) fails with that error and the rest go out together again; where nothing is named
(a duplicate command), the appends are written one by one, so only the offending one
fails, with its own error, and the others are stored as if alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chassis.eventstore.store import Append

Write = Callable[[Sequence["Append"]], Awaitable[list[int]]]
Blame = Callable[[Exception, Sequence[Sequence["Append"]]], "int | None"]


class GroupCommit:
    def __init__(self, write: Write, *, blame: Blame, max_appends: int = 256) -> None:
        self._write = write
        self._blame = blame
        self._max_appends = max_appends
        self._queue: list[tuple[Sequence[Append], asyncio.Future[list[int]]]] = []
        self._flushing = False

    async def append(self, appends: Sequence[Append]) -> list[int]:
        done: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()
        self._queue.append((appends, done))
        if not self._flushing:
            self._flushing = True
            asyncio.create_task(self._drain())  # noqa: RUF006 (it ends when the queue is empty)
        return await done

    async def _drain(self) -> None:
        try:
            while self._queue:
                taken, self._queue = self._queue[: self._max_appends], self._queue[self._max_appends :]
                await self._flush(taken)
        finally:
            self._flushing = False

    async def _flush(self, taken: list[tuple[Sequence[Append], asyncio.Future[list[int]]]]) -> None:
        while len(taken := [(a, done) for a, done in taken if not done.cancelled()]) > 1:  # caller gone?
            try:
                positions = await self._write([append for appends, _ in taken for append in appends])
            except Exception as error:
                culprit = self._blame(error, [appends for appends, _ in taken])
                if culprit is None:
                    break  # below, each on its own
                _settle(taken.pop(culprit)[1], error=error)
                continue
            start = 0
            for appends, done in taken:
                count = sum(len(append.envelopes) for append in appends)
                _settle(done, result=positions[start : start + count])
                start += count
            return
        for appends, done in taken:
            try:
                result = await self._write(appends)
            except Exception as error:
                _settle(done, error=error)
            else:
                _settle(done, result=result)


def _settle(
    done: asyncio.Future[list[int]], *, result: list[int] | None = None, error: Exception | None = None
) -> None:
    if done.done():
        return
    if error is not None:
        done.set_exception(error)
    else:
        done.set_result(result or [])
