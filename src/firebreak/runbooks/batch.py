"""Parse many runbooks ahead of loading, on two cores when there are enough to be worth it.

``prime`` parses the files (half in a forked child, half here) and leaves the results where
:func:`firebreak.runbooks.parser.parse_runbook` finds them, so the workspace loader, which parses
one file after another, gets each result at once. A result is used only if the file's size and
modification time are unchanged since it was parsed.
"""

from __future__ import annotations

import os
from pathlib import Path

from firebreak.lint.findings import Finding
from firebreak.runbooks.model import Runbook

# Below this many files, starting a second process costs more than it saves.
PARALLEL_FROM = 150

Result = tuple[Runbook | None, list[Finding]]
Stamp = tuple[int, int]
_PRIMED: dict[tuple[str, str], tuple[Stamp, Result]] = {}


def stamp(path: Path) -> Stamp | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size)


def take(path: Path, display: str) -> Result | None:
    """A result primed for this file, if the file has not changed since."""
    entry = _PRIMED.pop((str(path), display), None)
    if entry is None or entry[0] != stamp(path):
        return None
    return entry[1]


def _parse_all(items: list[tuple[Path, str]]) -> list[tuple[Stamp | None, Result]]:
    from firebreak.runbooks.parser import parse_runbook

    return [(stamp(path), parse_runbook(path, display)) for path, display in items]


def _workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def prime(items: list[tuple[Path, str]]) -> None:
    """Parse ``items`` (path, display) ahead, in parallel when there are many and cores to spare."""
    import threading

    if len(items) < PARALLEL_FROM or _workers() < 2 or threading.active_count() > 1:
        return  # forking a process that runs threads is not safe
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        return
    from concurrent.futures.process import BrokenProcessPool

    half = len(items) // 2
    mine, theirs = items[:half], items[half:]
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            future = pool.submit(_parse_all, theirs)
            results = _parse_all(mine)
            results += future.result()
    except (BrokenProcessPool, OSError):
        return  # the second process could not run: the loader parses each file itself
    for (path, display), (when, result) in zip(items, results, strict=True):
        if when is not None:
            _PRIMED[(str(path), display)] = (when, result)


def clear() -> None:
    """Forget results that were primed but never taken."""
    _PRIMED.clear()
