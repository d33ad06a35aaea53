"""Shared fixtures: a fresh copy of the example workspace per test, and a CLI runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def example_workspace(tmp_path: Path) -> Iterator[Path]:
    """A fresh example workspace, as `firebreak init` writes it."""
    from firebreak.clock import SystemClock
    from firebreak.examples import write_example

    root = tmp_path / "ws"
    write_example(root, SystemClock().now().date())
    yield root
