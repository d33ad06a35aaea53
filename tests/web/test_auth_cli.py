"""`firebreak token create` and `integration create` print the secret alone on stdout, once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from firebreak.store.db import open_store
from firebreak.web.credentials import find_integration, find_token

pytestmark = pytest.mark.slow  # starts firebreak or a server


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "firebreak", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_token_and_integration_create(example_workspace: Path) -> None:
    made = run(
        "token",
        "create",
        "--role",
        "responder",
        "--name",
        "dana",
        "--workspace",
        str(example_workspace),
    )
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert made.stdout == secret + "\n" and secret.startswith("fbt_")
    assert secret not in made.stderr
    key = run(
        "integration", "create", "--kind", "pagerduty", "--workspace", str(example_workspace)
    ).stdout.strip()
    assert len(key) == 32
    listed = run("token", "list", "--workspace", str(example_workspace))
    assert "dana" in listed.stdout and secret not in listed.stdout
    store = open_store(f"sqlite:///{example_workspace / 'firebreak.db'}")
    with store.unit_of_work(readonly=True) as uow:
        found = find_token(uow, secret, __import__("firebreak.clock").clock.utcnow())
        assert found is not None and found[0].role == "responder"
        info = find_integration(uow, key)
        assert info is not None and info.kind == "pagerduty"
    store.dispose()
    raw = (example_workspace / "firebreak.db").read_bytes()
    assert secret.encode() not in raw and key.encode() not in raw  # only hashes are stored
    bad = run("token", "create", "--role", "root", "--workspace", str(example_workspace))
    assert bad.returncode == 2 and "root" in bad.stderr
