"""A fresh, empty workspace per importer test: where a team starts its migration."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def empty_workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "org").mkdir(parents=True)
    (root / "runbooks").mkdir()
    (root / "firebreak.toml").write_text('[workspace]\nprofile = "mid"\n')
    return root
