"""Fixtures for the web tests: a running server on the example workspace."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fb_server import Running, serve


@pytest.fixture
def server(example_workspace: Path) -> Iterator[Running]:
    with serve(example_workspace) as running:
        yield running
