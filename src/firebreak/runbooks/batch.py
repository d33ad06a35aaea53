"""Parse many runbooks ahead of loading, on two cores when there are enough to be worth it.

``prime`` parses the files (half in a forked child, half here) and returns the results as a
:class:`~firebreak.runbooks.primed.Primed` that the caller hands to ``load_workspace`` or
``parse_runbook``, so the loader, which parses one file after another, gets each result at once.
A result is used only if the file's size and modification time are unchanged since it was parsed.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from firebreak.runbooks.parser import parse_runbook
from firebreak.runbooks.primed import Primed, Result, Stamp, stamp

# Below this many files, starting a second process costs more than it saves.
PARALLEL_FROM = 150


def _parse_all(items: list[tuple[Path, str]]) -> list[tuple[Stamp | None, Result]]:
    return [(stamp(path), parse_runbook(path, display)) for path, display in items]


def _workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def prime(items: list[tuple[Path, str]]) -> Primed:
    """Parse ``items`` (path, display) ahead, in parallel when there are many and cores to spare;
    the results are for ``load_workspace`` or ``parse_runbook`` (empty when it was not worth it)."""
    primed = Primed()
    if len(items) < PARALLEL_FROM or _workers() < 2 or threading.active_count() > 1:
        return primed  # forking a process that runs threads is not safe
    if "fork" not in multiprocessing.get_all_start_methods():
        return primed

    half = len(items) // 2
    mine, theirs = items[:half], items[half:]
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            future = pool.submit(_parse_all, theirs)
            results = _parse_all(mine)
            results += future.result()
    except (BrokenProcessPool, OSError):
        return primed  # the second process could not run: the loader parses each file itself
    for (path, display), (when, result) in zip(items, results, strict=True):
        if when is not None:
            primed.put(path, display, when, result)
    return primed
