"""`firebreak route test` answers with the real router, and bad routing input is a finding with
file and line (lint, route test, serve), never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # starts firebreak or a server

FIREBREAK = [sys.executable, "-m", "firebreak"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FIREBREAK, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_route_test_json_for_an_alertmanager_alert(example_workspace: Path) -> None:
    done = run(
        "route", "test", "--workspace", str(example_workspace), "--format", "json",
        "--labels", "alertname=ChatAPIHighErrorRate,severity=critical",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "service": "chat-api",
        "scenario": "inference_outage",
        "severity": "sev1",
        "runbook": "chat-api-inference-outage",
        "escalation": "ml-platform-page",
        "route": 0,
        "inhibited_by": None,
    }


def test_route_test_applies_an_integration_binding(example_workspace: Path) -> None:
    ws = str(example_workspace)
    made = run(
        "integration", "create", "--kind", "alertmanager", "--name", "agents",
        "--service", "agent-runner", "--workspace", ws,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert len(made.stdout.strip().splitlines()) == 1  # the key alone on standard output
    done = run(
        "route", "test", "--workspace", ws, "--format", "json",
        "--labels", "alertname=Loop", "--integration", "agents",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert (found["service"], found["escalation"]) == ("agent-runner", "applied-ai-page")
    text = run("route", "test", "--workspace", ws, "--labels", "alertname=Loop")
    assert "escalation   ml-platform-page (from the default)" in text.stdout


def test_a_binding_to_an_unknown_service_is_refused(example_workspace: Path) -> None:
    done = run(
        "integration", "create", "--kind", "generic", "--service", "nope",
        "--workspace", str(example_workspace),
    )  # fmt: skip
    assert done.returncode == 2 and "no service 'nope'" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


BAD_SETTINGS = [
    (
        '[[routing.routes]]\nmatch = {alertname = "~(unclosed"}\nset = {service = "chat-api"}\n',
        "not a regular expression",
    ),
    ('[server]\npublic_url = "firebreak.example.com"\n', "expected an http(s) URL"),
    ('[[routing.routes]]\nmatch = {"bad label" = "x"}\n', "is not a label name"),
    (
        '[[routing.routes]]\nmatch = {alertname = "X"}\nset = {service = "nope"}\n',
        "unknown service",
    ),
]


@pytest.mark.parametrize(("block", "message"), BAD_SETTINGS)
def test_bad_routing_input_is_a_finding_with_file_and_line(
    example_workspace: Path, block: str, message: str
) -> None:
    toml = example_workspace / "firebreak.toml"
    before = toml.read_text()
    # Replace the example's [server]/[routing] so the broken block is the only one.
    head = before.split("\n[server]")[0]
    toml.write_text(f"{head}\n\n{block}")
    first_line = len(f"{head}\n\n".splitlines()) + 1
    done = run("lint", str(example_workspace), "--format", "json")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    found = [f for f in json.loads(done.stdout) if message in f["message"]]
    assert found, done.stdout
    assert found[0]["path"].endswith("firebreak.toml")
    assert first_line <= found[0]["line"] <= first_line + 2
    refused = run("route", "test", "--workspace", str(example_workspace), "--labels", "a=b")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"firebreak.toml:{found[0]['line']}" in refused.stderr


def test_an_inhibit_rule_in_a_foreign_label_form_is_a_finding_with_file_and_line(
    example_workspace: Path,
) -> None:
    toml = example_workspace / "firebreak.toml"
    text = toml.read_text()
    old = 'source = {scenario = "third_party_failure"}'
    assert old in text
    toml.write_text(text.replace(old, 'source = {scenario = "=~third.*"}'))
    wanted = next(i for i, line in enumerate(toml.read_text().splitlines(), 1) if "=~third" in line)
    done = run("lint", str(example_workspace), "--format", "json")
    assert "Traceback" not in done.stderr
    found = [f for f in json.loads(done.stdout) if f["code"] == "FB609"]
    assert found and found[0]["path"].endswith("firebreak.toml")
    assert wanted - 1 <= found[0]["line"] <= wanted  # the rule or its `source` line
    routed = run("route", "test", "--workspace", str(example_workspace), "--labels", "a=b")
    assert routed.returncode == 0 and "Traceback" not in routed.stderr


def test_route_test_names_the_open_incident_that_inhibits_the_alert(
    example_workspace: Path,
) -> None:
    from datetime import UTC, datetime

    from firebreak.incidents.intake import record_alert
    from firebreak.incidents.model import AlertIn
    from firebreak.incidents.pipeline import process_pending
    from firebreak.store.db import open_store
    from firebreak.workspace import require

    ws = require(example_workspace)
    store = open_store(ws.db_url)
    store.upgrade()
    now = datetime.now(UTC)
    cause = AlertIn(
        source="generic",
        dedup_key="openai-down",
        labels={"scenario": "third_party_failure", "provider": "openai", "service": "chat-api"},
        summary="OpenAI API failing",
    )
    with store.unit_of_work() as uow:
        record_alert(uow, cause, now)
    with store.unit_of_work() as uow:
        opened = process_pending(uow, ws, now).opened
    store.dispose()
    labels = "alertname=ChatAPIHighErrorRate,severity=critical"
    args = ["route", "test", "--workspace", str(example_workspace), "--format", "json"]
    held = json.loads(run(*args, "--labels", f"{labels},provider=openai").stdout)
    assert held["inhibited_by"]["incident"] == opened[0] and held["inhibited_by"]["rule"] == 1
    free = json.loads(run(*args, "--labels", f"{labels},provider=anthropic").stdout)
    assert free["inhibited_by"] is None and free["escalation"] == "ml-platform-page"
