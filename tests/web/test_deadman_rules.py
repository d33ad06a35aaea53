"""The Prometheus rules in docs/deployment.md are valid and page on what they say: a stalled
inbox, a refused reload, a process that stopped answering (checked by the real promtool)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # starts a server

PROMTOOL = shutil.which("promtool")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
pytestmark = pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed")

UNIT = """
rule_files: [rules.yml]
evaluation_interval: 15s
tests:
  - interval: 15s
    input_series:
      - series: 'up{job="firebreak", instance="a"}'
        values: '1x8 0x20'
      - series: 'firebreak_inbox_oldest_seconds{job="firebreak", instance="a"}'
        values: '0x4 75x20'
      - series: 'firebreak_workspace_reload_success{job="firebreak", instance="a"}'
        values: '1x4 0x40'
    alert_rule_test:
      - {eval_time: 1m, alertname: FirebreakInboxStalled, exp_alerts: []}
      - eval_time: 3m
        alertname: FirebreakInboxStalled
        exp_alerts:
          - exp_labels: {severity: critical, job: firebreak, instance: a}
            exp_annotations:
              summary: "an alert has waited 1m 15s in the firebreak inbox"
      - {eval_time: 3m, alertname: FirebreakWorkspaceReloadFailed, exp_alerts: []}
      - eval_time: 7m
        alertname: FirebreakWorkspaceReloadFailed
        exp_alerts:
          - exp_labels: {severity: warning, job: firebreak, instance: a}
            exp_annotations:
              summary: "firebreak refused a workspace change; it pages with the previous revision"
      - {eval_time: 2m, alertname: FirebreakDown, exp_alerts: []}
      - eval_time: 5m
        alertname: FirebreakDown
        exp_alerts:
          - exp_labels: {severity: critical, job: firebreak, instance: a}
            exp_annotations:
              summary: "firebreak a does not answer: alerts may not page anyone"
"""


def test_the_documented_rules_page_on_a_stall_a_refused_reload_and_a_dead_process(
    tmp_path: Path,
) -> None:
    text = DOCS.read_text()
    block = re.search(r"dead man's switch\)\n.*?```yaml\n(.*?)```", text, re.S)
    assert block, "docs/deployment.md lost its rules block"
    (tmp_path / "rules.yml").write_text(block.group(1))
    (tmp_path / "test.yml").write_text(UNIT)
    assert PROMTOOL is not None
    checked = subprocess.run(
        [PROMTOOL, "check", "rules", "rules.yml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run(
        [PROMTOOL, "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
