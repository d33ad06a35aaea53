"""Schemathesis against the OpenAPI schema of a running server: no input gives a 5xx, and every
status answered is one the schema documents for that operation.

Uses schemathesis's Python API (each operation's Hypothesis strategy) rather than its pytest
plugin, so the test does not depend on pytest internals. Bounded (a handful of examples per
operation) so it runs in the normal suite in seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fb_server import Running, serve
from hypothesis import HealthCheck, given, settings

from firebreak.clock import SystemClock
from firebreak.examples import write_example

pytestmark = pytest.mark.slow  # starts firebreak or a server


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    root: Path = tmp_path_factory.mktemp("fuzz") / "ws"
    write_example(root, SystemClock().now().date())
    with serve(root) as running:
        yield running


def _check(case: Any, running: Running) -> None:
    token = running.tokens["admin"]
    response = case.call(base_url=running.url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
    documented = set(case.operation.responses.status_codes)
    code = str(response.status_code)
    assert code in documented or f"{code[0]}XX" in documented or "default" in documented, (
        f"undocumented status {code} (documented: {', '.join(sorted(documented))})"
    )
    content_type = str(response.headers.get("content-type", ""))
    if response.status_code >= 400 and "application/json" in content_type:
        body = response.json()
        assert "error" in body or body.get("status") == "invalid event", body
        assert "Traceback" not in response.text


def test_no_input_gives_a_server_error(fuzz_server: Running) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzz_server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the OpenAPI document lists no operations"
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
        )
        def run(case: Any) -> None:
            _check(case, fuzz_server)

        try:
            run()
        except AssertionError as exc:
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n".join(failures)
