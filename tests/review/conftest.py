"""Fixtures for the maintenance loop: the example workspace with six weeks of history."""

from __future__ import annotations

import sys
from pathlib import Path


sys.path.insert(0, str(Path(__file__).parent))
