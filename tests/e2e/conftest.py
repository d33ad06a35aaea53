"""End-to-end fixtures: the web tests' loopback server helper, and where screenshots go."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"  # gitignored; screenshots to look at


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
