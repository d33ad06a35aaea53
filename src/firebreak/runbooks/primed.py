"""Runbooks parsed ahead of loading (``runbooks.batch.prime``), handed to the loader explicitly.

A result is used only if the file's size and modification time are unchanged since it was
parsed, and only once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from firebreak.lint.findings import Finding
from firebreak.runbooks.model import Runbook

Result = tuple[Runbook | None, list[Finding]]
Stamp = tuple[int, int]


def stamp(path: Path) -> Stamp | None:
    """The file's modification time and size, or None when it cannot be read."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size)


@dataclass
class Primed:
    """Parse results by (path, display), each with the stamp its file had when parsed."""

    results: dict[tuple[str, str], tuple[Stamp, Result]] = field(default_factory=dict)

    def put(self, path: Path, display: str, when: Stamp, result: Result) -> None:
        self.results[(str(path), display)] = (when, result)

    def take(self, path: Path, display: str) -> Result | None:
        """The result primed for this file, if the file has not changed since."""
        entry = self.results.pop((str(path), display), None)
        if entry is None or entry[0] != stamp(path):
            return None
        return entry[1]

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self.results
