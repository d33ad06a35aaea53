"""Concurrent submits share commits, and each caller waits for its own items to be committed."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from firebreak.web.groupcommit import GroupCommitter


def test_concurrent_submits_are_batched_and_all_committed() -> None:
    committed: list[list[int]] = []
    gate = threading.Event()

    def commit(batch: Sequence[int]) -> None:
        gate.wait(5)
        committed.append(list(batch))

    async def main() -> None:
        writer: GroupCommitter[int] = GroupCommitter(commit)
        await writer.start()
        first = asyncio.create_task(writer.submit([0]))
        await asyncio.sleep(0.01)  # the writer is now blocked committing [0]
        rest = [asyncio.create_task(writer.submit([i])) for i in range(1, 50)]
        await asyncio.sleep(0.01)
        assert not any(t.done() for t in rest)  # nobody is answered before the commit
        gate.set()
        await asyncio.gather(first, *rest)
        await writer.stop()

    asyncio.run(main())
    assert committed[0] == [0]
    assert sorted(i for batch in committed for i in batch) == list(range(50))
    assert len(committed) == 2  # the 49 waiting requests shared one commit


def test_a_failed_commit_fails_every_waiting_request() -> None:
    def commit(batch: Sequence[int]) -> None:
        raise OSError("disk full")

    async def main() -> None:
        writer: GroupCommitter[int] = GroupCommitter(commit)
        await writer.start()
        results = await asyncio.gather(
            *(writer.submit([i]) for i in range(3)), return_exceptions=True
        )
        assert all(isinstance(r, OSError) for r in results)
        await writer.stop()

    asyncio.run(main())


def test_submit_before_start_is_refused() -> None:
    writer: GroupCommitter[int] = GroupCommitter(lambda batch: None)
    with pytest.raises(RuntimeError):
        asyncio.run(writer.submit([1]))
