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


def test_one_bad_request_fails_only_itself_when_it_shares_a_commit() -> None:
    committed: list[int] = []
    gate = threading.Event()

    def commit(batch: Sequence[int]) -> None:
        gate.wait(5)
        if -1 in batch:  # the store refuses the whole transaction
            raise ValueError("refused")
        committed.extend(batch)

    async def main() -> list[object]:
        writer: GroupCommitter[int] = GroupCommitter(commit)
        await writer.start()
        first = asyncio.create_task(writer.submit([0]))
        await asyncio.sleep(0.01)  # the rest queue behind the first commit, into one batch
        rest = [writer.submit([-1] if i == 5 else [i]) for i in range(1, 10)]
        gate.set()
        results = await asyncio.gather(first, *rest, return_exceptions=True)
        await writer.stop()
        return results

    results = asyncio.run(main())
    assert [type(r).__name__ for r in results].count("ValueError") == 1
    assert isinstance(results[5], ValueError)
    assert sorted(committed) == [0, 1, 2, 3, 4, 6, 7, 8, 9]


def test_a_store_outage_is_not_retried_request_by_request() -> None:
    calls: list[int] = []

    def commit(batch: Sequence[int]) -> None:
        calls.append(len(batch))
        raise OSError("store down")

    async def main() -> None:
        writer: GroupCommitter[int] = GroupCommitter(commit, isolate=lambda exc: False)
        await writer.start()
        gate = asyncio.gather(*(writer.submit([i]) for i in range(5)), return_exceptions=True)
        assert all(isinstance(r, OSError) for r in await gate)
        await writer.stop()

    asyncio.run(main())
    assert sum(calls) == 5  # each item was tried once
