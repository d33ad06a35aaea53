"""Group commit: concurrent intake requests share one transaction and one fsync.

Each request hands its items to :meth:`GroupCommitter.submit` and waits. One writer task takes
everything queued so far, commits it in a single unit of work on a worker thread, then wakes every
waiting request. While a commit runs, new requests queue up for the next one, so batches grow with
the load and a request never waits for more than about one commit. A request is answered only
after its items are on disk, so a sender that got a 2xx can forget the alert. When a shared commit
fails (and ``isolate`` says the error may be one request's fault), each request's items are
committed alone, so one bad request never fails another's.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from collections import deque
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class GroupCommitter(Generic[T]):
    """Batches items from concurrent callers into single commits done by ``commit``."""

    def __init__(
        self,
        commit: Callable[[Sequence[T]], None],
        max_batch: int = 2000,
        isolate: Callable[[Exception], bool] = lambda exc: True,
    ) -> None:
        self._commit = commit
        self._isolate = isolate
        self._max_batch = max_batch
        self._queue: deque[tuple[Sequence[T], asyncio.Future[None]]] = deque()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="intake-writer")
        self.batches = 0
        self.items = 0

    async def start(self) -> None:
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="intake-group-commit")

    async def stop(self) -> None:
        """Commit what is queued, then stop the writer."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        while self._queue:
            await self._flush_once()
        self._pool.shutdown(wait=True)

    async def submit(self, items: Sequence[T]) -> None:
        """Wait until ``items`` are committed; raises what the commit raised."""
        if not items:
            return
        if self._wake is None or self._task is None:
            raise RuntimeError("the intake writer is not running")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((items, future))
        self._wake.set()
        await future

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                await self._flush_once()

    async def _flush_once(self) -> None:
        taken: list[tuple[Sequence[T], asyncio.Future[None]]] = []
        count = 0
        while self._queue and count < self._max_batch:
            entry = self._queue.popleft()
            taken.append(entry)
            count += len(entry[0])
        batch = [item for items, _ in taken for item in items]
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._pool, self._commit, batch)
        except Exception as exc:
            if len(taken) > 1 and self._isolate(exc):
                await self._one_by_one(taken)
                return
            for _, future in taken:  # every waiting request learns the commit failed
                if not future.done():
                    future.set_exception(exc)
            return
        self.batches += 1
        self.items += len(batch)
        for _, future in taken:
            if not future.done():
                future.set_result(None)

    async def _one_by_one(self, taken: list[tuple[Sequence[T], asyncio.Future[None]]]) -> None:
        """A shared commit failed: commit each request's items alone, so one bad request fails
        only itself and the others are committed."""
        loop = asyncio.get_running_loop()
        for items, future in taken:
            try:
                await loop.run_in_executor(self._pool, self._commit, items)
            except Exception as exc:
                if not future.done():
                    future.set_exception(exc)
                continue
            self.batches += 1
            self.items += len(items)
            if not future.done():
                future.set_result(None)
