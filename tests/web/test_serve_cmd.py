"""`firebreak serve` as a user runs it: URL on stderr, a first admin token once on stdout,
the token works, a second start creates none; intake keys never reach the access log."""

from __future__ import annotations

import logging
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from firebreak.web.app import RedactKeys, redact_path


def start(workspace: Path, folder: Path, name: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
    out, err = folder / f"{name}.out", folder / f"{name}.err"
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "firebreak",
                "serve",
                "--workspace",
                str(workspace),
                "--port",
                "0",
            ],
            stdout=o,
            stderr=e,
        )
    return proc, out, err


def wait_url(err: Path, proc: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"at (http://127\.0\.0\.1:\d+/)", err.read_text())
        if found:
            url = found.group(1)
            try:
                if httpx.get(f"{url}healthz", timeout=2).status_code == 200:
                    return url
            except httpx.HTTPError:
                pass
        assert proc.poll() is None, err.read_text()
        time.sleep(0.2)
    raise AssertionError("serve did not start: " + err.read_text())


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    proc.wait(30)


@pytest.mark.slow
def test_first_start_prints_an_admin_token_once(example_workspace: Path, tmp_path: Path) -> None:
    proc, out, err = start(example_workspace, tmp_path, "first")
    try:
        url = wait_url(err, proc)
        token = out.read_text().strip()
        assert token.startswith("fbt_") and "\n" not in token
        assert token not in err.read_text()
        answer = httpx.get(f"{url}api/tokens", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and answer.json()["tokens"][0]["role"] == "admin"
    finally:
        stop(proc)
    proc, out, err = start(example_workspace, tmp_path, "second")
    try:
        wait_url(err, proc)
        assert out.read_text() == ""
    finally:
        stop(proc)


@pytest.mark.slow
def test_serve_refuses_a_missing_workspace(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "firebreak", "serve", "--workspace", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "not found" in done.stderr and "Traceback" not in done.stderr


def test_access_log_hides_intake_keys() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s"',
        ("127.0.0.1", "POST", "/intake/alertmanager/0123abcd?x=1"),
        None,
    )
    RedactKeys().filter(record)
    assert "0123abcd" not in record.getMessage()
    assert redact_path("/intake/generic/s3cret") == "/intake/generic/***"
    assert redact_path("POST /a/eyJuIjo0fQ.c2lnbmF0dXJl HTTP/1.1") == "POST /a/*** HTTP/1.1"
