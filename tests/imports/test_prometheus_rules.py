"""`firebreak import prometheus-rules` on rules in the shape of a public mixin, then lint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from import_helpers import FIXTURES, run_import

from firebreak.workspace import load_workspace

pytestmark = pytest.mark.slow  # starts firebreak or a server

RULES = FIXTURES / "prometheus"
# What lint may say about a freshly imported runbook: only what a person still has to write.
STILL_TO_WRITE = {
    "FB101",  # owner (and service when the rule has no service label)
    "FB104",  # a service label org/ does not define yet
    "FB202",  # never reviewed
    "FB203",  # TODO placeholders for Impact and steps
    "FB302",  # a rule with no `for`
    "FB402",
    "FB403",
    "FB404",
    "FB405",
    "FB501",
    "FB601",
    "FB606",  # no escalation reaches the alert yet (no [routing] default_escalation)
    "FB701",
}


def _lint(root: Path) -> list[dict[str, object]]:
    result = subprocess.run(
        [sys.executable, "-m", "firebreak", "lint", str(root), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    found: list[dict[str, object]] = json.loads(result.stdout)
    return found


def test_every_alerting_rule_becomes_a_runbook_that_lints_with_what_is_left_to_write(
    empty_workspace: Path,
) -> None:
    files = [str(p) for p in sorted(RULES.glob("*.yaml"))]
    result = run_import("prometheus-rules", *files, "-w", str(empty_workspace), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["runbooks"]) == 8  # every alerting rule, the duplicate name numbered
    assert "runbooks/imported/GatewayHighErrorRate-2.md" in report["runbooks"]
    assert report["recording_rules"] == [
        "job:gateway_requests:rate5m",
        "job:gateway_request_errors:ratio_rate5m",
    ]
    findings = _lint(empty_workspace)
    codes = {str(f["code"]) for f in findings}
    assert codes <= STILL_TO_WRITE, codes - STILL_TO_WRITE
    assert "FB302" in codes  # GatewayTokenSpendSpike has no `for`
    runbooks = {r.id: r for r in load_workspace(empty_workspace).workspace.runbooks}
    assert len(runbooks) == 8
    high = runbooks["GatewayHighErrorRate"]
    trig = high.triggers[0]
    assert trig.above == 0.05 and trig.for_ is not None and trig.for_.total_seconds() == 600
    assert trig.labels == {"severity": "critical", "team": "ml-platform"}
    assert trig.promql is not None and trig.promql.rstrip().endswith(
        "sum by (job, provider) (rate(gateway_requests_total[5m]))"
    )
    assert high.severity == "sev1" and runbooks["GatewayHighErrorRate-2"].severity == "sev3"
    text = (empty_workspace / "runbooks/imported/GatewayHighErrorRate.md").read_text()
    assert "https://runbooks.example.com/gateway/GatewayHighErrorRate" in text
    down = runbooks["GatewayDown"].triggers[0]  # `== 0` keeps Prometheus's meaning
    assert down.promql == '(up{job="llm-gateway"} == 0) * 0 + 1' and down.above == 0
    assert runbooks["EmbeddingsLatencyHigh"].service == "embeddings"


def test_a_rule_that_does_not_parse_names_its_line_and_nothing_is_written(
    empty_workspace: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: Fine\n        expr: up == 0\n"
        "      - alert: Broken\n        expr: sum(rate(x[5m])\n"
    )
    result = run_import("prometheus-rules", str(bad), "-w", str(empty_workspace))
    assert result.returncode == 2
    assert f"{bad}:6:9: rule Broken: expr does not parse" in result.stderr, result.stderr
    assert not (empty_workspace / "runbooks" / "imported").exists()


def test_a_file_that_is_not_rules_is_refused(empty_workspace: Path, tmp_path: Path) -> None:
    bad = tmp_path / "alertmanager.yml"
    bad.write_text("route:\n  receiver: x\n")
    result = run_import("prometheus-rules", str(bad), "-w", str(empty_workspace))
    assert result.returncode == 2 and "expected a Prometheus rule file" in result.stderr
