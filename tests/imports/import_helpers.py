"""Helpers for the importer tests: run `firebreak import` as a user does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def run_import(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "firebreak", "import", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
